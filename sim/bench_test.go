package sim_test

import (
	"testing"

	"github.com/scalite/scalite/internal/benchscenario"
	"github.com/scalite/scalite/results"
	"github.com/scalite/scalite/sim"
)

// yearOptions is the benchmark scenario (benchscenario.Year).
func yearOptions(b testing.TB) sim.Options {
	o, _, _ := benchscenario.Year(b)
	return o
}

// BenchmarkSimYear runs the policy and its all-on-demand baseline over the
// year on one goroutine. Target on the 2-core machines: at most 1 s.
func BenchmarkSimYear(b *testing.B) {
	o := yearOptions(b)
	b.ReportAllocs()
	b.ResetTimer()
	var r results.Result
	for range b.N {
		r = mustRun(b, o)
	}
	b.ReportMetric(float64(r.Events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(r.MeetingsTotal), "meetings")
	b.ReportMetric(float64(r.PeakServers), "peak-servers")
}

// BenchmarkSimRuns measures --runs scaling: 4 runs of the default 28-day
// scenario over all cores.
func BenchmarkSimRuns(b *testing.B) {
	o := defaultOptions(b, nil)
	b.ResetTimer()
	for range b.N {
		if _, err := sim.RunMany(o, 4, 0, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSimSameWorkAsSimPy is the measure: the SimPy model's
// side-by-side year (benchscenario.SameWorkAsSimPy), policy and baseline
// run as `scalite sim` runs them (the baseline beside the policy on the
// second core). Target on the 2-core machines: at most 0.2 s, 60x SimPy.
func BenchmarkSimSameWorkAsSimPy(b *testing.B) {
	o, _, _ := benchscenario.SameWorkAsSimPy(b)
	b.ResetTimer()
	var r results.Result
	for range b.N {
		rs, err := sim.RunMany(o, 1, 0, nil)
		if err != nil {
			b.Fatal(err)
		}
		r = rs[0]
	}
	b.ReportMetric(float64(r.Events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(r.MeetingsTotal), "meetings")
	b.ReportMetric(float64(r.PeakServers), "peak-servers")
}
