package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/model"
)

// FleetAPI is what the controller needs of EC2; *Fleet has it.
type FleetAPI interface {
	Name() string
	Instances(ctx context.Context) ([]Instance, error)
	Gone(ctx context.Context) ([]Instance, error)
	Launch(ctx context.Context, req LaunchRequest) ([]string, error)
	Terminate(ctx context.Context, ids ...string) error
	Tag(ctx context.Context, id, key, value string) error
}

// ScaleliteAPI is what the controller needs of Scalelite; *Scalelite has it.
type ScaleliteAPI interface {
	Servers(ctx context.Context) ([]ScaleliteServer, error)
	AddServer(ctx context.Context, bbbURL, secret string, loadMultiplier float64, tag string) (ScaleliteServer, error)
	SetState(ctx context.Context, id, state string) error
	SetLoadMultiplier(ctx context.Context, id string, m float64) error
	DeleteServer(ctx context.Context, id string) error
}

// TagCordoned marked a server Scalite cordoned before TagState existed; it
// is still read so that servers cordoned by an older controller drain.
const TagCordoned = "scalite:cordoned"

// Time bounds of one reconcile, when the Controller does not set them.
const (
	DefaultReconcileTimeout = 50 * time.Second
	DefaultBBBTimeout       = 5 * time.Second
	// DefaultActGrace is how long the act phase may run on after a stop
	// signal: the call under way finishes (or times out), the rest is
	// abandoned, and launches stay in the journal.
	DefaultActGrace = 20 * time.Second
	// bbbReaders bounds the BBB servers read at once.
	bbbReaders = 8
	// unsupportedFor: a type not offered in a zone stays so for long.
	unsupportedFor = 24 * time.Hour
)

// Controller runs the engine on a real fleet. Its state lives in EC2 tags,
// Scalelite and the launch journal, so a restarted controller carries on
// where it stopped; only the engine's idle timers and learnt profile start
// afresh. It observes and acts; every decision is the engine's, and every
// action passes the engine's guard against a fresh observation first.
type Controller struct {
	Fleet     FleetAPI
	Scalelite ScaleliteAPI
	// BBB opens a server's BBB API (URL and secret as Scalelite lists them).
	BBB func(url, secret string) (MeetingEnder, error)
	// Prices returns the current spot price per market.
	Prices  func(ctx context.Context, markets []model.MarketKey, now time.Time) (map[model.MarketKey]float64, error)
	Planner *engine.Planner
	State   *engine.State
	// Types finds any instance type's capacity and on-demand price (the
	// catalog): every instance of the fleet counts at its real price, not
	// only the policy's types.
	Types func(name string) (model.InstanceType, bool)
	// Journal remembers launches in flight (nil: in memory only).
	Journal *LaunchJournal
	// BBBURL derives a new server's BBB API URL from its instance.
	BBBURL func(Instance) string
	// BBBSecret is the shared secret of the fleet's BBB servers (from a file).
	BBBSecret string
	// Load, when set, counts capacity with the load model as the simulator
	// does (sim.Options.Load): from the media BBB reports per meeting, the
	// engine is told the demand's load per participant, and each server
	// holds its type's CapacityLoad in participants of that mix. Nil:
	// participants against CapacityUsers.
	Load *model.LoadModel
	// ManualCapacity is what a server registered in Scalelite by hand holds
	// (participants); 0 = the policy's on-demand type's capacity.
	ManualCapacity int
	Apply          bool
	Clock          func() time.Time
	Log            *slog.Logger
	Metrics        *Metrics
	// ReconcileTimeout bounds one reconcile (keep it below the interval);
	// BBBTimeout one server's meeting read; ActGrace the act phase after
	// a stop. Zero values take the defaults above.
	ReconcileTimeout time.Duration
	BBBTimeout       time.Duration
	ActGrace         time.Duration
	// Alert, when set, hears what the people on call should (notify).
	Alert func(Alert)
	// Record, when set, gets the fleet's history for the interruption
	// model (live.event_log).
	Record func(FleetRecord)

	mu            sync.Mutex
	unavailable   map[model.MarketKey]time.Time
	odUnavailable map[string]time.Time // on-demand, by zone
	noticed       map[string]bool
	lastOK        time.Time
	kick          chan struct{}
	owned         map[string]bool              // instances last observed
	tags          map[string]map[string]string // their tags
	alerted       map[string]bool              // notices told of
	recorded      map[string]bool              // interrupted instances recorded
}

// Report is what one reconcile saw and did.
type Report struct {
	Time     time.Time
	Servers  int
	Demand   int
	Actions  []engine.Action
	Applied  bool
	Notes    []string // registrations, refusals, failures
	Refused  int      // actions the guard refused
	Observed []string // instance IDs the plan was made from
}

// ErrHalted means the controller refused to act on observations it cannot
// trust (Scalelite unreachable: no scaling in blind).
var ErrHalted = errors.New("halted")

func (c *Controller) log() *slog.Logger {
	if c.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Log
}

func (c *Controller) fail(stage string, err error) error {
	if c.Metrics != nil {
		c.Metrics.Errors.WithLabelValues(stage).Inc()
	}
	return err
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Reconcile observes, plans and (with Apply) acts once. ctx is the stop
// signal: when it ends during the act phase, the call under way finishes
// within ActGrace and the remaining actions are abandoned.
func (c *Controller) Reconcile(ctx context.Context) (*Report, error) {
	start := time.Now()
	defer func() {
		if c.Metrics != nil {
			c.Metrics.Reconcile.Observe(time.Since(start).Seconds())
		}
	}()
	now := c.Clock()
	rep := &Report{Time: now, Applied: c.Apply}
	// Observing is bounded by the reconcile deadline; acting runs on a
	// context that a stop does not cut mid-call.
	obsCtx, cancel := context.WithTimeout(ctx, orDefault(c.ReconcileTimeout, DefaultReconcileTimeout))
	defer cancel()
	actCtx, cancelAct := context.WithTimeout(context.WithoutCancel(ctx), orDefault(c.ReconcileTimeout, DefaultReconcileTimeout)+orDefault(c.ActGrace, DefaultActGrace))
	defer cancelAct()

	if c.Apply {
		rep.Notes = append(rep.Notes, c.resolveLaunches(actCtx, now)...)
	}
	view, err := c.observe(obsCtx, now)
	if err != nil {
		return nil, err
	}
	if c.Apply {
		rep.Notes = append(rep.Notes, c.forgetGone(obsCtx, view)...)
		rep.Notes = append(rep.Notes, c.register(obsCtx, view)...)
		rep.Notes = append(rep.Notes, c.alignMultipliers(obsCtx, view)...)
	}
	c.remember(view)
	obs, err := c.observation(obsCtx, now, view)
	if err != nil {
		return nil, err
	}
	for _, o := range view.servers {
		rep.Observed = append(rep.Observed, o.inst.ID)
	}
	rep.Servers, rep.Demand = len(obs.Servers), obs.Participants
	c.metrics(obs)
	rep.Actions = c.Planner.Plan(now.Unix(), obs, c.State, nil)
	c.logPlan(rep.Actions)
	c.alertNotices(obs, rep.Actions)
	c.alertCaps(obs)
	if !c.Apply {
		c.markOK()
		return rep, nil
	}
	guard := c.Planner.NewGuard(obs)
	actions := rep.Actions
	// A pool without capacity: plan again at once, as the simulator does,
	// with the servers just launched in view and the pool marked
	// unavailable, so the fallback comes now rather than a reconcile later.
	for round := 0; ; round++ {
		out := c.act(ctx, actCtx, now, actions, view, obs, guard, rep)
		if !out.noCapacity || round+1 >= engine.ReplanRounds || ctx.Err() != nil {
			break
		}
		c.refreshUnavailable(obs)
		guard.Observe(obs)
		actions = actions[:0:0]
		for _, a := range c.Planner.Plan(now.Unix(), obs, c.State, nil) {
			if a.Kind == engine.Launch {
				actions = append(actions, a)
			}
		}
		if len(actions) == 0 {
			break
		}
		c.logPlan(actions)
		rep.Actions = append(rep.Actions, actions...)
	}
	rep.Refused = guard.Refused()
	c.markOK()
	return rep, nil
}

func (c *Controller) logPlan(actions []engine.Action) {
	for _, a := range actions {
		c.log().Info("plan", "action", a.String(), "apply", c.Apply)
		if c.Metrics != nil {
			c.Metrics.Actions.WithLabelValues(a.Kind.String(), fmt.Sprint(c.Apply)).Inc()
		}
	}
}

func (c *Controller) markOK() {
	c.mu.Lock()
	c.lastOK = time.Now()
	c.mu.Unlock()
}

// Healthy reports whether a reconcile succeeded within the last window.
func (c *Controller) Healthy(window time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.lastOK.IsZero() && time.Since(c.lastOK) < window
}

func (c *Controller) metrics(obs *engine.Observation) {
	if c.Metrics == nil {
		return
	}
	c.Metrics.Servers.Reset()
	spend := 0.0
	for _, s := range obs.Servers {
		kind := "on-demand"
		switch {
		case s.External:
			kind = "manual"
		case s.Spot:
			kind = "spot"
		}
		state := s.State.String()
		if s.Held {
			state = "held"
		}
		c.Metrics.Servers.WithLabelValues(state, kind).Inc()
		spend += s.USDPerHour
		c.mu.Lock()
		if s.Interruption && !c.noticed[s.ID] {
			if c.noticed == nil {
				c.noticed = map[string]bool{}
			}
			c.noticed[s.ID] = true
			c.Metrics.Interruptions.Inc()
		}
		c.mu.Unlock()
	}
	c.Metrics.SpendRate.Set(spend)
	c.Metrics.Demand.Set(float64(obs.Participants))
}
