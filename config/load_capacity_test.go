package config

import (
	"strings"
	"testing"

	"github.com/scalite/scalite/datasets"
)

// TestLoadCapacityOverride: load_capacity.TYPE replaces the catalog's
// capacity in load units for that type only; an unknown type or a
// non-positive value is refused with the file, line and key.
func TestLoadCapacityOverride(t *testing.T) {
	cat := datasets.DefaultCatalog()
	f, err := Parse([]byte("load_capacity:\n  c5a.4xlarge: 15000\n"), "c.yaml")
	if err == nil {
		err = f.Validate(cat)
	}
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := cat.Region("eu-west-1")
	types, err := f.Config.InstanceTypes(rc)
	if err != nil {
		t.Fatal(err)
	}
	if got := types["c5a.4xlarge"].CapacityLoad; got != 15000 {
		t.Errorf("c5a.4xlarge: %d LU, want the override 15000", got)
	}
	if got, want := types["m5.4xlarge"].CapacityLoad, rc.Types["m5.4xlarge"].CapacityLoad; got != want {
		t.Errorf("m5.4xlarge: %d LU, want the catalog's %d", got, want)
	}
	for _, tc := range []struct{ in, want string }{
		{"load_capacity:\n  x9.huge: 10\n", "c.yaml: line 2: load_capacity.x9.huge: instance type \"x9.huge\" is not in the eu-west-1 catalog"},
		{"load_capacity:\n  c5a.4xlarge: 0\n", "c.yaml: line 2: load_capacity.c5a.4xlarge: must be positive, got 0"},
	} {
		f, err := Parse([]byte(tc.in), "c.yaml")
		if err == nil {
			err = f.Validate(cat)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.want)
		}
	}
}

// TestCapacityModelKey: capacity_model is load (the default) or users.
func TestCapacityModelKey(t *testing.T) {
	cat := datasets.DefaultCatalog()
	for in, load := range map[string]bool{"": true, "capacity_model: load\n": true, "capacity_model: users\n": false} {
		f, err := Parse([]byte(in), "c.yaml")
		if err == nil {
			err = f.Validate(cat)
		}
		if err != nil || f.Config.UsesLoadModel() != load {
			t.Errorf("%q: error %v, load model %v, want %v", in, err, f.Config.UsesLoadModel(), load)
		}
	}
	f, err := Parse([]byte("capacity_model: heads\n"), "c.yaml")
	if err == nil {
		err = f.Validate(cat)
	}
	if err == nil || !strings.Contains(err.Error(), "c.yaml: line 1: capacity_model: unknown model \"heads\"") {
		t.Errorf("error %v", err)
	}
}
