package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/model"
)

// FleetAPI is what the controller needs of EC2; *Fleet has it.
type FleetAPI interface {
	Name() string
	Instances(ctx context.Context) ([]Instance, error)
	Launch(ctx context.Context, req LaunchRequest) ([]string, error)
	Terminate(ctx context.Context, ids ...string) error
	Tag(ctx context.Context, id, key, value string) error
}

// ScaleliteAPI is what the controller needs of Scalelite; *Scalelite has it.
type ScaleliteAPI interface {
	Servers(ctx context.Context) ([]ScaleliteServer, error)
	AddServer(ctx context.Context, bbbURL, secret string, loadMultiplier float64, tag string) (ScaleliteServer, error)
	SetState(ctx context.Context, id, state string) error
	DeleteServer(ctx context.Context, id string) error
}

// TagCordoned marks a server Scalite cordoned: Scalelite turns a cordoned
// server "disabled" once it is empty, and this tells the two apart from a
// new server that was never enabled.
const TagCordoned = "scalite:cordoned"

// Controller runs the engine on a real fleet. Its state lives in EC2 tags
// and Scalelite, so a restarted controller carries on where it stopped;
// only the engine's idle timers and learnt profile start afresh.
type Controller struct {
	Fleet     FleetAPI
	Scalelite ScaleliteAPI
	// BBB opens a server's BBB API (URL and secret as Scalelite lists them).
	BBB func(url, secret string) (MeetingEnder, error)
	// Prices returns the current spot price per market.
	Prices  func(ctx context.Context, markets []model.MarketKey, now time.Time) (map[model.MarketKey]float64, error)
	Planner *engine.Planner
	State   *engine.State
	// BBBURL derives a new server's BBB API URL from its instance.
	BBBURL func(Instance) string
	// BBBSecret is the shared secret of the fleet's BBB servers (from a file).
	BBBSecret string
	Apply     bool
	Clock     func() time.Time
	Log       *slog.Logger
	Metrics   *Metrics

	mu          sync.Mutex
	unavailable map[model.MarketKey]time.Time
	noticed     map[string]bool
	lastOK      time.Time
}

// Report is what one reconcile saw and did.
type Report struct {
	Time     time.Time
	Servers  int
	Demand   int
	Actions  []engine.Action
	Applied  bool
	Notes    []string // registrations and guard-rail refusals
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

// observed is one server as the controller assembled it.
type observed struct {
	inst       Instance
	sl         *ScaleliteServer
	meetings   []BBBMeeting
	unreadable bool
}

// Reconcile observes, plans and (with Apply) acts once.
func (c *Controller) Reconcile(ctx context.Context) (*Report, error) {
	start := time.Now()
	now := c.Clock()
	rep := &Report{Time: now, Applied: c.Apply}
	defer func() {
		if c.Metrics != nil {
			c.Metrics.Reconcile.Observe(time.Since(start).Seconds())
		}
	}()
	insts, err := c.Fleet.Instances(ctx)
	if err != nil {
		return nil, c.fail("ec2", err)
	}
	servers, err := c.Scalelite.Servers(ctx)
	if err != nil {
		if c.Metrics != nil {
			c.Metrics.Halted.Set(1)
		}
		c.log().Error("Scalelite unreachable: not acting (no scaling in blind)", "err", err)
		return nil, c.fail("scalelite", fmt.Errorf("%w: Scalelite unreachable: %v", ErrHalted, err))
	}
	if c.Metrics != nil {
		c.Metrics.Halted.Set(0)
	}
	byURL := map[string]*ScaleliteServer{}
	byID := map[string]*ScaleliteServer{}
	for i := range servers {
		byURL[strings.TrimRight(servers[i].URL, "/")] = &servers[i]
		byID[servers[i].ID] = &servers[i]
	}
	obsv := make([]observed, 0, len(insts))
	for _, in := range insts {
		o := observed{inst: in}
		if id := in.Tags[TagScaleliteID]; id != "" {
			o.sl = byID[id]
		}
		if o.sl == nil {
			o.sl = byURL[strings.TrimRight(c.BBBURL(in), "/")]
		}
		if o.sl != nil {
			if bbb, err := c.BBB(o.sl.URL, o.sl.Secret); err == nil {
				if o.meetings, err = bbb.Meetings(ctx); err != nil {
					o.unreadable = true
					c.fail("bbb", err)
					c.log().Warn("BBB server unreadable: treated as busy", "instance", in.ID, "err", err)
				}
			}
		}
		obsv = append(obsv, o)
		rep.Observed = append(rep.Observed, in.ID)
	}
	if c.Apply {
		rep.Notes = append(rep.Notes, c.register(ctx, now, obsv)...)
	}
	obs, err := c.observation(ctx, now, obsv)
	if err != nil {
		return nil, err
	}
	rep.Servers, rep.Demand = len(obs.Servers), obs.Participants
	c.metrics(obs)
	rep.Actions = c.Planner.Plan(now.Unix(), obs, c.State, nil)
	for _, a := range rep.Actions {
		c.log().Info("plan", "action", a.String(), "apply", c.Apply)
		if c.Metrics != nil {
			c.Metrics.Actions.WithLabelValues(a.Kind.String(), fmt.Sprint(c.Apply)).Inc()
		}
	}
	if c.Apply {
		notes, out := c.act(ctx, now, rep.Actions, obsv, rep.Observed)
		rep.Notes = append(rep.Notes, notes...)
		// A pool without capacity: plan again at once, as the simulator does,
		// with the servers just launched in the view and the pool marked
		// unavailable, so the fallback comes now rather than a reconcile later.
		observed := rep.Observed
		for round := 0; round < 3 && out.noCapacity; round++ {
			c.addLaunched(obs, out.launched)
			for _, l := range out.launched {
				observed = append(observed, l.ids...)
			}
			c.refreshPools(obs)
			var launches []engine.Action
			for _, a := range c.Planner.Plan(now.Unix(), obs, c.State, nil) {
				if a.Kind == engine.Launch {
					launches = append(launches, a)
				}
			}
			if len(launches) == 0 {
				break
			}
			rep.Actions = append(rep.Actions, launches...)
			notes, out = c.act(ctx, now, launches, obsv, observed)
			rep.Notes = append(rep.Notes, notes...)
		}
	}
	c.mu.Lock()
	c.lastOK = time.Now()
	c.mu.Unlock()
	return rep, nil
}

// register adds running servers whose BBB answers to Scalelite (created
// disabled; the engine enables them).
func (c *Controller) register(ctx context.Context, now time.Time, obsv []observed) []string {
	var notes []string
	for i := range obsv {
		o := &obsv[i]
		if o.sl != nil || o.inst.State != "running" {
			continue
		}
		url := c.BBBURL(o.inst)
		bbb, err := c.BBB(url, c.BBBSecret)
		if err != nil {
			continue
		}
		if _, err := bbb.Meetings(ctx); err != nil {
			continue // BBB not up yet
		}
		srv, err := c.Scalelite.AddServer(ctx, url, c.BBBSecret, 1, o.inst.Tags[TagServerTag])
		if err != nil {
			notes = append(notes, fmt.Sprintf("register %s: %v", o.inst.ID, err))
			c.fail("scalelite", err)
			continue
		}
		if err := c.Fleet.Tag(ctx, o.inst.ID, TagScaleliteID, srv.ID); err != nil {
			c.fail("ec2", err)
		}
		o.sl = &srv
		notes = append(notes, fmt.Sprintf("registered %s in Scalelite as %s", o.inst.ID, srv.ID))
	}
	return notes
}

func parseNotice(v string) (kind string, at time.Time, ok bool) {
	kind, ts, found := strings.Cut(v, "@")
	if !found {
		return "", time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, ts)
	return kind, t, err == nil
}

// observation turns what EC2, Scalelite and BBB said into the engine's view.
func (c *Controller) observation(ctx context.Context, now time.Time, obsv []observed) (*engine.Observation, error) {
	pol := c.Planner.Policy()
	types := map[string]model.InstanceType{}
	for _, t := range pol.SpotTypes {
		types[t.Name] = t
	}
	if pol.OnDemandType.Name != "" {
		types[pol.OnDemandType.Name] = pol.OnDemandType
	}
	pools := c.Planner.Pools()
	prices, err := c.Prices(ctx, pools, now)
	if err != nil {
		return nil, c.fail("prices", err)
	}
	obs := &engine.Observation{Pools: make([]engine.Pool, len(pools))}
	c.mu.Lock()
	for i, k := range pools {
		obs.Pools[i] = engine.Pool{USDPerHour: prices[k]}
		if until, ok := c.unavailable[k]; ok {
			obs.Pools[i].UnavailableUntil = until.Unix()
		}
	}
	c.mu.Unlock()
	for _, o := range obsv {
		in := o.inst
		t, ok := types[in.Type]
		if !ok {
			t = model.InstanceType{Name: in.Type, CapacityUsers: 1, OnDemandUSDPerHour: 0}
		}
		s := engine.Server{ID: in.ID, Type: in.Type, AZ: in.AZ, Spot: in.Spot, Pool: -1, Tag: in.Tags[TagServerTag],
			CapacityUsers: t.CapacityUsers, LaunchedAt: in.LaunchTime.Unix(), USDPerHour: t.OnDemandUSDPerHour}
		if in.Spot {
			s.Pool = c.Planner.PoolIndex(model.MarketKey{InstanceType: in.Type, AZ: in.AZ})
			if s.Pool >= 0 {
				s.USDPerHour = prices[pools[s.Pool]]
			}
		}
		switch {
		case in.State == "pending":
			s.State = engine.Pending
		case o.sl == nil:
			s.State = engine.Booting
		case o.sl.State == "enabled":
			s.State = engine.Enabled
		case o.sl.State == "cordoned" || in.Tags[TagCordoned] == "1":
			s.State = engine.Cordoned
		default:
			s.State = engine.Ready
		}
		for _, m := range o.meetings {
			if m.IsBreakout {
				continue
			}
			s.Meetings++
			s.Participants += m.ParticipantCount
			obs.Participants += m.ParticipantCount
			if c.Planner.IsLargeMeeting(m.ParticipantCount) {
				obs.LargeParticipants += m.ParticipantCount
			}
		}
		if o.unreadable {
			s.Meetings = max(s.Meetings, 1) // unknown: assume busy, never retire blind
		}
		fmt.Sscan(in.Tags[TagRecordings], &s.Recordings)
		if kind, at, ok := parseNotice(in.Tags[TagNotice]); ok {
			switch kind {
			case "rebalance":
				s.Rebalance, s.RebalanceAt = true, at.Unix()
			case "interruption":
				s.Interruption, s.TerminationAt = true, at.Unix()
			}
		}
		s.MeetingsEnded = in.Tags[TagMeetingsEnd] != ""
		obs.Servers = append(obs.Servers, s)
	}
	return obs, nil
}

func (c *Controller) metrics(obs *engine.Observation) {
	if c.Metrics == nil {
		return
	}
	c.Metrics.Servers.Reset()
	spend := 0.0
	for _, s := range obs.Servers {
		kind := "on-demand"
		if s.Spot {
			kind = "spot"
		}
		c.Metrics.Servers.WithLabelValues(s.State.String(), kind).Inc()
		spend += s.USDPerHour
		if s.Interruption && !c.noticed[s.ID] {
			if c.noticed == nil {
				c.noticed = map[string]bool{}
			}
			c.noticed[s.ID] = true
			c.Metrics.Interruptions.Inc()
		}
	}
	c.Metrics.SpendRate.Set(spend)
	c.Metrics.Demand.Set(float64(obs.Participants))
}

// launchedServers are one launch action's new instances.
type launchedServers struct {
	ids []string
	req LaunchRequest
}

// actOutcome is what acting did that a re-plan needs to know.
type actOutcome struct {
	launched   []launchedServers
	noCapacity bool
}

// addLaunched puts just-launched instances into the observation as pending.
func (c *Controller) addLaunched(obs *engine.Observation, launched []launchedServers) {
	pol := c.Planner.Policy()
	for _, l := range launched {
		t := pol.OnDemandType
		for _, st := range pol.SpotTypes {
			if l.req.Spot && st.Name == l.req.Type {
				t = st
			}
		}
		pool := -1
		if l.req.Spot {
			pool = c.Planner.PoolIndex(model.MarketKey{InstanceType: l.req.Type, AZ: l.req.AZ})
		}
		for _, id := range l.ids {
			obs.Servers = append(obs.Servers, engine.Server{ID: id, Type: l.req.Type, AZ: l.req.AZ, Pool: pool, Spot: l.req.Spot,
				Tag: l.req.ServerTag, State: engine.Pending, CapacityUsers: t.CapacityUsers, USDPerHour: t.OnDemandUSDPerHour})
		}
	}
}

// refreshPools copies what acting learnt about pools into the observation.
func (c *Controller) refreshPools(obs *engine.Observation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, k := range c.Planner.Pools() {
		if until, ok := c.unavailable[k]; ok {
			obs.Pools[i].UnavailableUntil = until.Unix()
		}
	}
}

// act carries out the plan with guard rails: nothing untagged is touched
// (every server comes from the fleet's tag filter), no server with meetings
// is terminated unless AWS is reclaiming it, and launches stay within the
// fleet cap even if a plan said otherwise.
func (c *Controller) act(ctx context.Context, now time.Time, actions []engine.Action, obsv []observed, observedIDs []string) ([]string, actOutcome) {
	var notes []string
	var out actOutcome
	byID := map[string]*observed{}
	for i := range obsv {
		byID[obsv[i].inst.ID] = &obsv[i]
	}
	pol := c.Planner.Policy()
	// Servers AWS is reclaiming do not count against fleet.max, as in the
	// engine; servers launched by an earlier round of this reconcile do.
	fleetSize := len(observedIDs) - len(obsv)
	for _, o := range obsv {
		if kind, _, ok := parseNotice(o.inst.Tags[TagNotice]); !ok || kind != "interruption" {
			fleetSize++
		}
	}
	ordinal := 0
	for _, a := range actions {
		switch a.Kind {
		case engine.Launch:
			if fleetSize+a.Count > pol.Max {
				notes = append(notes, fmt.Sprintf("refused: launch of %d would exceed fleet.max %d", a.Count, pol.Max))
				continue
			}
			req := LaunchRequest{Type: a.Type, AZ: a.AZ, Spot: a.Spot, MaxPrice: a.MaxPrice, Count: a.Count, ServerTag: a.Tag}
			req.ClientToken = ClientToken(c.Fleet.Name(), observedIDs, req, ordinal)
			ordinal++
			ids, err := c.Fleet.Launch(ctx, req)
			if errors.Is(err, ErrNoCapacity) {
				c.mu.Lock()
				if c.unavailable == nil {
					c.unavailable = map[model.MarketKey]time.Time{}
				}
				c.unavailable[model.MarketKey{InstanceType: a.Type, AZ: a.AZ}] = now.Add(time.Duration(pol.UnavailableFor) * time.Second)
				c.mu.Unlock()
				out.noCapacity = true
			}
			if err != nil {
				c.fail("ec2", err)
				notes = append(notes, err.Error())
				continue
			}
			fleetSize += len(ids)
			out.launched = append(out.launched, launchedServers{ids: ids, req: req})
			notes = append(notes, fmt.Sprintf("launched %v", ids))
		case engine.Enable, engine.Cordon:
			o := byID[a.Server]
			if o == nil || o.sl == nil {
				continue
			}
			state, tag := "enable", "0"
			if a.Kind == engine.Cordon {
				state, tag = "cordon", "1"
			}
			if err := c.Scalelite.SetState(ctx, o.sl.ID, state); err != nil {
				c.fail("scalelite", err)
				notes = append(notes, err.Error())
				continue
			}
			if err := c.Fleet.Tag(ctx, a.Server, TagCordoned, tag); err != nil {
				c.fail("ec2", err)
			}
		case engine.EndMeetings:
			o := byID[a.Server]
			if o == nil || o.sl == nil {
				continue
			}
			bbb, err := c.BBB(o.sl.URL, o.sl.Secret)
			if err == nil {
				for _, m := range o.meetings {
					if err := bbb.End(ctx, m.MeetingID); err != nil {
						notes = append(notes, err.Error())
					}
				}
			}
			c.Fleet.Tag(ctx, a.Server, TagMeetingsEnd, now.UTC().Format(time.RFC3339))
		case engine.Terminate:
			o := byID[a.Server]
			if o == nil || o.inst.Tags[TagFleet] != c.Fleet.Name() {
				notes = append(notes, fmt.Sprintf("refused: %s is not a tagged server of fleet %s", a.Server, c.Fleet.Name()))
				continue
			}
			if o.unreadable || len(o.meetings) > 0 {
				notes = append(notes, fmt.Sprintf("refused: %s still has meetings (or cannot be read)", a.Server))
				continue
			}
			if o.sl != nil {
				if err := c.Scalelite.DeleteServer(ctx, o.sl.ID); err != nil {
					c.fail("scalelite", err)
					notes = append(notes, err.Error())
					continue
				}
			}
			if err := c.Fleet.Terminate(ctx, a.Server); err != nil {
				c.fail("ec2", err)
				notes = append(notes, err.Error())
				continue
			}
			notes = append(notes, "terminated "+a.Server)
		}
	}
	return notes, out
}

// Healthy reports whether a reconcile succeeded within the last window.
func (c *Controller) Healthy(window time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.lastOK.IsZero() && time.Since(c.lastOK) < window
}
