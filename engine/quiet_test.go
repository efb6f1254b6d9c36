package engine

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/scalite/scalite/model"
)

// settle applies a plan's actions to the observation the way a fleet would
// carry them out at once, so that a random fleet reaches the steady state
// in which QuietUntil matters.
func settle(obs *Observation, acts []Action, now int64) {
	for _, a := range acts {
		switch a.Kind {
		case Launch:
			for range a.Count {
				obs.Servers = append(obs.Servers, Server{ID: fmt.Sprintf("n%d", len(obs.Servers)), Type: a.Type, AZ: a.AZ, Pool: a.Pool, Spot: a.Spot, Tag: a.Tag,
					State: Pending, CapacityUsers: 400, LaunchedAt: now, USDPerHour: 0.3})
			}
			continue
		}
		k := slices.IndexFunc(obs.Servers, func(s Server) bool { return s.ID == a.Server })
		if k < 0 {
			continue
		}
		s := &obs.Servers[k]
		switch a.Kind {
		case Enable:
			s.State = Enabled
		case Cordon:
			s.State = Cordoned
		case EndMeetings:
			s.MeetingsEnded, s.Meetings, s.Participants = true, 0, 0
		case Terminate:
			obs.Servers = slices.Delete(obs.Servers, k, k+1)
		}
	}
}

func cloneState(st *State) *State {
	c := *st
	c.IdleSince = maps.Clone(st.IdleSince)
	c.Profile.Peaks = slices.Clone(st.Profile.Peaks)
	c.Profile.Weeks = slices.Clone(st.Profile.Weeks)
	return &c
}

func sameState(a, b *State) bool {
	return a.LastScaleOut == b.LastScaleOut && maps.Equal(a.IdleSince, b.IdleSince) &&
		reflect.DeepEqual(a.Profile.Peaks, b.Profile.Peaks) && slices.Equal(a.Profile.Weeks, b.Profile.Weeks)
}

// TestQuietUntilPlansNothingBefore: after a plan that decided nothing, a
// plan on the same observation at any time before QuietUntil decides
// nothing and changes no state; this is what lets the simulator skip the
// periodic plans of idle stretches with identical results. Random fleets
// (every server state, notices, boot timeouts, idle timers, unavailable
// pools and zones, pre-warming on a learned profile) are first settled by
// applying their plans.
// settledFleet draws a random fleet (every server state, notices, boot
// timeouts, idle timers, unavailable pools and zones, pre-warming on a
// learned profile) and settles it by applying its plans until a plan
// decides nothing.
func settledFleet(t *rapid.T) (*Planner, Observation, *State, int64) {
	pol := testPolicy()
	pol.ScaleInCooldown = rapid.Int64Range(0, 3600).Draw(t, "cooldown")
	pol.Min = rapid.IntRange(0, 3).Draw(t, "min")
	pol.OnDemandBase = rapid.IntRange(0, 2).Draw(t, "base")
	pol.BootTimeout = rapid.SampledFrom([]int64{0, 600, 1200}).Draw(t, "bootTimeout")
	pol.OnInterruption = rapid.SampledFrom([]model.InterruptionAction{model.InterruptionCordon, model.InterruptionEndMeetings}).Draw(t, "onInterruption")
	pol.EndMeetingsBefore = rapid.Int64Range(0, 110).Draw(t, "endBefore")
	pol.LargeMeeting = rapid.SampledFrom([]int{0, 150}).Draw(t, "large")
	pol.PreWarm = rapid.Bool().Draw(t, "prewarm")
	pol.PreWarmLead = rapid.Int64Range(0, 3600).Draw(t, "lead")
	pol.OnDemandFallback = rapid.Bool().Draw(t, "fallback")
	pol.Max = rapid.IntRange(1, 10).Draw(t, "max")
	p, err := New(pol)
	if err != nil {
		t.Fatal(err)
	}
	now := int64(1_767_225_600) + rapid.Int64Range(0, 14*86400).Draw(t, "now")
	st := NewState(pol.PreWarmWeeks)
	st.LastScaleOut = now - rapid.Int64Range(0, 5000).Draw(t, "sinceScaleOut")
	for range rapid.IntRange(0, 40).Draw(t, "learned") {
		st.Profile.Learn(now-rapid.Int64Range(7*86400-4*3600, 7*86400+4*3600).Draw(t, "learnAt"), rapid.IntRange(0, 3000).Draw(t, "learnUsers"))
	}
	// A peak last week just ahead of the pre-warming window.
	spikeAt := now - 7*86400 + pol.PreWarmLead + pol.LaunchToRunning + pol.BootTime + rapid.Int64Range(0, 1800).Draw(t, "spikeAhead")
	st.Profile.Learn(spikeAt, rapid.IntRange(0, 3000).Draw(t, "spikeUsers"))
	obs := Observation{Pools: pools(defaultPrices...), Participants: rapid.IntRange(0, 3000).Draw(t, "demand")}
	obs.LargeParticipants = rapid.IntRange(0, obs.Participants).Draw(t, "largeDemand")
	for i := range obs.Pools {
		obs.Pools[i].UnavailableUntil = now + rapid.Int64Range(-1000, 3000).Draw(t, "poolUnavailable")
	}
	obs.OnDemandUnavailableUntil = []int64{now + rapid.Int64Range(-1000, 3000).Draw(t, "odUnavailableA"), now + rapid.Int64Range(-1000, 3000).Draw(t, "odUnavailableB")}
	for i := range rapid.IntRange(0, 10).Draw(t, "servers") {
		s := srv(fmt.Sprintf("s%d", i), rapid.IntRange(-1, 5).Draw(t, "pool"), ServerState(rapid.IntRange(0, 5).Draw(t, "state")), 0, 0)
		s.LaunchedAt = now - rapid.Int64Range(0, 2000).Draw(t, "age")
		s.Meetings = rapid.IntRange(0, 2).Draw(t, "meetings")
		if s.Meetings > 0 {
			s.Participants = rapid.IntRange(1, 400).Draw(t, "participants")
		}
		s.Recordings = rapid.IntRange(0, 1).Draw(t, "recordings")
		switch rapid.IntRange(0, 5).Draw(t, "notice") {
		case 0:
			s.Interruption, s.TerminationAt = true, now+rapid.Int64Range(0, 120).Draw(t, "termination")
		case 1:
			s.Rebalance, s.RebalanceAt = true, now-rapid.Int64Range(0, 600).Draw(t, "rebalanceAt")
		}
		s.Held = rapid.IntRange(0, 9).Draw(t, "held") == 0
		if rapid.IntRange(0, 3).Draw(t, "tagged") == 0 {
			s.Tag = model.LargeMeetingTag
		}
		obs.Servers = append(obs.Servers, s)
	}
	// Idle timers started at earlier plans.
	for i := range obs.Servers {
		if s := &obs.Servers[i]; s.State == Cordoned && rapid.Bool().Draw(t, "idleTimer") {
			st.IdleSince[s.ID] = now - rapid.Int64Range(0, 3600).Draw(t, "idleFor")
		}
	}
	var acts []Action
	for range 6 {
		acts = p.Plan(now, &obs, st, nil)
		if len(acts) == 0 {
			break
		}
		settle(&obs, acts, now)
	}
	if len(acts) > 0 {
		t.Skip("the fleet did not settle")
	}
	return p, obs, st, now
}

func TestQuietUntilPlansNothingBefore(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p, obs, st, now := settledFleet(t)
		quiet := p.QuietUntil(now, &obs, st)
		if quiet <= now {
			t.Fatalf("QuietUntil %d is not after now %d", quiet, now)
		}
		last := min(quiet-1, now+14*86400)
		if last <= now {
			return // something may change at the very next second
		}
		times := []int64{now + 1, last}
		for range 6 {
			times = append(times, rapid.Int64Range(now+1, last).Draw(t, "later"))
		}
		for _, at := range times {
			c := cloneState(st)
			if acts := p.Plan(at, &obs, c, nil); len(acts) > 0 {
				t.Fatalf("quiet until %d (now %d), yet a plan at %d (+%ds) decides %s", quiet, now, at, at-now, summary(acts))
			}
			if !sameState(st, c) {
				t.Fatalf("quiet until %d (now %d), yet a plan at %d (+%ds) changes the state", quiet, now, at, at-now)
			}
		}
	})
}

func TestNextBucketStart(t *testing.T) {
	for _, tc := range []struct{ t, want int64 }{
		{mondayEpoch, mondayEpoch + 900},
		{mondayEpoch + 899, mondayEpoch + 900},
		{mondayEpoch + 900, mondayEpoch + 1800},
		{mondayEpoch - 1, mondayEpoch},
		{mondayEpoch - 900, mondayEpoch},
	} {
		if got := nextBucketStart(tc.t); got != tc.want {
			t.Errorf("nextBucketStart(%d) = %d, want %d", tc.t, got, tc.want)
		}
	}
}

// TestQuietUntilPreWarmWindow: pre-warming looks lead seconds ahead, so a
// peak learned last week wakes the planner when the window reaches its
// bucket, ahead of the bucket of now.
func TestQuietUntilPreWarmWindow(t *testing.T) {
	pol := testPolicy()
	pol.PreWarm, pol.PreWarmLead = true, 1000
	p, err := New(pol)
	if err != nil {
		t.Fatal(err)
	}
	lead := pol.PreWarmLead + pol.LaunchToRunning + pol.BootTime
	peak := int64(mondayEpoch + 2900*weekSeconds + 3*86400 + 9*3600) // a Thursday 09:00, a bucket start
	st := NewState(pol.PreWarmWeeks)
	st.Profile.Learn(peak-weekSeconds, 1500)
	now := peak - lead - 300 // the window ends 300 s before the peak's bucket
	obs := Observation{Pools: pools(defaultPrices...), Servers: []Server{srv("od", -1, Enabled, 0, 0)}}
	if acts := p.Plan(now, &obs, st, nil); len(acts) > 0 {
		t.Fatalf("plan at now: %s", summary(acts))
	}
	q := p.QuietUntil(now, &obs, st)
	if q != peak-lead {
		t.Errorf("QuietUntil = now%+d, want now%+d (the window reaches the peak's bucket)", q-now, peak-lead-now)
	}
	if acts := p.Plan(peak-lead, &obs, cloneState(st), nil); len(acts) == 0 {
		t.Error("no launch when the window reaches the learned peak: the case does not test the rule")
	}
}
