package sim_test

import (
	"testing"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/scenario"
	"github.com/scalite/scalite/sim"
)

// defaultOptions is the embedded default scenario: synthetic prices and a
// generated university trace over the same 28 days, as `scalite sim` runs it.
func defaultOptions(t testing.TB, mutate func(*config.Config)) sim.Options {
	t.Helper()
	cfg := config.Default()
	if mutate != nil {
		mutate(&cfg)
	}
	f := &config.File{Name: "test", Config: cfg}
	cat := datasets.DefaultCatalog()
	if err := f.Validate(cat); err != nil {
		t.Fatal(err)
	}
	sc, err := scenario.Build(scenario.Inputs{Config: f, Catalog: cat, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return sc.Options
}
