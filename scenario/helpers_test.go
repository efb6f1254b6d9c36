package scenario_test

import (
	"testing"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/scenario"
)

// build builds a scenario from the default configuration changed by mutate
// (nil: as it is), validated against the embedded catalog, with the rest
// of the inputs from in.
func build(t *testing.T, mutate func(*config.Config), in scenario.Inputs) (*scenario.Scenario, error) {
	t.Helper()
	c := config.Default()
	if mutate != nil {
		mutate(&c)
	}
	in.Config = &config.File{Name: "c.yaml", Config: c}
	in.Catalog = datasets.DefaultCatalog()
	if err := in.Config.Validate(in.Catalog); err != nil {
		t.Fatal(err)
	}
	return scenario.Build(in)
}
