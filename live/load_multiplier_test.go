package live_test

import (
	"testing"
	"time"

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
