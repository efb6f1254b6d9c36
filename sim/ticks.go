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
// what the poller sees is marked where it changes (touch). A meeting's
// events and a recording's end move only the demand, unless they change a
// server that is not enabled or has a notice (demandTouch).
func (w *world) changed(k eventKind) {
	switch k {
	case evSample, evJoin:
	case evMeetingStart, evMeetingEnd, evMeetingSize, evRejoin, evRecordingDone:
		w.demandDirty = true
	case evPrice, evReclaim, evCrunch, evAvailability:
		// Prices count only in the choice of a pool to launch into, the
		// spend cap on launches and the order of scale-in; capacity taken
		// back shows only through notices, and those ask for a plan
		// (replan). A plan that launches and cordons nothing decides as
		// before: Unmoved tells.
		w.demandDirty = true
	default:
		w.planDirty = true
	}
}

// demandTouch notes that a meeting or recording changed on a server: on a
// server enabled with no notice that is a move of the demand, on any other
// the plan may decide something (retire an emptied server, end meetings
// before an interruption).
func (w *world) demandTouch(idx int32) {
	in := &w.insts[idx]
	switch {
	case in.interruption || in.rebalance:
		w.planDirty = true
	case in.state == stEnabled:
	case in.state == stCordoned && (len(in.meetings) > 0 || in.recordings > 0):
		// Draining and still busy: its capacity counts nowhere and it is
		// not idle, so nothing a plan decides reads it.
	default:
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
// plan if the plan can decide anything. When only the demand moved since
// a plan that decided nothing, the engine's Unmoved tells whether a plan
// would decide anything now without planning; QuietUntil of that plan
// holds for it, since the clock rules read nothing of the demand.
func (w *world) planTick() {
	w.nextPlan = w.scheduleTick(w.now + w.o.ReconcileInterval)
	if w.planDirty || carryOutEveryTick {
		w.plan()
		return
	}
	if !w.quietKnown {
		// w.obs and w.st are as the last plan, at plannedAt, left them.
		w.quietUntil, w.quietKnown = w.planner.QuietUntil(w.plannedAt, &w.obs, w.st), true
	}
	switch {
	case w.now >= w.quietUntil:
		w.plan()
	case w.demandDirty:
		if !w.unmoved() {
			w.plan()
		}
		w.demandDirty = false
	}
}

// unmoved asks the engine whether a plan now would decide nothing, the
// demand and the servers' capacities being all that moved.
func (w *world) unmoved() bool {
	o := &w.obs
	o.Participants, o.LargeParticipants = w.demand, w.large
	rho := 0.0
	if w.o.Load != nil {
		rho = w.loadPerParticipant()
	}
	return w.planner.Unmoved(w.now, o, func(i int) int { return w.capacityUsers(&w.insts[w.live[i]], rho) }, w.st)
}

// A meeting's participants join JoinDelay after its create: the same delay
// for every meeting, so joins come due in the order they were scheduled
// and wait in a list of their own rather than in the queue, their place
// among queued events and ticks kept by their time and the sequence
// number their scheduling drew (as ticks do). A fifth of all events.
type pendingJoin struct {
	t       int64
	seq     uint64
	meeting int32
	episode int32
}

func (j *pendingJoin) before(a tick) bool { return j.t < a.t || (j.t == a.t && j.seq < a.seq) }

func (j *pendingJoin) beforeEvent(e *event) bool {
	return j.t < e.t || (j.t == e.t && j.seq < e.seq)
}

// scheduleJoin is push for a join of meeting i's episode.
func (w *world) scheduleJoin(i, episode int32) {
	if joinsInQueue {
		w.push(w.now+w.o.JoinDelay, evJoin, i, episode)
		return
	}
	w.q.seq++
	if w.joinsHead > 1024 && w.joinsHead > len(w.joins)/2 {
		w.joins = append(w.joins[:0], w.joins[w.joinsHead:]...)
		w.joinsHead = 0
	}
	w.joins = append(w.joins, pendingJoin{t: w.now + w.o.JoinDelay, seq: w.q.seq, meeting: i, episode: episode})
}

// joinsInQueue puts joins in the event queue instead (tests compare both
// ways).
var joinsInQueue = false

// nextJoin is the earliest join not yet carried out, nil when none.
func (w *world) nextJoin() *pendingJoin {
	if w.joinsHead < len(w.joins) {
		return &w.joins[w.joinsHead]
	}
	return nil
}

// join adds a meeting's participants to its server's load since the last
// poll (Scalelite counts a join as it counts a create), unless the
// meeting's episode ended since.
func (w *world) join(i, episode int32) {
	if mr := &w.meetings[i]; mr.episode == episode && mr.mode == modeServed {
		w.insts[mr.server].loadInc += float64(mr.size) * w.insts[mr.server].mult
		w.touch(mr.server)
	}
}
