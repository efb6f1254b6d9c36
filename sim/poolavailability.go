package sim

import (
	"sort"

	"github.com/scalite/scalite/model"
)

// Pool availability in the advisor model. Each spot pool alternates
// between available and unavailable (Options.PoolAvailability draws the
// spells; launches into an unavailable pool fail, and a pool going
// unavailable interrupts its running spot instances, as a replayed trace
// does), and a pool's advisor band may change over time (Options.Bands,
// e.g. from SpotLake), moving its reclaim hazard with it.

// BandStep is a market's advisor band from At (Unix seconds) on.
type BandStep struct {
	At   int64
	Band model.AdvisorBand
}

// PoolAvailabilityFunc draws a spot pool's availability over [from, to)
// given its advisor band over that window (bands: in time order, the
// first at from). It must be deterministic in its arguments and the same
// for a market whatever the other markets are, so that every candidate
// policy run on a seed sees the same spells in the same pool (common
// random numbers). The simulator only reads what it returns.
type PoolAvailabilityFunc func(k model.MarketKey, bands []BandStep, from, to int64, seed uint64) *Availability

// advisorPool sets a spot market up for the advisor model: its reclaim
// rate, the band steps reclaims follow when the band changes in the
// window, and its availability spells.
func (w *world) advisorPool(m *market) {
	o := w.o
	band := model.BandOver20
	if t, ok := o.Policy.Type(m.key.InstanceType); ok {
		band = t.Band
	}
	steps := bandSteps(o.Bands[m.key], band, o.From)
	if o.ReclaimShare > 0 && o.HazardMultiplier > 0 {
		for _, s := range steps {
			m.perSecond = max(m.perSecond, w.reclaimRate(s.Band))
		}
		if len(steps) > 1 {
			// Reclaim events come at the highest rate of the window and
			// are kept with the share the band in force then has of it
			// (thinning: exact for a piecewise-constant rate).
			m.bands = steps
		}
	}
	if o.PoolAvailability != nil {
		m.avail = o.PoolAvailability(m.key, steps, o.From, o.To, o.Seed)
	}
}

// reclaimRate is a pool's rate of reclaim events in a band, per second.
func (w *world) reclaimRate(band model.AdvisorBand) float64 {
	o := w.o
	// Each event takes ReclaimShare of the pool on average, so the
	// per-instance hazard is rate x share.
	r := band.HourlyHazard() * o.HazardMultiplier / o.ReclaimShare / 3600
	if o.AdvisorReading == ReadingPerInstance && o.LifetimeHours > 0 {
		// HourlyHazard spreads -ln(1-f) over a 730-hour month; per
		// instance it is spread over one lifetime.
		r *= hoursPerMonth / o.LifetimeHours
	}
	return r
}

// bandSteps is a market's band over a window starting at from: the step
// in force at from (the type's band when the history starts later), then
// the later changes.
func bandSteps(history []BandStep, typeBand model.AdvisorBand, from int64) []BandStep {
	out := []BandStep{{At: from, Band: typeBand}}
	for _, s := range history {
		switch {
		case s.At <= from:
			out[0].Band = s.Band
		case s.Band != out[len(out)-1].Band:
			out = append(out, s)
		}
	}
	return out
}

// bandAt is the band of the steps in force at t.
func bandAt(steps []BandStep, t int64) model.AdvisorBand {
	b := steps[0].Band
	for _, s := range steps[1:] {
		if s.At > t {
			break
		}
		b = s.Band
	}
	return b
}

// reclaimHolds reports whether a reclaim event drawn at the market's
// highest rate is kept now (thinning); always without band changes, when
// nothing is drawn, so a run without a band history is as it was.
func (w *world) reclaimHolds(m *market) bool {
	if m.bands == nil {
		return true
	}
	return m.rng.Float64()*m.perSecond < w.reclaimRate(bandAt(m.bands, w.now))
}

// nextChange is the offset of the first tick after off's whose value
// differs from off's, or of the first change after off: the next time the
// pool changes state. The simulator waits for it rather than looking at
// every tick.
func (a *Availability) nextChange(off int64) (int64, bool) {
	if len(a.Data) == 0 {
		n := sort.Search(len(a.Changes), func(i int) bool { return a.Changes[i] > off })
		if n == len(a.Changes) {
			return 0, false
		}
		return a.Changes[n], true
	}
	if off < 0 {
		return 0, false
	}
	i := off / a.GapSeconds
	if i >= int64(len(a.Data)) {
		return 0, false
	}
	for j := i + 1; j < int64(len(a.Data)); j++ {
		if a.Data[j] != a.Data[i] {
			return j * a.GapSeconds, true
		}
	}
	return 0, false
}
