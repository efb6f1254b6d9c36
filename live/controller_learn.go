package live

import (
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/model"
)

// LearnFromTrace replays a recorded trace (scalite trace record) into the
// engine's weekly profile, so that a restarted controller pre-warms for the
// peaks it saw before instead of waiting weeks to learn them again.
func LearnFromTrace(st *engine.State, ms []model.Meeting) int {
	steps := datasets.Demand(ms)
	for i, s := range steps {
		end := s.T + 60
		if i+1 < len(steps) {
			end = steps[i+1].T
		}
		st.Profile.LearnLevel(s.T, end, s.Participants)
	}
	return len(steps)
}
