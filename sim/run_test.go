package sim_test

import (
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/sim"
)

// TestBaselineSharedAcrossSeedsOnlyWhenSeedFree: seeds replaying one trace
// share one all-on-demand baseline when it draws no random numbers, and
// each gets the cost its own run would give; with on-demand launch or boot
// failures the baseline depends on the seed and is computed per seed.
func TestBaselineSharedAcrossSeedsOnlyWhenSeedFree(t *testing.T) {
	for _, tc := range []struct {
		name         string
		mutate       func(*sim.Options)
		wantComputed int
		wantSame     bool
	}{
		{"no random draws", func(*sim.Options) {}, 1, true},
		{"boot failures", func(o *sim.Options) { o.BootFailure = 0.2 }, 4, false},
		{"on-demand launch failures", func(o *sim.Options) { o.OnDemandLaunchFailure = 0.3 }, 4, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := defaultOptions(t, nil) // its trace is fixed: every seed replays it
			tc.mutate(&o)
			cache := sim.NewBaselineCache()
			o.Baselines = cache
			rs, err := sim.RunMany(o, 4, 2, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := cache.Computed(); got != tc.wantComputed {
				t.Errorf("%d baselines computed for 4 seeds, want %d", got, tc.wantComputed)
			}
			same := true
			for i, r := range rs {
				fresh := o
				fresh.Seed, fresh.Baselines = o.Seed+uint64(i), nil
				want := mustRun(t, fresh).BaselineOnDemandCostUSD
				if r.BaselineOnDemandCostUSD != want {
					t.Errorf("seed %d: baseline %v from the cache, %v computed on its own", fresh.Seed, r.BaselineOnDemandCostUSD, want)
				}
				same = same && r.BaselineOnDemandCostUSD == rs[0].BaselineOnDemandCostUSD
			}
			if same != tc.wantSame {
				t.Errorf("baselines the same for every seed: %v, want %v", same, tc.wantSame)
			}
		})
	}
}

// TestBaselineBesideThePolicyChangesNothing: with a core to spare (one run
// on two workers) the baseline runs beside the policy; the result is the
// one of running them one after the other.
func TestBaselineBesideThePolicyChangesNothing(t *testing.T) {
	o := defaultOptions(t, func(c *config.Config) { c.Simulation.HazardMultiplier = 20 })
	side, err := sim.RunMany(o, 1, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after := mustRun(t, o); !reflect.DeepEqual(side[0], after) {
		t.Fatalf("baseline beside the policy:\n%+v\none after the other:\n%+v", side[0], after)
	}
}

// TestBaselinesOfTracesDrawnPerSeed: with a trace drawn per seed, every
// run's baseline is its own trace's, however the memory of earlier traces
// is reused (the cache names a trace by its address).
func TestBaselinesOfTracesDrawnPerSeed(t *testing.T) {
	o := defaultOptions(t, nil)
	p, _ := datasets.Profile("university")
	day0 := time.Unix(o.From-o.From%86400, 0).UTC()
	days := int((o.To - day0.Unix() + 86399) / 86400)
	draw := func(seed uint64) ([]model.Meeting, error) {
		runtime.GC() // let the next trace take the memory of the last
		return datasets.GenerateTrace(p, datasets.TraceGenOptions{Start: day0, Days: days}, datasets.NewTraceRand(seed))
	}
	for _, cache := range []*sim.BaselineCache{nil, sim.NewBaselineCache()} {
		ro := o
		ro.Baselines = cache
		rs, err := sim.RunMany(ro, 6, 1, draw)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rs {
			one := o
			one.Seed = o.Seed + uint64(i)
			if one.Meetings, err = draw(one.Seed); err != nil {
				t.Fatal(err)
			}
			if want := mustRun(t, one).BaselineOnDemandCostUSD; r.BaselineOnDemandCostUSD != want {
				t.Errorf("cache %v, seed %d: baseline %v, its own trace's %v", cache != nil, one.Seed, r.BaselineOnDemandCostUSD, want)
			}
		}
	}
}
