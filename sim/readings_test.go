package sim_test

import (
	"encoding/json"
	"testing"

	"github.com/scalite/scalite/results"
	"github.com/scalite/scalite/sim"
)

func sameFigures(t *testing.T, what string, a, b results.Result) {
	t.Helper()
	// The reading's own bookkeeping aside, every figure is the same.
	a.AdvisorReading, a.LifetimeHours, b.AdvisorReading, b.LifetimeHours = "", 0, "", 0
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	if string(x) != string(y) {
		t.Errorf("%s:\n%s\n%s", what, x, y)
	}
}

// TestAdvisorReadings: the per-instance reading spreads the band over the
// fleet's mean lifetime, measured on the all-on-demand baseline: over a
// 730-hour lifetime it is the instance-hours reading, over a tenth of that
// it reclaims more; the lifetime Run measures is the one it uses; and the
// sensitivity run reports exactly what a run of the other reading gives,
// leaving the main figures as they are.
func TestAdvisorReadings(t *testing.T) {
	o := defaultOptions(t, nil)
	o.HazardMultiplier = 20
	o.AdvisorReading = sim.ReadingInstanceHours
	hours := mustRun(t, o)

	month := o
	month.AdvisorReading, month.LifetimeHours = sim.ReadingPerInstance, 730
	sameFigures(t, "per instance over 730 h against per instance-hour", mustRun(t, month), hours)

	short := month
	short.LifetimeHours = 73
	if r := mustRun(t, short); r.CapacityInterruptions <= hours.CapacityInterruptions {
		t.Errorf("a 73-hour lifetime: %d capacity interruptions, no more than the 730-hour reading's %d", r.CapacityInterruptions, hours.CapacityInterruptions)
	}

	per := o
	per.AdvisorReading = sim.ReadingPerInstance
	measured := mustRun(t, per)
	if measured.AdvisorReading != "per-instance" || measured.LifetimeHours < 5 || measured.LifetimeHours > 50 {
		t.Fatalf("reading %q over %.2f h: want per-instance over the baseline's lifetime (hours)", measured.AdvisorReading, measured.LifetimeHours)
	}
	explicit := per
	explicit.LifetimeHours = measured.LifetimeHours
	sameFigures(t, "measured lifetime against the same lifetime given", mustRun(t, explicit), measured)

	withBand := per
	withBand.Sensitivity = true
	r := mustRun(t, withBand)
	if r.OtherReading != "instance-hours" || r.OtherReadingInterruptions != float64(hours.Interruptions) ||
		r.OtherReadingDisruptedPct != hours.DisruptedPct || r.OtherReadingPolicyCostUSD != hours.PolicyCostUSD || r.OtherReadingAvailabilityPct != hours.AvailabilityPct {
		t.Errorf("sensitivity %s: %v interruptions, %v%% disrupted, %v USD; the instance-hours run: %d, %v%%, %v USD",
			r.OtherReading, r.OtherReadingInterruptions, r.OtherReadingDisruptedPct, r.OtherReadingPolicyCostUSD, hours.Interruptions, hours.DisruptedPct, hours.PolicyCostUSD)
	}
	r.OtherReading, r.OtherReadingInterruptions, r.OtherReadingDisruptedPct, r.OtherReadingRejectedPct = "", 0, 0, 0
	r.OtherReadingOverloadedPct, r.OtherReadingAvailabilityPct, r.OtherReadingPolicyCostUSD = 0, 0, 0
	sameFigures(t, "the sensitivity run changed the main figures", r, measured)
	t.Logf("hazard x20: per instance over %.1f h: %d interruptions, %.4f%% disrupted; per instance-hour: %d, %.4f%%",
		measured.LifetimeHours, measured.Interruptions, measured.DisruptedPct, hours.Interruptions, hours.DisruptedPct)
}
