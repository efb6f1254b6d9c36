package sim_test

import (
	"testing"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/results"
)

// eventsOf collects a run's records of some kinds.
type eventsOf struct {
	kinds map[string]bool
	got   []results.Record
}

func (e *eventsOf) Sample(*results.Sample) {}
func (e *eventsOf) Event(r results.Record) {
	if e.kinds[r.Kind] {
		e.got = append(e.got, r)
	}
}

// TestServersThatNeverBootAreReplaced: a server whose BBB never comes up is
// terminated once fleet.boot_timeout has passed, counted as a failed
// launch, and replaced; nothing else is terminated unsafely.
func TestServersThatNeverBootAreReplaced(t *testing.T) {
	o := defaultOptions(t, func(c *config.Config) {
		c.Simulation.BootFailure = 0.3
	})
	o.To = o.From + 3*86400
	rec := &eventsOf{kinds: map[string]bool{"launch": true, "never-booted": true}}
	o.Recorder = rec
	r := mustRun(t, o)
	if r.NeverBooted == 0 || r.LaunchFailures < r.NeverBooted {
		t.Fatalf("never booted %d, launch failures %d: with 30%% boot failures some must be replaced and counted", r.NeverBooted, r.LaunchFailures)
	}
	if r.UnsafeTerminations != 0 || r.GuardRefusals != 0 {
		t.Fatalf("unsafe terminations %d, guard refusals %d", r.UnsafeTerminations, r.GuardRefusals)
	}
	launched := map[string]int64{}
	n := 0
	for _, e := range rec.got {
		switch e.Kind {
		case "launch":
			launched[e.Server] = e.Time
		case "never-booted":
			n++
			if age := e.Time - launched[e.Server]; age < o.Policy.BootTimeout {
				t.Fatalf("%s terminated as never booted %ds after launch, before fleet.boot_timeout %ds", e.Server, age, o.Policy.BootTimeout)
			}
		}
	}
	if n != r.NeverBooted {
		t.Fatalf("%d never-booted events, result says %d", n, r.NeverBooted)
	}
}

// TestOnDemandCapacityErrorMovesToAnotherZone: a zone short of on-demand
// capacity stays short for a while; after a failed launch there, the
// engine sends on-demand launches to the other zones until the zone's
// unavailability has passed, instead of retrying it at once.
func TestOnDemandCapacityErrorMovesToAnotherZone(t *testing.T) {
	o := defaultOptions(t, func(c *config.Config) {
		c.Spot.Enabled = false
		c.Simulation.OnDemandLaunchFailure = 0.3
	})
	o.To = o.From + 7*86400
	rec := &eventsOf{kinds: map[string]bool{"launch-failed": true}}
	o.Recorder = rec
	r := mustRun(t, o)
	if r.LaunchFailures == 0 || len(rec.got) != r.LaunchFailures {
		t.Fatalf("launch failures %d, events %d: want some, all recorded", r.LaunchFailures, len(rec.got))
	}
	last := map[string]int64{}
	for _, e := range rec.got {
		if at, ok := last[e.Market]; ok && e.Time-at < o.Policy.UnavailableFor {
			t.Fatalf("%s failed again %ds after a failure: the engine retried a zone it knew short", e.Market, e.Time-at)
		}
		last[e.Market] = e.Time
	}
	if r.InstanceHoursOnDemand < 7*24*float64(o.Policy.Min)*0.95 {
		t.Fatalf("on-demand hours %.1f: the fleet stayed below fleet.min through the failures", r.InstanceHoursOnDemand)
	}
}
