package sim

import (
	"fmt"
	"sync"

	"github.com/scalite/scalite/model"
)

// What the window's meetings ask for, whatever the policy: participant-
// seconds, live load-seconds and egress. Every run of one trace and
// window (the policy's, its baseline's, the other band reading's, every
// candidate of a sweep) has the same, so they are summed once, over the
// meetings in the order a run meets them (those running at the window's
// start when it starts warm, then each as it starts), which gives the very
// sums each run used to add up as it went.

// demandTotals are the window's demand figures.
type demandTotals struct {
	seconds  int64   // participant-seconds
	load     float64 // live load, LU-seconds (with the load model)
	egressGB float64 // what the meetings send (with bitrates)
}

// sumDemand sums the window's demand over its meetings.
func sumDemand(o *Options) demandTotals {
	var d demandTotals
	for i := range o.Meetings {
		m := &o.Meetings[i]
		switch {
		case m.Start >= o.To:
			return d
		case m.Start < o.From && !runsIntoWarmStart(o, m):
			// Left out: ended before the window, or started cold.
		case m.Start < o.From:
			d.seconds += m.ParticipantSecondsBetween(o.From, o.To)
			if o.Load != nil {
				d.load += o.Load.LoadSeconds(m, o.From, o.To)
			}
			if o.Bitrates != nil {
				d.egressGB += o.Bitrates.EgressGB(m, o.From, o.To)
			}
		default:
			d.seconds += m.ParticipantSecondsBetween(m.Start, o.To)
			d.addStarted(o, m)
		}
	}
	return d
}

// addStarted adds a meeting that starts in the window from its start on.
func (d *demandTotals) addStarted(o *Options, m *model.Meeting) {
	if len(m.Curve) == 0 && len(m.Media) == 0 {
		// One mix throughout, most meetings: one mix for both, the same
		// figures the general functions give.
		mix := m.MixAt(m.Start, m.Participants)
		dur := float64(min(m.End, o.To) - m.Start)
		if o.Bitrates != nil {
			d.egressGB += o.Bitrates.MeetingKbps(mix) * dur * 1000 / 8 / 1e9
		}
		if o.Load != nil {
			d.load += o.Load.LiveLoad(model.TallyOf(mix)) * dur
		}
		return
	}
	if o.Bitrates != nil {
		d.egressGB += o.Bitrates.EgressGB(m, m.Start, o.To)
	}
	if o.Load != nil {
		d.load += o.Load.LoadSeconds(m, m.Start, o.To)
	}
}

// demand is the window's demand figures, summed by the first run to ask
// (at its end, so that a run beside it goes on meanwhile): the cache's
// when runs share one (BaselineCache), else Run's own.
func (c *BaselineCache) demand(o *Options) *demandEntry {
	if c == nil {
		return &demandEntry{trace: o.Meetings}
	}
	k := fmt.Sprintf("%d|%d|%p|%d|%p|%p|%t", o.From, o.To, traceAddr(o.Meetings), len(o.Meetings), o.Load, o.Bitrates, o.WarmStart)
	return entryFor(c, c.demands, k, func() *demandEntry { return &demandEntry{trace: o.Meetings} })
}

// get sums the figures for the first run that asks; o is any of the runs
// sharing them (they have the same trace, window and media models).
func (e *demandEntry) get(o *Options) demandTotals {
	e.once.Do(func() { e.totals = sumDemand(o) })
	return e.totals
}

type demandEntry struct {
	once   sync.Once
	totals demandTotals
	// trace is held so that no other trace can be allocated where it
	// lies while the cache lives: the key names the trace by its address.
	trace []model.Meeting
}
