package engine

import (
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/scalite/scalite/model"
)

func it(name string, users int, od float64, band model.AdvisorBand) model.InstanceType {
	return model.InstanceType{Name: name, VCPU: float64(users) / 25, CapacityUsers: users, OnDemandUSDPerHour: od, Band: band}
}

var (
	c5a = it("c5a.4xlarge", 400, 0.688, model.BandUnder5)
	c6i = it("c6i.4xlarge", 400, 0.7296, model.BandOver20)
	m5  = it("m5.4xlarge", 400, 0.856, model.Band10to15)
)

func testPolicy() model.Policy {
	return model.Policy{
		Region: "eu-west-1", AZs: []string{"eu-west-1a", "eu-west-1b"},
		SpotEnabled: true, SpotTypes: []model.InstanceType{c5a, c6i, m5},
		MaxPrice: map[string]float64{"c5a.4xlarge": 0.688, "c6i.4xlarge": 0.7296, "m5.4xlarge": 0.856},
		Strategy: model.PriceCapacityOptimized, OnDemandType: c5a, OnDemandBase: 1, OnDemandFallback: true,
		Min: 1, Max: 10, Headroom: 0.25, ScaleInCooldown: 900, TerminateAfterIdle: 900, LaunchToRunning: 30, BootTime: 300,
		UnavailableFor: 600, OnRebalance: model.RebalanceCordon, OnInterruption: model.InterruptionCordon,
		EndMeetingsBefore: 30, PreWarmWeeks: 2,
	}
}

// pools in planner order: c5a a/b, c6i a/b, m5 a/b
func pools(prices ...float64) []Pool {
	out := make([]Pool, len(prices))
	for i, p := range prices {
		out[i] = Pool{USDPerHour: p}
	}
	return out
}

var defaultPrices = []float64{0.30, 0.31, 0.25, 0.26, 0.36, 0.37}

func srv(id string, pool int, state ServerState, participants, meetings int) Server {
	s := Server{ID: id, Pool: pool, Spot: pool >= 0, State: state, CapacityUsers: 400, Participants: participants, Meetings: meetings, Type: "c5a.4xlarge", AZ: "eu-west-1a", USDPerHour: 0.3}
	if pool < 0 {
		s.USDPerHour = 0.688
	}
	return s
}

func plan(t *testing.T, pol model.Policy, now int64, obs Observation, st *State) []Action {
	t.Helper()
	p, err := New(pol)
	if err != nil {
		t.Fatal(err)
	}
	if st == nil {
		st = NewState(pol.PreWarmWeeks)
	}
	return p.Plan(now, &obs, st, nil)
}

func summary(acts []Action) string {
	var parts []string
	for _, a := range acts {
		switch a.Kind {
		case Launch:
			kind := "od"
			if a.Spot {
				kind = "spot"
			}
			parts = append(parts, fmt.Sprintf("launch %d %s %s/%s%s", a.Count, kind, a.Type, a.AZ, map[bool]string{true: " tag=" + a.Tag, false: ""}[a.Tag != ""]))
		default:
			parts = append(parts, a.Kind.String()+" "+a.Server)
		}
	}
	return strings.Join(parts, "; ")
}

func TestPlan(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pol    func(*model.Policy)
		obs    Observation
		want   string
		reason string // a substring of the first action's reason
	}{
		{
			name: "empty fleet gets the on-demand base and the minimum",
			obs:  Observation{Pools: pools(defaultPrices...)},
			want: "launch 1 od c5a.4xlarge/eu-west-1a",
		},
		{
			name: "demand with headroom is met with spot from the cheap low-risk tier, spread",
			obs:  Observation{Pools: pools(defaultPrices...), Participants: 1000, Servers: []Server{srv("od", -1, Enabled, 300, 10)}},
			// 1000 x 1.25 = 1250 needs 850 more: three servers. c5a is the best band; m5 is
			// two bands worse and c6i four: only c5a qualifies, spread over both AZs.
			want: "launch 1 spot c5a.4xlarge/eu-west-1a; launch 1 spot c5a.4xlarge/eu-west-1b; launch 1 spot c5a.4xlarge/eu-west-1a",
		},
		{
			name: "lowest-price takes the cheapest pool per user",
			pol:  func(p *model.Policy) { p.Strategy = model.LowestPrice },
			obs:  Observation{Pools: pools(defaultPrices...), Participants: 1000, Servers: []Server{srv("od", -1, Enabled, 300, 10)}},
			want: "launch 3 spot c6i.4xlarge/eu-west-1a",
		},
		{
			name: "capacity-optimized spreads over the best band only",
			pol:  func(p *model.Policy) { p.Strategy = model.CapacityOptimized },
			obs:  Observation{Pools: pools(defaultPrices...), Participants: 1000, Servers: []Server{srv("od", -1, Enabled, 300, 10)}},
			want: "launch 1 spot c5a.4xlarge/eu-west-1a; launch 1 spot c5a.4xlarge/eu-west-1b; launch 1 spot c5a.4xlarge/eu-west-1a",
		},
		{
			name: "unavailable and over-max-price pools are skipped",
			obs: Observation{Pools: []Pool{{USDPerHour: 0.30, UnavailableUntil: 2000}, {USDPerHour: 0.9}, {USDPerHour: 0.25}, {USDPerHour: 0.26}, {USDPerHour: 0.36}, {USDPerHour: 0.37}},
				Participants: 600, Servers: []Server{srv("od", -1, Enabled, 300, 10)}},
			// c5a is out: a is unavailable, b above its max price; m5 is now the best band.
			want: "launch 1 spot m5.4xlarge/eu-west-1a",
		},
		{
			name: "no spot pool left: on-demand fallback",
			obs:  Observation{Pools: []Pool{{}, {}, {}, {}, {}, {}}, Participants: 600, Servers: []Server{srv("od", -1, Enabled, 300, 10)}},
			want: "launch 1 od c5a.4xlarge/eu-west-1b",
		},
		{
			name: "no spot pool and no fallback: nothing",
			pol:  func(p *model.Policy) { p.OnDemandFallback = false },
			obs:  Observation{Pools: []Pool{{}, {}, {}, {}, {}, {}}, Participants: 600, Servers: []Server{srv("od", -1, Enabled, 300, 10)}},
			want: "",
		},
		{
			name: "fleet.max caps launches",
			pol:  func(p *model.Policy) { p.Max = 2 },
			obs:  Observation{Pools: pools(defaultPrices...), Participants: 3000, Servers: []Server{srv("od", -1, Enabled, 300, 10)}},
			want: "launch 1 spot c5a.4xlarge/eu-west-1a",
		},
		{
			name: "the spend cap caps launches",
			pol:  func(p *model.Policy) { p.MaxHourlyUSD = 1.5 },
			obs:  Observation{Pools: pools(defaultPrices...), Participants: 3000, Servers: []Server{srv("od", -1, Enabled, 300, 10)}},
			// 0.688 now; 0.30 + 0.31 more stays under 1.5, a third would not.
			want: "launch 1 spot c5a.4xlarge/eu-west-1a; launch 1 spot c5a.4xlarge/eu-west-1b",
		},
		{
			name:   "interruption notice: cordon and replace",
			obs:    Observation{Pools: pools(defaultPrices...), Participants: 450, Servers: []Server{srv("od", -1, Enabled, 0, 0), {ID: "s1", Pool: 0, Spot: true, State: Enabled, CapacityUsers: 400, Participants: 300, Meetings: 5, Interruption: true, TerminationAt: 1120}}},
			want:   "cordon s1; launch 1 spot c5a.4xlarge/eu-west-1b",
			reason: "interruption notice",
		},
		{
			name: "end-meetings waits until shortly before termination",
			pol:  func(p *model.Policy) { p.OnInterruption = model.InterruptionEndMeetings },
			obs:  Observation{Pools: pools(defaultPrices...), Servers: []Server{srv("od", -1, Enabled, 0, 0), {ID: "s1", Pool: 0, Spot: true, State: Cordoned, CapacityUsers: 400, Participants: 30, Meetings: 2, Interruption: true, TerminationAt: 1100}}},
			want: "",
		},
		{
			name: "end-meetings 30 s before termination",
			pol:  func(p *model.Policy) { p.OnInterruption = model.InterruptionEndMeetings },
			obs:  Observation{Pools: pools(defaultPrices...), Servers: []Server{srv("od", -1, Enabled, 0, 0), {ID: "s1", Pool: 0, Spot: true, State: Cordoned, CapacityUsers: 400, Participants: 30, Meetings: 2, Interruption: true, TerminationAt: 1030}}},
			want: "end-meetings s1",
		},
		{
			name: "rebalance with cordon: cordon and replace",
			obs:  Observation{Pools: pools(defaultPrices...), Participants: 450, Servers: []Server{srv("od", -1, Enabled, 0, 0), {ID: "s1", Pool: 0, Spot: true, State: Enabled, CapacityUsers: 400, Participants: 300, Meetings: 5, Rebalance: true}}},
			want: "cordon s1; launch 1 spot c5a.4xlarge/eu-west-1b",
		},
		{
			name: "rebalance with replace: launch only",
			pol:  func(p *model.Policy) { p.OnRebalance = model.RebalanceReplace },
			obs:  Observation{Pools: pools(defaultPrices...), Participants: 450, Servers: []Server{srv("od", -1, Enabled, 0, 0), {ID: "s1", Pool: 0, Spot: true, State: Enabled, CapacityUsers: 400, Participants: 300, Meetings: 5, Rebalance: true}}},
			want: "launch 1 spot c5a.4xlarge/eu-west-1b",
		},
		{
			name: "rebalance ignored",
			pol:  func(p *model.Policy) { p.OnRebalance = model.RebalanceIgnore },
			obs:  Observation{Pools: pools(defaultPrices...), Participants: 450, Servers: []Server{srv("od", -1, Enabled, 0, 0), {ID: "s1", Pool: 0, Spot: true, State: Enabled, CapacityUsers: 400, Participants: 300, Meetings: 5, Rebalance: true}}},
			want: "",
		},
		{
			name: "a ready server is enabled",
			obs:  Observation{Pools: pools(defaultPrices...), Servers: []Server{srv("od", -1, Ready, 0, 0)}},
			want: "enable od",
		},
		{
			name: "a drained server comes back before anything is launched",
			obs:  Observation{Pools: pools(defaultPrices...), Participants: 500, Servers: []Server{srv("od", -1, Enabled, 300, 3), srv("s1", 0, Cordoned, 200, 2)}},
			want: "enable s1",
		},
		{
			name: "scale in cordons the emptiest spot server, keeping the base",
			obs:  Observation{Pools: pools(defaultPrices...), Participants: 100, Servers: []Server{srv("od", -1, Enabled, 60, 3), srv("s1", 0, Enabled, 30, 1), srv("s2", 1, Enabled, 10, 1)}},
			want: "cordon s2; cordon s1",
		},
		{
			name: "large meetings get tagged on-demand servers, which hold the base",
			pol:  func(p *model.Policy) { p.LargeMeeting = 50 },
			obs:  Observation{Pools: pools(defaultPrices...), Participants: 700, LargeParticipants: 400},
			want: "launch 1 od c5a.4xlarge/eu-west-1a tag=ondemand; launch 1 od c5a.4xlarge/eu-west-1b tag=ondemand; launch 1 spot c5a.4xlarge/eu-west-1a",
		},
		{
			name: "spot disabled: on-demand only",
			pol:  func(p *model.Policy) { p.SpotEnabled = false; p.OnDemandBase = 0 },
			obs:  Observation{Pools: pools(defaultPrices...), Participants: 700},
			want: "launch 1 od c5a.4xlarge/eu-west-1a; launch 1 od c5a.4xlarge/eu-west-1b; launch 1 od c5a.4xlarge/eu-west-1a",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pol := testPolicy()
			if tc.pol != nil {
				tc.pol(&pol)
			}
			acts := plan(t, pol, 1000, tc.obs, nil)
			if got := summary(acts); got != tc.want {
				t.Fatalf("actions:\n got  %s\n want %s\n%v", got, tc.want, acts)
			}
			if tc.reason != "" && !strings.Contains(acts[0].Reason, tc.reason) {
				t.Errorf("reason %q lacks %q", acts[0].Reason, tc.reason)
			}
		})
	}
}

func TestRetireAfterCooldown(t *testing.T) {
	pol := testPolicy()
	p, _ := New(pol)
	st := NewState(2)
	obs := Observation{Pools: pools(defaultPrices...), Servers: []Server{srv("od", -1, Enabled, 0, 0), srv("s1", 0, Cordoned, 0, 0)}}
	for _, tc := range []struct {
		now  int64
		want string
	}{{1000, ""}, {1000 + 899, ""}, {1000 + 900, "terminate s1"}} {
		if got := summary(p.Plan(tc.now, &obs, st, nil)); got != tc.want {
			t.Fatalf("at %d: %q, want %q", tc.now, got, tc.want)
		}
	}
	// A recording still processing holds the server; so does a meeting.
	for _, s := range []Server{{ID: "r", Pool: 0, Spot: true, State: Cordoned, CapacityUsers: 400, Recordings: 1}, {ID: "m", Pool: 0, Spot: true, State: Cordoned, CapacityUsers: 400, Meetings: 1}} {
		obs := Observation{Pools: pools(defaultPrices...), Servers: []Server{srv("od", -1, Enabled, 0, 0), s}}
		st := NewState(2)
		for now := int64(0); now < 10000; now += 60 {
			for _, a := range p.Plan(now, &obs, st, nil) {
				if a.Kind == Terminate {
					t.Fatalf("terminated %s with meetings or recordings", a.Server)
				}
			}
		}
	}
}

func TestPreWarm(t *testing.T) {
	pol := testPolicy()
	pol.PreWarm, pol.PreWarmLead = true, 900
	p, _ := New(pol)
	st := NewState(2)
	// Last Monday 10:00-11:00 had 2,000 participants.
	monday := int64(mondayEpoch + 2900*weekSeconds)
	base := []Server{srv("od", -1, Enabled, 0, 0)}
	for t0 := monday + 10*3600; t0 < monday+11*3600; t0 += 60 {
		st.Profile.Learn(t0, 2000)
	}
	obs := Observation{Pools: pools(defaultPrices...), Servers: base}
	// This Monday at 09:40 nobody is on yet, but the lead (15 min + launch
	// + boot) reaches 10:00: capacity for 2,000 x 1.25 is launched now.
	acts := p.Plan(monday+weekSeconds+9*3600+40*60, &obs, st, nil)
	n := 0
	for _, a := range acts {
		if a.Kind == Launch {
			n += a.Count
		}
	}
	if n != 6 { // 2500 needed, 400 have: 6 more servers of 400
		t.Fatalf("pre-warm launched %d servers, want 6: %v", n, acts)
	}
	// At 08:00 the peak is beyond the lead: nothing.
	if acts := p.Plan(monday+weekSeconds+8*3600, &obs, st, nil); len(acts) != 0 {
		t.Fatalf("pre-warmed too early: %v", acts)
	}
}

// TestNeverTerminatesBusyServers: whatever the fleet looks like, the engine
// terminates no server with meetings, participants or recordings, and none
// under an interruption notice (AWS does that).
func TestNeverTerminatesBusyServers(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pol := testPolicy()
		pol.ScaleInCooldown = rapid.Int64Range(0, 100).Draw(t, "cooldown")
		pol.Min = rapid.IntRange(0, 3).Draw(t, "min")
		p, _ := New(pol)
		st := NewState(2)
		n := rapid.IntRange(0, 12).Draw(t, "servers")
		obs := Observation{Pools: pools(defaultPrices...), Participants: rapid.IntRange(0, 3000).Draw(t, "demand")}
		for i := range n {
			s := srv(fmt.Sprintf("s%d", i), rapid.IntRange(-1, 5).Draw(t, "pool"), ServerState(rapid.IntRange(0, 4).Draw(t, "state")), 0, 0)
			s.Meetings = rapid.IntRange(0, 2).Draw(t, "meetings")
			if s.Meetings > 0 {
				s.Participants = rapid.IntRange(1, 400).Draw(t, "participants")
			}
			s.Recordings = rapid.IntRange(0, 1).Draw(t, "recordings")
			s.Interruption = rapid.Bool().Draw(t, "interrupted")
			obs.Servers = append(obs.Servers, s)
		}
		busy := map[string]bool{}
		for _, s := range obs.Servers {
			busy[s.ID] = s.Meetings > 0 || s.Participants > 0 || s.Recordings > 0 || s.Interruption
		}
		for now := int64(0); now < 1000; now += rapid.Int64Range(1, 200).Draw(t, "step") {
			for _, a := range p.Plan(now, &obs, st, nil) {
				if a.Kind == Terminate && busy[a.Server] {
					t.Fatalf("terminated busy server %s", a.Server)
				}
				if a.Kind == Launch && a.Count < 1 {
					t.Fatalf("launch of %d", a.Count)
				}
			}
		}
	})
}

func TestWeeklyProfileWindow(t *testing.T) {
	p := NewWeeklyProfile(2)
	w0 := int64(mondayEpoch + 100*weekSeconds)
	p.Learn(w0+3600, 50)               // week 100
	p.Learn(w0+weekSeconds+3600, 80)   // week 101
	p.Learn(w0+2*weekSeconds+3600, 20) // week 102 replaces week 100
	if got := p.Predict(w0+3*weekSeconds+3600, w0+3*weekSeconds+3600); got != 80 {
		t.Fatalf("predict = %d, want 80 (weeks 101 and 102 remembered)", got)
	}
	if got := p.Predict(w0+3*weekSeconds+7200, w0+3*weekSeconds+7200); got != 0 {
		t.Fatalf("predict in an empty bucket = %d", got)
	}
}
