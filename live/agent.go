package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/model"
)

// Tags the agent writes on its own instance for the controller. The two
// notices have a tag each, so a rebalance recommendation arriving after an
// interruption notice cannot overwrite it.
const (
	// TagInterruption holds the termination time (RFC 3339, UTC) of an
	// interruption notice.
	TagInterruption = "scalite:interruption"
	// TagRebalance holds the time (RFC 3339, UTC) of a rebalance
	// recommendation.
	TagRebalance = "scalite:rebalance"
)

// AgentTagKeys are all the tag keys the agent writes; the agent's IAM policy
// (docs/live/iam-agent-policy.json) allows exactly these.
func AgentTagKeys() []string {
	return []string{TagInterruption, TagRebalance, TagMeetingsEnd}
}

// PollInterval is AWS's advice for watching spot notices.
const PollInterval = 5 * time.Second

// MetadataAPI is the one IMDS call the agent makes; imds.Client has it.
type MetadataAPI interface {
	GetMetadata(ctx context.Context, in *imds.GetMetadataInput, opts ...func(*imds.Options)) (*imds.GetMetadataOutput, error)
}

// NewMetadataClient is an IMDSv2-only client: every request carries a
// session token, and when the token cannot be had (the PUT answers 403 or
// hangs) the request fails instead of falling back to a tokenless IMDSv1
// request, which is what the SDK does by default. endpoint "" is the real
// metadata service.
func NewMetadataClient(endpoint string) *imds.Client {
	return imds.New(imds.Options{Endpoint: endpoint, EnableFallback: aws.FalseTernary})
}

// Notice is a spot notice read from IMDS. Time is the termination time of an
// interruption notice and the notice time of a rebalance recommendation.
type Notice struct {
	Kind   string // "rebalance" or "interruption" (engine.NoticeKind's names)
	Action string // terminate, stop or hibernate (interruptions)
	Time   time.Time
}

// NoticeActions carries out the steps of a notice; ServerActions is the real
// one. Each step must be safe to repeat: a failed step is tried again.
type NoticeActions interface {
	Cordon(ctx context.Context) error
	Report(ctx context.Context, instanceID string, n Notice) error
	SaveRecordings(ctx context.Context, instanceID string, n Notice) error
	EndMeetings(ctx context.Context, instanceID string) error
}

// AgentOptions are an agent's policy and dependencies; zero values take the
// defaults.
type AgentOptions struct {
	// Policy supplies the drain section (on_rebalance, on_interruption,
	// end_meetings_before); engine.ReactToNotice turns it into steps.
	Policy *model.Policy
	Clock  func() time.Time // default time.Now
	// Rand draws the retry jitter; default: seeded from the instance ID, so
	// agents retry out of step with each other.
	Rand *rand.Rand
	Log  *slog.Logger
	// MetadataTimeout bounds one IMDS read (default 5 s), StepTimeout one
	// attempt of a cordon, report or meeting end (default 20 s); the
	// recordings hook is bounded by the termination time.
	MetadataTimeout time.Duration
	StepTimeout     time.Duration
	// RetryBase and RetryMax shape the exponential backoff of failed steps
	// (default 1 s doubling up to 30 s).
	RetryBase, RetryMax time.Duration
	// OnNotice, when set, hears each new notice once, with the steps the
	// engine chose for it (notifications, for fleets without a controller).
	OnNotice func(instanceID string, n Notice, steps []string)
}

// Agent watches one instance's metadata for spot notices and carries out
// each notice's steps (engine.ReactToNotice) exactly once each: a step that
// fails is retried with exponential backoff and jitter until it succeeds or
// the notice's deadline (the termination time) passes; a step that succeeded
// never runs again, whatever IMDS or Scalelite do meanwhile. Steps run in
// their own goroutines, so a slow Scalelite does not delay reading IMDS.
//
// A notice is identified by its kind (and action): the metadata service may
// recompute the notice times on every request, so the body cannot identify
// it. The agent keeps this in memory: a restarted agent handles a standing
// notice again, which the steps tolerate (cordon and tags are idempotent; the
// hook must be).
type Agent struct {
	md      MetadataAPI
	act     NoticeActions
	pol     *model.Policy
	clock   func() time.Time
	rnd     *rand.Rand
	log     *slog.Logger
	id      string
	mdTO    time.Duration
	stepTO  time.Duration
	base    time.Duration
	maxWait time.Duration
	// onNotice hears each new notice once (AgentOptions.OnNotice).
	onNotice func(instanceID string, n Notice, steps []string)

	runs    map[string]*noticeRun
	order   []*noticeRun // in arrival order, for deterministic scheduling
	results chan stepResult
	running int
}

type stepKind uint8

const (
	stepCordon stepKind = iota
	stepReport
	stepSaveRecordings
	stepEndMeetings
)

var stepNames = [...]string{"cordon", "report", "save recordings", "end meetings"}

func (k stepKind) String() string { return stepNames[k] }

type stepState uint8

const (
	stepPending stepState = iota
	stepRunning
	stepDone
	stepAbandoned
)

// agentStep is one step of one notice: due from at, retried from next,
// abandoned at until (zero: never).
type agentStep struct {
	kind      stepKind
	at, until time.Time
	next      time.Time
	attempts  int
	state     stepState
}

type noticeRun struct {
	key    string
	notice Notice
	steps  []*agentStep
}

type stepResult struct {
	run  *noticeRun
	step *agentStep
	err  error
}

// NewAgent builds an agent; it reads the instance ID at once.
func NewAgent(ctx context.Context, md MetadataAPI, act NoticeActions, o AgentOptions) (*Agent, error) {
	if o.Policy == nil {
		return nil, errors.New("agent: no policy")
	}
	a := &Agent{md: md, act: act, pol: o.Policy, clock: o.Clock, rnd: o.Rand, log: o.Log, onNotice: o.OnNotice,
		mdTO: o.MetadataTimeout, stepTO: o.StepTimeout, base: o.RetryBase, maxWait: o.RetryMax,
		runs: map[string]*noticeRun{}, results: make(chan stepResult, 16)}
	if a.clock == nil {
		a.clock = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.mdTO <= 0 {
		a.mdTO = 5 * time.Second
	}
	if a.stepTO <= 0 {
		a.stepTO = 20 * time.Second
	}
	if a.base <= 0 {
		a.base = time.Second
	}
	if a.maxWait < a.base {
		a.maxWait = max(a.base, 30*time.Second)
	}
	id, err := a.getText(ctx, "instance-id")
	if err != nil {
		return nil, fmt.Errorf("reading instance-id from IMDS: %w", err)
	}
	a.id = id
	if a.rnd == nil {
		h := fnv.New64a()
		io.WriteString(h, id)
		a.rnd = rand.New(rand.NewPCG(h.Sum64(), 0))
	}
	return a, nil
}

// InstanceID is the instance the agent runs on.
func (a *Agent) InstanceID() string { return a.id }

var errNotFound = errors.New("not found")

// getText reads one metadata path, bounded by the metadata timeout.
func (a *Agent) getText(ctx context.Context, path string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, a.mdTO)
	defer cancel()
	out, err := a.md.GetMetadata(ctx, &imds.GetMetadataInput{Path: path})
	if err != nil {
		var re *smithyhttp.ResponseError
		if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
			return "", errNotFound
		}
		return "", err
	}
	defer out.Content.Close()
	b, err := io.ReadAll(io.LimitReader(out.Content, 1<<16))
	return string(b), err
}

// Poll reads both notices once, starts the steps of new ones, and starts
// the steps that are due (first attempts and retries). It does not wait for
// the steps; Wait does.
func (a *Agent) Poll(ctx context.Context) error {
	a.collect()
	var errs []error
	if body, err := a.getText(ctx, "events/recommendations/rebalance"); err == nil {
		var r struct {
			NoticeTime time.Time `json:"noticeTime"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			errs = append(errs, fmt.Errorf("rebalance notice %q: %w", body, err))
		} else {
			a.notice(Notice{Kind: engine.RebalanceRecommendation.String(), Time: r.NoticeTime}, "rebalance")
		}
	} else if !errors.Is(err, errNotFound) {
		errs = append(errs, fmt.Errorf("IMDS rebalance: %w", err))
	}
	if body, err := a.getText(ctx, "spot/instance-action"); err == nil {
		var r struct {
			Action string    `json:"action"`
			Time   time.Time `json:"time"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			errs = append(errs, fmt.Errorf("instance-action %q: %w", body, err))
		} else {
			a.notice(Notice{Kind: engine.InterruptionNotice.String(), Action: r.Action, Time: r.Time}, "interruption:"+r.Action)
		}
	} else if !errors.Is(err, errNotFound) {
		errs = append(errs, fmt.Errorf("IMDS instance-action: %w", err))
	}
	a.advance(ctx)
	return errors.Join(errs...)
}

// notice records a notice the first time it is seen and plans its steps.
func (a *Agent) notice(n Notice, key string) {
	if _, seen := a.runs[key]; seen {
		return
	}
	now := a.clock()
	en := engine.Notice{Kind: engine.RebalanceRecommendation, At: n.Time.Unix()}
	if n.Kind == engine.InterruptionNotice.String() {
		en = engine.Notice{Kind: engine.InterruptionNotice, At: now.Unix(), TerminationAt: n.Time.Unix()}
	}
	r := engine.ReactToNotice(a.pol, en)
	var until time.Time
	if r.Deadline != 0 {
		until = time.Unix(r.Deadline, 0)
	}
	run := &noticeRun{key: key, notice: n}
	add := func(k stepKind, at time.Time) {
		run.steps = append(run.steps, &agentStep{kind: k, at: at, until: until})
	}
	if r.Cordon {
		add(stepCordon, now)
	}
	if r.Report {
		add(stepReport, now)
	}
	if r.SaveRecordings {
		add(stepSaveRecordings, now)
	}
	if r.EndMeetings {
		add(stepEndMeetings, time.Unix(r.EndMeetingsAt, 0))
	}
	a.runs[key] = run
	a.order = append(a.order, run)
	a.log.Info("spot notice", "instance", a.id, "kind", n.Kind, "action", n.Action, "time", n.Time.UTC().Format(time.RFC3339), "steps", len(run.steps))
	if a.onNotice != nil {
		steps := make([]string, len(run.steps))
		for i, s := range run.steps {
			steps[i] = s.kind.String()
		}
		a.onNotice(a.id, n, steps)
	}
}

// advance starts every step that is due and gives up on those past their
// deadline.
func (a *Agent) advance(ctx context.Context) {
	now := a.clock()
	for _, run := range a.order {
		for _, s := range run.steps {
			if s.state != stepPending {
				continue
			}
			if !s.until.IsZero() && !now.Before(s.until) {
				s.state = stepAbandoned
				a.log.Error("gave up a notice step: the deadline passed", "instance", a.id, "notice", run.key, "step", s.kind.String(), "attempts", s.attempts, "deadline", s.until.UTC().Format(time.RFC3339))
				continue
			}
			if now.Before(s.at) || now.Before(s.next) {
				continue
			}
			a.start(ctx, run, s, now)
		}
	}
}

func (a *Agent) start(ctx context.Context, run *noticeRun, s *agentStep, now time.Time) {
	s.state = stepRunning
	s.attempts++
	a.running++
	timeout := a.stepTO
	if s.kind == stepSaveRecordings && !s.until.IsZero() {
		timeout = s.until.Sub(now) // the hook may take long; AWS ends it anyway
	} else if !s.until.IsZero() {
		timeout = min(timeout, s.until.Sub(now))
	}
	n := run.notice
	go func() {
		sctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		var err error
		switch s.kind {
		case stepCordon:
			err = a.act.Cordon(sctx)
		case stepReport:
			err = a.act.Report(sctx, a.id, n)
		case stepSaveRecordings:
			err = a.act.SaveRecordings(sctx, a.id, n)
		case stepEndMeetings:
			err = a.act.EndMeetings(sctx, a.id)
		}
		a.results <- stepResult{run: run, step: s, err: err}
	}()
}

// collect applies the results of finished steps without waiting.
func (a *Agent) collect() {
	for {
		select {
		case r := <-a.results:
			a.apply(r)
		default:
			return
		}
	}
}

// apply records a finished attempt: done only once it succeeded, otherwise
// scheduled again after a backoff.
func (a *Agent) apply(r stepResult) {
	a.running--
	s := r.step
	if r.err == nil {
		s.state = stepDone
		a.log.Info("notice step done", "instance", a.id, "notice", r.run.key, "step", s.kind.String(), "attempts", s.attempts)
		return
	}
	now := a.clock()
	s.next = now.Add(a.backoff(s.attempts))
	s.state = stepPending
	// Past the deadline, advance gives up on it.
	a.log.Warn("notice step failed; retrying", "instance", a.id, "notice", r.run.key, "step", s.kind.String(), "attempts", s.attempts, "retry_at", s.next.UTC().Format(time.RFC3339Nano), "err", scrubChecksums(r.err.Error()))
}

// backoff after the n-th failed attempt: exponential, capped, with "equal
// jitter" (half fixed, half drawn) so that agents do not retry in step.
func (a *Agent) backoff(n int) time.Duration {
	d := a.base
	for i := 1; i < n && d < a.maxWait; i++ {
		d *= 2
	}
	d = min(d, a.maxWait)
	half := d / 2
	return half + time.Duration(a.rnd.Int64N(int64(d-half)+1))
}

// Wait waits until no step is in flight, for tests and shutdown.
func (a *Agent) Wait() {
	for a.running > 0 {
		a.apply(<-a.results)
	}
}

// Unfinished lists the steps not done yet ("notice: step"), in arrival
// order: waiting, retrying, or given up.
func (a *Agent) Unfinished() []string {
	var out []string
	for _, run := range a.order {
		for _, s := range run.steps {
			if s.state != stepDone {
				out = append(out, run.key+": "+s.kind.String())
			}
		}
	}
	return out
}

// nextDue is when the earliest pending step is due.
func (a *Agent) nextDue() (time.Time, bool) {
	var due time.Time
	found := false
	for _, run := range a.order {
		for _, s := range run.steps {
			if s.state != stepPending {
				continue
			}
			t := s.at
			if s.next.After(t) {
				t = s.next
			}
			if !s.until.IsZero() && s.until.Before(t) {
				t = s.until
			}
			if !found || t.Before(due) {
				due, found = t, true
			}
		}
	}
	return due, found
}

// Run polls every interval and starts steps when they fall due until ctx
// ends; then the steps in flight are cancelled and waited for. Waiting for a
// meeting end is a timer in this loop, so it ends with ctx.
func (a *Agent) Run(ctx context.Context, interval time.Duration) error {
	nextPoll := a.clock()
	for {
		if now := a.clock(); !now.Before(nextPoll) {
			if err := a.Poll(ctx); err != nil {
				a.log.Warn("poll", "instance", a.id, "err", scrubChecksums(err.Error()))
			}
			nextPoll = now.Add(interval)
		} else {
			a.advance(ctx)
		}
		wake := nextPoll.Sub(a.clock())
		if due, ok := a.nextDue(); ok {
			wake = min(wake, due.Sub(a.clock()))
		}
		t := time.NewTimer(max(wake, 0))
		select {
		case <-ctx.Done():
			t.Stop()
			a.Wait()
			return nil
		case r := <-a.results:
			t.Stop()
			a.apply(r)
		case <-t.C:
		}
	}
}

var agentChecksumParam = regexp.MustCompile(`(?i)(checksum=)[^&\s"']*`)

// scrubChecksums removes checksum values from text headed for the agent's
// log: an error from a Scalelite or BBB client may quote a request URL, and
// its checksum is a replayable credential. (live.Scrub does the same for the
// controller; this one keeps the agent free of the controller's files.)
func scrubChecksums(s string) string {
	return agentChecksumParam.ReplaceAllString(s, "${1}[redacted]")
}
