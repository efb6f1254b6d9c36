package engine

import (
	"testing"

	"pgregory.net/rapid"
)

// TestUnmovedAgreesWithPlan: after a plan that decided nothing, move only
// what Unmoved may see move (the demand and its large part, the
// participants, meetings, recordings and capacities of servers enabled
// with no notice, the meetings of draining servers that stay busy, the
// prices) at a time before QuietUntil: whenever
// Unmoved says a plan would decide nothing, Plan on that observation
// decides nothing and leaves the state as Unmoved left it.
func TestUnmovedAgreesWithPlan(t *testing.T) {
	said := 0
	rapid.Check(t, func(t *rapid.T) {
		p, obs, st, now := settledFleet(t)
		quiet := p.QuietUntil(now, &obs, st)
		at := now + rapid.Int64Range(0, min(quiet-now-1, 14*86400)).Draw(t, "later")
		moved := obs
		moved.Servers = append([]Server(nil), obs.Servers...)
		moved.Pools = append([]Pool(nil), obs.Pools...)
		moved.Participants = rapid.IntRange(0, 4000).Draw(t, "demand")
		moved.LargeParticipants = rapid.IntRange(0, moved.Participants).Draw(t, "largeDemand")
		for i := range moved.Servers {
			s := &moved.Servers[i]
			if s.Interruption || s.Rebalance || s.Held || s.External {
				continue
			}
			if s.State == Cordoned && (s.Meetings > 0 || s.Recordings > 0) {
				// Draining and staying busy: its meetings come and go.
				s.Meetings = rapid.IntRange(1, 3).Draw(t, "drainingMeetings")
				s.Participants = rapid.IntRange(1, 400).Draw(t, "drainingParticipants")
				continue
			}
			if s.State != Enabled {
				continue
			}
			s.CapacityUsers = rapid.IntRange(1, 800).Draw(t, "capacity")
			s.Meetings = rapid.IntRange(0, 3).Draw(t, "meetings")
			s.Participants = 0
			if s.Meetings > 0 {
				s.Participants = rapid.IntRange(1, 400).Draw(t, "participants")
			}
			s.Recordings = rapid.IntRange(0, 2).Draw(t, "recordings")
		}
		for i := range moved.Pools {
			moved.Pools[i].USDPerHour = rapid.Float64Range(0.01, 2).Draw(t, "price")
		}
		viaUnmoved := cloneState(st)
		// Unmoved reads the observation the plan read, with the demand of
		// now, and the capacities of now by index.
		asPlanned := obs
		asPlanned.Participants, asPlanned.LargeParticipants = moved.Participants, moved.LargeParticipants
		if !p.Unmoved(at, &asPlanned, func(i int) int { return moved.Servers[i].CapacityUsers }, viaUnmoved) {
			return
		}
		said++
		viaPlan := cloneState(st)
		if acts := p.Plan(at, &moved, viaPlan, nil); len(acts) > 0 {
			t.Fatalf("Unmoved at %d (+%ds), yet the plan decides %s", at, at-now, summary(acts))
		}
		if !sameState(viaPlan, viaUnmoved) {
			t.Fatalf("Unmoved at %d (+%ds) leaves another state than the plan", at, at-now)
		}
	})
	if said == 0 {
		t.Fatal("Unmoved never said a plan would decide nothing: the check proves nothing")
	}
}

// TestUnmovedSeesWhatTheDemandDecides: the rules that read the demand make
// Unmoved answer false: target tracking when the demand outgrows the
// capacity, scale-in when a server fits in the excess after the cooldown,
// and any plan that decided something. A small move is unmoved.
func TestUnmovedSeesWhatTheDemandDecides(t *testing.T) {
	pol := testPolicy()
	pol.Headroom, pol.Min, pol.OnDemandBase, pol.LargeMeeting = 0, 0, 0, 0
	pol.ScaleInCooldown = 900
	p, err := New(pol)
	if err != nil {
		t.Fatal(err)
	}
	const now = int64(1_767_225_600)
	fleet := func() Observation {
		a, b := srv("a", 0, Enabled, 150, 3), srv("b", 1, Enabled, 150, 3)
		a.CapacityUsers, b.CapacityUsers = 200, 200
		return Observation{Pools: pools(defaultPrices...), Participants: 300, Servers: []Server{a, b}}
	}
	ownCapacity := func(obs *Observation) func(int) int {
		return func(i int) int { return obs.Servers[i].CapacityUsers }
	}
	for _, tc := range []struct {
		name         string
		participants int
		capacityA    int
		at           int64
		lastScaleOut int64
		want         bool
	}{
		{"a small move", 320, 200, now + 60, now - 3600, true},
		{"demand beyond capacity", 401, 200, now + 60, now - 3600, false},
		{"capacity shrank below demand (mix)", 300, 90, now + 60, now - 3600, false},
		{"a server fits in the excess", 200, 200, now + 60, now - 3600, false},
		{"a server fits, but within the cooldown", 200, 200, now + 60, now, true},
		{"a server fits, the cooldown just over", 200, 200, now + 60, now + 60 - 900, false},
		{"demand exactly at capacity", 400, 200, now + 60, now - 3600, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obs := fleet()
			st := NewState(pol.PreWarmWeeks)
			st.LastScaleOut = tc.lastScaleOut
			if acts := p.Plan(now, &obs, st, nil); len(acts) > 0 {
				t.Fatalf("the fleet is not settled: %s", summary(acts))
			}
			obs.Participants = tc.participants
			capacity := func(i int) int {
				if i == 0 {
					return tc.capacityA
				}
				return obs.Servers[i].CapacityUsers
			}
			if got := p.Unmoved(tc.at, &obs, capacity, st); got != tc.want {
				t.Errorf("Unmoved = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("after a plan that decided something", func(t *testing.T) {
		obs := fleet()
		obs.Participants = 1000
		st := NewState(pol.PreWarmWeeks)
		if acts := p.Plan(now, &obs, st, nil); len(acts) == 0 {
			t.Fatal("the plan decided nothing")
		}
		if p.Unmoved(now+60, &obs, ownCapacity(&obs), st) {
			t.Error("Unmoved after a plan that launched")
		}
	})
}

// TestUnmovedKeepsTheFleetFloors: fleet.min and the on-demand base bound
// what scale-in may cordon, and Unmoved with them: at the floor a small
// move is unmoved; one server above it, a server that fits in the excess
// would be cordoned; the base's on-demand server is never the one.
func TestUnmovedKeepsTheFleetFloors(t *testing.T) {
	const now = int64(1_767_225_600)
	server := func(id string, pool, capacity int) Server {
		s := srv(id, pool, Enabled, 50, 1)
		s.CapacityUsers = capacity
		return s
	}
	for _, tc := range []struct {
		name         string
		min, base    int
		servers      []Server
		participants int
		want         bool
	}{
		{"at fleet.min, a small move", 2, 0, []Server{server("a", 0, 200), server("b", 1, 200)}, 110, true},
		{"one above fleet.min, a server fits", 1, 0, []Server{server("a", 0, 200), server("b", 1, 200)}, 100, false},
		{"at the base, a small move", 0, 1, []Server{server("od", -1, 200), server("b", 1, 200)}, 310, true},
		{"only the base's server fits", 0, 1, []Server{server("od", -1, 100), server("b", 1, 300)}, 150, true},
		{"an on-demand server above the base fits", 0, 1, []Server{server("od1", -1, 100), server("od2", -1, 100), server("b", 1, 300)}, 250, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pol := testPolicy()
			pol.Headroom, pol.LargeMeeting, pol.ScaleInCooldown = 0, 0, 900
			pol.Min, pol.OnDemandBase = tc.min, tc.base
			p, err := New(pol)
			if err != nil {
				t.Fatal(err)
			}
			capacity := 0
			for _, s := range tc.servers {
				capacity += s.CapacityUsers
			}
			// Settled where nothing fits in the excess: demand at capacity.
			obs := Observation{Pools: pools(defaultPrices...), Participants: capacity, Servers: tc.servers}
			st := NewState(pol.PreWarmWeeks)
			st.LastScaleOut = now - 3600
			if acts := p.Plan(now, &obs, st, nil); len(acts) > 0 {
				t.Fatalf("the fleet is not settled: %s", summary(acts))
			}
			obs.Participants = tc.participants
			if got := p.Unmoved(now+60, &obs, func(i int) int { return obs.Servers[i].CapacityUsers }, st); got != tc.want {
				t.Errorf("Unmoved = %v, want %v", got, tc.want)
			}
			// What Plan decides on the moved demand agrees.
			if acts := p.Plan(now+60, &obs, st, nil); (len(acts) == 0) != tc.want {
				t.Errorf("the plan decides %q, Unmoved said %v", summary(acts), tc.want)
			}
		})
	}
}
