package sim

import "github.com/scalite/scalite/engine"

// PlacedOn runs o and tells, for every meeting still served when the run
// ends, the server slot it is on (-1 for the others): the rule tests look
// at which of two servers a meeting went to.
func PlacedOn(o *Options) ([]int32, error) {
	planner, err := engine.New(o.Policy)
	if err != nil {
		return nil, err
	}
	w := newWorld(o, planner)
	w.run()
	out := make([]int32, len(w.meetings))
	for i := range w.meetings {
		out[i] = -1
		if mr := w.meetings[i]; mr.mode == modeServed {
			out[i] = mr.server
		}
	}
	return out, nil
}
