package engine

import (
	"math"
	"slices"
	"sort"

	"github.com/scalite/scalite/model"
)

// schedule is a timetable's expected participants (model.Policy.Timetable)
// as a step function: level[i] participants are scheduled from at[i] until
// at[i+1].
type schedule struct {
	at    []int64
	level []int
}

// newSchedule sums the sessions into a step function; nil without any.
func newSchedule(ss []model.Session) *schedule {
	if len(ss) == 0 {
		return nil
	}
	type change struct {
		t int64
		d int
	}
	cs := make([]change, 0, 2*len(ss))
	for _, s := range ss {
		if s.End <= s.Start || s.Participants <= 0 {
			continue
		}
		cs = append(cs, change{s.Start, s.Participants}, change{s.End, -s.Participants})
	}
	if len(cs) == 0 {
		return nil
	}
	slices.SortStableFunc(cs, func(a, b change) int {
		switch {
		case a.t < b.t:
			return -1
		case a.t > b.t:
			return 1
		}
		return 0
	})
	sc := &schedule{}
	level := 0
	for i, c := range cs {
		level += c.d
		if i+1 < len(cs) && cs[i+1].t == c.t {
			continue // one step per instant
		}
		sc.at = append(sc.at, c.t)
		sc.level = append(sc.level, level)
	}
	return sc
}

// levelAt is the participants scheduled at t.
func (s *schedule) levelAt(t int64) int {
	i := sort.Search(len(s.at), func(i int) bool { return s.at[i] > t }) - 1
	if i < 0 {
		return 0
	}
	return s.level[i]
}

// peak is the most participants scheduled at any time in [from, to].
func (s *schedule) peak(from, to int64) int {
	i := sort.Search(len(s.at), func(i int) bool { return s.at[i] > from }) - 1
	best := 0
	if i >= 0 {
		best = s.level[i]
	}
	for j := i + 1; j < len(s.at) && s.at[j] <= to; j++ {
		best = max(best, s.level[j])
	}
	return best
}

// nextChange is the first change of the scheduled level after t,
// math.MaxInt64 if none.
func (s *schedule) nextChange(t int64) int64 {
	i := sort.Search(len(s.at), func(i int) bool { return s.at[i] > t })
	if i == len(s.at) {
		return math.MaxInt64
	}
	return s.at[i]
}

// timetableLead is how far ahead scheduled sessions are served: the
// pre-warming lead plus the time a launch takes to serve, as for learned
// pre-warming.
func (p *Planner) timetableLead() int64 {
	return p.pol.PreWarmLead + p.pol.LaunchToRunning + p.pol.BootTime
}

// timetableDemand is the demand the timetable foresees from now: the
// most participants scheduled over the lead, plus the load observed now
// beyond what was scheduled lately (meetings outside the timetable).
// "Lately" reaches back prewarm.lead: sessions that just ended may still
// run (late starts, overruns), and counting their participants as
// unscheduled would add them to the next session's.
func (p *Planner) timetableDemand(now int64, observed int) int {
	unscheduled := max(0, observed-p.schedule.peak(now-p.pol.PreWarmLead, now))
	return p.schedule.peak(now, now+p.timetableLead()) + unscheduled
}

// timetableQuietUntil is the first time after now at which
// timetableDemand can change on an unchanged observation: a scheduled
// change enters the lead window, passes now or leaves the look-back. QuietUntil must take it
// into account when the policy has a timetable.
func (p *Planner) timetableQuietUntil(now int64) int64 {
	if p.schedule == nil {
		return math.MaxInt64
	}
	lead, back := p.timetableLead(), p.pol.PreWarmLead
	until := p.schedule.nextChange(now)
	if t := p.schedule.nextChange(now + lead); t != math.MaxInt64 && t-lead < until {
		until = t - lead
	}
	if t := p.schedule.nextChange(now - back); t != math.MaxInt64 && t+back > now && t+back < until {
		until = t + back // a change leaves the look-back
	}
	return until
}
