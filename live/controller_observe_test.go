package live_test

import (
	"testing"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/model"
)

// TestLargeMeetingsAreCountedApart: the participants of a meeting larger
// than placement.large_meeting are the engine's large demand, served by
// on-demand servers tagged model.LargeMeetingTag; a breakout room is not a
// meeting of its own (Scalelite's poller skips it, lib/tasks/poll.rake),
// however many users it lists.
func TestLargeMeetingsAreCountedApart(t *testing.T) {
	cases := []struct {
		name     string
		size     int
		breakout bool
		// wantTagged: the fleet's minimum is one tagged on-demand server;
		// 600 large participants (750 with headroom) need two.
		wantTagged int
	}{
		{"a large meeting", 600, false, 2},
		{"a breakout room of the same size", 600, true, 1},
		{"a meeting at the threshold", 100, false, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRehearsal(t)
			cfg := config.Default()
			cfg.Placement.LargeMeeting = 100
			pol, err := cfg.Policy(datasets.DefaultCatalog())
			if err != nil {
				t.Fatal(err)
			}
			r.policy = pol
			// A server registered by hand, untagged: its meetings are
			// demand, its capacity is not the large meetings'.
			url := r.bbbURL("by-hand")
			r.sl.Register(url, fleetBBB, "enabled", "")
			ms := meetings("m", tc.size, 20)
			ms[0].IsBreakout = tc.breakout
			r.sl.SetMeetings(url, ms)
			rep := r.reconcile(r.controller(false))
			tagged := 0
			for _, a := range rep.Actions {
				if a.Kind == engine.Launch && a.Tag == model.LargeMeetingTag {
					if a.Spot {
						t.Fatalf("large meetings' server launched on spot: %v", a)
					}
					tagged += a.Count
				}
			}
			if tagged != tc.wantTagged {
				t.Fatalf("%d servers launched for large meetings, want %d; plan %v", tagged, tc.wantTagged, rep.Actions)
			}
		})
	}
}
