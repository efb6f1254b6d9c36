package scenario_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
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
	c := config.Default()
	c.Simulation.CapacityInterruptions = ci
	f := &config.File{Name: "m.yaml", Config: c}
	cat := datasets.DefaultCatalog()
	if err := f.Validate(cat); err != nil {
		t.Fatal(err)
	}
	return scenario.Build(scenario.Inputs{Config: f, Catalog: cat, Seed: 3})
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
