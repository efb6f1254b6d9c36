package sim_test

import (
	"fmt"

	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/sim"
)

// Run simulates one policy over a window and, through the same engine, the
// all-on-demand baseline of the same demand. Options usually come from
// scenario.Build (configuration and datasets); here they are written out:
// an on-demand fleet of at least one server for a morning of two meetings.
// The second meeting starts on the only server and overloads it until the
// first ends (550 users on 400 places for 30 minutes: all 16,500
// participant-minutes on it count as overloaded, 40.7% of demand): a meeting stays where Scalelite placed it, and the second
// server, launched for the new demand, serves nobody and is retired.
func ExampleRun() {
	c5a := model.InstanceType{Name: "c5a.4xlarge", CapacityUsers: 400, OnDemandUSDPerHour: 0.688}
	const day = 1_772_409_600 // 2026-03-02T00:00:00Z
	r, err := sim.Run(sim.Options{
		Policy: model.Policy{
			Region: "eu-west-1", AZs: []string{"eu-west-1a"},
			OnDemandType: c5a, OnDemandBase: 1, OnDemandFallback: true,
			Min: 1, Max: 4, Headroom: 0.25, ScaleInCooldown: 900, TerminateAfterIdle: 300, LaunchToRunning: 60, BootTime: 240,
			OnRebalance: model.RebalanceCordon, OnInterruption: model.InterruptionCordon,
		},
		Meetings: []model.Meeting{
			{ID: "lecture", Start: day + 8*3600, End: day + 9*3600, Participants: 300, Moderators: 1},
			{ID: "seminar", Start: day + 8*3600 + 1800, End: day + 10*3600, Participants: 250, Moderators: 2},
		},
		From: day + 6*3600, To: day + 12*3600, Seed: 1,
		Capacity:          sim.CapacityOff,
		PollInterval:      60,
		ReconcileInterval: 60,
		LoadMultiplier:    1,
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("cost %.2f USD, peak %d servers, %d launches\n", r.PolicyCostUSD, r.PeakServers, r.Launches)
	fmt.Printf("%.0f participant-minutes, %.0f rejected, %.1f%% overloaded, availability %.1f%%\n", r.ParticipantMinutesTotal, r.ParticipantMinutesRejected, r.OverloadedPct, r.AvailabilityPct)
	// Output:
	// cost 4.52 USD, peak 2 servers, 2 launches
	// 40500 participant-minutes, 0 rejected, 40.7% overloaded, availability 59.3%
}
