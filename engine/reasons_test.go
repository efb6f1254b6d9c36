package engine

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/scalite/scalite/model"
)

// TestWithoutReasonsDecidesTheSame: a planner without reasons decides the
// very actions, in order, and leaves the very state, that the planner with
// them does; only reasons worded from numbers are left empty, and
// NeverBooted still reads its marker.
func TestWithoutReasonsDecidesTheSame(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pol := testPolicy()
		pol.ScaleInCooldown = rapid.Int64Range(0, 1800).Draw(t, "cooldown")
		pol.Min = rapid.IntRange(0, 3).Draw(t, "min")
		pol.BootTimeout = rapid.SampledFrom([]int64{0, 600}).Draw(t, "bootTimeout")
		pol.OnInterruption = rapid.SampledFrom([]model.InterruptionAction{model.InterruptionCordon, model.InterruptionEndMeetings}).Draw(t, "onInterruption")
		pol.LargeMeeting = rapid.SampledFrom([]int{0, 150}).Draw(t, "large")
		full, err := New(pol)
		if err != nil {
			t.Fatal(err)
		}
		terse := full.WithoutReasons()
		now := int64(1_767_225_600)
		obs := Observation{Pools: pools(defaultPrices...), Participants: rapid.IntRange(0, 4000).Draw(t, "demand")}
		for i := range rapid.IntRange(0, 10).Draw(t, "servers") {
			s := srv(fmt.Sprintf("s%d", i), rapid.IntRange(-1, 5).Draw(t, "pool"), ServerState(rapid.IntRange(0, 4).Draw(t, "state")), 0, 0)
			s.LaunchedAt = now - rapid.Int64Range(0, 2000).Draw(t, "age")
			if s.Meetings = rapid.IntRange(0, 2).Draw(t, "meetings"); s.Meetings > 0 {
				s.Participants = rapid.IntRange(1, 400).Draw(t, "participants")
			}
			switch rapid.IntRange(0, 4).Draw(t, "notice") {
			case 0:
				s.Interruption, s.TerminationAt = true, now+rapid.Int64Range(0, 120).Draw(t, "termination")
			case 1:
				s.Rebalance = true
			}
			obs.Servers = append(obs.Servers, s)
		}
		st1, st2 := NewState(pol.PreWarmWeeks), NewState(pol.PreWarmWeeks)
		for i := range obs.Servers {
			if obs.Servers[i].State == Cordoned {
				st1.IdleSince[obs.Servers[i].ID] = now - 3600
				st2.IdleSince[obs.Servers[i].ID] = now - 3600
			}
		}
		a := full.Plan(now, &obs, st1, nil)
		b := terse.Plan(now, &obs, st2, nil)
		if len(a) != len(b) {
			t.Fatalf("%d actions with reasons, %d without", len(a), len(b))
		}
		for i := range a {
			ra, rb := a[i].Reason, b[i].Reason
			a[i].Reason, b[i].Reason = "", ""
			if a[i] != b[i] {
				t.Fatalf("action %d: %+v with reasons, %+v without", i, a[i], b[i])
			}
			if rb != "" && rb != ra {
				t.Fatalf("action %d: reason %q without reasons, %q with", i, rb, ra)
			}
			a[i].Reason, b[i].Reason = ra, rb
			if NeverBooted(a[i]) != NeverBooted(b[i]) {
				t.Fatalf("action %d: NeverBooted differs", i)
			}
		}
		if !sameState(st1, st2) {
			t.Fatal("the states differ")
		}
	})
}
