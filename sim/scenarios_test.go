package sim_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/results"
)

// TestAvailabilityTrace: a pool that goes unavailable interrupts its
// instances and refuses launches; the fleet falls back to on-demand.
func TestAvailabilityTrace(t *testing.T) {
	// Up for the first day, down for the second, then up again, in the
	// SkyPilot trace format, one file per market.
	data := make([]string, 7*24)
	for i := range data {
		data[i] = "0"
		if i < 24 || i >= 48 {
			data[i] = "1"
		}
	}
	dir := t.TempDir()
	trace := `{"metadata":{"gap_seconds":3600},"data":[` + strings.Join(data, ",") + `]}`
	if err := os.WriteFile(filepath.Join(dir, "c5a.4xlarge_eu-west-1a.json"), []byte(trace), 0o644); err != nil {
		t.Fatal(err)
	}
	o := defaultOptions(t, func(c *config.Config) {
		c.AvailabilityZones = []string{"eu-west-1a"}
		c.Spot.InstanceType = config.NameList{"c5a.4xlarge"}
		c.OnDemand.Base = 0
		c.Placement.LargeMeeting = 0
		c.Simulation.CapacityInterruptions = "trace:" + dir
		c.Simulation.LaunchFailure = 0
	})
	o.To = o.From + 7*86400
	r := mustRun(t, o)
	if r.CapacityInterruptions == 0 || r.Interruptions != r.CapacityInterruptions {
		t.Fatalf("interruptions %d (capacity %d), want capacity interruptions when the pool goes down", r.Interruptions, r.CapacityInterruptions)
	}
	if r.InstanceHoursOnDemand < 20 || r.LaunchFailures == 0 {
		t.Fatalf("on-demand hours %.1f, launch failures %d: want a fallback through the outage", r.InstanceHoursOnDemand, r.LaunchFailures)
	}

}

// TestEndMeetingsShortensDisruption: ending meetings before the reclaim
// lets users rejoin at once instead of waiting for their clients to give up.
func TestEndMeetingsShortensDisruption(t *testing.T) {
	run := func(action string) results.Result {
		return mustRun(t, defaultOptions(t, func(c *config.Config) {
			c.Spot.InstanceType = config.NameList{"c6i.4xlarge"}
			c.Simulation.HazardMultiplier = 60
			c.Drain.OnInterruption = action
			c.Fleet.Min = 2
		}))
	}
	cordon, end := run("cordon"), run("end-meetings")
	if cordon.ParticipantsDisrupted == 0 || end.ParticipantsDisrupted == 0 {
		t.Fatalf("no disruption to compare (%d and %d interruptions)", cordon.Interruptions, end.Interruptions)
	}
	perCordon := cordon.ParticipantMinutesDisrupted / float64(cordon.ParticipantsDisrupted)
	perEnd := end.ParticipantMinutesDisrupted / float64(end.ParticipantsDisrupted)
	if perEnd >= perCordon {
		t.Fatalf("disrupted minutes per participant: %.2f with end-meetings, %.2f with cordon", perEnd, perCordon)
	}
}

// TestCollectorClosesOnResult: the recorded running totals end exactly on
// the run's figures, for the policy and for the baseline.
func TestCollectorClosesOnResult(t *testing.T) {
	o := defaultOptions(t, func(c *config.Config) {
		c.Spot.InstanceType = config.NameList{"c6i.4xlarge"}
		c.Simulation.HazardMultiplier = 60
	})
	var pol, base results.Collector
	o.Recorder, o.BaselineRecorder = &pol, &base
	r := mustRun(t, o)
	last := pol.Samples[len(pol.Samples)-1]
	if last.Time != o.To || math.Abs(last.CumCostUSD-r.PolicyCostUSD) > 1e-6 {
		t.Fatalf("last sample at %d: cost %v, result %v", last.Time, last.CumCostUSD, r.PolicyCostUSD)
	}
	if math.Abs(last.CumDisruptedMinutes-r.ParticipantMinutesDisrupted) > 1e-6 || last.CumInterruptions != r.Interruptions || r.Interruptions == 0 {
		t.Fatalf("last sample disrupted %v interruptions %d; result %v, %d", last.CumDisruptedMinutes, last.CumInterruptions, r.ParticipantMinutesDisrupted, r.Interruptions)
	}
	if b := base.Samples[len(base.Samples)-1]; math.Abs(b.CumCostUSD-r.BaselineOnDemandCostUSD) > 1e-6 {
		t.Fatalf("baseline last sample %v, result %v", b.CumCostUSD, r.BaselineOnDemandCostUSD)
	}
	if len(pol.Samples) != int((o.To-o.From)/300)+1 {
		t.Errorf("%d samples", len(pol.Samples))
	}
}
