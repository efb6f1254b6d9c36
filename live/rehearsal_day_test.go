package live_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/live"
)

var launchedNote = regexp.MustCompile(`^launched \[(.*)\]$`)

// TestFullDayRehearsal runs the controller through a day and the next
// morning on the emulated EC2 and Scalelite: an empty Scalelite at the
// start, the morning's scale-out (meetings placed by Scalelite's own
// placement), a spot reclaim with its two-minute notice, an operator's
// servers:cordon, the evening's scale-in, and the next morning's
// scale-out. It ends with the fleet the policy wants, no duplicate launch,
// and nothing touched that Scalite does not own.
func TestFullDayRehearsal(t *testing.T) {
	if testing.Short() {
		t.Skip("a simulated day and a half of reconciles")
	}
	r := newRehearsal(t)
	r.policy.Min = 2
	r.now = r.now.Truncate(24 * time.Hour).Add(6 * time.Hour) // 06:00, Monday
	manualURL, secret := r.sl.BBBServer(r.slURL, "operators-own")
	c := r.controller(true)
	history := map[string]int{}
	c.Record = func(rec live.FleetRecord) { history[rec.Kind]++ }
	demand := 0
	launchedIDs := map[string]bool{}
	var reps []*live.Report
	step := func(until time.Time) {
		for r.clock().Before(until) {
			r.sl.Demand(demand, 50)
			rep := r.reconcile(c)
			reps = append(reps, rep)
			for _, n := range rep.Notes {
				if m := launchedNote.FindStringSubmatch(n); m != nil {
					for _, id := range regexp.MustCompile(`i-[0-9a-f]+`).FindAllString(m[1], -1) {
						if launchedIDs[id] {
							t.Fatalf("%s: instance %s reported launched twice", r.clock().Format("15:04"), id)
						}
						launchedIDs[id] = true
					}
				}
			}
			r.advance(time.Minute)
		}
	}
	at := func(day int, hhmm string) time.Time {
		d, _ := time.ParseDuration(hhmm)
		return r.now.Truncate(24 * time.Hour).Add(time.Duration(day)*24*time.Hour + d)
	}
	// 06:00: empty Scalelite, empty fleet.
	step(at(0, "7h"))
	if n := len(r.ec2.Live()); n != r.policy.Min {
		t.Fatalf("07:00: %d servers, want fleet.min %d", n, r.policy.Min)
	}
	// 07:00 an operator adds a server of their own.
	r.sl.Register(manualURL, secret, "enabled", "")
	// 08:00: classes start.
	demand = 1500
	step(at(0, "10h"))
	morning := len(r.ec2.Live())
	if morning <= r.policy.Min+1 {
		t.Fatalf("10:00: %d servers for 1500 participants", morning)
	}
	// 10:00: AWS reclaims a spot server with meetings: notice, then gone.
	var victim string
	for _, in := range r.instances() {
		if in.Spot && len(r.sl.Meetings(r.bbbURL(in.ID))) > 0 {
			victim = in.ID
		}
	}
	if victim == "" {
		t.Fatal("no spot server with meetings to reclaim")
	}
	fleet, _ := live.NewFleet(r.client, fleetName, "bbb")
	fleet.Tag(context.Background(), victim, live.TagInterruption, r.clock().Add(2*time.Minute).UTC().Format(time.RFC3339))
	step(r.clock().Add(2 * time.Minute))
	r.ec2.Interrupt(victim)
	// 11:00: the operator cordons one of Scalite's servers for a look.
	step(at(0, "11h"))
	var looked string
	for _, id := range r.enabledServers() {
		if id != victim {
			looked = id
		}
	}
	srv, _ := r.sl.Server(r.bbbURL(looked))
	if err := r.sl.Rake("servers:cordon", srv.ID); err != nil {
		t.Fatal(err)
	}
	cordonedAt := len(reps)
	// 17:00: everyone leaves; the night.
	step(at(0, "17h"))
	demand = 0
	step(at(1, "7h"))
	night := len(r.ec2.Live())
	if night > r.policy.Min+1 { // the minimum, plus the operator's cordoned server
		t.Fatalf("night: %d servers, want fleet.min %d and the operator's", night, r.policy.Min)
	}
	// Next morning.
	before := r.ec2.Launched()
	demand = 1500
	step(at(1, "10h"))
	if r.ec2.Launched() == before || len(r.ec2.Live()) <= night {
		t.Fatal("no scale-out the next morning")
	}
	// No duplicate: every instance EC2 made was reported launched once,
	// and each launch intent made one reservation.
	if r.ec2.Launched() != len(launchedIDs) {
		t.Fatalf("EC2 made %d instances, the controller reported %d launched", r.ec2.Launched(), len(launchedIDs))
	}
	// Nothing touched that Scalite does not own.
	if r.sl.State(manualURL) != "enabled" {
		t.Fatalf("the operator's own server is %s", r.sl.State(manualURL))
	}
	if st := r.sl.State(r.bbbURL(looked)); st == "enabled" || (r.ec2.State(looked) != "running") {
		t.Fatalf("the server the operator cordoned is %s in Scalelite, %s in EC2", st, r.ec2.State(looked))
	}
	for i, rep := range reps {
		for _, a := range rep.Actions {
			if a.Server == looked && i >= cordonedAt {
				t.Fatalf("acted on the operator's cordoned server: %s", a)
			}
			if a.Server != "" && r.ec2.State(a.Server) == "" {
				t.Fatalf("acted on a server that is not a fleet instance: %s", a)
			}
		}
	}
	// The fleet the policy wants: a dry run now plans no launch and no
	// termination.
	dry := r.reconcile(r.controller(false))
	if k := kinds(dry.Actions); k[engine.Launch] != 0 || k[engine.Terminate] != 0 {
		t.Fatalf("at the end the policy still wants changes: %v", dry.Actions)
	}
	// The fleet's history for the interruption model (live.event_log).
	if history["launch"] != r.ec2.Launched() || history["notice"] != 1 || history["interrupted"] != 1 || history["terminate"] == 0 {
		t.Fatalf("event log kinds %v; EC2 launched %d", history, r.ec2.Launched())
	}
	t.Logf("servers: 07:00 %d, 10:00 %d, night %d, next 10:00 %d; %d instances launched in all", r.policy.Min, morning, night, len(r.ec2.Live()), r.ec2.Launched())
}
