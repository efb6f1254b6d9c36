package sim

import (
	"testing"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/model"
)

// defaultOptions is the embedded default scenario: synthetic prices and a
// generated university trace over the same 28 days, as `scalite sim` runs it.
func defaultOptions(t testing.TB, mutate func(*config.Config)) Options {
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
	sc, err := BuildScenario(Inputs{Config: f, Catalog: cat, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return sc.Options
}

func mustPlanner(t testing.TB, p model.Policy) *engine.Planner {
	t.Helper()
	pl, err := engine.New(p)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}
