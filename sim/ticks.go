package sim

// Event-driven ticks. Scalelite's poller and the controller's reconcile
// loop run every PollInterval and ReconcileInterval, and the model keeps
// them so: each tick is an event with its place in the queue's order (its
// time and the sequence number its scheduling drew, as if it had been
// pushed) and counts in Result.Events. But a tick at which nothing can
// change is not carried out: it only draws its successor's sequence
// number. Through nights and weekends that is nearly every tick, and the
// results are the very same as carrying every tick out (TestSkippedTicks*
// run both ways and compare every result, record and sample).
//
// A poll can change a server's load only when its meetings, their sizes
// or the creates and joins counted since the last poll changed (touch
// marks the server where that happens), or when one of its meetings leaves
// the join buffer: its size counts at least LoadMinUserCount until
// LoadJoinBufferTime after its create. A poll reads only the servers so
// marked, and a tick with none is skipped. A plan can decide something only when the observation
// changed (any event but a join or a sample, or the previous plan's
// actions), or when the engine's QuietUntil comes: its rules that wait on
// the clock.

// carryOutEveryTick turns the skipping off (tests compare both ways).
var carryOutEveryTick = false

// tick is a periodic event kept beside the queue: its time and sequence
// number order it among the queued events exactly as a pushed event.
type tick struct {
	t   int64
	seq uint64
}

func (a tick) before(e *event) bool { return a.t < e.t || (a.t == e.t && a.seq < e.seq) }

func (a tick) beforeTick(b tick) bool { return a.t < b.t || (a.t == b.t && a.seq < b.seq) }

// scheduleTick is push for a tick: it draws the sequence number a pushed
// event would have.
func (w *world) scheduleTick(t int64) tick {
	w.q.seq++
	return tick{t: t, seq: w.q.seq}
}

// changed notes that an event may have changed what the planner sees;
// what the poller sees is marked where it changes (touch).
func (w *world) changed(k eventKind) {
	if k != evSample && k != evJoin {
		w.planDirty = true
	}
}

// joinExpiry is when a meeting created then leaves its join buffer.
type joinExpiry struct {
	t       int64
	meeting int32
}

// pollTick is the poller's periodic event: poll if anything can change,
// then schedule the next.
func (w *world) pollTick() {
	w.polls++
	// A meeting leaving its join buffer changes its server's load.
	for ; w.joinHead < len(w.joinExpiries) && w.joinExpiries[w.joinHead].t <= w.now; w.joinHead++ {
		if mr := &w.meetings[w.joinExpiries[w.joinHead].meeting]; mr.mode == modeServed {
			w.touch(mr.server)
		}
	}
	if w.joinHead > 1024 && w.joinHead > len(w.joinExpiries)/2 {
		w.joinExpiries = append(w.joinExpiries[:0], w.joinExpiries[w.joinHead:]...)
		w.joinHead = 0
	}
	if len(w.pollQueue) > 0 || carryOutEveryTick {
		w.poll()
	}
	w.nextPoll = w.scheduleTick(w.now + w.o.PollInterval)
}

// noteCreate remembers when meeting i, created now, leaves its join
// buffer: the one change of load a poll sees with no event before it.
func (w *world) noteCreate(i int32) {
	if w.o.LoadJoinBufferTime > 0 && w.o.LoadMinUserCount > 0 {
		w.joinExpiries = append(w.joinExpiries, joinExpiry{w.now + w.o.LoadJoinBufferTime, i})
	}
}

// planTick is the controller's periodic reconcile: schedule the next, then
// plan if the plan can decide anything.
func (w *world) planTick() {
	w.nextPlan = w.scheduleTick(w.now + w.o.ReconcileInterval)
	if !w.planDirty && !w.quietKnown {
		// w.obs and w.st are as the last plan, at plannedAt, left them.
		w.quietUntil, w.quietKnown = w.planner.QuietUntil(w.plannedAt, &w.obs, w.st), true
	}
	if w.planDirty || w.now >= w.quietUntil || carryOutEveryTick {
		w.plan()
	}
}
