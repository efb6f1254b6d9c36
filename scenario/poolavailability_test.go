package scenario_test

import (
	"slices"
	"testing"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/scenario"
	"github.com/scalite/scalite/sim"
)

// buildConfig builds a scenario from the default configuration changed by
// mutate (seed 3, the embedded prices, a generated trace).
func buildConfig(t *testing.T, mutate func(*config.Config)) *scenario.Scenario {
	t.Helper()
	sc, err := build(t, mutate, scenario.Inputs{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// spells are the lengths in hours of a drawn trace's complete up and down
// spells (the first, cut by the window's start, left out; the last ends
// at no change).
func spells(a *sim.Availability) (up, down []float64) {
	isUp := !a.StartsDown
	for i := 1; i < len(a.Changes); i++ {
		isUp = !isUp // the state entered at Changes[i-1]
		h := float64(a.Changes[i]-a.Changes[i-1]) / 3600
		if isUp {
			up = append(up, h)
		} else {
			down = append(down, h)
		}
	}
	return up, down
}

// upShare is the share of [0, horizon) seconds a drawn trace is available.
func upShare(a *sim.Availability, horizon int64) float64 {
	up, at, isUp := int64(0), int64(0), !a.StartsDown
	for _, c := range a.Changes {
		if isUp {
			up += c - at
		}
		at, isUp = c, !isUp
	}
	if isUp {
		up += horizon - at
	}
	return float64(up) / float64(horizon)
}

// same reports whether two drawn traces are the same.
func same(a, b *sim.Availability) bool {
	return a.StartsDown == b.StartsDown && slices.Equal(a.Changes, b.Changes)
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// TestPoolsAlternateByBandByDefault: the default configuration's advisor
// model draws each spot pool's availability for its band; the >20% pools
// of the default policy (c6i.4xlarge) are unavailable for spells, about a
// fifth of the time, the <5% ones (c5a.4xlarge) nearly never.
func TestPoolsAlternateByBandByDefault(t *testing.T) {
	sc := buildConfig(t, nil)
	o := sc.Options
	if o.Capacity != sim.CapacityAdvisor || o.PoolAvailability == nil {
		t.Fatalf("default capacity model %v, pool availability set %t: want the advisor model with pools alternating", o.Capacity, o.PoolAvailability != nil)
	}
	cat := datasets.DefaultCatalog()
	rc, _ := cat.Region(o.Policy.Region)
	for _, k := range o.Policy.SpotMarkets() {
		band := rc.Types[k.InstanceType].Band
		// A year, so a calm pool's share is measured too.
		a := o.PoolAvailability(k, []sim.BandStep{{At: o.From, Band: band}}, o.From, o.From+365*86400, o.Seed)
		share := upShare(a, 365*86400)
		want := scenario.DefaultBandSpells[band].AvailableShare()
		if share < want-0.06 || share > min(1, want+0.06) || share == 1 {
			t.Errorf("%s (band %s): available %.3f of the time, want about %.3f and some unavailable spells", k, band, share, want)
		}
	}
}

// TestCalmerBandHasLongerUpSpells: drawn spells have the table's means,
// and a calmer band stays available longer and comes back sooner.
func TestCalmerBandHasLongerUpSpells(t *testing.T) {
	draw := scenario.PoolAvailabilityByBand(scenario.DefaultBandSpells)
	k := model.MarketKey{InstanceType: "c5a.4xlarge", AZ: "eu-west-1a"}
	const years = 30
	prevUp, prevDown := 0.0, 0.0
	for b := model.BandOver20; b >= model.BandUnder5; b-- {
		a := draw(k, []sim.BandStep{{At: 0, Band: b}}, 0, years*365*86400, 7)
		up, down := spells(a)
		mu, md := mean(up), mean(down)
		want := scenario.DefaultBandSpells[b]
		// 30 years hold at least 300 spells: the means lie within 20%.
		if mu < 0.8*want.UpHours || mu > 1.2*want.UpHours || md < 0.8*want.DownHours || md > 1.2*want.DownHours {
			t.Errorf("band %s: mean spells %.2f h up, %.2f h down (%d, %d spells), want %.2f and %.2f", b, mu, md, len(up), len(down), want.UpHours, want.DownHours)
		}
		if b < model.BandOver20 && (mu <= prevUp || md >= prevDown) {
			t.Errorf("band %s: %.1f h up, %.2f h down; the busier band had %.1f and %.2f: a calmer band must stay up longer and come back sooner", b, mu, md, prevUp, prevDown)
		}
		prevUp, prevDown = mu, md
	}
}

// TestPoolSpellsSameSeedSameSpells: a pool's spells depend on the seed
// and its name only: the same in every candidate policy run on a seed
// (common random numbers), different in another pool or on another seed.
func TestPoolSpellsSameSeedSameSpells(t *testing.T) {
	draw := scenario.PoolAvailabilityByBand(scenario.DefaultBandSpells)
	a := model.MarketKey{InstanceType: "c6i.4xlarge", AZ: "eu-west-1a"}
	b := model.MarketKey{InstanceType: "c6i.4xlarge", AZ: "eu-west-1b"}
	over := []sim.BandStep{{At: 0, Band: model.BandOver20}}
	const to = 28 * 86400
	if !same(draw(a, over, 0, to, 1), draw(a, over, 0, to, 1)) {
		t.Fatal("the same pool and seed drew different spells")
	}
	if same(draw(a, over, 0, to, 1), draw(b, over, 0, to, 1)) {
		t.Error("two pools drew the same spells")
	}
	if same(draw(a, over, 0, to, 1), draw(a, over, 0, to, 2)) {
		t.Error("two seeds drew the same spells")
	}
	// Two policies sharing one pool, built from the same seed: its spells
	// are the same, wherever it stands in each policy's list of pools.
	one := buildConfig(t, func(c *config.Config) { c.Spot.InstanceType = config.NameList{"c6i.4xlarge"} })
	three := buildConfig(t, nil)
	o1, o3 := one.Options, three.Options
	if !same(o1.PoolAvailability(a, over, o1.From, o1.To, o1.Seed), o3.PoolAvailability(a, over, o3.From, o3.To, o3.Seed)) {
		t.Error("a pool drew different spells in two policies on the same seed")
	}
}

// TestPoolAvailabilityOffKeepsPoissonOnly: with pool_availability: off the
// advisor model is reclaim events only; with reclaims switched off
// (hazard_multiplier 0) a >20% pool is then never interrupted, while the
// default (band) still interrupts it when it goes unavailable.
func TestPoolAvailabilityOffKeepsPoissonOnly(t *testing.T) {
	run := func(pa string) (opts sim.Options, interruptions, capacity int) {
		sc := buildConfig(t, func(c *config.Config) {
			c.Spot.InstanceType = config.NameList{"c6i.4xlarge"} // >20%
			c.Simulation.HazardMultiplier = 0
			c.Simulation.LaunchFailure = 0
			c.Simulation.PoolAvailability = pa
		})
		r, err := sim.Run(sc.Options)
		if err != nil {
			t.Fatal(err)
		}
		return sc.Options, r.Interruptions, r.CapacityInterruptions
	}
	o, n, _ := run("off")
	if o.PoolAvailability != nil || n != 0 {
		t.Errorf("pool_availability off: pool spells set %t, %d interruptions without reclaims; want none", o.PoolAvailability != nil, n)
	}
	o, n, c := run("band")
	if o.PoolAvailability == nil || n == 0 || c != n {
		t.Errorf("pool_availability band: %d interruptions (%d capacity) in 28 days of >20%% pools going unavailable every ~24 h; want some, all capacity", n, c)
	}
}

// BenchmarkPoolAvailabilityYear draws one pool's spells for a year at the
// minute resolution, as every run does for each spot pool.
func BenchmarkPoolAvailabilityYear(b *testing.B) {
	draw := scenario.PoolAvailabilityByBand(scenario.DefaultBandSpells)
	k := model.MarketKey{InstanceType: "c6i.4xlarge", AZ: "eu-west-1a"}
	bands := []sim.BandStep{{At: 0, Band: model.BandOver20}}
	b.ReportAllocs()
	for i := range b.N {
		draw(k, bands, 0, 365*86400, uint64(i))
	}
}

// TestResultSaysPoolAvailability: a run's result names the pool
// availability model it ran under (pool_availability), and says nothing
// when pools were always available.
func TestResultSaysPoolAvailability(t *testing.T) {
	for _, tc := range []struct{ setting, want string }{{"band", "band"}, {"off", ""}} {
		sc := buildConfig(t, func(c *config.Config) { c.Simulation.PoolAvailability = tc.setting })
		o := sc.Options
		o.To = o.From + 86400
		r, err := sim.Run(o)
		if err != nil {
			t.Fatal(err)
		}
		if r.PoolAvailability != tc.want {
			t.Errorf("pool_availability: %s gives %q in the result, want %q", tc.setting, r.PoolAvailability, tc.want)
		}
	}
}
