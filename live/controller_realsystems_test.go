package live_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scalite/scalite/emulate"
	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/live"
	"github.com/scalite/scalite/model"
)

// Defects found against doubles built from the real systems (issue 9),
// each pinned by a test named after the rule.

// TestEmptyScaleliteIsNotAnOutage: getServers on a Scalelite without
// servers answers 404 "No servers are configured"; a new deployment must
// launch its first servers, not halt.
func TestEmptyScaleliteIsNotAnOutage(t *testing.T) {
	r := newRehearsal(t)
	rep := r.reconcile(r.controller(true))
	if kinds(rep.Actions)[engine.Launch] == 0 || len(r.ec2.Live()) == 0 {
		t.Fatalf("an empty Scalelite halted the first launch: %v %v", rep.Actions, rep.Notes)
	}
}

// TestServersComeUpThroughScalelite: launched, registered when BBB
// answers (created disabled and offline), enabled, online after the
// poller's first visit.
func TestServersComeUpThroughScalelite(t *testing.T) {
	r := newRehearsal(t)
	c := r.controller(true)
	r.settle(c, 8*time.Minute)
	ids := r.ec2.Live()
	if len(ids) != r.policy.Min {
		t.Fatalf("%d servers after 8 minutes, want fleet.min %d", len(ids), r.policy.Min)
	}
	for _, id := range ids {
		if r.sl.State(r.bbbURL(id)) != "enabled" || !r.sl.Online(r.bbbURL(id)) {
			t.Fatalf("%s: state %q online %v", id, r.sl.State(r.bbbURL(id)), r.sl.Online(r.bbbURL(id)))
		}
		if tags := r.ec2.Tags(id); tags["scalite:state"] != "enabled" || tags[tagScaleliteID] == "" {
			t.Fatalf("%s: tags %v", id, tags)
		}
	}
}

const tagScaleliteID = live.TagScaleliteID

// TestClientTokenNeverReusedForANewLaunch: after the fleet returns to the
// same observed set (an evening scale-in, the next morning's scale-out), a
// new launch must create new instances: EC2 answers a repeated token with
// the original, terminated reservation.
func TestClientTokenNeverReusedForANewLaunch(t *testing.T) {
	r := newRehearsal(t)
	c := r.controller(true)
	r.settle(c, 8*time.Minute)
	base := slices.Clone(r.ec2.Live())
	day := func() []string {
		// Morning demand on the base: the fleet grows.
		for _, id := range r.enabledServers() {
			r.sl.SetMeetings(r.bbbURL(id), meetings(id, 300, 250))
		}
		before := r.ec2.Launched()
		r.settle(c, 10*time.Minute)
		if r.ec2.Launched() == before {
			t.Fatalf("no scale-out for the morning's demand")
		}
		var grown []string
		for _, id := range r.ec2.Live() {
			if !slices.Contains(base, id) {
				grown = append(grown, id)
			}
		}
		// Evening: everyone leaves; the fleet shrinks back to the base.
		for _, id := range r.ec2.Live() {
			r.sl.SetMeetings(r.bbbURL(id), nil)
		}
		r.settle(c, 90*time.Minute)
		return grown
	}
	first := day()
	second := day()
	if len(second) == 0 {
		t.Fatal("the next morning's scale-out launched nothing new: a reused token returned the old reservation")
	}
	for _, id := range second {
		if slices.Contains(first, id) {
			t.Fatalf("the second day got back instance %s of the first", id)
		}
	}
}

// TestDescribeLagDoesNotDuplicateLaunches: instances EC2 launched but does
// not list yet (eventual consistency, staggered per instance) count as
// pending, for this controller and for a restarted one.
func TestDescribeLagDoesNotDuplicateLaunches(t *testing.T) {
	r := newRehearsal(t)
	r.policy.Min = 4
	r.ec2.DescribeLag, r.ec2.DescribeStagger = 3*time.Minute, time.Minute
	c := r.controller(true)
	r.reconcile(c)
	launched := r.ec2.Launched()
	if launched != 4 {
		t.Fatalf("launched %d, want the minimum 4", launched)
	}
	for range 3 {
		r.advance(time.Minute)
		r.reconcile(c)
		r.reconcile(r.controller(true)) // restarted, same journal
	}
	if r.ec2.Launched() != launched {
		t.Fatalf("%d instances launched while EC2 was slow to list them, want %d", r.ec2.Launched(), launched)
	}
}

// TestLostLaunchAnswerIsResolvedWithItsToken: a RunInstances whose answer
// is lost (the call times out, EC2 launches anyway) is sent again with the
// same token: EC2 answers with the original instances, nothing twice.
func TestLostLaunchAnswerIsResolvedWithItsToken(t *testing.T) {
	r := newRehearsal(t)
	r.policy.Min, r.policy.OnDemandBase = 1, 1
	c := r.controller(true)
	prices := c.Prices
	c.Prices = func(ctx context.Context, m []model.MarketKey, now time.Time) (map[model.MarketKey]float64, error) {
		p, err := prices(ctx, m, now)
		r.ec2.Stall(1, 3*time.Second) // the next call is the launch
		return p, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c.ReconcileTimeout, c.ActGrace = 500*time.Millisecond, 100*time.Millisecond
	if _, err := c.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second) // the stalled call completes server-side
	if r.ec2.Launched() != 1 {
		t.Fatalf("EC2 launched %d", r.ec2.Launched())
	}
	c2 := r.controller(true)
	rep := r.reconcile(c2)
	if r.ec2.Launched() != 1 || r.ec2.Reservations() != 1 {
		t.Fatalf("the retried launch created more: %d instances, %d reservations; notes %v", r.ec2.Launched(), r.ec2.Reservations(), rep.Notes)
	}
	if !notesContain(rep, "resolved") {
		t.Fatalf("the lost launch was not resolved: %v", rep.Notes)
	}
}

// TestOperatorStatesAreNeverUndone: a server an operator cordoned,
// disabled or panicked (rake tasks) is never enabled again by Scalite and
// never terminated by it.
func TestOperatorStatesAreNeverUndone(t *testing.T) {
	for _, task := range []string{"servers:cordon", "servers:disable", "servers:panic"} {
		t.Run(task, func(t *testing.T) {
			r := newRehearsal(t)
			c := r.controller(true)
			r.settle(c, 8*time.Minute)
			enabled := r.enabledServers()
			if len(enabled) == 0 {
				t.Fatal("no server enabled")
			}
			victim := enabled[0]
			srv, _ := r.sl.Server(r.bbbURL(victim))
			if err := r.sl.Rake(task, srv.ID); err != nil {
				t.Fatal(err)
			}
			reps := r.settle(c, 60*time.Minute)
			// Scalelite's poller disables an empty cordoned server
			// (lib/tasks/poll.rake): that is not Scalite's doing.
			if got := r.sl.State(r.bbbURL(victim)); got == "enabled" {
				t.Fatalf("after %s the server was enabled again", task)
			}
			if r.ec2.State(victim) != "running" {
				t.Fatalf("the operator's server was terminated (%s)", r.ec2.State(victim))
			}
			for _, rep := range reps {
				for _, a := range rep.Actions {
					if a.Server == victim {
						t.Fatalf("planned %s on the operator's server", a)
					}
				}
			}
		})
	}
}

// TestDrainedServerIsRetiredNotReenabled: Scalelite's poller disables a
// server Scalite cordoned once it is empty; that server is drained (and
// retired after the cooldown), not a fresh server to enable.
func TestDrainedServerIsRetiredNotReenabled(t *testing.T) {
	r := newRehearsal(t)
	c := r.controller(true)
	r.settle(c, 8*time.Minute)
	for _, id := range r.enabledServers() {
		r.sl.SetMeetings(r.bbbURL(id), meetings(id, 300, 300))
	}
	r.settle(c, 10*time.Minute)
	grown := len(r.ec2.Live())
	for _, id := range r.ec2.Live() {
		r.sl.SetMeetings(r.bbbURL(id), nil)
	}
	reps := r.settle(c, 60*time.Minute)
	if n := len(r.ec2.Live()); n >= grown {
		t.Fatalf("no scale-in: %d servers, had %d", n, grown)
	}
	for _, rep := range reps {
		for _, a := range rep.Actions {
			if a.Kind == engine.Enable && a.Reason == "BBB is ready" {
				if tags := r.ec2.Tags(a.Server); tags["scalite:state"] == "cordoned" {
					t.Fatalf("a drained server was enabled as a fresh one: %s", a)
				}
			}
		}
	}
}

// TestLaunchErrorsMakePoolUnavailable: Unsupported (type not offered in
// the zone), InstanceLimitExceeded and InsufficientFreeAddressesInSubnet
// are not retried into the same pool at every reconcile.
func TestLaunchErrorsMakePoolUnavailable(t *testing.T) {
	for _, code := range []string{"Unsupported", "InstanceLimitExceeded", "InsufficientFreeAddressesInSubnet", "InsufficientInstanceCapacity"} {
		t.Run(code, func(t *testing.T) {
			r := newRehearsal(t)
			r.policy.Min = 3
			rep := r.reconcile(r.controller(false))
			var spot engine.Action
			for _, a := range rep.Actions {
				if a.Kind == engine.Launch && a.Spot && spot.Type == "" {
					spot = a
				}
			}
			k := model.MarketKey{InstanceType: spot.Type, AZ: spot.AZ}
			r.ec2.FailLaunches(k, emulate.MarketSpot, code, -1)
			c := r.controller(true)
			failures := 0
			for range 3 {
				rep := r.reconcile(c)
				for _, n := range rep.Notes {
					if strings.Contains(n, code) {
						failures++
					}
				}
				r.advance(time.Minute)
			}
			if failures != 1 {
				t.Fatalf("%s: %d failed launches into the pool in 3 reconciles, want 1 (then avoided)", code, failures)
			}
			if n := len(r.ec2.Live()); n != 3 {
				t.Fatalf("%s: %d servers, want 3 from other pools", code, n)
			}
		})
	}
}

// TestOnDemandCapacityErrorMovesZone: an on-demand launch refused in one
// zone goes to another zone, in the same reconcile.
func TestOnDemandCapacityErrorMovesZone(t *testing.T) {
	r := newRehearsal(t)
	r.policy.SpotEnabled = false
	r.policy.Min, r.policy.OnDemandBase = 2, 2
	for _, az := range r.policy.AZs {
		if az == "eu-west-1a" {
			r.ec2.FailLaunches(model.MarketKey{InstanceType: r.policy.OnDemandType.Name, AZ: az}, emulate.MarketOnDemand, "InsufficientInstanceCapacity", -1)
		}
	}
	rep := r.reconcile(r.controller(true))
	insts := r.instances()
	if len(insts) != 2 {
		t.Fatalf("%d on-demand servers, want 2 through the other zones: %v %v", len(insts), rep.Actions, rep.Notes)
	}
	for _, in := range insts {
		if in.AZ == "eu-west-1a" {
			t.Fatalf("launched in the zone without capacity: %+v", in)
		}
	}
}

// TestServerThatNeverBootsIsReplaced: an instance whose BBB never answers
// is terminated after fleet.boot_timeout and replaced.
func TestServerThatNeverBootsIsReplaced(t *testing.T) {
	r := newRehearsal(t)
	r.policy.Min, r.policy.OnDemandBase = 1, 1
	c := r.controller(true)
	r.reconcile(c)
	stuck := r.ec2.Live()[0]
	r.neverBoots[stuck] = true
	reps := r.settle(c, time.Duration(r.policy.BootTimeout)*time.Second+3*time.Minute)
	if s := r.ec2.State(stuck); s != "terminated" && s != "shutting-down" {
		t.Fatalf("the server that never booted is %s", s)
	}
	replaced := false
	for _, rep := range reps {
		for _, a := range rep.Actions {
			if a.Kind == engine.Terminate && a.Server == stuck && !engine.NeverBooted(a) {
				t.Fatalf("terminated for another reason: %s", a)
			}
		}
	}
	for _, id := range r.ec2.Live() {
		if id != stuck {
			replaced = true
		}
	}
	if !replaced {
		t.Fatal("no replacement")
	}
}

// TestManualServerIsDemandAndCapacityAndNeverTouched: a server registered
// in Scalelite by hand, with no Scalite instance: its meetings are demand,
// its capacity is capacity, and nothing is done to it.
func TestManualServerIsDemandAndCapacityAndNeverTouched(t *testing.T) {
	r := newRehearsal(t)
	manualURL, secret := r.sl.BBBServer(r.slURL, "manual-1")
	r.sl.SetMeetings(manualURL, meetings("manual", 150, 150))
	r.sl.Register(manualURL, secret, "enabled", "")
	r.sl.Poll()
	c := r.controller(false)
	rep := r.reconcile(c)
	if rep.Demand != 300 {
		t.Fatalf("demand %d, want the manual server's 300 participants", rep.Demand)
	}
	c = r.controller(true)
	reps := r.settle(c, 90*time.Minute)
	for _, rp := range reps {
		for _, a := range rp.Actions {
			if a.Server != "" && !r.isFleet(a.Server) {
				t.Fatalf("acted on a server Scalite does not own: %s", a)
			}
		}
	}
	if r.sl.State(manualURL) != "enabled" || len(r.sl.Meetings(manualURL)) != 2 {
		t.Fatalf("the manual server was touched: %s, %d meetings", r.sl.State(manualURL), len(r.sl.Meetings(manualURL)))
	}
	// Its capacity counts: the fleet holds the minimum, not 300 more.
	if n := len(r.ec2.Live()); n != r.policy.Min {
		t.Fatalf("%d fleet servers beside a manual server with room for the demand, want fleet.min %d", n, r.policy.Min)
	}
}

func (r *rehearsal) isFleet(id string) bool { return r.ec2.State(id) != "" }

// TestInterruptionOutranksRebalance: a rebalance recommendation that comes
// after an interruption notice does not hide it, even with on_rebalance
// ignore: the server is going away and is replaced.
func TestInterruptionOutranksRebalance(t *testing.T) {
	r := newRehearsal(t)
	r.policy.OnRebalance = model.RebalanceIgnore
	r.policy.Min = 2 // the on-demand base and one spot server
	c := r.controller(true)
	r.settle(c, 8*time.Minute)
	spot := r.spotServer()
	fleet, _ := live.NewFleet(r.client, fleetName, "bbb")
	ctx := context.Background()
	fleet.Tag(ctx, spot, live.TagInterruption, r.clock().Add(2*time.Minute).UTC().Format(time.RFC3339))
	fleet.Tag(ctx, spot, live.TagRebalance, r.clock().UTC().Format(time.RFC3339))
	before := r.ec2.Launched()
	r.reconcile(c)
	if r.sl.State(r.bbbURL(spot)) != "cordoned" || r.ec2.Launched() == before {
		t.Fatalf("interruption hidden by a later rebalance: state %s, launched %d", r.sl.State(r.bbbURL(spot)), r.ec2.Launched()-before)
	}
}

// TestChecksumAlgorithmFollowsConfig: a load balancer restricted to SHA-512
// (LOADBALANCER_CHECKSUM_ALGORITHM=SHA512) refuses SHA-256 with a
// checksumError, which names the setting to fix; sha512 works.
func TestChecksumAlgorithmFollowsConfig(t *testing.T) {
	r := newRehearsal(t)
	r.sl.Allowed = []string{"SHA512"}
	ctx := context.Background()
	_, err := r.slc.Servers(ctx)
	if err == nil || !strings.Contains(err.Error(), "checksumError") || !strings.Contains(err.Error(), "live.checksum_algorithm") {
		t.Fatalf("sha256 against a SHA-512-only Scalelite: %v", err)
	}
	r.slc.Algo = "sha512"
	if _, err := r.slc.Servers(ctx); err != nil {
		t.Fatalf("sha512: %v", err)
	}
}

// TestBreakoutRoomsAreNotDemand: BBB lists breakout rooms as meetings of
// their own whose users are also counted in the parent meeting; Scalelite's
// poller leaves them out of a server's load (lib/tasks/poll.rake), and so
// does the controller's demand.
func TestBreakoutRoomsAreNotDemand(t *testing.T) {
	r := newRehearsal(t)
	c := r.controller(true)
	r.settle(c, 8*time.Minute)
	id := r.enabledServers()[0]
	ms := meetings("lecture", 120)
	ms = append(ms, emulate.Meeting{MeetingID: "lecture-a-room-1", InternalMeetingID: "lecture-a-room-1", Running: true, ParticipantCount: 40, IsBreakout: true})
	r.sl.SetMeetings(r.bbbURL(id), ms)
	rep := r.reconcile(r.controller(false))
	if rep.Demand != 120 {
		t.Fatalf("demand %d, want 120: the breakout room's users are the lecture's", rep.Demand)
	}
}
