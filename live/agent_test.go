package live_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/scalite/scalite/emulate"
	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/internal/mototest"
	"github.com/scalite/scalite/live"
	"github.com/scalite/scalite/model"
)

type memTagger struct {
	mu   sync.Mutex
	tags map[string]string
}

func (m *memTagger) Tag(_ context.Context, id, k, v string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tags[id+"/"+k] = v
	return nil
}

func (m *memTagger) get(k string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for key, v := range m.tags {
		if strings.HasSuffix(key, "/"+k) {
			return v
		}
	}
	return ""
}

// fakeClock is advanced by the test; the agent reads it only between
// polls, so what it sees is deterministic.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// memMetadata is an in-memory IMDS for the scheduling tests, which poll
// thousands of times; the wire behaviour is tested against imdsDouble and
// ec2-metadata-mock. A missing path answers 404 as IMDS does.
type memMetadata struct {
	mu    sync.Mutex
	paths map[string]string
}

func (m *memMetadata) set(path, body string) { m.mu.Lock(); defer m.mu.Unlock(); m.paths[path] = body }

func (m *memMetadata) GetMetadata(_ context.Context, in *imds.GetMetadataInput, _ ...func(*imds.Options)) (*imds.GetMetadataOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	body, ok := m.paths[in.Path]
	if !ok {
		// IMDS answers 404 for a notice that was not given.
		return nil, &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: http.StatusNotFound}}, Err: errors.New("not found")}
	}
	return &imds.GetMetadataOutput{Content: io.NopCloser(strings.NewReader(body))}, nil
}

func newMemMetadata() *memMetadata {
	return &memMetadata{paths: map[string]string{"instance-id": "i-0123456789abcdef0"}}
}

// scriptedActions records every step attempt (with the fake time it
// started) and fails a step as told.
type scriptedActions struct {
	clock *fakeClock
	mu    sync.Mutex
	calls map[string][]time.Time // "cordon", "report interruption", ...
	// failFirst fails the first n attempts of a step; failAlways every one.
	failFirst  map[string]int
	failAlways map[string]bool
	// block holds a step until the channel is closed.
	block map[string]chan struct{}
}

func newScripted(c *fakeClock) *scriptedActions {
	return &scriptedActions{clock: c, calls: map[string][]time.Time{}, failFirst: map[string]int{}, failAlways: map[string]bool{}, block: map[string]chan struct{}{}}
}

func (s *scriptedActions) do(ctx context.Context, name string) error {
	s.mu.Lock()
	s.calls[name] = append(s.calls[name], s.clock.now())
	n := len(s.calls[name])
	ch := s.block[name]
	fail := s.failAlways[name] || n <= s.failFirst[name]
	s.mu.Unlock()
	if ch != nil {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if fail {
		return fmt.Errorf("%s: Scalelite is down", name)
	}
	return nil
}

func (s *scriptedActions) count(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls[name])
}

func (s *scriptedActions) times(name string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.calls[name]...)
}

func (s *scriptedActions) Cordon(ctx context.Context) error { return s.do(ctx, "cordon") }
func (s *scriptedActions) Report(ctx context.Context, _ string, n live.Notice) error {
	return s.do(ctx, "report "+n.Kind)
}
func (s *scriptedActions) SaveRecordings(ctx context.Context, _ string, _ live.Notice) error {
	return s.do(ctx, "save recordings")
}
func (s *scriptedActions) EndMeetings(ctx context.Context, _ string) error {
	return s.do(ctx, "end meetings")
}

func agentPolicy(onRebalance model.RebalanceAction, onInterruption model.InterruptionAction, before time.Duration) *model.Policy {
	return &model.Policy{OnRebalance: onRebalance, OnInterruption: onInterruption, EndMeetingsBefore: int64(before / time.Second)}
}

func interruptionBody(action string, at time.Time) string {
	return fmt.Sprintf(`{"action": %q, "time": %q}`, action, at.UTC().Format(time.RFC3339))
}

func rebalanceBody(at time.Time) string {
	return fmt.Sprintf(`{"noticeTime": %q}`, at.UTC().Format(time.RFC3339))
}

func newTestAgent(t *testing.T, md live.MetadataAPI, act live.NoticeActions, pol *model.Policy, clock *fakeClock, log *slog.Logger) *live.Agent {
	t.Helper()
	a, err := live.NewAgent(context.Background(), md, act, live.AgentOptions{Policy: pol, Clock: clock.now, Rand: rand.New(rand.NewPCG(1, 2)), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// pollFor polls every step of fake time for d, waiting for the steps each
// poll started, as if they took no time.
func pollFor(t *testing.T, a *live.Agent, clock *fakeClock, d, step time.Duration) {
	t.Helper()
	for end := clock.now().Add(d); clock.now().Before(end); clock.add(step) {
		if err := a.Poll(context.Background()); err != nil {
			t.Fatal(err)
		}
		a.Wait()
	}
}

func metadataMock(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("ec2-metadata-mock")
	if err != nil {
		if home, _ := os.UserHomeDir(); home != "" {
			if p := filepath.Join(home, "go", "bin", "ec2-metadata-mock"); fileExists(p) {
				bin = p
			}
		}
	}
	if bin == "" {
		t.Skip("ec2-metadata-mock is not installed: go install github.com/aws/amazon-ec2-metadata-mock/cmd/ec2-metadata-mock@v1.13.0")
	}
	return bin
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestAgentAgainstMetadataMock: AWS's IMDS mock (IMDSv2 tokens) raises a
// rebalance recommendation after 2 s and an interruption notice after 5 s;
// the agent, polling every second through the IMDSv2-only client, cordons
// its server in Scalelite within one poll of the first, tags its instance
// for each, ends its meetings and runs the recordings hook once.
func TestAgentAgainstMetadataMock(t *testing.T) {
	bin := metadataMock(t)
	port := mototest.FreePort(t)
	start := time.Now()
	mototest.StartProcess(t, port, bin, "spot", "-n", "127.0.0.1", "-p", fmt.Sprint(port), "-I", "-d", "5", "--rebalance-delay-sec", "2")

	emu := emulate.NewScalelite("lb-secret")
	srv := httptest.NewServer(emu)
	defer srv.Close()
	sl, _ := live.NewScalelite(srv.URL, "lb-secret", srv.Client())
	apiURL, bbbSecret := emu.BBBServer(srv.URL, "me")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	added, err := sl.AddServer(ctx, apiURL, bbbSecret, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	sl.SetState(ctx, added.ID, "enable")
	emu.SetMeetings(apiURL, []emulate.Meeting{{MeetingID: "lecture", ParticipantCount: 30}})
	bbb, _ := live.NewBBB(apiURL, bbbSecret, srv.Client())

	hookOut := filepath.Join(t.TempDir(), "hook.txt")
	tags := &memTagger{tags: map[string]string{}}
	actions := &live.ServerActions{Scalelite: sl, BBBURL: apiURL, BBB: bbb, Tagger: tags,
		RecordingsHook: []string{"sh", "-c", `echo "$SCALITE_INSTANCE_ID $SCALITE_TERMINATION_TIME" >> ` + hookOut}}
	md := live.NewMetadataClient(fmt.Sprintf("http://127.0.0.1:%d", port))
	agent, err := live.NewAgent(ctx, md, actions, live.AgentOptions{Policy: agentPolicy(model.RebalanceCordon, model.InterruptionEndMeetings, 2*time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	const interval = time.Second
	var cordonedAt time.Time
	for time.Since(start) < 12*time.Second {
		if err := agent.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		if cordonedAt.IsZero() && emu.State(apiURL) == "cordoned" {
			cordonedAt = time.Now()
		}
		time.Sleep(interval)
	}
	agent.Wait()
	// The rebalance recommendation appears 2 s after the mock started.
	if cordonedAt.IsZero() || cordonedAt.Sub(start) > 2*time.Second+interval+time.Second {
		t.Fatalf("cordoned %v after the mock started; want within one poll of the notice at 2 s", cordonedAt.Sub(start))
	}
	if _, err := time.Parse(time.RFC3339, tags.get(live.TagInterruption)); err != nil {
		t.Errorf("interruption tag %q: %v", tags.get(live.TagInterruption), err)
	}
	if _, err := time.Parse(time.RFC3339, tags.get(live.TagRebalance)); err != nil {
		t.Errorf("rebalance tag %q: %v", tags.get(live.TagRebalance), err)
	}
	if ended := emu.Ended(); len(ended) != 1 || ended[0] != "lecture" {
		t.Errorf("ended %v", ended)
	}
	b, _ := os.ReadFile(hookOut)
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], agent.InstanceID()+" ") {
		t.Errorf("recordings hook ran %q: want once, for %s", b, agent.InstanceID())
	}
}

// TestAgentNeverSendsATokenlessIMDSRequest: when the token PUT answers 403
// or hangs, the agent fails (bounded in time) instead of falling back to
// IMDSv1, and no request without a session token reaches IMDS.
func TestAgentNeverSendsATokenlessIMDSRequest(t *testing.T) {
	for _, c := range []struct {
		name string
		put  func(release <-chan struct{}) http.HandlerFunc
	}{
		{"token PUT answers 403", func(<-chan struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "", http.StatusForbidden) }
		}},
		{"token PUT hangs", func(release <-chan struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-release:
				}
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := newIMDSDouble(t, map[string]string{"instance-id": "i-0123456789abcdef0"})
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			d.tokenPUT = c.put(release)
			// A generous bound for the test, not a timing assertion: the
			// agent must give up on its own well before it.
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			_, err := live.NewAgent(ctx, live.NewMetadataClient(d.URL()), newScripted(&fakeClock{t: t0}), live.AgentOptions{Policy: agentPolicy(model.RebalanceCordon, model.InterruptionCordon, 0)})
			if err == nil {
				t.Fatal("agent started without an IMDSv2 token")
			}
			if ctx.Err() != nil {
				t.Fatalf("the agent did not bound its IMDS call: %v", err)
			}
			if tl := d.tokenless(); len(tl) > 0 {
				t.Fatalf("tokenless (IMDSv1) requests reached IMDS: %+v", tl)
			}
			if len(d.log()) == 0 {
				t.Fatal("no request reached the double: the test tests nothing")
			}
		})
	}
}

// TestAgentReadsNoticesWithIMDSv2Tokens: against an IMDS that requires
// tokens, every request the agent makes carries one, and notices are read.
func TestAgentReadsNoticesWithIMDSv2Tokens(t *testing.T) {
	d := newIMDSDouble(t, map[string]string{"instance-id": "i-0123456789abcdef0"})
	clock := &fakeClock{t: t0}
	act := newScripted(clock)
	a, err := live.NewAgent(context.Background(), live.NewMetadataClient(d.URL()), act, live.AgentOptions{Policy: agentPolicy(model.RebalanceCordon, model.InterruptionCordon, 0), Clock: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	d.set("spot/instance-action", interruptionBody("terminate", t0.Add(2*time.Minute)))
	if err := a.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.Wait()
	if act.count("cordon") != 1 || act.count("report interruption") != 1 {
		t.Fatalf("calls %v", act.calls)
	}
	if tl := d.tokenless(); len(tl) > 0 {
		t.Fatalf("tokenless requests: %+v", tl)
	}
}

// TestAgentRunsEachStepOnce: with both notices standing in IMDS for many
// polls, each step of each notice runs once.
func TestAgentRunsEachStepOnce(t *testing.T) {
	md := newMemMetadata()
	clock := &fakeClock{t: t0}
	act := newScripted(clock)
	a := newTestAgent(t, md, act, agentPolicy(model.RebalanceCordon, model.InterruptionEndMeetings, 30*time.Second), clock, nil)
	md.set("events/recommendations/rebalance", rebalanceBody(t0))
	md.set("spot/instance-action", interruptionBody("terminate", t0.Add(2*time.Minute)))
	pollFor(t, a, clock, 3*time.Minute, 5*time.Second)
	want := map[string]int{"cordon": 2, "report rebalance": 1, "report interruption": 1, "save recordings": 1, "end meetings": 1}
	for name, n := range want {
		if got := act.count(name); got != n {
			t.Errorf("%s ran %d times, want %d", name, got, n)
		}
	}
}

// TestAgentRunsRecordingsHookOnce: Scalelite is down when the interruption
// notice arrives, so the cordon fails and is retried; the recordings hook
// (a real process) still runs exactly once.
func TestAgentRunsRecordingsHookOnce(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close() // nothing listens there any more
	sl, err := live.NewScalelite(downURL, "lb-secret", nil)
	if err != nil {
		t.Fatal(err)
	}
	hookOut := filepath.Join(t.TempDir(), "hook.txt")
	tags := &memTagger{tags: map[string]string{}}
	actions := &live.ServerActions{Scalelite: sl, BBBURL: "https://bbb-1.example.org/bigbluebutton/api", Tagger: tags,
		RecordingsHook: []string{"sh", "-c", `echo "$SCALITE_INSTANCE_ID" >> ` + hookOut}}
	md := newMemMetadata()
	clock := &fakeClock{t: t0}
	var logs bytes.Buffer
	a := newTestAgent(t, md, actions, agentPolicy(model.RebalanceCordon, model.InterruptionCordon, 0), clock, slog.New(slog.NewTextHandler(&logs, nil)))
	md.set("spot/instance-action", interruptionBody("terminate", t0.Add(2*time.Minute)))
	pollFor(t, a, clock, 3*time.Minute, 5*time.Second)
	b, _ := os.ReadFile(hookOut)
	if n := strings.Count(string(b), "\n"); n != 1 {
		t.Fatalf("recordings hook ran %d times, want once", n)
	}
	if n := strings.Count(logs.String(), `step=cordon`); n < 3 {
		t.Fatalf("the failing cordon was logged %d times; want it retried:\n%s", n, logs.String())
	}
}

// TestAgentRetriesFailedCordonUntilTermination: a cordon that keeps failing
// is retried with backoff up to the termination time, and not after it.
func TestAgentRetriesFailedCordonUntilTermination(t *testing.T) {
	md := newMemMetadata()
	clock := &fakeClock{t: t0}
	act := newScripted(clock)
	act.failAlways["cordon"] = true
	var logs bytes.Buffer
	a := newTestAgent(t, md, act, agentPolicy(model.RebalanceCordon, model.InterruptionCordon, 0), clock, slog.New(slog.NewTextHandler(&logs, nil)))
	term := t0.Add(2 * time.Minute)
	md.set("spot/instance-action", interruptionBody("terminate", term))
	pollFor(t, a, clock, 5*time.Minute, 100*time.Millisecond)
	times := act.times("cordon")
	if len(times) < 4 {
		t.Fatalf("cordon tried %d times in 2 minutes; want retries", len(times))
	}
	last := times[len(times)-1]
	if !last.Before(term) {
		t.Fatalf("cordon tried at %s, after the termination at %s", last, term)
	}
	// Retries went on until the backoff cap (30 s) from the termination.
	if term.Sub(last) > 30*time.Second {
		t.Fatalf("last cordon attempt %s before termination: gave up early", term.Sub(last))
	}
	if !strings.Contains(logs.String(), "deadline") {
		t.Fatalf("giving up was not logged:\n%s", logs.String())
	}
	if act.count("save recordings") != 1 || act.count("report interruption") != 1 {
		t.Fatalf("the other steps ran %v", act.calls)
	}
}

// TestAgentRetriesWithExponentialBackoffAndJitter: the gaps between
// attempts double up to the cap, each drawn in [d/2, d]; the same seed gives
// the same schedule.
func TestAgentRetriesWithExponentialBackoffAndJitter(t *testing.T) {
	schedule := func(seed uint64) []time.Duration {
		md := newMemMetadata()
		clock := &fakeClock{t: t0}
		act := newScripted(clock)
		act.failAlways["cordon"] = true
		a, err := live.NewAgent(context.Background(), md, act, live.AgentOptions{Policy: agentPolicy(model.RebalanceCordon, model.InterruptionCordon, 0),
			Clock: clock.now, Rand: rand.New(rand.NewPCG(seed, 0)), RetryBase: time.Second, RetryMax: 16 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		md.set("events/recommendations/rebalance", rebalanceBody(t0)) // no deadline
		pollFor(t, a, clock, 3*time.Minute, 10*time.Millisecond)
		times := act.times("cordon")
		var gaps []time.Duration
		for i := 1; i < len(times); i++ {
			gaps = append(gaps, times[i].Sub(times[i-1]))
		}
		return gaps
	}
	gaps := schedule(7)
	if len(gaps) < 6 {
		t.Fatalf("gaps %v", gaps)
	}
	const tick = 10 * time.Millisecond // polling granularity
	for i, g := range gaps {
		d := min(time.Second<<i, 16*time.Second)
		if g < d/2 || g > d+tick {
			t.Errorf("gap %d = %s, want in [%s, %s]", i+1, g, d/2, d)
		}
	}
	if again := schedule(7); fmt.Sprint(again) != fmt.Sprint(gaps) {
		t.Errorf("same seed, different schedule:\n%v\n%v", gaps, again)
	}
	if other := schedule(8); fmt.Sprint(other) == fmt.Sprint(gaps) {
		t.Errorf("different seeds, same schedule %v: no jitter", gaps)
	}
}

// TestAgentMarksStepDoneOnlyAfterSuccess: a step that failed twice runs a
// third time, and once it succeeded never again.
func TestAgentMarksStepDoneOnlyAfterSuccess(t *testing.T) {
	md := newMemMetadata()
	clock := &fakeClock{t: t0}
	act := newScripted(clock)
	act.failFirst["cordon"] = 2
	a := newTestAgent(t, md, act, agentPolicy(model.RebalanceCordon, model.InterruptionCordon, 0), clock, nil)
	md.set("spot/instance-action", interruptionBody("terminate", t0.Add(2*time.Minute)))
	pollFor(t, a, clock, 3*time.Minute, time.Second)
	if n := act.count("cordon"); n != 3 {
		t.Fatalf("cordon ran %d times, want 3 (two failures, one success)", n)
	}
	if left := a.Unfinished(); len(left) != 0 {
		t.Fatalf("unfinished %v", left)
	}
}

// TestAgentReportsUnfinishedSteps: steps waiting for their time or a retry
// are listed, so `agent --once` can fail when one failed.
func TestAgentReportsUnfinishedSteps(t *testing.T) {
	md := newMemMetadata()
	clock := &fakeClock{t: t0}
	act := newScripted(clock)
	act.failAlways["cordon"] = true
	a := newTestAgent(t, md, act, agentPolicy(model.RebalanceCordon, model.InterruptionEndMeetings, 30*time.Second), clock, nil)
	md.set("spot/instance-action", interruptionBody("terminate", t0.Add(2*time.Minute)))
	pollFor(t, a, clock, time.Second, time.Second)
	if got, want := fmt.Sprint(a.Unfinished()), "[interruption:terminate: cordon interruption:terminate: end meetings]"; got != want {
		t.Fatalf("unfinished %s, want %s", got, want)
	}
}

// TestAgentMarksNoticeSeenBeforeItsStepsFinish: while a step is in flight,
// further polls of the same notice start nothing again.
func TestAgentMarksNoticeSeenBeforeItsStepsFinish(t *testing.T) {
	md := newMemMetadata()
	clock := &fakeClock{t: t0}
	act := newScripted(clock)
	hold := make(chan struct{})
	act.block["save recordings"] = hold
	a := newTestAgent(t, md, act, agentPolicy(model.RebalanceCordon, model.InterruptionCordon, 0), clock, nil)
	md.set("spot/instance-action", interruptionBody("terminate", t0.Add(2*time.Minute)))
	for range 10 {
		if err := a.Poll(context.Background()); err != nil {
			t.Fatal(err)
		}
		clock.add(5 * time.Second)
	}
	close(hold)
	a.Wait()
	for _, name := range []string{"cordon", "report interruption", "save recordings"} {
		if n := act.count(name); n != 1 {
			t.Errorf("%s ran %d times, want once", name, n)
		}
	}
}

// TestAgentEndsMeetingsEndMeetingsBeforeTermination: with
// drain.on_interruption end-meetings, meetings are ended once, no earlier
// than drain.end_meetings_before ahead of the termination time.
func TestAgentEndsMeetingsEndMeetingsBeforeTermination(t *testing.T) {
	md := newMemMetadata()
	clock := &fakeClock{t: t0}
	act := newScripted(clock)
	a := newTestAgent(t, md, act, agentPolicy(model.RebalanceCordon, model.InterruptionEndMeetings, 30*time.Second), clock, nil)
	term := t0.Add(2 * time.Minute)
	md.set("spot/instance-action", interruptionBody("terminate", term))
	pollFor(t, a, clock, 3*time.Minute, time.Second)
	times := act.times("end meetings")
	if len(times) != 1 {
		t.Fatalf("meetings ended %d times, want once", len(times))
	}
	if at := times[0]; at.Before(term.Add(-30*time.Second)) || at.After(term.Add(-29*time.Second)) {
		t.Fatalf("meetings ended at %s, want at %s", at, term.Add(-30*time.Second))
	}
}

// TestAgentRunStopsWhileWaitingToEndMeetings: Run waits for the meeting end
// in its own loop, so cancelling it returns at once and ends nothing.
func TestAgentRunStopsWhileWaitingToEndMeetings(t *testing.T) {
	md := newMemMetadata()
	act := &reportSignal{scriptedActions: newScripted(&fakeClock{t: t0}), reported: make(chan struct{}, 1)}
	a, err := live.NewAgent(context.Background(), md, act, live.AgentOptions{Policy: agentPolicy(model.RebalanceCordon, model.InterruptionEndMeetings, 30*time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	md.set("spot/instance-action", interruptionBody("terminate", time.Now().Add(time.Hour)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, time.Hour) }()
	<-act.reported
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second): // a liveness bound, not a timing assertion
		t.Fatal("Run did not stop when its context ended")
	}
	if n := act.count("end meetings"); n != 0 {
		t.Fatalf("meetings ended %d times, want none", n)
	}
}

type reportSignal struct {
	*scriptedActions
	reported chan struct{}
}

func (r *reportSignal) Report(ctx context.Context, id string, n live.Notice) error {
	err := r.scriptedActions.Report(ctx, id, n)
	select {
	case r.reported <- struct{}{}:
	default:
	}
	return err
}

// TestInterruptionTagSurvivesRebalance: a rebalance recommendation arriving
// after an interruption notice writes its own tag and leaves the
// interruption's intact (issue 9, notice precedence).
func TestInterruptionTagSurvivesRebalance(t *testing.T) {
	md := newMemMetadata()
	clock := &fakeClock{t: t0}
	tags := &memTagger{tags: map[string]string{}}
	actions := &live.ServerActions{Scalelite: noScalelite{}, Tagger: tags}
	a := newTestAgent(t, md, actions, agentPolicy(model.RebalanceIgnore, model.InterruptionCordon, 0), clock, nil)
	term := t0.Add(2 * time.Minute)
	md.set("spot/instance-action", interruptionBody("terminate", term))
	pollFor(t, a, clock, 10*time.Second, 5*time.Second)
	md.set("events/recommendations/rebalance", rebalanceBody(clock.now()))
	pollFor(t, a, clock, 10*time.Second, 5*time.Second)
	if got := tags.get(live.TagInterruption); got != term.Format(time.RFC3339) {
		t.Fatalf("interruption tag %q, want %q", got, term.Format(time.RFC3339))
	}
	if tags.get(live.TagRebalance) == "" {
		t.Fatal("rebalance tag missing")
	}
}

// noScalelite answers nothing: these tests are about tags.
type noScalelite struct{}

func (noScalelite) Servers(context.Context) ([]live.ScaleliteServer, error) {
	return nil, errors.New("no Scalelite in this test")
}
func (noScalelite) SetState(context.Context, string, string) error {
	return errors.New("no Scalelite in this test")
}

// TestRebalanceFollowsPolicy: with drain.on_rebalance other than cordon the
// server keeps taking meetings (as in the simulator), but the controller is
// told; an interruption always cordons.
func TestRebalanceFollowsPolicy(t *testing.T) {
	for _, c := range []struct {
		on     model.RebalanceAction
		cordon bool
	}{{model.RebalanceCordon, true}, {model.RebalanceReplace, false}, {model.RebalanceIgnore, false}} {
		t.Run(string(c.on), func(t *testing.T) {
			md := newMemMetadata()
			clock := &fakeClock{t: t0}
			act := newScripted(clock)
			a := newTestAgent(t, md, act, agentPolicy(c.on, model.InterruptionCordon, 0), clock, nil)
			md.set("events/recommendations/rebalance", rebalanceBody(t0))
			pollFor(t, a, clock, 10*time.Second, 5*time.Second)
			if got := act.count("cordon") == 1; got != c.cordon || act.count("report rebalance") != 1 {
				t.Fatalf("rebalance: cordon %v, calls %v", got, act.calls)
			}
			md.set("spot/instance-action", interruptionBody("terminate", clock.now().Add(2*time.Minute)))
			pollFor(t, a, clock, 10*time.Second, 5*time.Second)
			want := 1
			if c.cordon {
				want = 2
			}
			if act.count("cordon") != want {
				t.Fatalf("interruption: cordon ran %d times, want %d", act.count("cordon"), want)
			}
		})
	}
}

var leakedChecksum = regexp.MustCompile(`(?i)checksum=[0-9a-f]{20,}`)

// TestAgentLogsNoChecksumOrSecret: when Scalelite and BBB fail (refused,
// 5xx echoing the request, hanging), nothing the agent logs carries a
// checksum or a secret, although the client errors may carry the URL.
func TestAgentLogsNoChecksumOrSecret(t *testing.T) {
	const slSecret, bbbSecret = "lb-secret-0123456789abcdef", "bbb-secret-0123456789abcdef"
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream failed for "+r.URL.String(), http.StatusBadGateway)
	}))
	defer echo.Close()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hang.Close()
	refused := httptest.NewServer(http.NotFoundHandler())
	refusedURL := refused.URL
	refused.Close()
	for name, url := range map[string]string{"refused": refusedURL, "502 echoing the request": echo.URL, "hanging": hang.URL} {
		t.Run(name, func(t *testing.T) {
			sl, err := live.NewScalelite(url, slSecret, nil)
			if err != nil {
				t.Fatal(err)
			}
			bbb, err := live.NewBBB(url+"/bigbluebutton/api", bbbSecret, nil)
			if err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			actions := &live.ServerActions{Scalelite: sl, BBB: bbb, BBBURL: url + "/bigbluebutton/api", Tagger: &memTagger{tags: map[string]string{}}}
			md := newMemMetadata()
			clock := &fakeClock{t: t0}
			a, err := live.NewAgent(context.Background(), md, actions, live.AgentOptions{Policy: agentPolicy(model.RebalanceCordon, model.InterruptionEndMeetings, 2*time.Minute),
				Clock: clock.now, Log: slog.New(slog.NewTextHandler(&logs, nil)), StepTimeout: 500 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			md.set("spot/instance-action", interruptionBody("terminate", t0.Add(2*time.Minute)))
			pollFor(t, a, clock, 5*time.Second, time.Second)
			out := logs.String()
			if !strings.Contains(out, "step=cordon") || !strings.Contains(out, `step="end meetings"`) {
				t.Fatalf("the failures were not logged, the test tests nothing:\n%s", out)
			}
			if leakedChecksum.MatchString(out) || strings.Contains(out, slSecret) || strings.Contains(out, bbbSecret) {
				t.Fatalf("a checksum or secret reached the log:\n%s", out)
			}
		})
	}
}

// TestAgentHandlesNoticeKindsByEngine: the agent's steps are what
// engine.ReactToNotice says, for every drain policy.
func TestAgentHandlesNoticeKindsByEngine(t *testing.T) {
	for _, onR := range []model.RebalanceAction{model.RebalanceCordon, model.RebalanceReplace, model.RebalanceIgnore} {
		for _, onI := range []model.InterruptionAction{model.InterruptionCordon, model.InterruptionEndMeetings} {
			pol := agentPolicy(onR, onI, 30*time.Second)
			md := newMemMetadata()
			clock := &fakeClock{t: t0}
			act := newScripted(clock)
			a := newTestAgent(t, md, act, pol, clock, nil)
			md.set("spot/instance-action", interruptionBody("terminate", t0.Add(2*time.Minute)))
			pollFor(t, a, clock, 3*time.Minute, 5*time.Second)
			r := engine.ReactToNotice(pol, engine.Notice{Kind: engine.InterruptionNotice, At: t0.Unix(), TerminationAt: t0.Add(2 * time.Minute).Unix()})
			got := fmt.Sprint(act.count("cordon") == 1, act.count("report interruption") == 1, act.count("save recordings") == 1, act.count("end meetings") == 1)
			want := fmt.Sprint(r.Cordon, r.Report, r.SaveRecordings, r.EndMeetings)
			if got != want {
				t.Errorf("%s/%s: agent did %s, engine says %s", onR, onI, got, want)
			}
		}
	}
}

// TestAgentSkipsStepsPastTheirDeadline: a notice first read after its
// termination time (the agent was stopped meanwhile) starts nothing: AWS has
// taken the instance, or is about to.
func TestAgentSkipsStepsPastTheirDeadline(t *testing.T) {
	md := newMemMetadata()
	clock := &fakeClock{t: t0}
	act := newScripted(clock)
	a := newTestAgent(t, md, act, agentPolicy(model.RebalanceCordon, model.InterruptionEndMeetings, 30*time.Second), clock, nil)
	md.set("spot/instance-action", interruptionBody("terminate", t0.Add(-time.Second)))
	pollFor(t, a, clock, time.Minute, 5*time.Second)
	if len(act.calls) != 0 {
		t.Fatalf("steps ran after the termination time: %v", act.calls)
	}
}

// TestAgentTellsOfEachNoticeOnce: the agent's notification hook hears each
// notice once, with the steps the engine chose, however often IMDS repeats
// it (for fleets without a controller, the agent notifies).
func TestAgentTellsOfEachNoticeOnce(t *testing.T) {
	md := newMemMetadata()
	clock := &fakeClock{t: t0}
	type heard struct {
		kind  string
		steps string
	}
	var mu sync.Mutex
	var got []heard
	a, err := live.NewAgent(context.Background(), md, newScripted(clock), live.AgentOptions{
		Policy: agentPolicy(model.RebalanceIgnore, model.InterruptionEndMeetings, 30*time.Second), Clock: clock.now, Rand: rand.New(rand.NewPCG(1, 2)),
		OnNotice: func(id string, n live.Notice, steps []string) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, heard{n.Kind, strings.Join(steps, ",")})
		}})
	if err != nil {
		t.Fatal(err)
	}
	md.set("events/recommendations/rebalance", rebalanceBody(t0))
	md.set("spot/instance-action", interruptionBody("terminate", t0.Add(2*time.Minute)))
	pollFor(t, a, clock, time.Minute, 5*time.Second)
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0].kind != "rebalance" || got[1].kind != "interruption" {
		t.Fatalf("heard %+v, want the rebalance and the interruption once each", got)
	}
	if got[1].steps != "cordon,report,save recordings,end meetings" || got[0].steps != "report" {
		t.Fatalf("steps %+v", got)
	}
}
