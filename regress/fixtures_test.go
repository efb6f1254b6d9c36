package regress

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/scalite/scalite/interruptions"
)

var updateFixtures = flag.Bool("update-fixtures", false, "rewrite examples/availability from its generator")

// The suite's availability fixture (examples/availability): how it is made.
// Its README says the same; TestAvailabilityFixtureIsItsGenerator keeps the
// two true.
const (
	fixtureDir   = "../examples/availability/eu-west-1"
	fixtureModel = "../examples/availability/eu-west-1-model.yaml"
	// SkyPilot's published two-state fit of its AWS availability traces
	// (skypilot-org/skypilot simulator README: --generator two_exp
	// --alive-scale 24.4920 --wait-scale 6.4126984, hours available /
	// unavailable; ../shared/docs/field-facts.md). GPU pools, far busier
	// than BBB-sized ones: a stress case, so that the suite sees
	// disruptions.
	fixtureUpRate   = 1 / 24.4920
	fixtureDownRate = 1 / 6.4126984
	fixtureGap      = 600     // seconds, as SkyPilot's aws-10-26-2022 set
	fixtureDays     = 28      // the suite's longest scenario
	fixtureSeed     = 2026_12 // the session's issue 12
)

// fixturePools are the union of the example policies' spot markets: every
// pool a policy may launch into has a trace (the simulator requires one).
var fixturePools = func() []interruptions.Pool {
	var out []interruptions.Pool
	for _, typ := range []string{"c5a.4xlarge", "c6i.4xlarge", "m5.4xlarge"} {
		for _, az := range []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"} {
			out = append(out, interruptions.Pool{InstanceType: typ, AZ: az})
		}
	}
	return out
}()

// generateFixture draws each pool's trace from its own seeded stream, so
// that adding a pool does not change the others.
func generateFixture() map[string][]bool {
	out := map[string][]bool{}
	for i, p := range fixturePools {
		rng := rand.New(rand.NewPCG(fixtureSeed, uint64(i+1)))
		n := fixtureDays * 86400 / fixtureGap
		out[p.InstanceType+"_"+p.AZ+".json"] = interruptions.Generate(fixtureUpRate, fixtureDownRate, n, fixtureGap, rng)
	}
	return out
}

// TestAvailabilityFixtureIsItsGenerator: the committed traces are exactly
// what the generator above writes (go test ./regress -run
// TestAvailabilityFixtureIsItsGenerator -update-fixtures rewrites them), so
// the fixture is reproducible and nobody edits it by hand.
func TestAvailabilityFixtureIsItsGenerator(t *testing.T) {
	want := generateFixture()
	if *updateFixtures {
		if err := os.MkdirAll(fixtureDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, up := range want {
			if err := interruptions.WriteTrace(filepath.Join(fixtureDir, name), fixtureGap, up); err != nil {
				t.Fatal(err)
			}
		}
	}
	entries, err := os.ReadDir(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Errorf("%s has %d files, the generator writes %d", fixtureDir, len(entries), len(want))
	}
	tmp := t.TempDir()
	for name, up := range want {
		p := filepath.Join(tmp, name)
		if err := interruptions.WriteTrace(p, fixtureGap, up); err != nil {
			t.Fatal(err)
		}
		gen, _ := os.ReadFile(p)
		got, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil {
			t.Errorf("%v (rewrite with -update-fixtures)", err)
			continue
		}
		if !bytes.Equal(got, gen) {
			t.Errorf("%s differs from its generator (rewrite with -update-fixtures)", name)
		}
	}
}

// TestInterruptionModelIsFittedFromFixture: the committed model is what
// `scalite interruptions fit examples/availability/eu-west-1 -o
// examples/availability/eu-west-1-model.yaml` writes from the committed
// traces (the command calls ReadTraces, FitTraces at the default
// confidence, WriteModel), and each pool's fitted rates hold the rates the
// traces were drawn with.
func TestInterruptionModelIsFittedFromFixture(t *testing.T) {
	traces, err := interruptions.ReadTraces(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := interruptions.FitTraces(traces, interruptions.DefaultConfidence)
	if err != nil {
		t.Fatal(err)
	}
	got, err := interruptions.ReadModel(fixtureModel)
	if err != nil {
		t.Fatal(err)
	}
	if err := sameModel(got, m); err != nil {
		t.Errorf("%s is not the fit of %s (%v): re-run scalite interruptions fit -o examples/availability/eu-west-1-model.yaml examples/availability/eu-west-1",
			fixtureModel, fixtureDir, err)
	}
	// A 95% interval misses the rate it was drawn with 1 time in 20: of
	// 18 rates, 4 or more miss with probability 1.1% (binomial), so more
	// than 3 misses says the fit or the fixture is wrong, not bad luck.
	miss := 0
	for _, p := range m.Pools {
		a := p.Availability
		if !a.Up.Contains(fixtureUpRate) {
			miss++
			t.Logf("%s: available->unavailable %v misses %.4g", p.Pool, a.Up, fixtureUpRate)
		}
		if !a.Down.Contains(fixtureDownRate) {
			miss++
			t.Logf("%s: unavailable->available %v misses %.4g", p.Pool, a.Down, fixtureDownRate)
		}
	}
	if miss > 3 {
		t.Errorf("%d of %d fitted rates miss the rates the fixture was drawn with", miss, 2*len(m.Pools))
	}
	if len(m.Pools) != len(fixturePools) {
		t.Errorf("model has %d pools, want %d", len(m.Pools), len(fixturePools))
	}
}

// sameModel compares two fitted trace models: counts exactly, figures to
// 1e-9 relative (a platform that fuses multiply-adds may differ in the
// last digit of the file's decimals, never more).
func sameModel(got, want *interruptions.Model) error {
	if len(got.Pools) != len(want.Pools) || got.Source != want.Source || got.Confidence != want.Confidence {
		return fmt.Errorf("%d pools from %s at %v, want %d from %s at %v", len(got.Pools), got.Source, got.Confidence,
			len(want.Pools), want.Source, want.Confidence)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) }
	for i := range want.Pools {
		g, w := got.Pools[i], want.Pools[i]
		if g.Pool != w.Pool || !near(g.ObservedHours, w.ObservedHours) || (g.Availability == nil) != (w.Availability == nil) {
			return fmt.Errorf("pool %d: %s (%v h), want %s (%v h)", i, g.Pool, g.ObservedHours, w.Pool, w.ObservedHours)
		}
		if w.Availability == nil {
			continue
		}
		ga, wa := g.Availability, w.Availability
		for _, r := range []struct {
			name string
			g, w interruptions.Rate
		}{{"available_to_unavailable", ga.Up, wa.Up}, {"unavailable_to_available", ga.Down, wa.Down}} {
			if r.g.Events != r.w.Events || !near(r.g.ExposureHours, r.w.ExposureHours) || !near(r.g.PerHour, r.w.PerHour) ||
				!near(r.g.Lower, r.w.Lower) || !near(r.g.Upper, r.w.Upper) {
				return fmt.Errorf("%s %s: %+v, want %+v", g.Pool, r.name, r.g, r.w)
			}
		}
		for _, f := range []struct {
			name string
			g, w interruptions.Fit
		}{{"available_fit", ga.UpFit, wa.UpFit}, {"unavailable_fit", ga.DownFit, wa.DownFit}} {
			if f.g.N != f.w.N || !near(f.g.KS, f.w.KS) || !near(f.g.PValue, f.w.PValue) {
				return fmt.Errorf("%s %s: %+v, want %+v", g.Pool, f.name, f.g, f.w)
			}
		}
	}
	return nil
}
