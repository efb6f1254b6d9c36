package sim

import "github.com/scalite/scalite/model"

// The window's start. A window cut out of a longer history opens on
// meetings already running and on the fleet serving them. Started cold,
// the fleet is empty and those meetings are left out: users are rejected
// in the first minutes while the first servers boot, and the meetings of
// that morning never count, neither of which a fleet that has been running
// all along sees. Started warm (Options.WarmStart), the window opens as
// the engine would have it:
//
//   - the fleet is what the engine plans for the demand at the start (its
//     plan repeated until it launches nothing more), every server running,
//     enabled and already polled by Scalelite, and billed from the start;
//     the random launch and boot failures of launching it are in the past,
//     but a pool the engine cannot launch into then (price above the max
//     price, no capacity in a replayed trace, no price yet) stays empty;
//   - each meeting running at the start is placed, in start order, by
//     Scalelite's placement, at its size then, with its later size changes
//     and end as the trace has them. It was created before the window, so
//     its join buffer runs from its real start, and Scalelite has polled
//     its server since (each placement sees the load of the ones before).
//     Its demand counts from the window's start only.

// warmPlanRounds bounds the plans of a warm start: each launches what the
// one before could not (a pool found unavailable sends the engine to the
// next); a fleet settles in one or two.
const warmPlanRounds = 64

// runsIntoWarmStart reports whether a meeting that started before the
// window is part of the run: it is still running at the window's start,
// and the window starts warm.
func runsIntoWarmStart(o *Options, m *model.Meeting) bool {
	return o.WarmStart && m.End > o.From
}

// openWindow enters the meetings that started before the window: started
// warm, the ones still running are placed on the fleet the engine holds
// for them; otherwise all are left out.
func (w *world) openWindow() {
	o := w.o
	first := w.next
	for w.next < len(o.Meetings) && o.Meetings[w.next].Start < o.From {
		i := int32(w.next)
		w.next++
		if runsIntoWarmStart(o, &o.Meetings[i]) {
			w.warmMeeting(i)
			continue
		}
		w.meetings[i].mode = modeDone
	}
	if !o.WarmStart {
		return
	}
	w.res.WarmStart = true
	for i := range w.markets {
		// The fleet at the start is the one the capacity then allowed: the
		// availability event at From then finds nothing to interrupt.
		if m := &w.markets[i]; m.avail != nil {
			m.up = m.avail.Up(0)
		}
	}
	w.warmFleet()
	for i := first; i < w.next; i++ {
		if w.meetings[i].mode == modeWaiting {
			w.placeWarm(int32(i))
		}
	}
}

// warmMeeting enters a meeting running at the window's start: its size
// then, its later size changes and end, and its demand from the window's
// start on. It is placed once the fleet is up (placeWarm).
func (w *world) warmMeeting(i int32) {
	o := w.o
	m := &o.Meetings[i]
	mr := &w.meetings[i]
	mr.size = int32(m.Participants)
	mr.since, mr.mediaAt = o.From, o.From
	mr.server, mr.uslot = -1, -1
	mr.large = w.planner.IsLargeMeeting(m.PeakParticipants())
	w.res.MeetingsTotal++
	end := min(m.End, o.To)
	w.push(end, evMeetingEnd, i, 0)
	for ci, c := range m.Curve {
		if c.At > o.From && c.At < end {
			w.push(c.At, evMeetingSize, i, int32(ci))
		} else if c.At <= o.From {
			mr.size = int32(c.Participants)
		}
	}
	w.demandDelta(mr, mr.size)
	if o.Load != nil {
		w.demandTally.Add(w.meetingTally(i))
	}
}

// warmFleet launches the fleet the engine holds for the demand at the
// window's start: the engine plans, as at any reconcile, until a plan
// launches nothing more. Launched while warming, a server is running and
// enabled at once (warmServer).
func (w *world) warmFleet() {
	w.warming = true
	defer func() { w.warming = false }()
	for range warmPlanRounds {
		tried := w.res.Launches + w.warmFailures
		w.plan()
		if w.res.Launches+w.warmFailures == tried {
			return
		}
	}
}

// warmServer makes a server of the warm fleet, just launched, one that
// has been running: enabled, polled (it takes meetings now), billed from
// now, and with its spot false alarms to come.
func (w *world) warmServer(idx int32) {
	in := &w.insts[idx]
	in.runningAt, in.warm = w.now, true
	in.firstPoll = w.polls
	w.setState(idx, stEnabled)
	w.res.WarmStartServers++
	if in.spot && w.o.RebalanceFalseAlarms > 0 {
		w.scheduleFalseRebalance(idx)
	}
}

// placeWarm places a meeting running at the window's start with
// Scalelite's placement; with no server to take it, its users are rejected
// and retry as any others.
func (w *world) placeWarm(i int32) {
	mr := &w.meetings[i]
	s := w.place(mr)
	if s < 0 {
		w.placeOrReject(i)
		return
	}
	m := &w.o.Meetings[i]
	in := &w.insts[s]
	w.setMode(i, modeServed)
	mr.server, mr.slot = s, int32(len(in.meetings))
	// Created at its start: the join buffer, in which Scalelite counts it
	// as at least load_min_user_count, runs from then.
	mr.created = m.Start
	if exp := m.Start + w.o.LoadJoinBufferTime; exp > w.now && w.o.LoadJoinBufferTime > 0 && w.o.LoadMinUserCount > 0 {
		w.joinExpiries = append(w.joinExpiries, joinExpiry{exp, i})
	}
	in.meetings = append(in.meetings, i)
	in.participants += int(mr.size)
	if w.o.Load != nil {
		in.tally.Add(w.meetingTally(i))
	}
	// Its users joined long ago and Scalelite has polled the server since:
	// the next placement sees its load.
	w.pollServer(s)
	w.res.WarmStartMeetings++
}
