// Package benchscenario builds the one-year scenario the simulator's and
// the sweep's benchmarks share (issue 15's measure), so both measure the
// same work.
package benchscenario

import (
	"bytes"
	"testing"
	"time"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/scenario"
	"github.com/scalite/scalite/sim"
)

// Year is one simulated year from 2025-01-06: 24 spot markets (8 types x
// 3 AZs) of generated prices, about 200,000 meetings of the university
// profile at twice its load, and a fleet of up to about 100 servers
// (capacity overridden to 50 users per server, the same 50 users in BBB's
// mixed use, 42.92 LU each, for the load model). It returns the options,
// and the configuration and catalog they came from (a sweep's base).
func Year(tb testing.TB) (sim.Options, config.Config, *model.Catalog) {
	tb.Helper()
	types := []string{"c5.2xlarge", "c5a.2xlarge", "c6a.2xlarge", "c6i.2xlarge", "m5.2xlarge", "m5a.2xlarge", "m6a.2xlarge", "m6i.2xlarge"}
	cfg := config.Default()
	cfg.Spot.InstanceType = config.NameList(types)
	cfg.Fleet.Max = 150
	cfg.Capacity = map[string]int{}
	cfg.LoadCapacity = map[string]int{}
	for _, t := range types {
		cfg.Capacity[t] = 50
		cfg.LoadCapacity[t] = 2146
	}
	cfg.OnDemand.InstanceType = "c5a.2xlarge"
	cfg.Simulation.HazardMultiplier = 3
	cat := datasets.DefaultCatalog()
	if err := (&config.File{Name: "bench", Config: cfg}).Validate(cat); err != nil {
		tb.Fatal(err)
	}
	o, err := scenario.OptionsFrom(&cfg, cat)
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	rc, err := cat.Region("eu-west-1")
	if err != nil {
		tb.Fatal(err)
	}
	var its []model.InstanceType
	for _, t := range types {
		its = append(its, rc.Types[t])
	}
	recs, err := datasets.GeneratePrices(datasets.DefaultPriceModel(), datasets.PriceGenOptions{Types: its, AZs: cfg.AvailabilityZones, Start: start, Days: 366}, datasets.NewPriceRand(9))
	if err != nil {
		tb.Fatal(err)
	}
	// Through the AWS CLI shape and the reader, as a user's prices come.
	var buf bytes.Buffer
	if err := datasets.WritePricesCLIJSON(&buf, recs); err != nil {
		tb.Fatal(err)
	}
	h, err := datasets.ReadPricesFrom(&buf, "bench", datasets.PriceReadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	o.Prices = h.Series
	p, _ := datasets.Profile("university")
	if o.Meetings, err = datasets.GenerateTrace(p, datasets.TraceGenOptions{Start: start, Days: 365, Scale: 2}, datasets.NewTraceRand(9)); err != nil {
		tb.Fatal(err)
	}
	o.From, o.To, o.Seed = start.Unix(), start.Unix()+365*86400, 1
	return o, cfg, cat
}
