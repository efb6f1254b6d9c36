package sim_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/results"
	"github.com/scalite/scalite/scenario"
	"github.com/scalite/scalite/sim"
)

// yearOptions is the benchmark scenario: one simulated year, 24
// spot markets (8 types x 3 AZs), about 200,000 meetings and a fleet of up
// to about 100 servers (capacity overridden to 50 users per server).
func yearOptions(b testing.TB) sim.Options {
	types := []string{"c5.2xlarge", "c5a.2xlarge", "c6a.2xlarge", "c6i.2xlarge", "m5.2xlarge", "m5a.2xlarge", "m6a.2xlarge", "m6i.2xlarge"}
	cfg := config.Default()
	cfg.Spot.InstanceType = config.NameList(types)
	cfg.Fleet.Max = 150
	cfg.Capacity = map[string]int{}
	cfg.LoadCapacity = map[string]int{} // the same 50 users in BBB's mixed use (42.92 LU each)
	for _, t := range types {
		cfg.Capacity[t] = 50
		cfg.LoadCapacity[t] = 2146
	}
	cfg.OnDemand.InstanceType = "c5a.2xlarge"
	cfg.Simulation.HazardMultiplier = 3
	cat := datasets.DefaultCatalog()
	if err := (&config.File{Name: "bench", Config: cfg}).Validate(cat); err != nil {
		b.Fatal(err)
	}
	o, err := scenario.OptionsFrom(&cfg, cat)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	var its []model.InstanceType
	rc, _ := cat.Region("eu-west-1")
	for _, t := range types {
		its = append(its, rc.Types[t])
	}
	recs, err := datasets.GeneratePrices(datasets.DefaultPriceModel(), datasets.PriceGenOptions{Types: its, AZs: cfg.AvailabilityZones, Start: start, Days: 366}, datasets.NewPriceRand(9))
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	datasets.WritePricesCLIJSON(&buf, recs)
	h, err := datasets.ReadPricesFrom(&buf, "bench", datasets.PriceReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	o.Prices = h.Series
	p, _ := datasets.Profile("university")
	o.Meetings, err = datasets.GenerateTrace(p, datasets.TraceGenOptions{Start: start, Days: 365, Scale: 2}, datasets.NewTraceRand(9))
	if err != nil {
		b.Fatal(err)
	}
	o.From, o.To, o.Seed = start.Unix(), start.Unix()+365*86400, 1
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
