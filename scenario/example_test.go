package scenario_test

import (
	"fmt"
	"time"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/scenario"
	"github.com/scalite/scalite/sim"
)

// Build assembles what `scalite sim` runs: a configuration, prices (here
// the embedded synthetic ones) and a trace (here generated per seed).
// The window is where the prices and the trace overlap, unless From/To
// narrow it.
func ExampleBuild() {
	cfg := &config.File{Name: "default", Config: config.Default()}
	cat := datasets.DefaultCatalog()
	if err := cfg.Validate(cat); err != nil {
		panic(err)
	}
	sc, err := scenario.Build(scenario.Inputs{Config: cfg, Catalog: cat, Seed: 1,
		To: datasets.DefaultStart.Add(7 * 24 * time.Hour)})
	if err != nil {
		panic(err)
	}
	o := sc.Options
	fmt.Println(sc.PricesLabel)
	fmt.Println(sc.TraceLabel)
	fmt.Printf("%s to %s, %d spot pools\n", time.Unix(o.From, 0).UTC().Format(time.DateOnly), time.Unix(o.To, 0).UTC().Format(time.DateOnly), len(o.Policy.SpotMarkets()))
	runs, err := sim.RunMany(o, 2, 1, sc.MeetingsFor)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(runs), "runs, seeds", runs[0].Seed, runs[1].Seed)
	// Output:
	// embedded synthetic prices (eu-west-1, 2026-03-02 + 28 days, seed 1)
	// generated university trace, 7 days, seed per run
	// 2026-03-02 to 2026-03-09, 9 spot pools
	// 2 runs, seeds 1 2
}
