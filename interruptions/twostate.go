package interruptions

import (
	"fmt"
	"sort"
)

// Pool names one spot pool: an instance type in an availability zone.
type Pool struct {
	InstanceType string `yaml:"instance_type"`
	AZ           string `yaml:"az"`
}

func (p Pool) String() string { return p.InstanceType + "/" + p.AZ }

func sortPools(ps []Pool) {
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].InstanceType != ps[j].InstanceType {
			return ps[i].InstanceType < ps[j].InstanceType
		}
		return ps[i].AZ < ps[j].AZ
	})
}

// Spells are the periods of one state in a sampled availability sequence.
type Spells struct {
	// Complete holds the lengths (hours) of spells seen to end, i.e.
	// followed by the other state: each is one transition out of the state.
	Complete []float64
	// ExposureHours is all time seen in the state, including the spell
	// cut by the trace's end (censored: it adds time but no transition).
	ExposureHours float64
}

// splitSpells turns a sampled up/down sequence, one value per gap hours,
// into up and down spells. The first spell counts as exposure and, when it
// ends inside the trace, as a transition (exponential holding times are
// memoryless, so a spell already under way when observation began is as
// good as a fresh one); the last spell is censored.
func splitSpells(up []bool, gap float64) (ups, downs Spells) {
	for i := 0; i < len(up); {
		j := i
		for j < len(up) && up[j] == up[i] {
			j++
		}
		d := float64(j-i) * gap
		s := &downs
		if up[i] {
			s = &ups
		}
		s.ExposureHours += d
		if j < len(up) {
			s.Complete = append(s.Complete, d)
		}
		i = j
	}
	return ups, downs
}

// TwoState is a pool's fitted two-state availability model.
type TwoState struct {
	// Up is the rate of leaving the available state (a capacity crunch:
	// launches fail and running spot instances are reclaimed), per hour
	// available.
	Up Rate `yaml:"available_to_unavailable"`
	// Down is the rate of capacity coming back, per hour unavailable.
	Down Rate `yaml:"unavailable_to_available"`
	// UpFit and DownFit compare the observed holding times with the
	// fitted exponentials.
	UpFit   Fit `yaml:"available_fit"`
	DownFit Fit `yaml:"unavailable_fit"`
}

// AvailableShare is the long-run share of time the pool is available,
// Down/(Up+Down) in rates; 1 when the pool was never seen leaving it.
func (t TwoState) AvailableShare() float64 {
	u, d := t.Up.PerHour, t.Down.PerHour
	switch {
	case t.Up.Events == 0:
		return 1
	case t.Down.ExposureHours == 0 || u+d == 0:
		return 0
	}
	return d / (u + d)
}

// CrunchesPerHour is the long-run rate of available -> unavailable
// transitions per hour of wall time: the rate leaving the available state
// times the share of time spent there.
func (t TwoState) CrunchesPerHour() float64 {
	if t.Up.Events == 0 {
		return 0
	}
	return t.Up.PerHour * t.AvailableShare()
}

// FitTwoState fits the two-state model to one sampled sequence, one value
// per gapSeconds.
func FitTwoState(up []bool, gapSeconds int64, confidence float64) (TwoState, error) {
	if gapSeconds <= 0 {
		return TwoState{}, fmt.Errorf("gap must be positive, got %d s", gapSeconds)
	}
	if len(up) == 0 {
		return TwoState{}, fmt.Errorf("no samples")
	}
	gap := float64(gapSeconds) / 3600
	ups, downs := splitSpells(up, gap)
	t := TwoState{
		Up:   EstimateRate(len(ups.Complete), ups.ExposureHours, confidence),
		Down: EstimateRate(len(downs.Complete), downs.ExposureHours, confidence),
	}
	t.UpFit = ksExponential(ups.Complete, t.Up.PerHour, gap)
	t.DownFit = ksExponential(downs.Complete, t.Down.PerHour, gap)
	return t, nil
}
