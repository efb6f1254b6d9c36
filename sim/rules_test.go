package sim_test

import (
	"testing"
	"time"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/results"
	"github.com/scalite/scalite/sim"
)

// Rules of the simulated world pinned by a test named after each: flipping
// the rule in the code fails its test (checked by mutating the source
// through go test -overlay).

var ruleDay = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).Unix()

// twoServers is a fixed fleet of two untagged servers, up well before
// the meetings, with Scalelite polling every 60 s.
func twoServers(t *testing.T, mutate func(*config.Config)) sim.Options {
	o := defaultOptions(t, func(c *config.Config) {
		c.Spot.Enabled = false
		c.OnDemand.Base = 2
		c.Fleet.Min, c.Fleet.Max = 2, 2
		c.Placement.LargeMeeting = 0
		c.PreWarm.Enabled = false
		c.Scalelite.PollInterval = config.Duration{Duration: 60 * time.Second}
		if mutate != nil {
			mutate(c)
		}
	})
	o.From, o.To = ruleDay+6*3600, ruleDay+9*3600
	return o
}

func placed(t *testing.T, o sim.Options) []int32 {
	t.Helper()
	on, err := sim.PlacedOn(&o)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range on {
		if s < 0 {
			t.Fatalf("meeting %s not served at the end", o.Meetings[i].ID)
		}
	}
	return on
}

// TestLoadMinUserCountWeighsYoungMeetings: Scalelite counts a meeting
// younger than load_join_buffer_time as at least load_min_user_count users
// (blindsidenetworks/scalelite lib/tasks/poll.rake, poll:servers). A server
// with a young 2-person meeting then weighs 15+1 against another's old
// 10-person meeting (10+1), and the next meeting goes to the old one;
// with the rule off (count 0) it goes to the young one (2+1 < 11).
func TestLoadMinUserCountWeighsYoungMeetings(t *testing.T) {
	ms := []model.Meeting{
		{ID: "old", Start: ruleDay + 7*3600, End: ruleDay + 10*3600, Participants: 10, Moderators: 1},
		{ID: "young", Start: ruleDay + 8*3600, End: ruleDay + 10*3600, Participants: 2, Moderators: 1},
		{ID: "next", Start: ruleDay + 8*3600 + 150, End: ruleDay + 10*3600, Participants: 5, Moderators: 1},
	}
	for _, tc := range []struct {
		minUsers int
		withOld  bool
	}{{15, true}, {0, false}} {
		o := twoServers(t, func(c *config.Config) { c.Scalelite.LoadMinUserCount = tc.minUsers })
		o.Meetings = ms
		on := placed(t, o)
		if on[0] == on[1] {
			t.Fatalf("old and young share a server: %v", on)
		}
		if got := on[2] == on[0]; got != tc.withOld {
			t.Errorf("load_min_user_count %d: next meeting with the old one %v, want %v (servers %v)", tc.minUsers, got, tc.withOld, on)
		}
	}
}

// TestLargeMeetingFallbackTakesLowestLoad: a large meeting with no tagged
// server up falls back to the untagged server with the lowest load
// (blindsidenetworks/scalelite app/models/server.rb, Server.find_available:
// with no server of the tag, "continue to find without tag" on the
// server_load set, lowest load first).
func TestLargeMeetingFallbackTakesLowestLoad(t *testing.T) {
	for _, busyFirst := range []bool{true, false} {
		o := twoServers(t, func(c *config.Config) {
			c.Spot.Enabled = true
			c.Spot.InstanceType = config.NameList{"c5a.4xlarge"}
			c.AvailabilityZones = []string{"eu-west-1a"}
			c.OnDemand.Base = 0
			c.OnDemand.Fallback = false
			c.Placement.LargeMeeting = 50
			c.Fleet.Headroom = 0
			c.Simulation.CapacityInterruptions = "off"
			c.Simulation.LaunchFailure = 0
		})
		o.To = ruleDay + 8*3600 + 20 // before the engine can bring a tagged server up
		busy := model.Meeting{ID: "busy", Start: ruleDay + 7*3600, End: ruleDay + 10*3600, Participants: 30, Moderators: 1}
		quiet := model.Meeting{ID: "quiet", Start: ruleDay + 7*3600 + 10, End: ruleDay + 10*3600, Participants: 3, Moderators: 1}
		large := model.Meeting{ID: "large", Start: ruleDay + 8*3600, End: ruleDay + 10*3600, Participants: 120, Moderators: 2}
		if busyFirst {
			o.Meetings = []model.Meeting{busy, quiet, large}
		} else {
			busy.Start, quiet.Start = quiet.Start, busy.Start
			o.Meetings = []model.Meeting{quiet, busy, large}
		}
		on := placed(t, o)
		quietAt := 1
		if !busyFirst {
			quietAt = 0
		}
		if on[0] == on[1] {
			t.Fatalf("busy and quiet share a server: %v", on)
		}
		if on[2] != on[quietAt] {
			t.Errorf("busy first %v: the large meeting went to server %d, not the quiet one (%d): %v", busyFirst, on[2], on[quietAt], on)
		}
	}
}

// priceOnly is one spot server on one market whose price the test sets.
func priceOnly(t *testing.T, maxPrice float64, prices []float64, times []int64) sim.Options {
	o := defaultOptions(t, func(c *config.Config) {
		c.AvailabilityZones = []string{"eu-west-1a"}
		c.Spot.InstanceType = config.NameList{"c5a.4xlarge"}
		c.Spot.SpotPrice = config.PriceSpec{Set: true, USDPerHour: maxPrice}
		c.OnDemand = config.OnDemand{}
		c.Placement.LargeMeeting = 0
		c.PreWarm.Enabled = false
		c.Fleet.Min, c.Fleet.Max = 1, 1
		c.Simulation.CapacityInterruptions = "off"
		c.Simulation.LaunchFailure = 0
	})
	s, err := model.NewPriceSeries(times, prices)
	if err != nil {
		t.Fatal(err)
	}
	o.Prices = map[model.MarketKey]*model.PriceSeries{{InstanceType: "c5a.4xlarge", AZ: "eu-west-1a"}: s}
	o.From, o.To = ruleDay, ruleDay+6*3600
	o.Meetings = []model.Meeting{{ID: "m", Start: ruleDay + 3600, End: ruleDay + 5*3600, Participants: 20, Moderators: 1}}
	return o
}

// TestPriceAboveMaxPriceInterrupts: a spot price rising above the max
// price interrupts the instance (AWS: "your Spot Instance is interrupted
// when the Spot price exceeds your maximum price"); a price equal to it
// does not.
func TestPriceAboveMaxPriceInterrupts(t *testing.T) {
	times := []int64{ruleDay - 3600, ruleDay + 2*3600, ruleDay + 3*3600}
	for _, tc := range []struct {
		peak float64
		want int
	}{{0.40, 0}, {0.4001, 1}, {0.90, 1}} {
		r := mustRun(t, priceOnly(t, 0.40, []float64{0.30, tc.peak, 0.30}, times))
		if r.PriceInterruptions != tc.want {
			t.Errorf("price %.4f against max 0.40: %d price interruptions, want %d", tc.peak, r.PriceInterruptions, tc.want)
		}
	}
}

type eventLog struct{ events []results.Record }

func (l *eventLog) Sample(*results.Sample) {}
func (l *eventLog) Event(r results.Record) { l.events = append(l.events, r) }

// TestLaunchesFailAfterAReclaim: a pool AWS has just reclaimed from is
// short of capacity, so launches into it fail for a while after (the
// rebalance lead and half an hour) even with no launch-failure chance, a
// price far under the max and no availability trace: every failure falls
// within that while after a reclaim.
func TestLaunchesFailAfterAReclaim(t *testing.T) {
	o := priceOnly(t, 5, []float64{0.30}, []int64{ruleDay - 3600})
	// Reclaims often, in the one pool the engine has: it replaces every
	// victim there.
	o.Capacity = sim.CapacityAdvisor
	o.HazardMultiplier = 2000
	o.AdvisorReading = sim.ReadingInstanceHours
	o.Policy.Min, o.Policy.Max = 3, 3
	o.To = ruleDay + 3*86400
	log := &eventLog{}
	o.Recorder, o.SampleInterval = log, 86400
	r := mustRun(t, o)
	if r.CapacityInterruptions == 0 {
		t.Fatal("no reclaim happened: the test needs some")
	}
	if r.LaunchFailures == 0 {
		t.Fatalf("%d reclaims and not one failed launch", r.CapacityInterruptions)
	}
	var reclaims []int64
	for _, e := range log.events {
		if e.Kind == "reclaim" {
			reclaims = append(reclaims, e.Time)
		}
	}
	for _, e := range log.events {
		if e.Kind != "launch-failed" {
			continue
		}
		ok := false
		for _, r := range reclaims {
			// The pool stays short RebalanceLead + 1800 s from a reclaim.
			if since := e.Time - r; since >= 0 && since < o.RebalanceLead+1800 {
				ok = true
			}
		}
		if !ok {
			t.Errorf("launch failed at %d with no reclaim in the %d s before", e.Time, o.RebalanceLead+1800)
		}
	}
	t.Logf("%d reclaimed instances, %d failed launches", r.CapacityInterruptions, r.LaunchFailures)
}
