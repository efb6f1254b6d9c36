package scenario_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/interruptions"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/scenario"
	"github.com/scalite/scalite/sim"
)

// writeModel writes a two-state model for the given markets.
func writeModel(t *testing.T, markets []model.MarketKey, upRate, downRate float64) string {
	t.Helper()
	m := &interruptions.Model{Version: interruptions.ModelVersion, Source: "traces", Confidence: 0.95}
	for _, k := range markets {
		m.Pools = append(m.Pools, interruptions.PoolModel{
			Pool: interruptions.Pool{InstanceType: k.InstanceType, AZ: k.AZ}, ObservedHours: 1000,
			Availability: &interruptions.TwoState{Up: interruptions.Rate{PerHour: upRate}, Down: interruptions.Rate{PerHour: downRate}},
		})
	}
	path := filepath.Join(t.TempDir(), "model.yaml")
	if err := interruptions.WriteModel(path, m); err != nil {
		t.Fatal(err)
	}
	return path
}

func buildWith(t *testing.T, ci string) (*scenario.Scenario, error) {
	t.Helper()
	return build(t, func(c *config.Config) { c.Simulation.CapacityInterruptions = ci }, scenario.Inputs{Seed: 3})
}

// TestFittedModelIsReplayed: capacity_interruptions: model:FILE draws each
// market's availability from its fitted rates, deterministically per seed,
// and the simulator reclaims instances when a pool becomes unavailable.
func TestFittedModelIsReplayed(t *testing.T) {
	base, err := buildWith(t, "off")
	if err != nil {
		t.Fatal(err)
	}
	markets := base.Options.Policy.SpotMarkets()
	// SkyPilot's published fit: 24.5 h available, 6.4 h unavailable.
	path := writeModel(t, markets, 1/24.4920, 1/6.4126984)
	sc, err := buildWith(t, "model:"+path)
	if err != nil {
		t.Fatal(err)
	}
	o := sc.Options
	if o.Capacity != sim.CapacityTrace || len(o.Availability) != len(markets) {
		t.Fatalf("capacity mode %v with %d traces, want replayed traces for %d markets", o.Capacity, len(o.Availability), len(markets))
	}
	up, n := 0, 0
	for _, a := range o.Availability {
		for _, v := range a.Data {
			up += int(v)
			n++
		}
	}
	// Long-run share available 24.49/(24.49+6.41) = 79%; over 28 days and
	// the default markets the mean lies well within 70-88%.
	if share := float64(up) / float64(n); share < 0.70 || share > 0.88 {
		t.Errorf("share of time available %.3f, want about 0.79", share)
	}
	again, err := buildWith(t, "model:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for k, a := range o.Availability {
		if string(a.Data) != string(again.Options.Availability[k].Data) {
			t.Fatalf("market %s drew a different trace from the same seed", k)
		}
	}
	r, err := sim.Run(o)
	if err != nil {
		t.Fatal(err)
	}
	if r.CapacityInterruptions == 0 {
		t.Errorf("no capacity interruption in 28 days of pools crunching every ~30 h")
	}
	calm := writeModel(t, markets, 0, 1)
	sc, err = buildWith(t, "model:"+calm)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := sim.Run(sc.Options); err != nil || r.CapacityInterruptions != 0 {
		t.Errorf("a model that never leaves the available state gave %d capacity interruptions (%v)", r.CapacityInterruptions, err)
	}
}

func TestFittedModelErrors(t *testing.T) {
	base, err := buildWith(t, "off")
	if err != nil {
		t.Fatal(err)
	}
	markets := base.Options.Policy.SpotMarkets()
	missing := writeModel(t, markets[1:], 0.1, 1)
	if _, err := buildWith(t, "model:"+missing); err == nil || !strings.Contains(err.Error(), "no pool for market "+markets[0].String()) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing pool: %v", err)
	}
	if _, err := buildWith(t, "model:/nonexistent/model.yaml"); err == nil || !strings.Contains(err.Error(), "simulation.capacity_interruptions") {
		t.Errorf("missing file: %v", err)
	}
}

// TestEventLogModelIsReplayed: a model fitted on the controller's event
// log (per-instance hazard) replays as reclaim events at the fitted rate:
// interruptions per spot instance-hour come out near the hazard, and a
// zero hazard gives none.
func TestEventLogModelIsReplayed(t *testing.T) {
	base, err := buildWith(t, "off")
	if err != nil {
		t.Fatal(err)
	}
	markets := base.Options.Policy.SpotMarkets()
	write := func(hazard float64) string {
		m := &interruptions.Model{Version: interruptions.ModelVersion, Source: "event-log", Confidence: 0.95}
		for _, k := range markets {
			h := interruptions.EstimateRate(int(hazard*1000), 1000, 0.95)
			m.Pools = append(m.Pools, interruptions.PoolModel{Pool: interruptions.Pool{InstanceType: k.InstanceType, AZ: k.AZ}, ObservedHours: 1000, InstanceHazard: &h})
		}
		path := filepath.Join(t.TempDir(), "log-model.yaml")
		if err := interruptions.WriteModel(path, m); err != nil {
			t.Fatal(err)
		}
		return path
	}
	sc, err := buildWith(t, "model:"+write(0.01))
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Options.Hazards) != len(markets) || len(sc.Options.Availability) != 0 {
		t.Fatalf("%d hazards and %d traces, want %d hazards", len(sc.Options.Hazards), len(sc.Options.Availability), len(markets))
	}
	r, err := sim.Run(sc.Options)
	if err != nil {
		t.Fatal(err)
	}
	// About 1,100 spot instance-hours at 0.01 an hour: about 11 expected
	// (reclaim events take 30% of a pool on average, so they come in
	// groups); well inside 3..30.
	if rate := float64(r.CapacityInterruptions) / r.InstanceHoursSpot; r.CapacityInterruptions < 3 || r.CapacityInterruptions > 30 {
		t.Errorf("%d capacity interruptions in %.0f spot instance-hours (%.4f/h), want about 0.01/h", r.CapacityInterruptions, r.InstanceHoursSpot, rate)
	}
	sc, err = buildWith(t, "model:"+write(0))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := sim.Run(sc.Options); err != nil || r.CapacityInterruptions != 0 {
		t.Errorf("zero hazard: %d capacity interruptions (%v)", r.CapacityInterruptions, err)
	}
}
