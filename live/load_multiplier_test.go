package live_test

import (
	"testing"
	"time"

	"github.com/scalite/scalite/live"
	"github.com/scalite/scalite/model"
)

// TestRegisterSetsTheTypesLoadMultiplier: a server Scalite registers in
// Scalelite gets its type's load_multiplier, not Scalelite's default 1, so
// that Scalelite's least-loaded placement shares meetings by capacity in a
// fleet of mixed sizes. The default policy's types all have 16 vCPUs:
// twice BBB's 8-core reference server, so 0.5.
func TestRegisterSetsTheTypesLoadMultiplier(t *testing.T) {
	r := newRehearsal(t)
	lm := model.DefaultLoadModel()
	for _, typ := range append(r.policy.SpotTypes, r.policy.OnDemandType) {
		if got := lm.LoadMultiplier(typ.CapacityLoad); got != 0.5 {
			t.Fatalf("%s: multiplier %v; the test assumes 16-vCPU types", typ.Name, got)
		}
	}
	c := r.controller(true)
	r.settle(c, 8*time.Minute)
	ids := r.ec2.Live()
	if len(ids) == 0 {
		t.Fatal("no server came up")
	}
	for _, id := range ids {
		if got := r.sl.LoadMultiplier(r.bbbURL(id)); got != 0.5 {
			t.Errorf("%s: load_multiplier %v, want 0.5 from its type's capacity", id, got)
		}
	}
}

// TestControllerCountsMediaWithTheLoadModel: the same meetings all on
// webcam make the controller launch several times the servers it launches
// for them listen-only, from the counts BBB's getMeetings reports; without
// the load model both get the same.
func TestControllerCountsMediaWithTheLoadModel(t *testing.T) {
	launches := func(load bool, webcams bool) int {
		r := newRehearsal(t)
		r.policy.Max = 100
		c := r.controller(true)
		if load {
			lm := model.DefaultLoadModel()
			c.Load = &lm
		}
		r.settle(c, 8*time.Minute)
		before := r.ec2.Launched()
		for _, id := range r.enabledServers() {
			sizes := make([]int, 40) // 800 participants
			for i := range sizes {
				sizes[i] = 20
			}
			ms := meetings(id, sizes...)
			for i := range ms {
				ms[i].VoiceParticipantCount, ms[i].ListenerCount = 1, 19
				if webcams {
					ms[i].VideoCount = 20
				}
			}
			r.sl.SetMeetings(r.bbbURL(id), ms)
		}
		r.reconcile(c)
		return r.ec2.Launched() - before
	}
	listen, webcam := launches(true, false), launches(true, true)
	t.Logf("launched for 800 participants: %d listen-only, %d all on webcam", listen, webcam)
	if webcam < 2*max(listen, 1) {
		t.Errorf("load model: %d servers launched for meetings all on webcam, %d for the same listen-only; want at least twice", webcam, listen)
	}
	if a, b := launches(false, false), launches(false, true); a != b {
		t.Errorf("counting users: %d and %d launches; webcams should not matter", a, b)
	}
}

// TestOwnServersGetTheirTypesLoadMultiplier: a server Scalite registered
// earlier with Scalelite's default multiplier 1 (an older Scalite) is set
// to its type's; a server an operator holds, or runs by hand, keeps its own.
func TestOwnServersGetTheirTypesLoadMultiplier(t *testing.T) {
	r := newRehearsal(t)
	launched := r.clock().Add(-time.Hour)
	own := r.ec2.AddInstance("c5a.4xlarge", "eu-west-1a", false, launched, map[string]string{
		live.TagFleet: fleetName, live.TagKind: "on-demand", live.TagServerTag: "ondemand", live.TagState: "enabled"})
	held := r.ec2.AddInstance("c5a.4xlarge", "eu-west-1b", false, launched, map[string]string{
		live.TagFleet: fleetName, live.TagKind: "on-demand", live.TagState: "enabled"})
	r.sl.Register(r.bbbURL(own), fleetBBB, "enabled", "ondemand")
	r.sl.Register(r.bbbURL(held), fleetBBB, "cordoned", "") // an operator cordoned it
	manual, secret := r.sl.BBBServer(r.slURL, "operators-own")
	r.sl.Register(manual, secret, "enabled", "")
	r.sl.Poll()
	rep := r.reconcile(r.controller(true))
	if got := r.sl.LoadMultiplier(r.bbbURL(own)); got != 0.5 {
		t.Fatalf("Scalite's own server has load_multiplier %v, want its type's 0.5: %v", got, rep.Notes)
	}
	if r.sl.LoadMultiplier(r.bbbURL(held)) != 1 || r.sl.LoadMultiplier(manual) != 1 {
		t.Fatalf("a held or hand-registered server's multiplier was changed: %v %v", r.sl.LoadMultiplier(r.bbbURL(held)), r.sl.LoadMultiplier(manual))
	}
}
