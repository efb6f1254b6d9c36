package live

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/scalite/scalite/engine"
)

// Alert is something the people on call should hear of: a notice, a halt,
// a guard refusal, a cap reached, repeated capacity failures, a server
// that never booted. Kinds are the notify package's.
type Alert struct {
	Kind                   string
	Server, Pool           string
	What, Action           string
	Meetings, Participants int
}

// Alert kinds (package notify names the same).
const (
	AlertInterruption     = "interruption"
	AlertRebalance        = "rebalance"
	AlertMaintenance      = "maintenance"
	AlertHalt             = "halt"
	AlertGuardRail        = "guard_rail"
	AlertSpendCap         = "spend_cap"
	AlertFleetMax         = "fleet_max"
	AlertCapacityFailures = "capacity_failures"
	AlertNeverBooted      = "never_booted"
)

func (c *Controller) alert(a Alert) {
	if c.Alert != nil {
		a.What, a.Action = Scrub(a.What, c.BBBSecret), Scrub(a.Action, c.BBBSecret)
		c.Alert(a)
	}
}

// Kicks delivers a signal when an event asks for a reconcile now rather
// than at the next tick (a notice from the interruption queue).
func (c *Controller) Kicks() <-chan struct{} { return c.kickChan() }

func (c *Controller) kickChan() chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.kick == nil {
		c.kick = make(chan struct{}, 1)
	}
	return c.kick
}

func (c *Controller) kickNow() {
	ch := c.kickChan()
	select {
	case ch <- struct{}{}:
	default: // one is already waiting
	}
}

// Owns reports whether an instance is one of the fleet's, as last
// observed: the interruption queue ignores the rest.
func (c *Controller) Owns(instanceID string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.owned[instanceID]
}

// HandleFleetEvent takes one event of the interruption queue (EventBridge
// → SQS): a notice is written to the instance's tag, exactly as the
// agent on the server would (so an agent's notice and the queue's are one
// notice, and the engine decides on it the same way), and a reconcile is
// asked for at once. A state change to shutting-down or terminated asks
// for a reconcile too (the server's replacement).
func (c *Controller) HandleFleetEvent(ctx context.Context, ev FleetEvent) error {
	switch ev.Kind {
	case EventInterruption, EventRebalance:
		n, _ := ev.Notice()
		key, value := noticeTag(n)
		if !c.Apply {
			c.log().Info("queue: notice (dry run: not tagged)", "instance", ev.InstanceID, "kind", ev.Kind, "at", n.Time)
			c.kickNow()
			return nil
		}
		if c.tagged(ev.InstanceID, key) {
			c.kickNow()
			return nil // the agent was first
		}
		if err := c.Fleet.Tag(ctx, ev.InstanceID, key, value); err != nil {
			return fmt.Errorf("queue: tagging %s with its %s: %w", ev.InstanceID, ev.Kind, err)
		}
		c.log().Info("queue: notice", "instance", ev.InstanceID, "kind", ev.Kind, "at", n.Time)
		c.kickNow()
	case EventState:
		if ev.State == "shutting-down" || ev.State == "terminated" {
			c.kickNow()
		}
	case EventMaintenance:
		c.alert(Alert{Kind: AlertMaintenance, Server: ev.InstanceID, What: fmt.Sprintf("scheduled maintenance %s from %s", ev.Action, ev.Time.UTC().Format(time.RFC3339)),
			Action: "none yet: drain the server before then (servers:cordon) or let the engine replace it"})
	}
	return nil
}

// tagged: the instance already carries the notice tag (an agent wrote it).
func (c *Controller) tagged(id, key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tags[id][key] != ""
}

// remember keeps what the queue handler needs of the last observation.
func (c *Controller) remember(view *fleetView) {
	owned := make(map[string]bool, len(view.servers))
	tags := make(map[string]map[string]string, len(view.servers))
	for _, o := range view.servers {
		owned[o.inst.ID] = true
		tags[o.inst.ID] = o.inst.Tags
	}
	c.mu.Lock()
	c.owned, c.tags = owned, tags
	c.mu.Unlock()
}

// alertNotices tells of the notices seen for the first time, with what
// the plan does about them.
func (c *Controller) alertNotices(obs *engine.Observation, actions []engine.Action) {
	for _, s := range obs.Servers {
		var kind, what string
		switch {
		case s.Interruption:
			kind, what = AlertInterruption, fmt.Sprintf("spot interruption notice (AWS terminates it at %s)", time.Unix(s.TerminationAt, 0).UTC().Format("15:04:05Z"))
		case s.Rebalance:
			kind, what = AlertRebalance, "rebalance recommendation: elevated risk of interruption"
		default:
			continue
		}
		c.mu.Lock()
		seen := c.alerted[s.ID+kind]
		if c.alerted == nil {
			c.alerted = map[string]bool{}
		}
		c.alerted[s.ID+kind] = true
		c.mu.Unlock()
		if seen {
			continue
		}
		recKind := "notice"
		if kind == AlertRebalance {
			recKind = "rebalance"
		}
		c.record(recKind, s.ID, s.Type, s.AZ, s.Spot)
		action := "none (drain.on_rebalance: ignore)"
		for _, a := range actions {
			if a.Server == s.ID {
				action = a.Kind.String() + ": " + a.Reason
			}
		}
		if launches := countLaunches(actions); launches > 0 {
			action += fmt.Sprintf("; %d replacement server(s) launched", launches)
		}
		if !c.Apply {
			action = "dry run: would " + action
		}
		c.alert(Alert{Kind: kind, Server: s.ID, Pool: poolName(s), What: what, Action: action, Meetings: s.Meetings, Participants: s.Participants})
	}
}

func countLaunches(actions []engine.Action) int {
	n := 0
	for _, a := range actions {
		if a.Kind == engine.Launch {
			n += a.Count
		}
	}
	return n
}

func poolName(s engine.Server) string {
	market := "on-demand"
	if s.Spot {
		market = "spot"
	}
	return fmt.Sprintf("%s %s %s", s.Type, s.AZ, market)
}

// alertCaps tells when the fleet stands at fleet.max or the spend cap.
func (c *Controller) alertCaps(obs *engine.Observation) {
	pol := c.Planner.Policy()
	counted, spend := 0, 0.0
	for _, s := range obs.Servers {
		if !s.Interruption && !s.External {
			counted++
		}
		spend += s.USDPerHour
	}
	if counted >= pol.Max {
		c.alert(Alert{Kind: AlertFleetMax, What: fmt.Sprintf("the fleet stands at fleet.max (%d servers)", pol.Max), Action: "no more launches until servers go; raise fleet.max if demand needs it"})
	}
	if pol.MaxHourlyUSD > 0 && spend >= pol.MaxHourlyUSD*0.98 {
		c.alert(Alert{Kind: AlertSpendCap, What: fmt.Sprintf("spend %.2f USD/h at the cap fleet.max_hourly_usd %.2f", spend, pol.MaxHourlyUSD), Action: "launches within the cap only"})
	}
}

// FleetRecord is one line of the fleet's history that the interruption
// model is fitted on (`scalite interruptions fit --source event-log`):
// launches, refused launches, notices, rebalance recommendations, the
// controller's own terminations and AWS's interruptions.
type FleetRecord struct {
	Time     time.Time
	Kind     string // launch, launch_failed, notice, rebalance, terminate, interrupted
	Instance string // empty for launch_failed
	Type, AZ string
	Spot     bool
}

// record hands one line to Controller.Record, when set.
func (c *Controller) record(kind, instance, typ, az string, spot bool) {
	if c.Record != nil {
		c.Record(FleetRecord{Time: c.Clock(), Kind: kind, Instance: instance, Type: typ, AZ: az, Spot: spot})
	}
}

// recordGone records, once each, the fleet's instances that AWS took
// after an interruption notice.
func (c *Controller) recordGone(gone []Instance) {
	if c.Record == nil {
		return
	}
	for _, in := range gone {
		if in.Tags[TagInterruption] == "" && !strings.HasPrefix(in.Tags[TagNotice], "interruption@") {
			continue
		}
		c.mu.Lock()
		seen := c.recorded[in.ID]
		if c.recorded == nil {
			c.recorded = map[string]bool{}
		}
		c.recorded[in.ID] = true
		c.mu.Unlock()
		if !seen {
			c.record("interrupted", in.ID, in.Type, in.AZ, in.Spot)
		}
	}
}
