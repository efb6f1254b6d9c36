package sim

import (
	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/results"
)

// The control loop: observe the fleet as the controller would, ask the
// engine for a plan, apply its actions.

// observe refreshes the observation. obs.Servers stays aligned with
// w.live (launch appends, terminate removes), so only what changes is
// written here, not the server's strings.
func (w *world) observe() *engine.Observation {
	o := &w.obs
	rho := 0.0
	if w.o.Load != nil {
		rho = w.loadPerParticipant()
	}
	o.LoadPerParticipant = rho
	for k, idx := range w.live {
		in := &w.insts[idx]
		s := &o.Servers[k]
		s.State = engine.ServerState(in.state)
		s.Participants, s.Meetings, s.Recordings = in.participants, len(in.meetings), in.recordings
		if w.o.Load != nil {
			s.CapacityUsers = w.capacityUsers(in, rho)
		}
		if in.spot {
			s.USDPerHour = w.markets[in.pool].price
		}
		s.Rebalance, s.RebalanceAt = in.rebalance, in.rebalanceAt
		s.Interruption, s.TerminationAt, s.MeetingsEnded = in.interruption, in.terminationAt, in.meetingsEnded
	}
	for i := range w.markets {
		o.Pools[i] = engine.Pool{USDPerHour: w.markets[i].price, UnavailableUntil: w.markets[i].unavailUntil}
	}
	o.Participants, o.LargeParticipants = w.demand, w.large
	return o
}

func (w *world) plan() {
	obs := w.observe()
	w.actions = w.planner.Plan(w.now, obs, w.st, w.actions[:0])
	// Every action passes the engine's guard, as in live mode. The guard
	// is the world's, re-read only when the servers it holds may have
	// moved: at a plan's first action, and after a launch or a termination
	// (the other actions change neither the observation's servers nor the
	// guard's counts). Most plans have no action and need no guard.
	stale := true
	for k := range w.actions {
		a := &w.actions[k]
		if w.guard == nil {
			w.guard = w.planner.NewGuard(obs)
		} else if stale {
			w.guard.Observe(obs)
		}
		stale = a.Kind == engine.Launch || a.Kind == engine.Terminate
		if err := w.guard.Check(*a); err != nil {
			w.res.GuardRefusals++
			if w.o.Recorder != nil {
				w.record(results.Record{Kind: "refused", Server: a.Server, Detail: err.Error()})
			}
			continue
		}
		w.apply(a)
	}
	if n := len(w.live); n > w.res.PeakServers {
		w.res.PeakServers = n
	}
	// Until the observation changes, periodic plans can skip to the time
	// the engine's clock rules name (ticks.go); actions change the fleet.
	// QuietUntil is asked only at a tick that finds nothing changed.
	w.planDirty, w.quietKnown, w.plannedAt = len(w.actions) > 0, false, w.now
	w.demandDirty = false
}

func (w *world) apply(a *engine.Action) {
	switch a.Kind {
	case engine.Launch:
		for range a.Count {
			failed := w.res.LaunchFailures
			w.launch(a)
			if !a.Spot && w.res.LaunchFailures > failed {
				// One on-demand request: EC2 refuses it whole when the
				// zone has no capacity (InsufficientInstanceCapacity); the
				// re-plan sends the rest elsewhere.
				break
			}
		}
		return
	}
	idx, ok := w.byID[a.Server]
	if !ok {
		return
	}
	in := &w.insts[idx]
	switch a.Kind {
	case engine.Enable:
		if in.state == stReady {
			in.firstPoll = w.polls + 1
		}
		if in.state == stReady || in.state == stCordoned {
			w.setState(idx, stEnabled)
		}
	case engine.Cordon:
		if in.state != stGone {
			w.setState(idx, stCordoned)
		}
	case engine.EndMeetings:
		in.meetingsEnded = true
		for len(in.meetings) > 0 {
			w.disrupt(in.meetings[len(in.meetings)-1], w.o.RejoinDelayAfterEnd)
		}
	case engine.Terminate:
		if engine.NeverBooted(*a) {
			w.res.LaunchFailures++
			w.res.NeverBooted++
			if w.o.Recorder != nil {
				w.record(results.Record{Kind: "never-booted", Server: a.Server, Detail: a.Reason})
			}
		}
		w.terminate(idx, false)
		return
	}
	if w.o.Recorder != nil {
		w.record(results.Record{Kind: a.Kind.String(), Server: a.Server, Detail: a.Reason})
	}
}
