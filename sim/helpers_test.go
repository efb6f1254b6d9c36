package sim

import (
	"testing"
	"time"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/model"
)

// defaultOptions is the embedded default scenario: synthetic prices and a
// generated university trace over the same 28 days.
func defaultOptions(t testing.TB, mutate func(*config.Config)) Options {
	t.Helper()
	cfg := config.Default()
	if mutate != nil {
		mutate(&cfg)
	}
	cat := datasets.DefaultCatalog()
	if err := (&config.File{Name: "test", Config: cfg}).Validate(cat); err != nil {
		t.Fatal(err)
	}
	o, err := OptionsFrom(&cfg, cat)
	if err != nil {
		t.Fatal(err)
	}
	h, err := datasets.DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	o.Prices = h.Series
	p, _ := datasets.Profile("university")
	ms, err := datasets.GenerateTrace(p, datasets.TraceGenOptions{Start: datasets.DefaultStart, Days: datasets.DefaultDays}, datasets.NewTraceRand(1))
	if err != nil {
		t.Fatal(err)
	}
	o.Meetings = ms
	o.From = datasets.DefaultStart.Unix()
	o.To = datasets.DefaultStart.Add(time.Duration(datasets.DefaultDays) * 24 * time.Hour).Unix()
	o.Seed = 1
	return o
}

func mustPlanner(t testing.TB, p model.Policy) *engine.Planner {
	t.Helper()
	pl, err := engine.New(p)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}
