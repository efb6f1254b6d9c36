package engine

import (
	"testing"

	"github.com/scalite/scalite/model"
)

// TestLaunchBudgetTake: a launch takes one server of fleet.max's room and
// its price of the spend cap, and is refused when either would run out.
func TestLaunchBudgetTake(t *testing.T) {
	for _, tc := range []struct {
		name  string
		b     launchBudget
		price float64
		ok    bool
		after launchBudget
	}{
		{"room and no cap", launchBudget{room: 1, spend: 5}, 0.7, true, launchBudget{room: 0, spend: 5.7}},
		{"no room", launchBudget{room: 0, spend: 0}, 0.3, false, launchBudget{room: 0, spend: 0}},
		{"under the cap", launchBudget{room: 3, spend: 1, maxHourly: 1.5}, 0.5, true, launchBudget{room: 2, spend: 1.5, maxHourly: 1.5}},
		{"over the cap", launchBudget{room: 3, spend: 1.2, maxHourly: 1.5}, 0.31, false, launchBudget{room: 3, spend: 1.2, maxHourly: 1.5}},
	} {
		b := tc.b
		if ok := b.take(tc.price); ok != tc.ok || b != tc.after {
			t.Errorf("%s: take(%v) = %v, budget %+v; want %v, %+v", tc.name, tc.price, ok, b, tc.ok, tc.after)
		}
	}
}

// TestLaunchBudgetSharedByGroups: the large-meeting group and the general
// fleet draw on one fleet.max; the large-meeting group, which holds the
// on-demand base, launches first.
func TestLaunchBudgetSharedByGroups(t *testing.T) {
	pol := testPolicy()
	pol.LargeMeeting = 100
	pol.Max = 2
	obs := Observation{Pools: pools(defaultPrices...), Participants: 2000, LargeParticipants: 500}
	acts := plan(t, pol, 1000, obs, nil)
	launched := 0
	for i, a := range acts {
		if a.Kind != Launch {
			continue
		}
		if i == 0 && a.Tag != model.LargeMeetingTag {
			t.Errorf("first launch %v: want the large-meeting group's tagged on-demand server first", a)
		}
		launched += a.Count
	}
	if launched != pol.Max {
		t.Fatalf("launched %d servers with fleet.max %d: %v", launched, pol.Max, acts)
	}
}
