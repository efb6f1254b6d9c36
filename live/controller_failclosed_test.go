package live_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/scalite/scalite/emulate"
	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/live"
	"github.com/scalite/scalite/model"
)

// The controller fails closed (issue 10): when in doubt it does nothing
// harmful. Each test is named after the rule it pins.

// grow brings the rehearsal fleet to several enabled servers with meetings.
func grow(t *testing.T, r *rehearsal, c *live.Controller) []string {
	t.Helper()
	r.settle(c, 8*time.Minute)
	// Two waves of classes: each fills the servers there are, and the
	// fleet grows under them.
	for range 2 {
		for _, id := range r.enabledServers() {
			r.sl.SetMeetings(r.bbbURL(id), meetings(id, 250, 250))
		}
		r.settle(c, 10*time.Minute)
	}
	enabled := r.enabledServers()
	if len(enabled) < 3 {
		t.Fatalf("only %d servers enabled after the scale-out", len(enabled))
	}
	return enabled
}

// TestUnreadableServerIsNeverRetiredAndHoldsScaleIn: a server with a
// meeting whose BBB answers the controller 502 (Scalelite still reaches
// it) is not terminated; while its meetings cannot be read, the demand is
// unknown and nothing is scaled in. (Once Scalelite itself cannot reach a
// server it panics it, ending its meetings: an offline server holds no
// demand Scalelite can place, and does not hold scale-in.)
func TestUnreadableServerIsNeverRetiredAndHoldsScaleIn(t *testing.T) {
	r := newRehearsal(t)
	c := r.controller(true)
	servers := grow(t, r, c)
	sick := servers[len(servers)-1]
	// Everyone leaves but a 30-participant class on the sick server, which
	// Scalite cordons first...
	for _, id := range servers {
		r.sl.SetMeetings(r.bbbURL(id), nil)
	}
	r.sl.SetMeetings(r.bbbURL(sick), meetings("class", 30))
	r.cutOff[r.bbbURL(sick)] = true
	before := len(r.ec2.Live())
	reps := r.settle(c, 40*time.Minute)
	if s := r.ec2.State(sick); s != "running" {
		t.Fatalf("the server whose BBB could not be read was terminated (%s)", s)
	}
	for _, rep := range reps {
		if kinds(rep.Actions)[engine.Cordon] > 0 {
			t.Fatalf("scale-in while demand was unknown: %v", rep.Actions)
		}
	}
	if n := len(r.ec2.Live()); n != before {
		t.Fatalf("%d servers, had %d: scale-in went on blind", n, before)
	}
	// The BBB answers again: scale-in resumes; the class keeps its server.
	delete(r.cutOff, r.bbbURL(sick))
	r.settle(c, 90*time.Minute)
	if n := len(r.ec2.Live()); n >= before {
		t.Fatalf("no scale-in once the server could be read: %d servers", n)
	}
	if r.ec2.State(sick) != "running" || len(r.sl.Meetings(r.bbbURL(sick))) != 1 {
		t.Fatal("the server with the class was terminated")
	}
}

// TestMeetingsAreReadAgainBeforeTerminate: a meeting created between the
// observation and the terminate (a direct BBB API user) keeps its server.
func TestMeetingsAreReadAgainBeforeTerminate(t *testing.T) {
	r := newRehearsal(t)
	c := r.controller(true)
	servers := grow(t, r, c)
	for _, id := range servers {
		r.sl.SetMeetings(r.bbbURL(id), nil)
	}
	// Drain until one server is cordoned and empty, about to be retired.
	var victim string
	for range 60 {
		for _, id := range r.ec2.Live() {
			if r.ec2.Tags(id)[live.TagState] == "cordoned" {
				victim = id
			}
		}
		if victim != "" {
			break
		}
		r.reconcile(c)
		r.advance(time.Minute)
	}
	if victim == "" {
		t.Fatal("nothing was cordoned")
	}
	// From now on a meeting appears on the victim right after any read of
	// it: the plan sees it empty, the check before terminating does not.
	r.bbbHook = func(url string) {
		if url == r.bbbURL(victim) && len(r.sl.Meetings(url)) == 0 {
			r.sl.SetMeetings(url, meetings("late", 12))
		}
	}
	refused := false
	for range 30 {
		rep := r.reconcile(c)
		r.sl.SetMeetings(r.bbbURL(victim), nil) // the plan sees it empty again
		refused = refused || notesContain(rep, "refused")
		r.advance(time.Minute)
	}
	if r.ec2.State(victim) != "running" {
		t.Fatalf("a server with a meeting created before its termination was terminated (%s)", r.ec2.State(victim))
	}
	if !refused {
		t.Fatal("the guard never had to refuse: the test did not exercise the re-check")
	}
}

// TestSlowBBBDelaysOnlyItsOwnServer: a BBB that never answers makes its
// own server unreadable; the others are read, the reconcile ends.
func TestSlowBBBDelaysOnlyItsOwnServer(t *testing.T) {
	r := newRehearsal(t)
	c := r.controller(true)
	servers := grow(t, r, c)
	r.sl.SetFault(r.bbbURL(servers[0]), emulate.BBBHang)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := c.Reconcile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, id := range r.ec2.Live() {
		if id != servers[0] {
			for _, m := range r.sl.Meetings(r.bbbURL(id)) {
				want += m.ParticipantCount
			}
		}
	}
	if rep.Demand != want || want == 0 {
		t.Fatalf("demand %d, want %d from the servers that answered", rep.Demand, want)
	}
	if testutil.ToFloat64(c.Metrics.Errors.WithLabelValues("bbb")) < 1 {
		t.Fatal("the hung BBB is not counted as an error")
	}
	r.sl.SetFault(r.bbbURL(servers[0]), emulate.BBBHealthy)
}

// TestStopFinishesTheCallAndKeepsLaunchesRecorded: a stop during a slow
// RunInstances lets that call finish (bounded), abandons the rest, and a
// restarted controller neither repeats nor forgets the launch.
func TestStopFinishesTheCallAndKeepsLaunchesRecorded(t *testing.T) {
	r := newRehearsal(t)
	r.policy.SpotEnabled = false
	r.policy.Min, r.policy.OnDemandBase = 3, 3 // three launches, one per zone
	c := r.controller(true)
	stop, cancel := context.WithCancel(context.Background())
	prices := c.Prices
	c.Prices = func(ctx context.Context, m []model.MarketKey, now time.Time) (map[model.MarketKey]float64, error) {
		p, err := prices(ctx, m, now)
		r.ec2.Stall(1, 500*time.Millisecond)
		time.AfterFunc(100*time.Millisecond, cancel) // SIGTERM during the first launch
		return p, err
	}
	rep, err := c.Reconcile(stop)
	if err != nil {
		t.Fatal(err)
	}
	if r.ec2.Launched() != 1 {
		t.Fatalf("after a stop during the first launch EC2 launched %d, want that one only", r.ec2.Launched())
	}
	if !notesContain(rep, "abandoned") {
		t.Fatalf("the abandoned actions are not reported: %v", rep.Notes)
	}
	r.reconcile(r.controller(true))
	if r.ec2.Launched() != 3 || r.ec2.Reservations() != 3 {
		t.Fatalf("after the restart: %d instances in %d reservations, want 3 in 3", r.ec2.Launched(), r.ec2.Reservations())
	}
}

// TestSpendCapCountsEveryInstance: an on-demand instance of a type outside
// the policy counts at its catalog price: with it the cap is reached and
// nothing is launched. A type the catalog does not know stops scale-out.
func TestSpendCapCountsEveryInstance(t *testing.T) {
	for _, tc := range []struct{ typ, why string }{
		{"m6i.4xlarge", "a type outside the policy, at its catalog price"},
		{"x9z.metal", "a type without a known price"},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			r := newRehearsal(t)
			r.policy.MaxHourlyUSD = 1.2 // room for one c5a.4xlarge (0.688) beside 0.5 of other spend
			r.ec2.AddInstance(tc.typ, "eu-west-1a", false, r.clock().Add(-time.Hour), map[string]string{live.TagFleet: fleetName, live.TagKind: "on-demand"})
			c := r.controller(true)
			rep := r.reconcile(c)
			if n := kinds(rep.Actions)[engine.Launch]; n != 0 && r.ec2.Launched() > 0 {
				t.Fatalf("%s: launched %d beside it: %v %v", tc.why, r.ec2.Launched(), rep.Actions, rep.Notes)
			}
			if tc.typ == "m6i.4xlarge" && testutil.ToFloat64(c.Metrics.SpendRate) < 0.85 {
				t.Fatalf("spend %.3f $/h does not count the m6i.4xlarge (0.856)", testutil.ToFloat64(c.Metrics.SpendRate))
			}
			if tc.typ == "x9z.metal" && testutil.ToFloat64(c.Metrics.Errors.WithLabelValues("unknown_type")) < 1 {
				t.Fatal("the unknown type is not reported")
			}
		})
	}
}

// TestTerminateRefusesUntaggedInstance: an instance without the fleet tag
// that runs for an hour beside the fleet is never touched (the fleet's
// describe filter leaves it out; TestTerminateRefusesAnInstanceWithoutTheFleetTag
// has a plan name one, for terminate's own check). Servers registered in
// Scalelite by hand: TestManualServerIsDemandAndCapacityAndNeverTouched.
func TestTerminateRefusesUntaggedInstance(t *testing.T) {
	r := newRehearsal(t)
	c := r.controller(true)
	r.settle(c, 8*time.Minute)
	foreign := r.ec2.AddInstance("c5a.4xlarge", "eu-west-1a", false, r.clock().Add(-time.Hour), map[string]string{"Name": "someone-else"})
	r.settle(c, 60*time.Minute)
	if r.ec2.State(foreign) != "running" {
		t.Fatal("an instance without the fleet tag was touched")
	}
	if !strings.HasPrefix(foreign, "i-") {
		t.Fatal(foreign)
	}
}

// TestRecordingsAreReadAgainBeforeTerminate: a recording the agent reports
// (scalite:recordings) between the observation and the terminate keeps the
// server: its raw files live only there.
func TestRecordingsAreReadAgainBeforeTerminate(t *testing.T) {
	r := newRehearsal(t)
	c := r.controller(true)
	servers := grow(t, r, c)
	for _, id := range servers {
		r.sl.SetMeetings(r.bbbURL(id), nil)
	}
	fleet, _ := live.NewFleet(r.client, fleetName, "bbb")
	tagged := map[string]bool{}
	emptySince := map[string]time.Time{}
	// A recording starts processing on a cordoned, empty server in the
	// reconcile that retires it: after the plan read its tags (no
	// recording), before the terminate.
	r.bbbHook = func(url string) {
		for _, id := range r.ec2.Live() {
			// One server only: the others must not carry the tag.
			if r.bbbURL(id) != url || r.ec2.Tags(id)[live.TagState] != "cordoned" || len(tagged) > 0 {
				continue
			}
			if _, ok := emptySince[id]; !ok {
				emptySince[id] = r.clock()
			}
			if r.clock().Sub(emptySince[id]) >= time.Duration(r.policy.TerminateAfterIdle)*time.Second {
				tagged[id] = true
				fleet.Tag(context.Background(), id, live.TagRecordings, "1")
			}
		}
	}
	refused := false
	for _, rep := range r.settle(c, 60*time.Minute) {
		refused = refused || notesContain(rep, "recordings still processing")
	}
	if len(tagged) == 0 || !refused {
		t.Fatalf("tagged %v, refused %v: the test did not exercise the re-check", tagged, refused)
	}
	for id := range tagged {
		if s := r.ec2.State(id); s != "running" {
			t.Fatalf("%s was terminated (%s) with a recording processing", id, s)
		}
	}
}

// TestReplansStopAfterEngineReplanRounds: when every pool refuses, the
// controller plans again at once at most engine.ReplanRounds times, as the
// simulator does, and then waits for the next reconcile.
func TestReplansStopAfterEngineReplanRounds(t *testing.T) {
	r := newRehearsal(t)
	r.policy.Min, r.policy.OnDemandBase = 1, 0
	for _, k := range r.policy.SpotMarkets() {
		r.ec2.FailLaunches(k, emulate.MarketSpot, "InsufficientInstanceCapacity", -1)
	}
	rep := r.reconcile(r.controller(true))
	failures := 0
	for _, n := range rep.Notes {
		if strings.Contains(n, "InsufficientInstanceCapacity") {
			failures++
		}
	}
	if len(r.policy.SpotMarkets()) <= engine.ReplanRounds {
		t.Fatalf("the test needs more refusing pools (%d) than rounds (%d)", len(r.policy.SpotMarkets()), engine.ReplanRounds)
	}
	if failures != engine.ReplanRounds {
		t.Fatalf("%d refused launches in one reconcile, want one per round, %d rounds", failures, engine.ReplanRounds)
	}
}
