package live_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/emulate"
	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/live"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/scenario"
	"github.com/scalite/scalite/sim"
)

// TestControllerPlansLikeSimulator: the simulator runs the embedded
// scenario to a busy moment; the same fleet is then built in the emulated
// EC2 and Scalelite (instances, tags, server states, meetings, prices), and
// the live controller's dry run must plan exactly what the simulator's
// engine planned there. Live mode forks no logic.
func TestControllerPlansLikeSimulator(t *testing.T) {
	// Through a Tuesday of lectures, just after classes start (scale-outs
	// between the simulator's own plan ticks) and later in each hour
	// (scale-ins, re-enabled drained servers): all must agree.
	seen := map[engine.ActionKind]int{}
	for off := 31 * time.Hour; off < 44*time.Hour; off += 4*time.Minute + 7*time.Second {
		for _, a := range checkParity(t, off) {
			seen[a.Kind]++
		}
	}
	for h := 31; h < 43; h++ {
		for _, m := range []time.Duration{40 * time.Second, 100 * time.Second, 160 * time.Second, 20 * time.Minute, 37 * time.Minute, 51 * time.Minute} {
			for _, a := range checkParity(t, time.Duration(h)*time.Hour+m) {
				seen[a.Kind]++
			}
		}
	}
	if seen[engine.Launch] == 0 || seen[engine.Cordon] == 0 || seen[engine.Enable] == 0 {
		t.Fatalf("the moments compared lack a kind of action: %v", seen)
	}
	t.Logf("actions compared: %v", seen)
}

func checkParity(t *testing.T, offset time.Duration) []engine.Action {
	cfg := config.Default()
	cfg.Simulation.LaunchFailure = 0
	cfg.Simulation.CapacityInterruptions = "off"
	cat := datasets.DefaultCatalog()
	o, err := scenario.OptionsFrom(&cfg, cat)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := datasets.DefaultPrices()
	o.Prices = h.Series
	p, _ := datasets.Profile("university")
	o.Meetings, _ = datasets.GenerateTrace(p, datasets.TraceGenOptions{Start: datasets.DefaultStart, Days: 7}, datasets.NewTraceRand(1))
	// The load model's webcam fan-out depends on each meeting's size,
	// which the emulated servers below do not reproduce (they split a
	// server's participants evenly): without webcams the demand's load is
	// linear in participants and moderators, so both sides count it alike.
	for i := range o.Meetings {
		o.Meetings[i].VideoStreams = 0
	}
	o.From, o.To, o.Seed = datasets.DefaultStart.Unix(), datasets.DefaultStart.Add(7*24*time.Hour).Unix(), 1
	at := datasets.DefaultStart.Add(offset)
	obs, want, err := sim.PlanAt(o, at.Unix())
	if err != nil {
		t.Fatal(err)
	}

	ec := emulate.NewEC2()
	ec.Clock, ec.RunningAfter, ec.Prices = func() time.Time { return at }, 30*time.Second, o.Prices
	ecSrv := httptest.NewServer(ec)
	defer ecSrv.Close()
	sl := emulate.NewScalelite("lb")
	slSrv := httptest.NewServer(sl)
	defer slSrv.Close()
	ids := map[string]string{} // simulator ID -> emulated instance ID
	for _, s := range obs.Servers {
		kind := "on-demand"
		if s.Spot {
			kind = "spot"
		}
		tags := map[string]string{live.TagFleet: "parity", live.TagKind: kind}
		if s.Tag != "" {
			tags[live.TagServerTag] = s.Tag
		}
		if s.Recordings > 0 {
			tags[live.TagRecordings] = fmt.Sprint(s.Recordings)
		}
		if s.Interruption {
			tags[live.TagInterruption] = time.Unix(s.TerminationAt, 0).UTC().Format(time.RFC3339)
		}
		if s.Rebalance {
			tags[live.TagRebalance] = time.Unix(s.RebalanceAt, 0).UTC().Format(time.RFC3339)
		}
		// What Scalite recorded when it set the server's state.
		if st := map[engine.ServerState]string{engine.Ready: "registered", engine.Enabled: "enabled", engine.Cordoned: "cordoned"}[s.State]; st != "" {
			tags[live.TagState] = st
		}
		if s.MeetingsEnded {
			tags[live.TagMeetingsEnd] = "yes"
		}
		launched := time.Unix(s.LaunchedAt, 0) // the boot timeout reads it
		id := ec.AddInstance(s.Type, s.AZ, s.Spot, launched, tags)
		ids[s.ID] = id
		state := map[engine.ServerState]string{engine.Ready: "disabled", engine.Enabled: "enabled", engine.Cordoned: "cordoned"}[s.State]
		if state == "" {
			continue // pending or booting: not in Scalelite yet
		}
		url := slSrv.URL + "/bbb/" + id + "/bigbluebutton/api"
		sl.Register(url, "bbb", state, s.Tag)
		var ms []emulate.Meeting
		left := s.Participants
		for k := range s.Meetings {
			n := left / (s.Meetings - k)
			left -= n
			// One moderator each, as the university profile's meetings.
			ms = append(ms, emulate.Meeting{MeetingID: fmt.Sprintf("%s-%d", id, k), ParticipantCount: n, ModeratorCount: 1})
		}
		sl.SetMeetings(url, ms)
	}

	client := ec2.New(ec2.Options{Region: "eu-west-1", BaseEndpoint: aws.String(ecSrv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""), HTTPClient: ecSrv.Client()})
	fleet, _ := live.NewFleet(client, "parity", "bbb")
	slc, _ := live.NewScalelite(slSrv.URL, "lb", slSrv.Client())
	planner, _ := engine.New(o.Policy)
	region, _ := cat.Region("eu-west-1")
	ctrl := &live.Controller{
		Fleet: fleet, Scalelite: slc, Planner: planner, State: engine.NewState(2), Load: o.Load,
		Types: func(name string) (model.InstanceType, bool) { t, err := region.Type(name); return t, err == nil },
		BBB:   func(url, secret string) (live.MeetingEnder, error) { return live.NewBBB(url, secret, slSrv.Client()) },
		Prices: func(ctx context.Context, m []model.MarketKey, now time.Time) (map[model.MarketKey]float64, error) {
			return live.CurrentPrices(ctx, client, m, now)
		},
		BBBURL: func(in live.Instance) string { return slSrv.URL + "/bbb/" + in.ID + "/bigbluebutton/api" },
		Clock:  func() time.Time { return at },
	}
	rep, err := ctrl.Reconcile(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	norm := func(a engine.Action, mapID func(string) string) string {
		if a.Kind == engine.Launch {
			return fmt.Sprintf("launch %d %s %s spot=%v max=%.4f tag=%s", a.Count, a.Type, a.AZ, a.Spot, a.MaxPrice, a.Tag)
		}
		return a.Kind.String() + " " + mapID(a.Server)
	}
	var w, g []string
	for _, a := range want {
		w = append(w, norm(a, func(id string) string { return ids[id] }))
	}
	for _, a := range rep.Actions {
		g = append(g, norm(a, func(id string) string { return id }))
	}
	if strings.Join(w, "\n") != strings.Join(g, "\n") || rep.Demand != obs.Participants || rep.Servers != len(obs.Servers) {
		t.Fatalf("at %s with %d servers and %d participants:\nsimulator plans:\n  %s\ncontroller plans (%d servers, %d participants):\n  %s",
			at.Format(time.RFC3339), len(obs.Servers), obs.Participants, strings.Join(w, "\n  "), rep.Servers, rep.Demand, strings.Join(g, "\n  "))
	}
	return want
}
