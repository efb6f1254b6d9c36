package live

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/model"
)

// observed is one fleet instance as the controller assembled it.
type observed struct {
	inst       Instance
	sl         *ScaleliteServer
	meetings   []BBBMeeting
	unreadable bool
	// inFlight: launched (the journal has EC2's answer) but not listed by
	// DescribeInstances yet.
	inFlight bool
}

// manualServer is a server registered in Scalelite without a Scalite
// instance behind it: never touched, but its meetings are demand and its
// capacity is capacity.
type manualServer struct {
	sl         ScaleliteServer
	meetings   []BBBMeeting
	unreadable bool
}

// fleetView is what EC2, Scalelite and the BBB servers said.
type fleetView struct {
	servers []observed
	manual  []manualServer
	// forget are Scalelite entries of the fleet's instances that EC2 has
	// terminated (reclaimed by AWS, or by an operator): Scalite's to remove.
	forget []goneServer
}

type goneServer struct {
	instance string
	sl       ScaleliteServer
}

func (v *fleetView) byID(id string) *observed {
	for i := range v.servers {
		if v.servers[i].inst.ID == id {
			return &v.servers[i]
		}
	}
	return nil
}

func trimURL(u string) string { return strings.TrimRight(u, "/") }

// observe reads EC2, Scalelite and every server's meetings. A Scalelite
// that cannot be read halts the reconcile: nothing is done in blind. An
// empty Scalelite (getServers 404 "No servers are configured") is an empty
// fleet, not an outage.
func (c *Controller) observe(ctx context.Context, now time.Time) (*fleetView, error) {
	insts, err := c.Fleet.Instances(ctx)
	if err != nil {
		return nil, c.fail("ec2", err)
	}
	servers, err := c.Scalelite.Servers(ctx)
	if err != nil {
		if c.Metrics != nil {
			c.Metrics.Halted.Set(1)
		}
		c.log().Error("Scalelite unreadable: not acting (no scaling in blind)", "err", err)
		c.alert(Alert{Kind: AlertHalt, What: "Scalelite unreadable: " + err.Error(), Action: "halted: nothing is launched, cordoned or terminated until it answers"})
		return nil, c.fail("scalelite", fmt.Errorf("%w: Scalelite unreadable: %w", ErrHalted, err))
	}
	if c.Metrics != nil {
		c.Metrics.Halted.Set(0)
	}
	byURL := map[string]*ScaleliteServer{}
	byID := map[string]*ScaleliteServer{}
	for i := range servers {
		byURL[trimURL(servers[i].URL)] = &servers[i]
		byID[servers[i].ID] = &servers[i]
	}
	claimed := map[string]bool{}
	view := &fleetView{servers: make([]observed, 0, len(insts))}
	visible := map[string]bool{}
	for _, in := range insts {
		visible[in.ID] = true
		o := observed{inst: in}
		if id := in.Tags[TagScaleliteID]; id != "" {
			o.sl = byID[id]
		}
		if o.sl == nil {
			o.sl = byURL[trimURL(c.BBBURL(in))]
		}
		if o.sl != nil {
			claimed[o.sl.ID] = true
		}
		view.servers = append(view.servers, o)
	}
	// Launches EC2 answered but does not list yet count as pending, so a
	// describe lag neither duplicates a launch nor forgets one.
	if c.Journal != nil {
		flying, err := c.Journal.InFlight(visible, now)
		if err != nil {
			c.fail("journal", err)
			c.log().Error("launch journal", "err", err)
		}
		for _, l := range flying {
			for _, id := range l.IDs {
				view.servers = append(view.servers, observed{inFlight: true, inst: Instance{ID: id, Type: l.Request.Type, AZ: l.Request.AZ,
					State: "pending", Spot: l.Request.Spot, LaunchTime: l.Created, Tags: map[string]string{TagServerTag: l.Request.ServerTag}}})
			}
		}
	}
	gone, err := c.Fleet.Gone(ctx)
	if err != nil {
		return nil, c.fail("ec2", err)
	}
	c.recordGone(gone)
	goneByServer := map[string]string{}
	for _, in := range gone {
		if id := in.Tags[TagScaleliteID]; id != "" {
			goneByServer[id] = in.ID
		}
		if sl := byURL[trimURL(c.BBBURL(in))]; sl != nil {
			goneByServer[sl.ID] = in.ID
		}
	}
	for i := range servers {
		switch {
		case claimed[servers[i].ID]:
		case goneByServer[servers[i].ID] != "":
			view.forget = append(view.forget, goneServer{instance: goneByServer[servers[i].ID], sl: servers[i]})
		default:
			view.manual = append(view.manual, manualServer{sl: servers[i]})
		}
	}
	c.readMeetings(ctx, view)
	return view, nil
}

// readMeetings reads every registered server's meetings in parallel, each
// bounded by BBBTimeout, so a slow BBB delays only its own data. A server
// that cannot be read is marked unreadable: busy, demand unknown.
func (c *Controller) readMeetings(ctx context.Context, view *fleetView) {
	type job struct {
		sl         *ScaleliteServer
		meetings   *[]BBBMeeting
		unreadable *bool
		who        string
	}
	var jobs []job
	for i := range view.servers {
		o := &view.servers[i]
		if o.sl != nil {
			jobs = append(jobs, job{o.sl, &o.meetings, &o.unreadable, o.inst.ID})
		}
	}
	for i := range view.manual {
		m := &view.manual[i]
		jobs = append(jobs, job{&m.sl, &m.meetings, &m.unreadable, "scalelite:" + m.sl.ID})
	}
	sem := make(chan struct{}, bbbReaders)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func(j job) {
			defer wg.Done()
			defer func() { <-sem }()
			rctx, cancel := context.WithTimeout(ctx, orDefault(c.BBBTimeout, DefaultBBBTimeout))
			defer cancel()
			bbb, err := c.BBB(j.sl.URL, j.sl.Secret)
			if err == nil {
				*j.meetings, err = bbb.Meetings(rctx)
			}
			if err != nil {
				*j.unreadable = true
				c.fail("bbb", err)
				c.log().Warn("BBB server unreadable: taken as busy, scale-in holds", "server", j.who, "err", Scrub(err.Error(), j.sl.Secret, c.BBBSecret))
			}
		}(j)
	}
	wg.Wait()
}

// forgetGone removes from Scalelite the servers of the fleet's instances
// that EC2 terminated: their meetings went with them, and an entry left
// behind would be polled, panicked and counted as someone else's forever.
func (c *Controller) forgetGone(ctx context.Context, view *fleetView) []string {
	var notes []string
	for _, g := range view.forget {
		if err := c.Scalelite.DeleteServer(ctx, g.sl.ID); err != nil {
			c.fail("scalelite", err)
			notes = append(notes, fmt.Sprintf("removing the Scalelite entry of terminated %s: %v", g.instance, err))
			continue
		}
		notes = append(notes, fmt.Sprintf("removed the Scalelite entry %s of terminated %s", g.sl.ID, g.instance))
	}
	return notes
}

// loadMultiplier is the Scalelite load_multiplier of a type: Scalelite
// places on load × multiplier, and the type's (1 for an 8-vCPU server,
// 0.5 for 16) makes equal loads equal shares of capacity in a fleet of
// mixed sizes.
func (c *Controller) loadMultiplier(typ string) float64 {
	t, _ := c.instanceType(typ)
	return model.DefaultLoadModel().LoadMultiplier(t.CapacityLoad)
}

// alignMultipliers sets the load_multiplier of Scalite's own registered
// servers whose multiplier is not their type's (registered before
// multipliers were set, or by an older Scalite); held and hand-registered
// servers are left as they are.
func (c *Controller) alignMultipliers(ctx context.Context, view *fleetView) []string {
	var notes []string
	for i := range view.servers {
		o := &view.servers[i]
		if o.sl == nil {
			continue
		}
		if _, held := serverState(o); held {
			continue
		}
		want := c.loadMultiplier(o.inst.Type)
		if math.Abs(o.sl.Multiplier()-want) < 1e-6 {
			continue
		}
		if err := c.Scalelite.SetLoadMultiplier(ctx, o.sl.ID, want); err != nil {
			c.fail("scalelite", err)
			notes = append(notes, fmt.Sprintf("load_multiplier of %s: %v", o.inst.ID, err))
			continue
		}
		notes = append(notes, fmt.Sprintf("load_multiplier of %s set to %g (%s)", o.inst.ID, want, o.inst.Type))
	}
	return notes
}

// register adds running servers whose BBB answers to Scalelite (created
// disabled and offline; the engine enables them) and records, in a tag,
// that Scalite registered them.
func (c *Controller) register(ctx context.Context, view *fleetView) []string {
	var notes []string
	for i := range view.servers {
		o := &view.servers[i]
		if o.sl != nil || o.inFlight || o.inst.State != "running" {
			continue
		}
		url := c.BBBURL(o.inst)
		bbb, err := c.BBB(url, c.BBBSecret)
		if err != nil {
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, orDefault(c.BBBTimeout, DefaultBBBTimeout))
		_, err = bbb.Meetings(rctx)
		cancel()
		if err != nil {
			continue // BBB not up yet
		}
		if err := c.Fleet.Tag(ctx, o.inst.ID, TagState, "registered"); err != nil {
			// Without the tag the server would look like an operator's.
			notes = append(notes, fmt.Sprintf("register %s: %v", o.inst.ID, err))
			c.fail("ec2", err)
			continue
		}
		// Scalelite places on load × load_multiplier: the type's multiplier
		// (1 for an 8-vCPU server, 0.5 for 16) makes equal loads equal
		// shares of capacity in a fleet of mixed sizes.
		srv, err := c.Scalelite.AddServer(ctx, url, c.BBBSecret, c.loadMultiplier(o.inst.Type), o.inst.Tags[TagServerTag])
		if err != nil {
			notes = append(notes, fmt.Sprintf("register %s: %v", o.inst.ID, err))
			c.fail("scalelite", err)
			continue
		}
		if err := c.Fleet.Tag(ctx, o.inst.ID, TagScaleliteID, srv.ID); err != nil {
			// Found again by URL next time.
			c.fail("ec2", err)
			notes = append(notes, fmt.Sprintf("tag %s with its Scalelite ID: %v", o.inst.ID, err))
		}
		o.inst.Tags[TagState] = "registered"
		o.sl = &srv
		notes = append(notes, fmt.Sprintf("registered %s in Scalelite as %s", o.inst.ID, srv.ID))
	}
	return notes
}

// serverState maps EC2 and Scalelite onto the engine's lifecycle, and says
// whether an operator holds the server: Scalite records the state it set
// last (TagState); a server whose Scalelite state differs from it (other
// than the poller disabling a drained cordoned server) was changed by an
// operator (rake servers:cordon|disable|panic, or the API) and is left
// alone.
func serverState(o *observed) (st engine.ServerState, held bool) {
	in, sl := &o.inst, o.sl
	switch {
	case in.State == "pending":
		return engine.Pending, false
	case sl == nil:
		return engine.Booting, false
	}
	mine := in.Tags[TagState]
	if mine == "" {
		// Registered by a controller from before TagState: adopt what it
		// would have recognised (enabled, or cordoned by it); hold the rest.
		switch {
		case sl.State == "enabled":
			mine = "enabled"
		case in.Tags[TagCordoned] == "1":
			mine = "cordoned"
		default:
			return engine.Ready, true
		}
	}
	switch {
	case mine == "registered" && sl.State == "disabled":
		return engine.Ready, false
	case mine == "enabled" && sl.State == "enabled":
		if !sl.IsOnline() {
			return engine.Offline, false
		}
		return engine.Enabled, false
	case mine == "cordoned" && (sl.State == "cordoned" || sl.State == "disabled"):
		// Scalelite's poller disables a cordoned server once it is empty
		// (lib/tasks/poll.rake): still drained by us.
		return engine.Cordoned, false
	}
	switch sl.State {
	case "enabled":
		if !sl.IsOnline() {
			return engine.Offline, true
		}
		return engine.Enabled, true
	case "cordoned":
		return engine.Cordoned, true
	}
	return engine.Ready, true
}

// recordings reads the agent's count of recordings still processing; a
// value that is not a count is reported (false) and taken as one, so the
// server is not retired on it.
func recordings(tags map[string]string) (int, bool) {
	v := tags[TagRecordings]
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 1, false
	}
	return n, true
}

func parseTime(v string) (int64, bool) {
	if v == "" {
		return 0, false
	}
	t, err := time.Parse(time.RFC3339, v)
	return t.Unix(), err == nil
}

// notices reads the agent's and the queue's notice tags: an interruption
// and a rebalance recommendation in tags of their own, so that neither
// overwrites the other. The single tag of older agents is still read.
func notices(tags map[string]string) (interruptionAt int64, interrupted bool, rebalanceAt int64, rebalanced bool) {
	interruptionAt, interrupted = parseTime(tags[TagInterruption])
	rebalanceAt, rebalanced = parseTime(tags[TagRebalance])
	if kind, ts, ok := strings.Cut(tags[TagNotice], "@"); ok {
		if t, ok := parseTime(ts); ok {
			switch kind {
			case "interruption":
				if !interrupted {
					interruptionAt, interrupted = t, true
				}
			case "rebalance":
				if !rebalanced {
					rebalanceAt, rebalanced = t, true
				}
			}
		}
	}
	return interruptionAt, interrupted, rebalanceAt, rebalanced
}

// observation turns the view into the engine's. Every instance counts at
// its real price: a type outside the catalog stops scale-out (the spend
// cap cannot be kept) and is reported.
func (c *Controller) observation(ctx context.Context, now time.Time, view *fleetView) (*engine.Observation, error) {
	pol := c.Planner.Policy()
	pools := c.Planner.Pools()
	prices, err := c.Prices(ctx, pools, now)
	if err != nil {
		return nil, c.fail("prices", err)
	}
	obs := &engine.Observation{Pools: make([]engine.Pool, len(pools)), OnDemandUnavailableUntil: make([]int64, len(pol.AZs))}
	for i, k := range pools {
		obs.Pools[i] = engine.Pool{USDPerHour: prices[k]}
	}
	c.refreshUnavailable(obs)
	var demand model.LoadTally // the meetings' media, with the load model
	for i := range view.servers {
		o := &view.servers[i]
		in := o.inst
		t, known := c.instanceType(in.Type)
		if !known {
			obs.SpendUnknown = true
			c.fail("unknown_type", fmt.Errorf("instance type %s", in.Type))
			c.log().Error("fleet instance of a type without a known price: scale-out stops", "instance", in.ID, "type", in.Type)
		}
		s := engine.Server{ID: in.ID, Type: in.Type, AZ: in.AZ, Spot: in.Spot, Pool: -1, Tag: in.Tags[TagServerTag],
			CapacityUsers: t.CapacityUsers, LaunchedAt: in.LaunchTime.Unix(), USDPerHour: t.OnDemandUSDPerHour}
		if in.Spot {
			// A spot instance costs at most its max price, which defaults
			// to the on-demand price: outside the policy's pools that is
			// the bound the spend cap counts.
			s.Pool = c.Planner.PoolIndex(model.MarketKey{InstanceType: in.Type, AZ: in.AZ})
			if s.Pool >= 0 && prices[pools[s.Pool]] > 0 {
				s.USDPerHour = prices[pools[s.Pool]]
			}
		}
		s.State, s.Held = serverState(o)
		s.Meetings, s.Participants = meetingLoad(o.meetings)
		obs.Participants += s.Participants
		demand.Add(mediaTally(o.meetings))
		obs.LargeParticipants += c.largeParticipants(o.meetings)
		// Unknown meetings: the engine takes the server as busy (never
		// retired or cordoned for scale-in blind) and holds scale-in.
		s.Unreadable = o.unreadable
		n, ok := recordings(in.Tags)
		if !ok {
			c.log().Warn("bad recordings tag: taken as one recording processing", "instance", in.ID, "value", in.Tags[TagRecordings])
		}
		s.Recordings = n
		s.TerminationAt, s.Interruption, s.RebalanceAt, s.Rebalance = notices(in.Tags)
		s.MeetingsEnded = in.Tags[TagMeetingsEnd] != ""
		obs.Servers = append(obs.Servers, s)
	}
	manualCap := c.ManualCapacity
	if manualCap <= 0 {
		manualCap = pol.OnDemandType.CapacityUsers
	}
	for _, m := range view.manual {
		s := engine.Server{ID: "scalelite:" + m.sl.ID, Pool: -1, External: true, Held: true, CapacityUsers: manualCap, Tag: m.sl.Tag}
		switch {
		case m.sl.State == "enabled" && m.sl.IsOnline():
			s.State = engine.Enabled
		case m.sl.State == "enabled":
			s.State = engine.Offline
		default:
			s.State = engine.Cordoned
		}
		s.Meetings, s.Participants = meetingLoad(m.meetings)
		s.Unreadable = m.unreadable && m.sl.State != "disabled"
		obs.Participants += s.Participants
		demand.Add(mediaTally(m.meetings))
		obs.LargeParticipants += c.largeParticipants(m.meetings)
		obs.Servers = append(obs.Servers, s)
	}
	if c.Load != nil {
		// As the simulator does: the engine is told the demand's load per
		// participant, and each of Scalite's servers holds its type's load
		// capacity, less its recordings' processing, in participants of
		// that mix. Servers registered by hand keep manual capacity.
		rho := c.Load.DemandLoadPerParticipant(demand)
		obs.LoadPerParticipant = rho
		for i := range obs.Servers {
			s := &obs.Servers[i]
			if s.External {
				continue
			}
			if t, ok := c.instanceType(s.Type); ok && t.CapacityLoad > 0 {
				s.CapacityUsers = c.Load.ServerCapacityUsers(t.CapacityLoad, s.Recordings, rho)
			}
		}
	}
	return obs, nil
}

// largeParticipants is the part of a server's participants that is in
// large meetings (engine's IsLargeMeeting, which the simulator asks too);
// breakout rooms are not counted.
func (c *Controller) largeParticipants(ms []BBBMeeting) int {
	n := 0
	for _, m := range countedMeetings(ms) {
		if c.Planner.IsLargeMeeting(m.ParticipantCount) {
			n += m.ParticipantCount
		}
	}
	return n
}

// instanceType looks a type up in the policy (its types carry the
// configuration's capacity overrides, as the simulator's do), then in the
// catalog.
func (c *Controller) instanceType(name string) (model.InstanceType, bool) {
	if t, ok := c.Planner.Policy().Type(name); ok {
		return t, true
	}
	if c.Types != nil {
		if t, ok := c.Types(name); ok {
			return t, true
		}
	}
	return model.InstanceType{Name: name}, false
}

// refreshUnavailable copies what launches learnt about pools and zones
// into the observation.
func (c *Controller) refreshUnavailable(obs *engine.Observation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, k := range c.Planner.Pools() {
		if until, ok := c.unavailable[k]; ok {
			obs.Pools[i].UnavailableUntil = until.Unix()
		}
	}
	for i, az := range c.Planner.Policy().AZs {
		if until, ok := c.odUnavailable[az]; ok && i < len(obs.OnDemandUnavailableUntil) {
			obs.OnDemandUnavailableUntil[i] = until.Unix()
		}
	}
}

// markUnavailable avoids a pool (spot) or a zone (on-demand) for a while.
func (c *Controller) markUnavailable(req LaunchRequest, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if req.Spot {
		if c.unavailable == nil {
			c.unavailable = map[model.MarketKey]time.Time{}
		}
		c.unavailable[model.MarketKey{InstanceType: req.Type, AZ: req.AZ}] = until
		return
	}
	if c.odUnavailable == nil {
		c.odUnavailable = map[string]time.Time{}
	}
	c.odUnavailable[req.AZ] = until
}

// addLaunched puts just-launched instances into the observation as pending.
func (c *Controller) addLaunched(obs *engine.Observation, now time.Time, launched []LaunchIntent) {
	for _, l := range launched {
		t, _ := c.instanceType(l.Request.Type)
		pool := -1
		price := t.OnDemandUSDPerHour
		if l.Request.Spot {
			pool = c.Planner.PoolIndex(model.MarketKey{InstanceType: l.Request.Type, AZ: l.Request.AZ})
			if pool >= 0 && obs.Pools[pool].USDPerHour > 0 {
				price = obs.Pools[pool].USDPerHour
			}
		}
		for _, id := range l.IDs {
			obs.Servers = append(obs.Servers, engine.Server{ID: id, Type: l.Request.Type, AZ: l.Request.AZ, Pool: pool, Spot: l.Request.Spot,
				Tag: l.Request.ServerTag, State: engine.Pending, CapacityUsers: t.CapacityUsers, USDPerHour: price, LaunchedAt: now.Unix()})
		}
	}
}

// resolveLaunches sends again, with their tokens, the launches whose
// answer was lost (timeout, stop, crash): EC2 answers with the original
// reservation if the first call went through, and launches it otherwise.
func (c *Controller) resolveLaunches(ctx context.Context, now time.Time) []string {
	if c.Journal == nil {
		return nil
	}
	pending, err := c.Journal.Unresolved(now)
	if err != nil {
		c.fail("journal", err)
		return []string{err.Error()}
	}
	var notes []string
	for _, in := range pending {
		ids, err := c.Fleet.Launch(ctx, in.Request)
		switch {
		case err == nil:
			if jerr := c.Journal.Launched(in.Token, ids); jerr != nil {
				notes = append(notes, jerr.Error())
			}
			for _, id := range ids {
				c.record("launch", id, in.Request.Type, in.Request.AZ, in.Request.Spot)
			}
			notes = append(notes, fmt.Sprintf("launch %s resolved: %v", in.Token, ids))
		case isRefusal(err):
			if jerr := c.Journal.Refused(in.Token); jerr != nil {
				notes = append(notes, jerr.Error())
			}
			notes = append(notes, fmt.Sprintf("launch %s refused: %v", in.Token, err))
		default:
			notes = append(notes, fmt.Sprintf("launch %s still unresolved: %v", in.Token, err))
		}
	}
	return notes
}

// isRefusal: EC2 answered with an error of its own, so nothing was
// launched; a transport error or a timeout leaves the outcome unknown.
func isRefusal(err error) bool {
	var le *LaunchError
	return errors.As(err, &le) && le.Code != ""
}
