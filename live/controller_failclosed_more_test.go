package live_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scalite/scalite/live"
)

// Fail-closed rules of the controller whose flip no other test caught
// (each was flipped by hand and this test failed).

// listsForeign is a fleet whose listing also returns an instance that does
// not carry the fleet's tag (as if a describe filter let it through): only
// the controller's own check keeps it alive.
type listsForeign struct {
	live.FleetAPI
	foreign live.Instance
}

func (l listsForeign) Instances(ctx context.Context) ([]live.Instance, error) {
	insts, err := l.FleetAPI.Instances(ctx)
	return append(insts, l.foreign), err
}

// TestTerminateRefusesAnInstanceWithoutTheFleetTag: an instance without
// scalite:fleet is never terminated, even when the engine plans to (here:
// it never booted a BBB, so the plan replaces it).
func TestTerminateRefusesAnInstanceWithoutTheFleetTag(t *testing.T) {
	r := newRehearsal(t)
	launched := r.clock().Add(-2 * time.Hour)
	id := r.ec2.AddInstance("c5a.4xlarge", "eu-west-1a", false, launched, map[string]string{"Name": "someone-else"})
	r.neverBoots[id] = true
	foreign := live.Instance{ID: id, Type: "c5a.4xlarge", AZ: "eu-west-1a", State: "running", LaunchTime: launched,
		Tags: map[string]string{"Name": "someone-else"}}
	c := r.controller(true)
	c.Fleet = listsForeign{c.Fleet, foreign}
	rep := r.reconcile(c)
	planned := false
	for _, a := range rep.Actions {
		planned = planned || a.Server == id
	}
	if !planned {
		t.Fatalf("the plan does not name %s, so the test proves nothing: %v", id, rep.Actions)
	}
	if r.ec2.State(id) != "running" {
		t.Fatalf("an instance without the fleet tag was terminated: %v", rep.Notes)
	}
	if !notesContain(rep, "not a tagged instance of fleet") {
		t.Fatalf("the refusal is not reported: %v", rep.Notes)
	}
}

// TestUnknownTypeStopsScaleOut: an instance of a type without a known
// price makes the spend unknown, and the controller launches nothing
// however much demand there is (the spend cap could not be kept).
func TestUnknownTypeStopsScaleOut(t *testing.T) {
	r := newRehearsal(t)
	r.ec2.AddInstance("x9z.metal", "eu-west-1a", false, r.clock().Add(-time.Hour), map[string]string{live.TagFleet: fleetName})
	hand := r.bbbURL("by-hand")
	r.sl.Register(hand, fleetBBB, "enabled", "")
	r.sl.SetMeetings(hand, meetings("m", 500, 500, 500, 500))
	before := r.ec2.Launched()
	rep := r.reconcile(r.controller(true))
	if n := r.ec2.Launched() - before; n != 0 {
		t.Fatalf("launched %d beside an instance of unknown price: %v %v", n, rep.Actions, rep.Notes)
	}
}

// TestNoLaunchWhenTheJournalCannotRecordIt: a launch whose intent cannot
// be written is not sent (a crash would forget it, and the next controller
// would launch again).
func TestNoLaunchWhenTheJournalCannotRecordIt(t *testing.T) {
	r := newRehearsal(t)
	c := r.controller(true)
	j, err := live.OpenLaunchJournal(filepath.Join(t.TempDir(), "missing", "launches.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Journal = j
	rep := r.reconcile(c)
	if len(rep.Actions) == 0 {
		t.Fatal("nothing planned: the test proves nothing")
	}
	if n := r.ec2.Launched(); n != 0 {
		t.Fatalf("%d instances launched without a journal record: %v", n, rep.Notes)
	}
	if !notesContain(rep, "not launching") {
		t.Fatalf("the refusal is not reported: %v", rep.Notes)
	}
}

// TestBadRecordingsTagKeepsTheServer: a scalite:recordings tag that is not
// a count is taken as one recording processing, so an idle server is not
// retired on it (its raw files may live only there).
func TestBadRecordingsTagKeepsTheServer(t *testing.T) {
	r := newRehearsal(t)
	c := r.controller(true)
	grow(t, r, c)
	fleet, _ := live.NewFleet(r.client, fleetName, "bbb")
	enabled := r.enabledServers()
	for _, id := range enabled {
		r.sl.SetMeetings(r.bbbURL(id), nil)
		if err := fleet.Tag(context.Background(), id, live.TagRecordings, "lots"); err != nil {
			t.Fatal(err)
		}
	}
	reps := r.settle(c, 3*time.Hour)
	for _, id := range enabled {
		if st := r.ec2.State(id); st != "running" {
			var notes []string
			for _, rep := range reps {
				notes = append(notes, rep.Notes...)
			}
			t.Fatalf("%s with a bad recordings tag is %s: %s", id, st, strings.Join(notes, "; "))
		}
	}
}
