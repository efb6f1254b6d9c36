package sim

import (
	"slices"

	"github.com/scalite/scalite/engine"
)

// PlanAt runs a scenario up to at and returns the fleet as the engine then
// sees it and the plan a freshly started engine (the state a restarted
// controller has) makes from it. Tests use it to check that the live
// controller, given the same fleet, plans the same actions.
func PlanAt(o Options, at int64) (engine.Observation, []engine.Action, error) {
	if err := o.Check(); err != nil {
		return engine.Observation{}, nil, err
	}
	planner, err := engine.New(o.Policy)
	if err != nil {
		return engine.Observation{}, nil, err
	}
	o.Recorder, o.BaselineRecorder = nil, nil
	w := newWorld(&o, planner)
	w.runUntil(at)
	w.now = at
	obs := w.observe()
	cp := engine.Observation{Servers: slices.Clone(obs.Servers), Pools: slices.Clone(obs.Pools), Participants: obs.Participants, LargeParticipants: obs.LargeParticipants, LoadPerParticipant: obs.LoadPerParticipant}
	acts := planner.Plan(at, &cp, engine.NewState(o.Policy.PreWarmWeeks), nil)
	return cp, acts, nil
}
