package live_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/emulate"
	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/live"
	"github.com/scalite/scalite/model"
)

// rehearsal is a fleet on the emulated EC2 and Scalelite, on a fake clock.
type rehearsal struct {
	t      *testing.T
	mu     sync.Mutex
	now    time.Time
	ec2    *emulate.EC2
	sl     *emulate.Scalelite
	slURL  string
	client *ec2.Client
	slc    *live.Scalelite
	policy model.Policy
}

func (r *rehearsal) clock() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now
}

func (r *rehearsal) advance(d time.Duration) {
	r.mu.Lock()
	r.now = r.now.Add(d)
	r.mu.Unlock()
}

func (r *rehearsal) bbbURL(id string) string { return r.slURL + "/bbb/" + id + "/bigbluebutton/api" }

func newRehearsal(t *testing.T) *rehearsal {
	r := &rehearsal{t: t, now: datasets.DefaultStart.Add(9 * time.Hour)}
	h, err := datasets.DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	r.ec2 = emulate.NewEC2()
	r.ec2.Clock, r.ec2.RunningAfter, r.ec2.Prices = r.clock, 30*time.Second, h.Series
	ec2srv := httptest.NewServer(r.ec2)
	t.Cleanup(ec2srv.Close)
	r.client = ec2.New(ec2.Options{Region: "eu-west-1", BaseEndpoint: aws.String(ec2srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""), HTTPClient: ec2srv.Client()})
	r.sl = emulate.NewScalelite("lb-secret")
	r.sl.BBBSecret = "fleet-bbb-secret"
	// BBB answers once the instance has run for the boot time (5 min).
	r.sl.BBBReady = func(id string) bool {
		since, ok := r.ec2.RunningSince(id)
		return ok && !r.clock().Before(since.Add(5*time.Minute))
	}
	slsrv := httptest.NewServer(r.sl)
	t.Cleanup(slsrv.Close)
	r.slURL = slsrv.URL
	r.slc, _ = live.NewScalelite(slsrv.URL, "lb-secret", slsrv.Client())
	cfg := config.Default()
	cfg.Placement.LargeMeeting = 0
	r.policy, err = cfg.Policy(datasets.DefaultCatalog())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// controller is a freshly started controller: a restart is a new one.
func (r *rehearsal) controller(apply bool) *live.Controller {
	fleet, _ := live.NewFleet(r.client, "rehearsal", "bbb")
	planner, err := engine.New(r.policy)
	if err != nil {
		r.t.Fatal(err)
	}
	return &live.Controller{
		Fleet: fleet, Scalelite: r.slc, Planner: planner, State: engine.NewState(2),
		BBB: func(url, secret string) (live.MeetingEnder, error) { return live.NewBBB(url, secret, nil) },
		Prices: func(ctx context.Context, m []model.MarketKey, now time.Time) (map[model.MarketKey]float64, error) {
			return live.CurrentPrices(ctx, r.client, m, now)
		},
		BBBURL:    func(in live.Instance) string { return r.bbbURL(in.ID) },
		BBBSecret: "fleet-bbb-secret", Apply: apply, Clock: r.clock,
		Metrics: live.NewMetrics(prometheus.NewRegistry()),
	}
}

func (r *rehearsal) reconcile(c *live.Controller) *live.Report {
	r.t.Helper()
	// Servers with meetings before the reconcile must not be terminated by it.
	busy := map[string]bool{}
	for _, id := range r.ec2.Live() {
		if len(r.sl.Meetings(r.bbbURL(id))) > 0 {
			busy[id] = true
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rep, err := c.Reconcile(ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	for id := range busy {
		if r.ec2.State(id) == "terminated" {
			for _, n := range rep.Notes {
				if strings.Contains(n, "terminated "+id) {
					r.t.Fatalf("scale-in terminated %s, which had meetings", id)
				}
			}
		}
	}
	return rep
}

func kinds(acts []engine.Action) map[engine.ActionKind]int {
	m := map[engine.ActionKind]int{}
	for _, a := range acts {
		n := 1
		if a.Kind == engine.Launch {
			n = a.Count
		}
		m[a.Kind] += n
	}
	return m
}

func TestControllerRehearsal(t *testing.T) {
	r := newRehearsal(t)

	// Dry run: a plan, nothing done.
	rep := r.reconcile(r.controller(false))
	if kinds(rep.Actions)[engine.Launch] == 0 || len(r.ec2.Live()) != 0 {
		t.Fatalf("dry run: %v, %d instances", rep.Actions, len(r.ec2.Live()))
	}

	// Apply: the on-demand base and the minimum are launched, tagged.
	c := r.controller(true)
	r.reconcile(c)
	first := r.ec2.Live()
	if len(first) == 0 {
		t.Fatal("nothing launched")
	}
	// Boot: registered in Scalelite (disabled), then enabled by the engine.
	r.advance(6 * time.Minute)
	r.reconcile(c)
	r.reconcile(c)
	enabled := ""
	for _, id := range first {
		if r.sl.State(r.bbbURL(id)) == "enabled" {
			enabled = id
		}
	}
	if enabled == "" {
		t.Fatalf("no server enabled after boot: %v", first)
	}

	// Demand arrives: 700 participants on the enabled server.
	r.sl.SetMeetings(r.bbbURL(enabled), []live.BBBMeeting{{MeetingID: "lecture-a", ParticipantCount: 400}, {MeetingID: "lecture-b", ParticipantCount: 300}})
	// EC2 is slow to show new instances; the controller restarts mid-reconcile
	// and plans again from the same observation: the client tokens match, so
	// nothing is launched twice.
	r.ec2.DescribeLag = time.Minute
	before := r.ec2.Launched()
	rep = r.reconcile(c)
	launched := r.ec2.Launched() - before
	if launched == 0 {
		t.Fatalf("no scale-out for 700 participants: %v", rep.Actions)
	}
	r.reconcile(r.controller(true)) // the restarted controller
	if r.ec2.Launched()-before != launched {
		t.Fatalf("a restarted controller launched %d more instances", r.ec2.Launched()-before-launched)
	}
	r.ec2.DescribeLag = 0

	// An interruption notice on a spot server with meetings (the agent's tag):
	// cordoned and replaced, never terminated by us; AWS terminates it.
	r.advance(6 * time.Minute)
	r.reconcile(c)
	var spot string
	fleet, _ := live.NewFleet(r.client, "rehearsal", "bbb")
	insts, _ := fleet.Instances(context.Background())
	for _, in := range insts {
		if in.Spot && r.sl.State(r.bbbURL(in.ID)) == "enabled" {
			spot = in.ID
		}
	}
	if spot == "" {
		t.Fatalf("no enabled spot server: %+v", insts)
	}
	r.sl.SetMeetings(r.bbbURL(spot), []live.BBBMeeting{{MeetingID: "seminar", ParticipantCount: 250}})
	fleet.Tag(context.Background(), spot, live.TagNotice, "interruption@"+r.clock().Add(2*time.Minute).UTC().Format(time.RFC3339))
	before = r.ec2.Launched()
	rep = r.reconcile(c)
	if r.sl.State(r.bbbURL(spot)) != "cordoned" || r.ec2.Launched() == before {
		t.Fatalf("interruption: state %s, launched %d: %v", r.sl.State(r.bbbURL(spot)), r.ec2.Launched()-before, rep.Actions)
	}
	if r.ec2.State(spot) == "terminated" {
		t.Fatal("the controller terminated a server AWS is reclaiming, with its meetings")
	}
	if n := testutil.ToFloat64(c.Metrics.Interruptions); n != 1 {
		t.Errorf("scalite_interruption_notices_total = %v, want 1", n)
	}
	if n := testutil.ToFloat64(c.Metrics.Actions.WithLabelValues("cordon", "true")); n < 1 {
		t.Errorf("scalite_actions_total{kind=cordon,applied=true} = %v", n)
	}
	r.ec2.Interrupt(spot)

	// Demand leaves: servers are cordoned, then terminated once empty after
	// the cooldown; the base stays.
	for _, id := range r.ec2.Live() {
		r.sl.SetMeetings(r.bbbURL(id), nil)
	}
	for range 6 {
		r.advance(10 * time.Minute)
		rep := r.reconcile(c)
		for _, a := range rep.Actions {
			t.Logf("%s: %s", r.clock().Format("15:04"), a)
		}
		for _, n := range rep.Notes {
			t.Logf("%s: note %s", r.clock().Format("15:04"), n)
		}
	}
	if n := len(r.ec2.Live()); n < 1 || n > 2 {
		t.Fatalf("%d servers left after demand left, want the minimum", n)
	}

	// Scalelite unreachable: the controller halts instead of scaling in blind.
	r.sl.Allowed = []string{"none"}
	ctx := context.Background()
	if _, err := c.Reconcile(ctx); err == nil || !strings.Contains(err.Error(), "halted") {
		t.Fatalf("with Scalelite refusing: %v", err)
	}
	if testutil.ToFloat64(c.Metrics.Halted) != 1 || testutil.ToFloat64(c.Metrics.Errors.WithLabelValues("scalelite")) < 1 {
		t.Error("the halt is not visible in the metrics")
	}
	if !c.Healthy(time.Hour) {
		t.Error("healthz: the earlier reconciles succeeded within the hour")
	}
}

// TestNoCapacityFallsBackAtOnce: when the pool the engine picked has no
// capacity, the same reconcile plans again and launches elsewhere, as the
// simulator does, instead of waiting a reconcile.
func TestNoCapacityFallsBackAtOnce(t *testing.T) {
	r := newRehearsal(t)
	r.policy.Min = 3 // two spot servers beside the on-demand base
	c := r.controller(false)
	rep := r.reconcile(c) // dry run: which spot pool would it pick first?
	var spot engine.Action
	for _, a := range rep.Actions {
		if a.Kind == engine.Launch && a.Spot && spot.Type == "" {
			spot = a
		}
	}
	if spot.Type == "" {
		t.Fatalf("no spot launch planned: %v", rep.Actions)
	}
	r.ec2.RefuseCapacity(model.MarketKey{InstanceType: spot.Type, AZ: spot.AZ}, -1)
	c = r.controller(true)
	rep = r.reconcile(c)
	fleet, _ := live.NewFleet(r.client, "rehearsal", "bbb")
	insts, _ := fleet.Instances(context.Background())
	spots := 0
	for _, in := range insts {
		if in.Spot {
			spots++
			if in.Type == spot.Type && in.AZ == spot.AZ {
				t.Fatalf("launched into the refused pool: %+v", in)
			}
		}
	}
	if spots != 2 || len(insts) != 3 {
		t.Fatalf("%d servers (%d spot) after one reconcile with a refused pool; actions %v, notes %v", len(insts), spots, rep.Actions, rep.Notes)
	}
}
