package scenario_test

import (
	"reflect"
	"testing"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/scenario"
)

// TestMeetingsForReusesTheBaseSeedsTrace: with a generated trace, Build
// draws the base seed's trace once; the first run gets that very trace
// back instead of drawing it again, and every other seed draws its own.
func TestMeetingsForReusesTheBaseSeedsTrace(t *testing.T) {
	cfg := &config.File{Name: "default", Config: config.Default()}
	cat := datasets.DefaultCatalog()
	if err := cfg.Validate(cat); err != nil {
		t.Fatal(err)
	}
	sc, err := scenario.Build(scenario.Inputs{Config: cfg, Catalog: cat, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	base, err := sc.MeetingsFor(7)
	if err != nil {
		t.Fatal(err)
	}
	if len(base) == 0 || &base[0] != &sc.Options.Meetings[0] {
		t.Error("the base seed's trace was drawn again")
	}
	other, err := sc.MeetingsFor(8)
	if err != nil {
		t.Fatal(err)
	}
	if len(other) == 0 || &other[0] == &base[0] || reflect.DeepEqual(other, base) {
		t.Error("seed 8 did not draw a trace of its own")
	}
	// Drawn afresh, the base seed's trace is the same.
	again, err := scenario.Build(scenario.Inputs{Config: cfg, Catalog: cat, Seed: 8})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again.Options.Meetings, other) {
		t.Error("seed 8's trace depends on how it was asked for")
	}
}
