package live_test

import (
	"testing"
	"time"

	"github.com/scalite/scalite/model"
)

// TestRegisterSetsTheTypesLoadMultiplier: a server Scalite registers in
// Scalelite gets its type's load_multiplier, not Scalelite's default 1, so
// that Scalelite's least-loaded placement shares meetings by capacity in a
// fleet of mixed sizes. The default policy's types all have 16 vCPUs:
// twice BBB's 8-core reference server, so 0.5.
func TestRegisterSetsTheTypesLoadMultiplier(t *testing.T) {
	r := newRehearsal(t)
	lm := model.DefaultLoadModel()
	for _, typ := range append(r.policy.SpotTypes, r.policy.OnDemandType) {
		if got := lm.LoadMultiplier(typ.CapacityLoad); got != 0.5 {
			t.Fatalf("%s: multiplier %v; the test assumes 16-vCPU types", typ.Name, got)
		}
	}
	c := r.controller(true)
	r.settle(c, 8*time.Minute)
	ids := r.ec2.Live()
	if len(ids) == 0 {
		t.Fatal("no server came up")
	}
	for _, id := range ids {
		if got := r.sl.LoadMultiplier(r.bbbURL(id)); got != 0.5 {
			t.Errorf("%s: load_multiplier %v, want 0.5 from its type's capacity", id, got)
		}
	}
}
