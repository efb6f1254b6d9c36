package sim_test

import (
	"math"
	"testing"

	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/sim"
)

// TestOverloadCountsEveryoneOnTheServer: 300 + 250 users on one 400-user
// server for 30 minutes overload all 550 of them (16,500
// participant-minutes), not only the 150 above the line; the three
// unserved shares and availability add up to 100%.
func TestOverloadCountsEveryoneOnTheServer(t *testing.T) {
	c5a := model.InstanceType{Name: "c5a.4xlarge", CapacityUsers: 400, OnDemandUSDPerHour: 0.688}
	const day = 1_772_409_600
	r := mustRun(t, sim.Options{
		Policy: model.Policy{
			Region: "eu-west-1", AZs: []string{"eu-west-1a"},
			OnDemandType: c5a, OnDemandBase: 1, OnDemandFallback: true,
			Min: 1, Max: 4, Headroom: 0.25, ScaleInCooldown: 900, LaunchToRunning: 60, BootTime: 240,
			OnRebalance: model.RebalanceCordon, OnInterruption: model.InterruptionCordon,
		},
		Meetings: []model.Meeting{
			{ID: "lecture", Start: day + 8*3600, End: day + 9*3600, Participants: 300, Moderators: 1},
			{ID: "seminar", Start: day + 8*3600 + 1800, End: day + 10*3600, Participants: 250, Moderators: 2},
		},
		From: day + 6*3600, To: day + 12*3600, Seed: 1,
		Capacity: sim.CapacityOff, PollInterval: 60, ReconcileInterval: 60, LoadMultiplier: 1,
	})
	if r.ParticipantMinutesOverloaded != 16500 || r.OverloadedParticipantMinutes != 4500 {
		t.Errorf("overloaded %v participant-minutes (above the line %v), want 16500 (4500)", r.ParticipantMinutesOverloaded, r.OverloadedParticipantMinutes)
	}
	if want := 100 * 16500.0 / 40500; math.Abs(r.OverloadedPct-want) > 1e-9 || math.Abs(r.AvailabilityPct-(100-want)) > 1e-9 {
		t.Errorf("overloaded %.4f%%, availability %.4f%%; want %.4f%% and %.4f%%", r.OverloadedPct, r.AvailabilityPct, want, 100-want)
	}
	// The policy is all on-demand already: its baseline is itself.
	if r.BaselineOverloadedPct != r.OverloadedPct || r.BaselineDisruptedPct != r.DisruptedPct || r.BaselineRejectedPct != r.RejectedPct {
		t.Errorf("baseline %v/%v/%v, policy %v/%v/%v", r.BaselineDisruptedPct, r.BaselineRejectedPct, r.BaselineOverloadedPct, r.DisruptedPct, r.RejectedPct, r.OverloadedPct)
	}
}

// TestUnservedSharesAddUp: on the default scenario with interruptions
// stressed, availability is 100% less the disrupted, rejected and
// overloaded shares, and the baseline's shares are reported.
func TestUnservedSharesAddUp(t *testing.T) {
	o := defaultOptions(t, nil)
	o.HazardMultiplier = 1000
	r := mustRun(t, o)
	if sum := r.AvailabilityPct + r.DisruptedPct + r.RejectedPct + r.OverloadedPct; math.Abs(sum-100) > 1e-6 {
		t.Errorf("availability %.6f + disrupted %.6f + rejected %.6f + overloaded %.6f = %.6f, want 100", r.AvailabilityPct, r.DisruptedPct, r.RejectedPct, r.OverloadedPct, sum)
	}
	if r.DisruptedPct == 0 || r.OverloadedPct == 0 {
		t.Errorf("stressed defaults: disrupted %.4f%%, overloaded %.4f%%: want both above 0", r.DisruptedPct, r.OverloadedPct)
	}
	if r.BaselineDisruptedPct != 0 {
		t.Errorf("the all-on-demand baseline was disrupted (%.4f%%): it has no spot to lose", r.BaselineDisruptedPct)
	}
	if r.BaselineOverloadedPct == 0 {
		t.Errorf("the baseline's overload is not reported")
	}
	t.Logf("policy: disrupted %.3f%% rejected %.3f%% overloaded %.3f%%; baseline: %.3f%% %.3f%% %.3f%%", r.DisruptedPct, r.RejectedPct, r.OverloadedPct, r.BaselineDisruptedPct, r.BaselineRejectedPct, r.BaselineOverloadedPct)
}
