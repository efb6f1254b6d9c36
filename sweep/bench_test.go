package sweep

import (
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/internal/benchscenario"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/sim"
)

// yearEvaluator is a one-year scenario of the simulator's benchmarks
// with a 1,000-candidate space over it.
func yearEvaluator(b *testing.B, o sim.Options, cfg config.Config, cat *model.Catalog) (*Evaluator, []Candidate) {
	b.Helper()
	spec, err := ParseSpec([]byte(`spot_price: ["100%", "90%", "80%", "70%", "60%"]
headroom: ["10%", "15%", "20%", "25%", "30%"]
allocation_strategy: [lowest-price, price-capacity-optimized]
on_demand_base: [1, 2]
on_interruption: [cordon, end-meetings]
scale_in_cooldown: [5m, 10m, 15m, 20m, 30m]
`), "spec")
	if err != nil {
		b.Fatal(err)
	}
	cands, err := spec.Candidates(cfg, cat)
	if err != nil {
		b.Fatal(err)
	}
	if len(cands) != 1000 {
		b.Fatalf("%d candidates, want 1000", len(cands))
	}
	return &Evaluator{Base: o, Catalog: cat, Runs: 1}, cands
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// BenchmarkSweepSameWorkAsSimPy is the sweep: 1,000 candidates over
// the year the SimPy model's side-by-side simulates
// (benchscenario.SameWorkAsSimPy), measured as sweepYear does.
func BenchmarkSweepSameWorkAsSimPy(b *testing.B) {
	o, cfg, cat := benchscenario.SameWorkAsSimPy(b)
	sweepYear(b, o, cfg, cat)
}

// BenchmarkSweepYear is the sweep over the heavier year of
// benchscenario.Year (a fleet of up to about 100 servers).
func BenchmarkSweepYear(b *testing.B) {
	o, cfg, cat := benchscenario.Year(b)
	sweepYear(b, o, cfg, cat)
}

// sweepYear evaluates 40 of the 1,000 candidates, one run each over the
// whole year, on all cores: those with one headroom, one on-demand base
// and two cooldowns, so that, as in the whole grid, one in twenty needs a
// baseline of its own. It reports candidates/s, the seconds 1,000
// candidates would take at that rate (the target: at most 60 s on
// the 2-core machines) and CPU/wall, how busy the cores were (target: at
// least 1.8 on 2 cores).
func sweepYear(b *testing.B, o sim.Options, cfg config.Config, cat *model.Catalog) {
	ev, all := yearEvaluator(b, o, cfg, cat)
	var cands []Candidate
	col := func(c Candidate, name string) string { return c.Params[slices.Index(ParamNames, name)] }
	for _, c := range all {
		if col(c, "headroom") == "10%" && col(c, "on_demand_base") == "1" && (col(c, "scale_in_cooldown") == "5m" || col(c, "scale_in_cooldown") == "10m") {
			cands = append(cands, c)
		}
	}
	if len(cands) != 40 {
		b.Fatalf("%d candidates, want 40", len(cands))
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, wall0 := cpuSeconds(), time.Now()
	for range b.N {
		ev.baselines = nil // fresh caches, as a new sweep has
		if _, err := ev.Evaluate(cands, nil); err != nil {
			b.Fatal(err)
		}
	}
	cpu, wall := cpuSeconds()-cpu0, time.Since(wall0).Seconds()
	rate := float64(len(cands)*b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "candidates/s")
	b.ReportMetric(1000/rate, "s/1000-candidates")
	b.ReportMetric(cpu/wall, "cpu/wall")
}
