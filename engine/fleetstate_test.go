package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/scalite/scalite/model"
)

// Rules about servers the engine must leave alone or may not trust: held
// and manual servers, unreadable ones, servers that never boot, offline
// ones, and on-demand zones without capacity. Each test is named after the
// rule it pins.

func has(acts []Action, kind ActionKind, server string) bool {
	for _, a := range acts {
		if a.Kind == kind && a.Server == server {
			return true
		}
	}
	return false
}

func TestHeldServerIsNeverEnabledCordonedOrTerminated(t *testing.T) {
	pol := testPolicy()
	pol.ScaleInCooldown, pol.TerminateAfterIdle = 0, 0
	od := srv("od", -1, Enabled, 10, 1)
	// An operator cordoned it (ready would be enabled, cordoned empty would
	// be retired, enabled idle would be scaled in): the engine touches none.
	for _, st := range []ServerState{Ready, Cordoned, Enabled} {
		held := srv("held", 0, st, 0, 0)
		held.Held = true
		acts := plan(t, pol, 10_000, Observation{Servers: []Server{od, held}, Pools: pools(defaultPrices...)}, nil)
		for _, a := range acts {
			if a.Server == "held" {
				t.Fatalf("state %s: acted on a held server: %s", st, summary(acts))
			}
		}
	}
}

func TestHeldEnabledServerCapacityCounts(t *testing.T) {
	pol := testPolicy()
	od := srv("od", -1, Enabled, 300, 5)
	manual := Server{ID: "scalelite:7", Pool: -1, State: Enabled, CapacityUsers: 400, Participants: 300, Meetings: 3, Held: true, External: true}
	// Demand 600 needs 750 with headroom: od (400) + manual (400) suffice.
	obs := Observation{Servers: []Server{od, manual}, Pools: pools(defaultPrices...), Participants: 600}
	if acts := plan(t, pol, 1000, obs, nil); len(acts) != 0 {
		t.Fatalf("the manual server's capacity was not counted: %s", summary(acts))
	}
	manual.State = Cordoned
	obs.Servers[1] = manual
	if acts := plan(t, pol, 1000, obs, nil); !strings.Contains(summary(acts), "launch") {
		t.Fatalf("a cordoned manual server serves nothing new, yet no launch: %s", summary(acts))
	}
}

func TestExternalServerDoesNotCountAgainstFleetMax(t *testing.T) {
	pol := testPolicy()
	pol.Max = 2
	od := srv("od", -1, Enabled, 0, 0)
	var servers []Server
	servers = append(servers, od)
	for _, id := range []string{"m1", "m2", "m3"} {
		servers = append(servers, Server{ID: id, Pool: -1, State: Cordoned, CapacityUsers: 400, Held: true, External: true})
	}
	acts := plan(t, pol, 1000, Observation{Servers: servers, Pools: pools(defaultPrices...), Participants: 500}, nil)
	if !strings.Contains(summary(acts), "launch 1") {
		t.Fatalf("manual servers took the fleet's room under fleet.max: %s", summary(acts))
	}
}

func TestUnreadableServerIsNotCordonedForScaleIn(t *testing.T) {
	pol := testPolicy()
	pol.ScaleInCooldown = 0
	od := srv("od", -1, Enabled, 0, 0)
	a := srv("a", 0, Enabled, 0, 0)
	b := srv("b", 2, Enabled, 0, 0)
	base := plan(t, pol, 10_000, Observation{Servers: []Server{od, a, b}, Pools: pools(defaultPrices...)}, nil)
	if !has(base, Cordon, "a") && !has(base, Cordon, "b") {
		t.Fatalf("control: an idle fleet should scale in: %s", summary(base))
	}
	a.Unreadable, a.Meetings = true, 1
	acts := plan(t, pol, 10_000, Observation{Servers: []Server{od, a, b}, Pools: pools(defaultPrices...)}, nil)
	if has(acts, Cordon, "a") || has(acts, Cordon, "b") {
		t.Fatalf("scale-in went on while demand was unknown: %s", summary(acts))
	}
}

func TestUnreadableCordonedServerIsNotRetired(t *testing.T) {
	pol := testPolicy()
	pol.ScaleInCooldown, pol.TerminateAfterIdle = 0, 0
	od := srv("od", -1, Enabled, 0, 0)
	c := srv("c", 0, Cordoned, 0, 0)
	if acts := plan(t, pol, 10_000, Observation{Servers: []Server{od, c}, Pools: pools(defaultPrices...)}, nil); !has(acts, Terminate, "c") {
		t.Fatalf("control: an empty cordoned server is retired: %s", summary(acts))
	}
	c.Unreadable = true
	if acts := plan(t, pol, 10_000, Observation{Servers: []Server{od, c}, Pools: pools(defaultPrices...)}, nil); has(acts, Terminate, "c") {
		t.Fatalf("retired a server whose meetings could not be read: %s", summary(acts))
	}
}

func TestUnreadableDemandStillScalesOut(t *testing.T) {
	pol := testPolicy()
	od := srv("od", -1, Enabled, 390, 4)
	a := srv("a", 0, Enabled, 0, 1)
	a.Unreadable = true
	acts := plan(t, pol, 1000, Observation{Servers: []Server{od, a}, Pools: pools(defaultPrices...), Participants: 700}, nil)
	if !strings.Contains(summary(acts), "launch") {
		t.Fatalf("scale-out must go on while part of the demand is unknown: %s", summary(acts))
	}
}

func TestServerThatNeverBootsIsTerminatedAndReplaced(t *testing.T) {
	pol := testPolicy()
	pol.BootTimeout = 1200
	od := srv("od", -1, Enabled, 300, 3)
	stuck := srv("stuck", 0, Booting, 0, 0)
	stuck.LaunchedAt = 0
	// Demand 450 needs 563: od alone is short by one server.
	obs := Observation{Servers: []Server{od, stuck}, Pools: pools(defaultPrices...), Participants: 450}
	early := plan(t, pol, 1199, obs, nil)
	if has(early, Terminate, "stuck") || strings.Contains(summary(early), "launch") {
		t.Fatalf("before the boot timeout a booting server counts as coming: %s", summary(early))
	}
	late := plan(t, pol, 1200, obs, nil)
	if !has(late, Terminate, "stuck") || !strings.Contains(summary(late), "launch 1 spot") {
		t.Fatalf("past the boot timeout: terminate and replace, got %s", summary(late))
	}
	for _, a := range late {
		if a.Kind == Terminate && !NeverBooted(a) {
			t.Fatalf("the termination does not say the server never booted: %v", a)
		}
	}
}

func TestOfflineServerCountsOnlyWhileYoung(t *testing.T) {
	pol := testPolicy()
	pol.BootTimeout = 1200
	od := srv("od", -1, Enabled, 300, 3)
	off := srv("off", 0, Offline, 0, 0)
	obs := Observation{Servers: []Server{od, off}, Pools: pools(defaultPrices...), Participants: 450}
	if acts := plan(t, pol, 600, obs, nil); len(acts) != 0 {
		t.Fatalf("a freshly registered server awaiting its first poll counts: %s", summary(acts))
	}
	acts := plan(t, pol, 5000, obs, nil)
	if !strings.Contains(summary(acts), "launch 1") || has(acts, Terminate, "off") || has(acts, Enable, "off") {
		t.Fatalf("an old offline server serves nobody: replace it, leave it alone: %s", summary(acts))
	}
}

func TestOnDemandLaunchAvoidsZoneWithoutCapacity(t *testing.T) {
	pol := testPolicy()
	pol.SpotEnabled = false
	pol.OnDemandBase = 0
	obs := Observation{Pools: pools(defaultPrices...), Participants: 700, OnDemandUnavailableUntil: []int64{2000, 0}}
	acts := plan(t, pol, 1000, obs, nil)
	if got := summary(acts); got != "launch 3 od c5a.4xlarge/eu-west-1b" {
		t.Fatalf("on-demand went to a zone without capacity: %s", got)
	}
	obs.OnDemandUnavailableUntil = []int64{2000, 2000}
	if acts := plan(t, pol, 1000, obs, nil); len(acts) != 0 {
		t.Fatalf("no zone has on-demand capacity, yet: %s", summary(acts))
	}
	if acts := plan(t, pol, 2000, obs, nil); !strings.Contains(summary(acts), "eu-west-1a") {
		t.Fatalf("once the zone is available again it is used: %s", summary(acts))
	}
}

func TestUnknownPriceStopsLaunches(t *testing.T) {
	pol := testPolicy()
	odd := Server{ID: "odd", Type: "x1.32xlarge", Pool: -1, State: Enabled}
	acts := plan(t, pol, 1000, Observation{Servers: []Server{odd}, Pools: pools(defaultPrices...), Participants: 900, SpendUnknown: true}, nil)
	if strings.Contains(summary(acts), "launch") {
		t.Fatalf("launched although the spend cap cannot be checked: %s", summary(acts))
	}
}

func guardFor(t *testing.T, pol func(*model.Policy), servers ...Server) *Guard {
	t.Helper()
	p := testPolicy()
	if pol != nil {
		pol(&p)
	}
	pl, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	return pl.NewGuard(&Observation{Servers: servers, Pools: pools(defaultPrices...), OnDemandUnavailableUntil: make([]int64, 2)})
}

func TestGuardRules(t *testing.T) {
	empty := srv("empty", 0, Cordoned, 0, 0)
	busy := srv("busy", 0, Cordoned, 20, 1)
	unreadable := srv("unreadable", 0, Cordoned, 0, 1)
	unreadable.Unreadable = true
	recording := srv("recording", 0, Cordoned, 0, 0)
	recording.Recordings = 1
	noticed := srv("noticed", 0, Cordoned, 0, 0)
	noticed.Interruption, noticed.TerminationAt = true, 500
	enabled := srv("enabled", 0, Enabled, 0, 0)
	held := srv("held", 0, Cordoned, 0, 0)
	held.Held = true
	booting := srv("booting", 0, Booting, 0, 0)
	neverBooted := Action{Kind: Terminate, Server: "booting", Reason: neverBootedReason}
	for _, tc := range []struct {
		name string
		a    Action
		ok   bool
	}{
		{"terminate an empty cordoned server", Action{Kind: Terminate, Server: "empty"}, true},
		{"never terminate a server with meetings", Action{Kind: Terminate, Server: "busy"}, false},
		{"never terminate a server that cannot be read", Action{Kind: Terminate, Server: "unreadable"}, false},
		{"never terminate a server processing recordings", Action{Kind: Terminate, Server: "recording"}, false},
		{"never terminate a server AWS is reclaiming", Action{Kind: Terminate, Server: "noticed"}, false},
		{"never terminate an enabled server", Action{Kind: Terminate, Server: "enabled"}, false},
		{"never touch a held server", Action{Kind: Terminate, Server: "held"}, false},
		{"never cordon a held server", Action{Kind: Cordon, Server: "held"}, false},
		{"never act on a server not observed", Action{Kind: Terminate, Server: "nobody"}, false},
		{"never cordon for scale-in a server that cannot be read", Action{Kind: Cordon, Server: "unreadable"}, false},
		{"never enable a server under an interruption notice", Action{Kind: Enable, Server: "noticed"}, false},
		{"end meetings only under an interruption notice", Action{Kind: EndMeetings, Server: "enabled"}, false},
		{"end meetings under an interruption notice", Action{Kind: EndMeetings, Server: "noticed"}, true},
		{"terminate a server that never booted", neverBooted, true},
		{"never-booted does not apply to a serving server", Action{Kind: Terminate, Server: "enabled", Reason: neverBootedReason}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := guardFor(t, nil, empty, busy, unreadable, recording, noticed, enabled, held, booting)
			err := g.Check(tc.a)
			if (err == nil) != tc.ok {
				t.Fatalf("%v: got %v", tc.a, err)
			}
			if err != nil && (!errors.Is(err, ErrRefused) || g.Refused() != 1) {
				t.Fatalf("refusal not counted or not ErrRefused: %v", err)
			}
		})
	}
}

func TestGuardKeepsFleetMax(t *testing.T) {
	g := guardFor(t, func(p *model.Policy) { p.Max = 3 }, srv("a", 0, Enabled, 0, 0), srv("b", 0, Enabled, 0, 0))
	if err := g.Check(Action{Kind: Launch, Type: "c5a.4xlarge", AZ: "eu-west-1a", Pool: 0, Spot: true, Count: 1}); err != nil {
		t.Fatal(err)
	}
	if err := g.Check(Action{Kind: Launch, Type: "c5a.4xlarge", AZ: "eu-west-1a", Pool: 0, Spot: true, Count: 1}); err == nil {
		t.Fatal("the second launch would exceed fleet.max 3")
	}
	// A server under an interruption notice does not count: AWS takes it.
	noticed := srv("n", 0, Enabled, 0, 0)
	noticed.Interruption = true
	g = guardFor(t, func(p *model.Policy) { p.Max = 2 }, srv("a", 0, Enabled, 0, 0), noticed)
	if err := g.Check(Action{Kind: Launch, Pool: 0, Spot: true, Count: 1}); err != nil {
		t.Fatalf("servers under a notice must not count toward fleet.max: %v", err)
	}
}

func TestGuardKeepsSpendCapAtRealPrices(t *testing.T) {
	// The fleet costs 0.3 + 0.688; the cap 1.3 leaves room for one spot
	// server at 0.25 (pool 2) but not for an on-demand one at 0.688.
	cap := func(p *model.Policy) { p.MaxHourlyUSD = 1.3 }
	g := guardFor(t, cap, srv("a", 0, Enabled, 0, 0), srv("od", -1, Enabled, 0, 0))
	if err := g.Check(Action{Kind: Launch, Type: "c5a.4xlarge", AZ: "eu-west-1a", Pool: -1, Count: 1}); err == nil {
		t.Fatal("an on-demand launch over the spend cap was approved")
	}
	if err := g.Check(Action{Kind: Launch, Type: "c6i.4xlarge", AZ: "eu-west-1a", Pool: 2, Spot: true, Count: 1}); err != nil {
		t.Fatalf("a spot launch within the cap was refused: %v", err)
	}
	if err := g.Check(Action{Kind: Launch, Type: "c6i.4xlarge", AZ: "eu-west-1a", Pool: 2, Spot: true, Count: 1}); err == nil {
		t.Fatal("the approved launch did not count toward the cap")
	}
	unknown := guardFor(t, nil, srv("a", 0, Enabled, 0, 0))
	unknown.obs.SpendUnknown = true
	if err := unknown.Check(Action{Kind: Launch, Pool: 0, Spot: true, Count: 1}); err == nil {
		t.Fatal("launched while a server's price was unknown")
	}
}

func TestServersUnderNoticeDoNotCountTowardFleetMax(t *testing.T) {
	pol := testPolicy()
	pol.Max = 2
	od := srv("od", -1, Enabled, 300, 3)
	going := srv("going", 0, Cordoned, 100, 1)
	going.Interruption, going.TerminationAt = true, 1100
	// Demand 450 needs 563: od alone is short by one server, and the
	// server AWS is taking must not hold the fleet at fleet.max.
	acts := plan(t, pol, 1000, Observation{Servers: []Server{od, going}, Pools: pools(defaultPrices...), Participants: 450}, nil)
	if !strings.Contains(summary(acts), "launch 1") {
		t.Fatalf("no replacement for the server under an interruption notice at fleet.max: %s", summary(acts))
	}
}
