package sim_test

import (
	"reflect"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/results"
	"github.com/scalite/scalite/sim"
)

// runBothWays runs o with idle ticks skipped and with every tick carried
// out, recording everything, and fails on the first difference.
func runBothWays(t interface {
	Helper()
	Fatal(...any)
	Fatalf(string, ...any)
}, o sim.Options) results.Result {
	return runTwoWays(t, o, sim.CarryOutEveryTick, "skipping idle ticks", "every tick")
}

// runTwoWays runs o with an optimisation on (set(false)) and off
// (set(true)), recording everything, and fails on the first difference.
func runTwoWays(t interface {
	Helper()
	Fatal(...any)
	Fatalf(string, ...any)
}, o sim.Options, set func(bool), on, off string) results.Result {
	t.Helper()
	run := func(every bool) (results.Result, *results.Collector) {
		set(every)
		defer set(false)
		var c results.Collector
		ro := o
		ro.Recorder, ro.SampleInterval = &c, 300
		r, err := sim.Run(ro)
		if err != nil {
			t.Fatal(err)
		}
		return r, &c
	}
	skip, cs := run(false)
	every, ce := run(true)
	if !reflect.DeepEqual(skip, every) {
		t.Fatalf("results differ:\n%s: %+v\n%s: %+v", on, skip, off, every)
	}
	if len(cs.Events) != len(ce.Events) {
		t.Fatalf("%d records %s, %d %s", len(cs.Events), on, len(ce.Events), off)
	}
	for i := range cs.Events {
		if cs.Events[i] != ce.Events[i] {
			t.Fatalf("record %d: %+v %s, %+v %s", i, cs.Events[i], on, ce.Events[i], off)
		}
	}
	if !reflect.DeepEqual(cs.Samples, ce.Samples) {
		t.Fatal("the samples differ")
	}
	return skip
}

// TestSkippedTicksChangeNothing: on the embedded 28-day scenario under
// every rule that waits on the clock (pre-warming, end-meetings before an
// interruption, boot timeouts, the join buffer, scale-in cooldowns, busy
// spot markets), skipping idle polls and plans gives the very results,
// records and samples of carrying every tick out.
func TestSkippedTicksChangeNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*config.Config)
	}{
		{"defaults", nil},
		{"interruptions, end meetings", func(c *config.Config) {
			c.Simulation.HazardMultiplier = 40
			c.Drain.OnInterruption = "end-meetings"
			c.Spot.InstanceType = config.NameList{"c6i.4xlarge", "m5.4xlarge"}
		}},
		{"pre-warming, long cooldown, launch failures", func(c *config.Config) {
			c.PreWarm.Enabled = true
			c.Fleet.ScaleInCooldown = config.Duration{Duration: 3 * 3600e9}
			c.Simulation.LaunchFailure = 0.3
		}},
		{"regional crunches noticing more servers at once than re-plans are allowed", func(c *config.Config) {
			c.Simulation.RegionCrunchesPerDay = 3
			c.Simulation.CrunchShare = 0.9
			c.Capacity = map[string]int{"c5a.4xlarge": 40, "c6i.4xlarge": 40, "m5.4xlarge": 40}
			c.LoadCapacity = map[string]int{"c5a.4xlarge": 948, "c6i.4xlarge": 948, "m5.4xlarge": 948}
		}},
		{"reclaims and notices falling on reconcile ticks (a reconcile every second)", func(c *config.Config) {
			c.Fleet.ReconcileInterval = config.Duration{Duration: time.Second}
			c.Simulation.HazardMultiplier = 60
			c.Drain.OnRebalance = "cordon"
			c.Spot.InstanceType = config.NameList{"c6i.4xlarge", "m5.4xlarge"}
		}},
		{"rebalance replace, no join buffer", func(c *config.Config) {
			c.Simulation.HazardMultiplier = 20
			c.Drain.OnRebalance = "replace"
			c.Scalelite.LoadJoinBufferTime = config.Duration{}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runBothWays(t, defaultOptions(t, tc.mutate))
			t.Logf("%d crunches, %d capacity and %d price interruptions, peak %d servers", r.Crunches, r.CapacityInterruptions, r.PriceInterruptions, r.PeakServers)
			if r.MeetingsTotal == 0 || r.Launches == 0 {
				t.Fatalf("nothing happened: %+v", r)
			}
		})
	}
}

// TestInstanceSlotsReused: a world keeps about as many instance slots as
// servers live at once, not one per launch, and reusing the slots of gone
// instances (whose events may still be queued) changes no result, record
// or sample.
func TestInstanceSlotsReused(t *testing.T) {
	o := defaultOptions(t, func(c *config.Config) {
		c.Simulation.HazardMultiplier = 40 // interruptions: instances go while their events are queued
		c.Drain.OnInterruption = "end-meetings"
	})
	reuse := func(off bool) { sim.ReuseInstanceSlots(!off) }
	r := runTwoWays(t, o, reuse, "reusing slots", "a slot per launch")
	slots, err := sim.InstanceSlots(o)
	if err != nil {
		t.Fatal(err)
	}
	if r.Interruptions == 0 || slots > 2*r.PeakServers || r.Launches < 4*slots {
		t.Errorf("%d launches (%d interrupted) used %d slots; peak %d servers", r.Launches, r.Interruptions, slots, r.PeakServers)
	}
}

// TestEnabledListPlacesAsScanningAll: placing meetings from the list of
// enabled servers gives the results, records and samples of scanning every
// live server, on busy worlds (interruptions, scale-in and re-enabling)
// and on small random ones.
func TestEnabledListPlacesAsScanningAll(t *testing.T) {
	o := defaultOptions(t, func(c *config.Config) { c.Simulation.HazardMultiplier = 40 })
	r := runTwoWays(t, o, sim.ScanAllServers, "from the enabled list", "scanning all")
	if r.Interruptions == 0 || r.Launches < 20 {
		t.Fatalf("too quiet a world to tell: %+v", r)
	}
}

// TestShortcutsChangeNothingProperty: on small random worlds (random
// policies, busy prices, traces with size curves, poll intervals, join
// delays), the simulator with its shortcuts (idle ticks skipped, instance
// slots reused, placement from the enabled list, joins beside the queue)
// gives the results, records and samples of the simulator without any.
func TestShortcutsChangeNothingProperty(t *testing.T) {
	without := func(off bool) {
		sim.CarryOutEveryTick(off)
		sim.ReuseInstanceSlots(!off)
		sim.ScanAllServers(off)
		sim.JoinsInQueue(off)
	}
	rapid.Check(t, func(t *rapid.T) {
		runTwoWays(t, rapidOptions(t), without, "with the shortcuts", "without")
	})
}
