package engine

import (
	"strings"
	"testing"

	"github.com/scalite/scalite/model"
)

// Rules pinned by a test named after each: flipping the rule in the code
// fails its test (checked by mutating the source through go test -overlay).

func count(acts []Action, kind ActionKind) int {
	n := 0
	for _, a := range acts {
		if a.Kind == kind {
			n++
		}
	}
	return n
}

// TestScaleInFloorKeepsFleetMin: an empty fleet of five is cordoned down
// to fleet.min and no further, and the on-demand base is not what goes.
func TestScaleInFloorKeepsFleetMin(t *testing.T) {
	fleet := []Server{srv("od", -1, Enabled, 0, 0), srv("s1", 0, Enabled, 0, 0), srv("s2", 1, Enabled, 0, 0), srv("s3", 0, Enabled, 0, 0), srv("s4", 1, Enabled, 0, 0)}
	for _, tc := range []struct{ min, cordons int }{{3, 2}, {4, 1}, {5, 0}, {1, 4}} {
		pol := testPolicy()
		pol.Min = tc.min
		acts := plan(t, pol, 1000, Observation{Pools: pools(defaultPrices...), Servers: fleet}, nil)
		if got := count(acts, Cordon); got != tc.cordons {
			t.Errorf("fleet.min %d: %d cordons (%s), want %d", tc.min, got, summary(acts), tc.cordons)
		}
		if strings.Contains(summary(acts), "cordon od") {
			t.Errorf("fleet.min %d: the on-demand base was cordoned: %s", tc.min, summary(acts))
		}
	}
}

// TestNoScaleInRightAfterScaleOut: spare capacity is not cordoned until
// fleet.scale_in_cooldown has passed since the last scale-out.
func TestNoScaleInRightAfterScaleOut(t *testing.T) {
	pol := testPolicy() // cooldown 900 s
	obs := Observation{Pools: pools(defaultPrices...), Servers: []Server{srv("od", -1, Enabled, 0, 0), srv("s1", 0, Enabled, 0, 0), srv("s2", 1, Enabled, 0, 0)}}
	for _, tc := range []struct {
		sinceScaleOut int64
		cordons       int
	}{{0, 0}, {60, 0}, {899, 0}, {900, 2}} {
		st := NewState(pol.PreWarmWeeks)
		st.LastScaleOut = 10000 - tc.sinceScaleOut
		acts := plan(t, pol, 10000, obs, st)
		if got := count(acts, Cordon); got != tc.cordons {
			t.Errorf("%d s after a scale-out: %d cordons (%s), want %d", tc.sinceScaleOut, got, summary(acts), tc.cordons)
		}
	}
}

// TestReEnableIsAScaleOut: re-enabling a drained server adds capacity as a
// launch does, so it starts the scale-in cooldown too: the plans after it
// do not cordon the same capacity again as the demand wavers, until the
// cooldown has passed.
func TestReEnableIsAScaleOut(t *testing.T) {
	pol := testPolicy() // cooldown 900 s, capacity 400 a server
	pol.Headroom = 0
	st := NewState(pol.PreWarmWeeks)
	st.LastScaleOut = 0
	drained := Observation{Pools: pools(defaultPrices...), Participants: 500, Servers: []Server{srv("od", -1, Enabled, 300, 3), srv("s1", 0, Cordoned, 200, 2)}}
	acts := plan(t, pol, 10000, drained, st)
	if got := count(acts, Enable); got != 1 || count(acts, Launch) != 0 {
		t.Fatalf("500 users on one enabled server of 400: %s, want the drained server enabled again", summary(acts))
	}
	if st.LastScaleOut != 10000 {
		t.Fatalf("last scale-out %d after re-enabling at 10000", st.LastScaleOut)
	}
	// The demand drops back: one server would do, but the cooldown holds.
	enabled := Observation{Pools: pools(defaultPrices...), Participants: 350, Servers: []Server{srv("od", -1, Enabled, 200, 2), srv("s1", 0, Enabled, 150, 2)}}
	for _, tc := range []struct {
		at      int64
		cordons int
	}{{10060, 0}, {10899, 0}, {10900, 1}} {
		c := *st
		if got := count(plan(t, pol, tc.at, enabled, &c), Cordon); got != tc.cordons {
			t.Errorf("%d s after the re-enable: %d cordons, want %d", tc.at-10000, got, tc.cordons)
		}
	}
}

// TestPriceCapacityOptimizedTenPercentBand: price-capacity-optimized
// spreads over pools within 10% of the lowest price per user, and not
// over a pool just outside.
func TestPriceCapacityOptimizedTenPercentBand(t *testing.T) {
	pol := testPolicy()
	pol.SpotTypes = []model.InstanceType{c5a} // pools: c5a in a, c5a in b
	// 900 users with 25% headroom need 1125; the on-demand base holds 400:
	// two spot servers.
	obs := func(priceB float64) Observation {
		return Observation{Pools: pools(0.30, priceB), Participants: 900, Servers: []Server{srv("od", -1, Enabled, 300, 3)}}
	}
	for _, tc := range []struct {
		priceB float64
		want   string
	}{
		{0.3290, "launch 1 spot c5a.4xlarge/eu-west-1a; launch 1 spot c5a.4xlarge/eu-west-1b"}, // 9.7% dearer: in the band
		{0.3310, "launch 2 spot c5a.4xlarge/eu-west-1a"},                                       // 10.3% dearer: out
	} {
		if got := summary(plan(t, pol, 1000, obs(tc.priceB), nil)); got != tc.want {
			t.Errorf("zone b at %.4f against 0.30:\n got  %s\n want %s", tc.priceB, got, tc.want)
		}
	}
}

// TestRecordingsHoldACordonedServer: a cordoned, empty server whose
// recordings are still processing is not terminated, however long it
// waits; once they are done it goes after the cooldown.
func TestRecordingsHoldACordonedServer(t *testing.T) {
	pol := testPolicy()
	for _, tc := range []struct {
		recordings int
		terminated bool
	}{{1, false}, {0, true}} {
		p, err := New(pol)
		if err != nil {
			t.Fatal(err)
		}
		st := NewState(pol.PreWarmWeeks)
		s1 := srv("s1", 0, Cordoned, 0, 0)
		s1.Recordings = tc.recordings
		obs := Observation{Pools: pools(defaultPrices...), Servers: []Server{srv("od", -1, Enabled, 0, 0), s1}}
		var acts []Action
		for now := int64(1000); now <= 1000+4*pol.ScaleInCooldown; now += 60 {
			acts = append(acts, p.Plan(now, &obs, st, nil)...)
		}
		if got := strings.Contains(summary(acts), "terminate s1"); got != tc.terminated {
			t.Errorf("%d recordings processing: terminated %v, want %v (%s)", tc.recordings, got, tc.terminated, summary(acts))
		}
	}
}

// TestTerminateAfterIdleIsItsOwnTimer: a cordoned, empty server goes after
// fleet.terminate_after_idle, not after the scale-in cooldown.
func TestTerminateAfterIdleIsItsOwnTimer(t *testing.T) {
	for _, tc := range []struct {
		idle, terminatedAt int64 // seconds after the server went empty
	}{{120, 120}, {0, 0}, {1800, 1800}} {
		pol := testPolicy()
		pol.ScaleInCooldown, pol.TerminateAfterIdle = 900, tc.idle
		p, err := New(pol)
		if err != nil {
			t.Fatal(err)
		}
		st := NewState(pol.PreWarmWeeks)
		obs := Observation{Pools: pools(defaultPrices...), Servers: []Server{srv("od", -1, Enabled, 0, 0), srv("s1", 0, Cordoned, 0, 0)}}
		got := int64(-1)
		for now := int64(10000); now <= 10000+3600 && got < 0; now += 30 {
			for _, a := range p.Plan(now, &obs, st, nil) {
				if a.Kind == Terminate && a.Server == "s1" {
					got = now - 10000
				}
			}
		}
		if got != tc.terminatedAt {
			t.Errorf("terminate_after_idle %d s (cooldown 900 s): terminated %d s after going empty, want %d", tc.idle, got, tc.terminatedAt)
		}
	}
}
