package live

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/scalite/scalite/engine"
)

// actOutcome is what acting did that a re-plan needs to know (the
// servers it launched are in the observation already).
type actOutcome struct {
	noCapacity bool
}

// act carries out the plan. Every action passes the engine's guard first;
// a terminate passes it again on meetings and recordings read just before
// (a meeting created meanwhile must not be killed). stop is the stop
// signal: once it ends no further action starts; ctx bounds the calls.
func (c *Controller) act(stop, ctx context.Context, now time.Time, actions []engine.Action, view *fleetView, obs *engine.Observation, guard *engine.Guard, rep *Report) actOutcome {
	var out actOutcome
	note := func(format string, args ...any) {
		rep.Notes = append(rep.Notes, Scrub(fmt.Sprintf(format, args...), c.BBBSecret))
	}
	for i, a := range actions {
		if stop.Err() != nil {
			note("stopping: %d actions abandoned (launches in flight stay in the journal)", len(actions)-i)
			c.log().Warn("stop requested: remaining actions abandoned", "abandoned", len(actions)-i)
			break
		}
		if a.Kind == engine.Terminate && !engine.NeverBooted(a) {
			c.recheck(ctx, a.Server, view, obs)
			guard.Observe(obs)
		}
		if err := guard.Check(a); err != nil {
			c.fail("guard", err)
			c.log().Warn("guard refused an action", "action", a.String(), "why", err)
			note("%v", err)
			c.alert(Alert{Kind: AlertGuardRail, Server: a.Server, What: "refused " + a.String(), Action: err.Error()})
			continue
		}
		switch a.Kind {
		case engine.Launch:
			l, err := c.launch(ctx, now, a)
			if err != nil {
				note("%v", err)
				if errors.Is(err, ErrNoCapacity) || errors.Is(err, ErrUnsupported) {
					out.noCapacity = true
					market := "on-demand"
					if a.Spot {
						market = "spot"
					}
					c.alert(Alert{Kind: AlertCapacityFailures, Pool: fmt.Sprintf("%s %s %s", a.Type, a.AZ, market), What: err.Error(),
						Action: "pool avoided for a while; planned again elsewhere at once"})
					c.record("launch_failed", "", a.Type, a.AZ, a.Spot)
				}
				continue
			}
			// In the observation at once, so that a guard re-reading it
			// (after a terminate's re-check, or for a re-plan) counts them.
			c.addLaunched(obs, now, []LaunchIntent{l})
			note("launched %v", l.IDs)
			for _, id := range l.IDs {
				c.record("launch", id, a.Type, a.AZ, a.Spot)
			}
		case engine.Enable, engine.Cordon:
			if err := c.setState(ctx, a, view); err != nil {
				note("%v", err)
			}
		case engine.EndMeetings:
			if err := c.endMeetings(ctx, now, a.Server, view); err != nil {
				note("%v", err)
			}
		case engine.Terminate:
			if err := c.terminate(ctx, a.Server, view); err != nil {
				note("%v", err)
				continue
			}
			note("terminated %s", a.Server)
			if o := view.byID(a.Server); o != nil {
				c.record("terminate", a.Server, o.inst.Type, o.inst.AZ, o.inst.Spot)
			}
			if engine.NeverBooted(a) {
				c.alert(Alert{Kind: AlertNeverBooted, Server: a.Server, What: "BBB did not come up within fleet.boot_timeout", Action: "terminated; a replacement is planned"})
			}
		}
	}
	return out
}

// launch records the intent, then asks EC2. A refusal (capacity, a type
// not offered in the zone, a limit) makes the pool or zone unavailable for
// a while; an unknown outcome (timeout, stop) stays in the journal and is
// sent again with the same token.
func (c *Controller) launch(ctx context.Context, now time.Time, a engine.Action) (LaunchIntent, error) {
	req := LaunchRequest{Type: a.Type, AZ: a.AZ, Spot: a.Spot, MaxPrice: a.MaxPrice, Count: a.Count, ServerTag: a.Tag}
	j := c.Journal
	if j == nil {
		var err error
		if c.Journal, err = OpenLaunchJournal("", nil); err != nil {
			return LaunchIntent{}, err
		}
		j = c.Journal
	}
	in, err := j.Begin(req, now)
	if err != nil {
		c.fail("journal", err)
		return LaunchIntent{}, fmt.Errorf("not launching: %w", err)
	}
	ids, err := c.Fleet.Launch(ctx, in.Request)
	if err != nil {
		c.fail("ec2", err)
		pol := c.Planner.Policy()
		switch {
		case errors.Is(err, ErrUnsupported):
			c.markUnavailable(req, now.Add(unsupportedFor))
		case errors.Is(err, ErrNoCapacity):
			c.markUnavailable(req, now.Add(time.Duration(pol.UnavailableFor)*time.Second))
		}
		if isRefusal(err) {
			if jerr := j.Refused(in.Token); jerr != nil {
				err = errors.Join(err, jerr)
			}
		}
		return LaunchIntent{}, err
	}
	if err := j.Launched(in.Token, ids); err != nil {
		c.fail("journal", err)
		c.log().Error("launch journal", "err", err)
	}
	in.IDs = ids
	return in, nil
}

// setState enables or cordons a server in Scalelite. The state Scalite
// sets is written to the instance's TagState first: a crash in between
// leaves a mismatch that reads as an operator's change, and the server is
// then left alone (fail closed) instead of being fought over.
func (c *Controller) setState(ctx context.Context, a engine.Action, view *fleetView) error {
	o := view.byID(a.Server)
	if o == nil || o.sl == nil {
		return fmt.Errorf("%s %s: not registered in Scalelite", a.Kind, a.Server)
	}
	state, tag := "enable", "enabled"
	if a.Kind == engine.Cordon {
		state, tag = "cordon", "cordoned"
	}
	prev := o.inst.Tags[TagState]
	if err := c.Fleet.Tag(ctx, a.Server, TagState, tag); err != nil {
		c.fail("ec2", err)
		return fmt.Errorf("%s %s: %w", a.Kind, a.Server, err)
	}
	if err := c.Scalelite.SetState(ctx, o.sl.ID, state); err != nil {
		c.fail("scalelite", err)
		if prev != "" {
			if rerr := c.Fleet.Tag(ctx, a.Server, TagState, prev); rerr != nil {
				err = errors.Join(err, rerr)
			}
		}
		return fmt.Errorf("%s %s: %w", a.Kind, a.Server, err)
	}
	o.inst.Tags[TagState] = tag
	return nil
}

// endMeetings ends the meetings a server has now (read again: the list
// the plan saw may be stale).
func (c *Controller) endMeetings(ctx context.Context, now time.Time, id string, view *fleetView) error {
	o := view.byID(id)
	if o == nil || o.sl == nil {
		return fmt.Errorf("end meetings on %s: not registered in Scalelite", id)
	}
	bbb, err := c.BBB(o.sl.URL, o.sl.Secret)
	if err != nil {
		return fmt.Errorf("end meetings on %s: %w", id, err)
	}
	ms, err := bbb.Meetings(ctx)
	if err != nil {
		c.fail("bbb", err)
		return fmt.Errorf("end meetings on %s: %w", id, err)
	}
	var errs []error
	for _, m := range ms {
		if err := bbb.End(ctx, m.MeetingID); err != nil {
			errs = append(errs, err)
		}
	}
	if err := c.Fleet.Tag(ctx, id, TagMeetingsEnd, now.UTC().Format(time.RFC3339)); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("end meetings on %s: %w", id, err)
	}
	return nil
}

// recheck reads a server's meetings (and its tags, for recordings and
// notices) again just before a terminate, and updates the observation:
// the guard then decides on what is true now.
func (c *Controller) recheck(ctx context.Context, id string, view *fleetView, obs *engine.Observation) {
	o := view.byID(id)
	var s *engine.Server
	for i := range obs.Servers {
		if obs.Servers[i].ID == id {
			s = &obs.Servers[i]
		}
	}
	if o == nil || s == nil {
		return
	}
	if insts, err := c.Fleet.Instances(ctx); err == nil {
		for _, in := range insts {
			if in.ID == id {
				o.inst.Tags = in.Tags
			}
		}
	} else {
		s.Unreadable = true // cannot confirm: busy
	}
	n, _ := recordings(o.inst.Tags) // a bad tag reads as one: busy
	s.Recordings = n
	s.TerminationAt, s.Interruption, s.RebalanceAt, s.Rebalance = notices(o.inst.Tags)
	if o.sl == nil {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, orDefault(c.BBBTimeout, DefaultBBBTimeout))
	defer cancel()
	bbb, err := c.BBB(o.sl.URL, o.sl.Secret)
	var ms []BBBMeeting
	if err == nil {
		ms, err = bbb.Meetings(rctx)
	}
	if err != nil {
		c.fail("bbb", err)
		s.Unreadable = true
		return
	}
	s.Meetings, s.Participants = meetingLoad(ms)
}

// terminate removes a server from Scalelite, then ends its instance.
func (c *Controller) terminate(ctx context.Context, id string, view *fleetView) error {
	o := view.byID(id)
	if o == nil || o.inst.Tags[TagFleet] != c.Fleet.Name() {
		return fmt.Errorf("%w: terminate %s: not a tagged instance of fleet %s", engine.ErrRefused, id, c.Fleet.Name())
	}
	if o.sl != nil {
		if err := c.Scalelite.DeleteServer(ctx, o.sl.ID); err != nil {
			c.fail("scalelite", err)
			return fmt.Errorf("terminate %s: %w", id, err)
		}
	}
	if err := c.Fleet.Terminate(ctx, id); err != nil {
		c.fail("ec2", err)
		return fmt.Errorf("terminate %s: %w", id, err)
	}
	return nil
}
