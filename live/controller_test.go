package live_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/emulate"
	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/live"
	"github.com/scalite/scalite/model"
)

// rehearsal is a fleet on the emulated EC2 and Scalelite (emulate/, which
// follows Scalelite's source and EC2's documented behaviour), on a fake
// clock. The Scalelite poller runs when the clock advances, as `rake poll`
// runs every minute.
type rehearsal struct {
	t       *testing.T
	mu      sync.Mutex
	now     time.Time
	ec2     *emulate.EC2
	sl      *emulate.Scalelite
	slURL   string
	client  *ec2.Client
	slc     *live.Scalelite
	policy  model.Policy
	journal string
	// neverBoots lists instances whose BBB never comes up.
	neverBoots map[string]bool
	// bbbHook, when set, runs after each getMeetings the controller makes.
	bbbHook func(apiURL string)
	// cutOff lists BBB servers the controller cannot reach while
	// Scalelite still can (a partition between them): the controller's
	// reads answer 502 as a proxy in front of them would.
	cutOff map[string]bool
}

const (
	fleetName  = "rehearsal"
	fleetBBB   = "fleet-bbb-secret"
	lbSecretRH = "lb-secret"
)

func (r *rehearsal) clock() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now
}

// advance moves the clock by d in one-minute steps, polling as Scalelite does.
func (r *rehearsal) advance(d time.Duration) {
	for d > 0 {
		step := min(d, time.Minute)
		r.mu.Lock()
		r.now = r.now.Add(step)
		r.mu.Unlock()
		r.sl.Poll()
		d -= step
	}
}

func (r *rehearsal) bbbURL(id string) string { return r.slURL + "/bbb/" + id + "/bigbluebutton/api" }

func newRehearsal(t *testing.T) *rehearsal {
	r := &rehearsal{t: t, now: datasets.DefaultStart.Add(9 * time.Hour), neverBoots: map[string]bool{}, cutOff: map[string]bool{},
		journal: filepath.Join(t.TempDir(), "launches.json")}
	h, err := datasets.DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	r.ec2 = emulate.NewEC2()
	r.ec2.Clock, r.ec2.RunningAfter, r.ec2.Prices = r.clock, 30*time.Second, h.Series
	r.ec2.ShuttingDownFor = 30 * time.Second
	ec2srv := httptest.NewServer(r.ec2)
	t.Cleanup(ec2srv.Close)
	r.client = ec2.New(ec2.Options{Region: "eu-west-1", BaseEndpoint: aws.String(ec2srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""), HTTPClient: ec2srv.Client()})
	r.sl = emulate.NewScalelite(lbSecretRH)
	r.sl.Clock = r.clock
	r.sl.BBBSecret = fleetBBB
	// BBB answers once the instance has run for the boot time (5 min).
	r.sl.BBBReady = func(id string) bool {
		if r.neverBoots[id] {
			return false
		}
		if r.ec2.State(id) == "" {
			return true // not an instance: a server an operator runs
		}
		since, ok := r.ec2.RunningSince(id)
		return ok && !r.clock().Before(since.Add(5*time.Minute))
	}
	slsrv := httptest.NewServer(r.sl)
	t.Cleanup(slsrv.Close)
	r.slURL = slsrv.URL
	r.slc, _ = live.NewScalelite(slsrv.URL, lbSecretRH, slsrv.Client())
	r.policy = defaultPolicy(t)
	return r
}

// hookedBBB runs the rehearsal's hook after each meeting read.
type hookedBBB struct {
	live.MeetingEnder
	url string
	r   *rehearsal
}

func (h hookedBBB) Meetings(ctx context.Context) ([]live.BBBMeeting, error) {
	if h.r.cutOff[h.url] {
		return nil, &live.APIError{API: "BBB", Call: "getMeetings", Status: http.StatusBadGateway, Message: "bad gateway"}
	}
	ms, err := h.MeetingEnder.Meetings(ctx)
	if h.r.bbbHook != nil {
		h.r.bbbHook(h.url)
	}
	return ms, err
}

// controller is a freshly started controller: a restart is a new one,
// with the same launch journal file.
func (r *rehearsal) controller(apply bool) *live.Controller {
	fleet, _ := live.NewFleet(r.client, fleetName, "bbb")
	planner, err := engine.New(r.policy)
	if err != nil {
		r.t.Fatal(err)
	}
	journal, err := live.OpenLaunchJournal(r.journal, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	region, _ := datasets.DefaultCatalog().Region("eu-west-1")
	bbbClient := live.NewHTTPClient(2 * time.Second)
	return &live.Controller{
		Fleet: fleet, Scalelite: r.slc, Planner: planner, State: engine.NewState(2), Journal: journal,
		Types: func(name string) (model.InstanceType, bool) { t, err := region.Type(name); return t, err == nil },
		BBB: func(url, secret string) (live.MeetingEnder, error) {
			b, err := live.NewBBB(url, secret, bbbClient)
			if err == nil {
				b.SetRetry(2, 5*time.Millisecond) // fake time: no real waits
			}
			return hookedBBB{b, url, r}, err
		},
		Prices: func(ctx context.Context, m []model.MarketKey, now time.Time) (map[model.MarketKey]float64, error) {
			return live.CurrentPrices(ctx, r.client, m, now)
		},
		BBBURL:    func(in live.Instance) string { return r.bbbURL(in.ID) },
		BBBSecret: fleetBBB, Apply: apply, Clock: r.clock, BBBTimeout: time.Second,
		Metrics: live.NewMetrics(prometheus.NewRegistry()),
	}
}

// reconcile runs one reconcile and checks the rules that hold at every
// one: no server that had meetings is terminated by the controller, and no
// server Scalite does not own is touched.
func (r *rehearsal) reconcile(c *live.Controller) *live.Report {
	r.t.Helper()
	busy := map[string]bool{}
	for _, id := range r.ec2.Live() {
		if len(r.sl.Meetings(r.bbbURL(id))) > 0 {
			busy[id] = true
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := c.Reconcile(ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, n := range rep.Notes {
		for id := range busy {
			if n == "terminated "+id {
				r.t.Fatalf("terminated %s, which had meetings", id)
			}
		}
	}
	return rep
}

// instances lists the fleet as the controller sees it.
func (r *rehearsal) instances() []live.Instance {
	fleet, _ := live.NewFleet(r.client, fleetName, "bbb")
	insts, err := fleet.Instances(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	return insts
}

// spotServer is one of the fleet's spot instances (the test fails
// without one).
func (r *rehearsal) spotServer() string {
	r.t.Helper()
	for _, in := range r.instances() {
		if in.Spot {
			return in.ID
		}
	}
	r.t.Fatal("no spot server in the fleet")
	return ""
}

// enabledServers lists the fleet's instances whose servers Scalelite has
// enabled.
func (r *rehearsal) enabledServers() []string {
	var out []string
	for _, id := range r.ec2.Live() {
		if r.sl.State(r.bbbURL(id)) == "enabled" {
			out = append(out, id)
		}
	}
	return out
}

// settle reconciles every minute for d.
func (r *rehearsal) settle(c *live.Controller, d time.Duration) []*live.Report {
	var reps []*live.Report
	for end := r.clock().Add(d); r.clock().Before(end); {
		reps = append(reps, r.reconcile(c))
		r.advance(time.Minute)
	}
	return reps
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

func meetings(prefix string, sizes ...int) []emulate.Meeting {
	var out []emulate.Meeting
	for i, n := range sizes {
		id := prefix + "-" + string(rune('a'+i))
		out = append(out, emulate.Meeting{MeetingID: id, InternalMeetingID: id, MeetingName: id, Running: true, ParticipantCount: n, ModeratorCount: 1})
	}
	return out
}

func notesContain(rep *live.Report, s string) bool {
	for _, n := range rep.Notes {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}
