package engine

import (
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/scalite/scalite/model"
)

func drainPolicy(onRebalance model.RebalanceAction, onInterruption model.InterruptionAction) *model.Policy {
	p := testPolicy()
	p.OnRebalance, p.OnInterruption = onRebalance, onInterruption
	return &p
}

var interruption = Notice{Kind: InterruptionNotice, At: 1000, TerminationAt: 1120}

func TestInterruptionAlwaysCordonsReportsAndSavesRecordings(t *testing.T) {
	for _, on := range []model.InterruptionAction{model.InterruptionCordon, model.InterruptionEndMeetings} {
		r := ReactToNotice(drainPolicy(model.RebalanceIgnore, on), interruption)
		if !r.Cordon || !r.Report || !r.SaveRecordings || !r.GoingAway {
			t.Errorf("on_interruption %s: %+v, want cordon, report, save recordings, going away", on, r)
		}
	}
}

func TestInterruptionDeadlineIsTheTerminationTime(t *testing.T) {
	r := ReactToNotice(drainPolicy(model.RebalanceCordon, model.InterruptionEndMeetings), interruption)
	if r.Deadline != interruption.TerminationAt {
		t.Fatalf("deadline %d, want the termination time %d", r.Deadline, interruption.TerminationAt)
	}
}

func TestInterruptionEndsMeetingsEndMeetingsBeforeTermination(t *testing.T) {
	pol := drainPolicy(model.RebalanceCordon, model.InterruptionEndMeetings)
	pol.EndMeetingsBefore = 45
	r := ReactToNotice(pol, interruption)
	if !r.EndMeetings || r.EndMeetingsAt != interruption.TerminationAt-45 {
		t.Fatalf("%+v: want meetings ended at %d", r, interruption.TerminationAt-45)
	}
}

func TestInterruptionWithCordonPolicyKeepsMeetings(t *testing.T) {
	if r := ReactToNotice(drainPolicy(model.RebalanceCordon, model.InterruptionCordon), interruption); r.EndMeetings {
		t.Fatalf("%+v: on_interruption cordon must not end meetings", r)
	}
}

func TestRebalanceFollowsOnRebalance(t *testing.T) {
	reb := Notice{Kind: RebalanceRecommendation, At: 1000}
	for _, c := range []struct {
		on                      model.RebalanceAction
		cordon, goingAway, ends bool
	}{
		{model.RebalanceCordon, true, true, false},
		{model.RebalanceReplace, false, true, false},
		{model.RebalanceIgnore, false, false, false},
	} {
		r := ReactToNotice(drainPolicy(c.on, model.InterruptionEndMeetings), reb)
		if r.Cordon != c.cordon || r.GoingAway != c.goingAway || r.EndMeetings != c.ends || r.SaveRecordings || !r.Report || r.Deadline != 0 {
			t.Errorf("on_rebalance %s: %+v", c.on, r)
		}
	}
}

func TestInterruptionWinsOverRebalance(t *testing.T) {
	pol := drainPolicy(model.RebalanceIgnore, model.InterruptionEndMeetings)
	// The rebalance recommendation came after the interruption notice; with
	// on_rebalance: ignore it must not take the server back into the count.
	s := Server{ID: "s1", Spot: true, State: Enabled, Interruption: true, TerminationAt: 1120, Rebalance: true, RebalanceAt: 1010}
	r, ok := ReactToServer(pol, &s)
	if !ok || !r.GoingAway || !r.Cordon || !r.EndMeetings || r.Deadline != 1120 {
		t.Fatalf("%+v: want the interruption's reaction", r)
	}
	acts := plan(t, *pol, 1010, Observation{Pools: pools(defaultPrices...), Servers: []Server{srv("od", -1, Enabled, 0, 0), s}}, nil)
	if len(acts) == 0 || acts[0].Kind != Cordon || acts[0].Server != "s1" {
		t.Fatalf("plan %s: want s1 cordoned for its interruption", summary(acts))
	}
}

// TestPlanFollowsReactToNotice: whatever the drain policy and the notices,
// Plan cordons and ends meetings exactly when ReactToServer says so: the
// simulator, the controller and the agent decide alike.
func TestPlanFollowsReactToNotice(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pol := testPolicy()
		pol.OnRebalance = rapid.SampledFrom([]model.RebalanceAction{model.RebalanceCordon, model.RebalanceReplace, model.RebalanceIgnore}).Draw(t, "on_rebalance")
		pol.OnInterruption = rapid.SampledFrom([]model.InterruptionAction{model.InterruptionCordon, model.InterruptionEndMeetings}).Draw(t, "on_interruption")
		pol.EndMeetingsBefore = rapid.Int64Range(0, 120).Draw(t, "before")
		now := int64(1000)
		s := srv("s1", 0, rapid.SampledFrom([]ServerState{Enabled, Cordoned}).Draw(t, "state"), 30, rapid.IntRange(0, 3).Draw(t, "meetings"))
		s.Interruption = rapid.Bool().Draw(t, "interruption")
		s.Rebalance = rapid.Bool().Draw(t, "rebalance")
		s.TerminationAt = now + rapid.Int64Range(0, 120).Draw(t, "left")
		obs := Observation{Pools: pools(defaultPrices...), Participants: 30, Servers: []Server{srv("od", -1, Enabled, 0, 0), s}}
		p, err := New(pol)
		if err != nil {
			t.Fatal(err)
		}
		acts := p.Plan(now, &obs, NewState(pol.PreWarmWeeks), nil)
		// Scale-in may cordon s1 too; a notice's cordon says why.
		var cordoned, ended bool
		for _, a := range acts {
			if a.Server == "s1" {
				cordoned = cordoned || a.Kind == Cordon && (strings.Contains(a.Reason, "notice") || strings.Contains(a.Reason, "recommendation"))
				ended = ended || a.Kind == EndMeetings
			}
		}
		r, _ := ReactToServer(&pol, &s)
		if want := r.Cordon && s.State != Cordoned; cordoned != want {
			t.Fatalf("cordon %v, reaction %+v on %+v", cordoned, r, s)
		}
		if want := r.EndMeetings && s.Meetings > 0 && now >= r.EndMeetingsAt; ended != want {
			t.Fatalf("end meetings %v, reaction %+v on %+v", ended, r, s)
		}
	})
}
