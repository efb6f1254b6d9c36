package sim

import (
	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/results"
)

// The event loop: events in time order, each handed to the part of the
// world it concerns; re-plans at once when something changes.

const (
	evMeetingStart eventKind = iota
	evMeetingEnd
	evMeetingSize
	evJoin
	evRejoin
	evRecordingDone
	evRunning
	evBooted
	evNotice
	evTerminate
	evPrice
	evReclaim
	evAvailability
	evPoll // the poller's ticks are kept beside the queue (ticks.go)
	evPlan
	evSample
	evFalseRebalance // a rebalance recommendation no interruption follows
	evCrunch         // a capacity crunch across a zone's or the region's pools
)

func (w *world) push(t int64, k eventKind, a, b int32) { w.q.push(t, k, a, b) }

// run simulates [From, To) and returns the result.
func (w *world) run() results.Result {
	w.runUntil(w.o.To)
	w.now = w.o.To
	w.finish()
	return w.res
}

// runUntil processes every event before stop.
func (w *world) runUntil(stop int64) {
	o := w.o
	w.now = o.From
	for i := range w.markets {
		m := &w.markets[i]
		m.cursor = m.series.Cursor()
		// A market whose prices start later has price 0, unknown, until
		// its first price event: the engine launches nothing into it.
		m.price, _ = m.cursor.At(o.From)
		if next, ok := m.cursor.NextChange(); ok {
			w.push(next, evPrice, int32(i), 0)
		}
		if m.perSecond > 0 {
			w.push(o.From+w.expWait(m), evReclaim, int32(i), 0)
		}
		if m.avail != nil {
			w.push(o.From, evAvailability, int32(i), 0)
		}
	}
	for i := range w.crunches {
		if g := &w.crunches[i]; g.perSecond > 0 && len(g.markets) > 0 {
			w.push(o.From+waitSeconds(g.rng.ExpFloat64()/g.perSecond), evCrunch, int32(i), 0)
		}
	}
	// Meetings of the window, in start order, fed one at a time; those
	// running at its start are placed on a warm fleet or, started cold,
	// left out (warmstart.go).
	w.openWindow()
	w.scheduleNextMeeting()
	w.nextPoll = w.scheduleTick(o.From)
	w.nextPlan = w.scheduleTick(o.From)
	w.planDirty = true
	if o.Recorder != nil && o.SampleInterval > 0 {
		w.push(o.From, evSample, 0, 0)
	}
	for {
		// The earliest of the queue's head, the joins' head and the two
		// ticks.
		first := w.nextPoll
		if w.nextPlan.beforeTick(first) {
			first = w.nextPlan
		}
		if j := w.nextJoin(); j != nil && j.before(first) && (w.q.len() == 0 || j.beforeEvent(&w.q.h[0])) {
			if j.t >= stop {
				return
			}
			w.now = j.t
			w.res.Events++
			w.join(j.meeting, j.episode)
			w.joinsHead++
			continue
		}
		if w.q.len() > 0 && !first.before(&w.q.h[0]) {
			if w.q.peekTime() >= stop {
				return
			}
			e := w.q.pop()
			w.now = e.t
			w.res.Events++
			w.changed(e.kind)
			w.handle(e)
			continue
		}
		if first.t >= stop {
			return
		}
		w.now = first.t
		w.res.Events++
		if first == w.nextPoll {
			w.pollTick()
		} else {
			w.planTick()
		}
	}
}

func (w *world) scheduleNextMeeting() {
	if w.next < len(w.o.Meetings) {
		w.push(w.o.Meetings[w.next].Start, evMeetingStart, int32(w.next), 0)
	}
}

func (w *world) handle(e event) {
	switch e.kind {
	case evMeetingStart:
		w.meetingStart(e.a)
	case evMeetingEnd:
		w.meetingEnd(e.a)
	case evMeetingSize:
		w.meetingSize(e.a, e.b)
	case evRejoin:
		if mr := &w.meetings[e.a]; mr.episode == e.b && (mr.mode == modeDisrupted || mr.mode == modeRejected) {
			w.placeOrReject(e.a)
		}
	case evJoin: // only with joinsInQueue (ticks.go)
		w.join(e.a, e.b)
	case evRecordingDone, evRunning, evBooted, evNotice, evTerminate, evFalseRebalance:
		w.instanceEvent(e)
	case evPrice:
		w.priceChange(e.a)
	case evReclaim:
		w.reclaim(e.a)
	case evCrunch:
		w.crunch(e.a)
	case evAvailability:
		w.availability(e.a)
	case evPlan:
		w.plan() // a re-plan; the periodic ones are ticks (ticks.go)
	case evSample:
		w.recordSample()
		w.push(w.now+w.o.SampleInterval, evSample, 0, 0)
	}
}

// instanceEvent handles an event of one instance. Its slot may have been
// reused since the event was scheduled: an event of an instance that is
// gone changes nothing, so one for an earlier occupant (another
// generation) is dropped.
func (w *world) instanceEvent(e event) {
	in := &w.insts[e.a]
	if in.gen != e.b {
		return
	}
	switch e.kind {
	case evRecordingDone:
		w.accountOverload(in) // with the load model, processing is load
		in.recordings--
		w.demandTouch(e.a)
	case evRunning:
		if in.state == stPending {
			in.state = stBooting
			in.runningAt = w.now
			w.push(w.now+w.o.Policy.BootTime, evBooted, e.a, in.gen)
			if in.spot && w.o.RebalanceFalseAlarms > 0 {
				w.scheduleFalseRebalance(e.a)
			}
		}
	case evBooted:
		if in.state == stBooting && !in.neverBoots {
			in.state = stReady
			w.replan()
		}
	case evNotice:
		if in.state != stGone && !in.interruption {
			w.res.CapacityInterruptions++
			w.notice(e.a)
		}
	case evTerminate:
		if in.state != stGone {
			w.terminate(e.a, true)
		}
	case evFalseRebalance:
		if in.state != stGone && !in.interruption && !in.rebalance {
			in.rebalance, in.rebalanceAt = true, w.now
			w.res.RebalanceRecommendations++
			w.res.RebalanceFalseAlarms++
			if w.o.Recorder != nil {
				w.record(results.Record{Kind: "rebalance", Server: in.id, Market: w.marketName(in)})
			}
			w.replan()
		}
	}
}

// replan asks for a plan at the current time, as the controller does when
// an agent reports a notice or a launch fails; bounded per instant by the
// engine's ReplanRounds, the controller's bound too.
func (w *world) replan() {
	if w.replanAt != w.now {
		w.replanAt, w.replans = w.now, 0
	}
	if w.replans < engine.ReplanRounds {
		w.replans++
		w.push(w.now, evPlan, 0, 0)
		return
	}
	// Refused: the next reconcile plans.
	w.planDirty = true
}
