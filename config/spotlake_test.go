package config

import (
	"strings"
	"testing"

	"github.com/scalite/scalite/datasets"
)

// TestPoolAvailabilityAndSpotLakeKeysAreValidated: pool_availability is
// band (the default) or off; SpotLake paths need a zone ID for each of
// the policy's zones, and IDs must be IDs (a zone name there matches
// nothing in SpotLake).
func TestPoolAvailabilityAndSpotLakeKeysAreValidated(t *testing.T) {
	if d := Default().Simulation.PoolAvailability; d != "band" {
		t.Fatalf("default simulation.pool_availability %q, want band", d)
	}
	cat := datasets.DefaultCatalog()
	ids := "    zone_ids: {eu-west-1a: euw1-az2, eu-west-1b: euw1-az3, eu-west-1c: euw1-az1}\n"
	for _, tc := range []struct {
		name, in, want string
	}{
		{"unknown pool availability", "simulation:\n  pool_availability: sometimes\n", `c.yaml: line 2: simulation.pool_availability: want band (pools alternate between available and unavailable by advisor band) or off, got "sometimes"`},
		{"no zone IDs", "simulation:\n  spotlake:\n    paths: [/data/spotlake]\n", "c.yaml: line 2: simulation.spotlake.zone_ids: no zone ID for eu-west-1a"},
		{"zone name for an ID", "simulation:\n  spotlake:\n    paths: [/data/spotlake]\n    zone_ids: {eu-west-1a: eu-west-1a, eu-west-1b: euw1-az3, eu-west-1c: euw1-az1}\n", `simulation.spotlake.zone_ids.eu-west-1a: want a zone ID like euw1-az1, got "eu-west-1a"`},
		{"one ID twice", "simulation:\n  spotlake:\n    paths: [/data/spotlake]\n    zone_ids: {eu-west-1a: euw1-az1, eu-west-1b: euw1-az3, eu-west-1c: euw1-az1}\n", "zone ID euw1-az1 is also given for eu-west-1a"},
		{"IDs without paths", "simulation:\n  spotlake:\n" + ids, "simulation.spotlake.zone_ids: given without simulation.spotlake.paths"},
		{"empty path", "simulation:\n  spotlake:\n    paths: [\"\"]\n" + ids, "simulation.spotlake.paths: entry 1 is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(tc.in), "c.yaml")
			if err == nil {
				err = f.Validate(cat)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	for _, ok := range []string{"simulation:\n  pool_availability: off\n", "simulation:\n  spotlake:\n    paths: [/data/spotlake]\n" + ids} {
		f, err := Parse([]byte(ok), "c.yaml")
		if err == nil {
			err = f.Validate(cat)
		}
		if err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}
