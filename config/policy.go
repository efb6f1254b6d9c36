package config

import (
	"fmt"

	"github.com/scalite/scalite/model"
)

// DefaultUnavailableFor is how long a pool without capacity is avoided.
const DefaultUnavailableFor = 600

// Policy resolves a validated configuration into the engine's policy.
func (c *Config) Policy(cat *model.Catalog) (model.Policy, error) {
	rc, err := cat.Region(c.Region)
	if err != nil {
		return model.Policy{}, err
	}
	types, err := c.InstanceTypes(rc)
	if err != nil {
		return model.Policy{}, err
	}
	p := model.Policy{
		Region:             c.Region,
		AZs:                append([]string(nil), c.AvailabilityZones...),
		SpotEnabled:        c.Spot.Enabled,
		MaxPrice:           map[string]float64{},
		Strategy:           model.AllocationStrategy(c.Spot.AllocationStrategy),
		OnDemandBase:       c.OnDemand.Base,
		OnDemandFallback:   c.OnDemand.Fallback,
		Min:                c.Fleet.Min,
		Max:                c.Fleet.Max,
		Headroom:           float64(c.Fleet.Headroom),
		ScaleInCooldown:    c.Fleet.ScaleInCooldown.Seconds(),
		TerminateAfterIdle: c.Fleet.TerminateAfterIdle.Seconds(),
		LaunchToRunning:    c.Fleet.LaunchToRunning.Seconds(),
		BootTime:           c.Fleet.BootTime.Seconds(),
		BootTimeout:        c.Fleet.BootTimeout.Seconds(),
		MaxHourlyUSD:       c.Fleet.MaxHourlyUSD,
		UnavailableFor:     DefaultUnavailableFor,
		OnRebalance:        model.RebalanceAction(c.Drain.OnRebalance),
		OnInterruption:     model.InterruptionAction(c.Drain.OnInterruption),
		EndMeetingsBefore:  c.Drain.EndMeetingsBefore.Seconds(),
		LargeMeeting:       c.Placement.LargeMeeting,
		PreWarm:            c.PreWarm.Enabled,
		PreWarmLead:        c.PreWarm.Lead.Seconds(),
		PreWarmWeeks:       c.PreWarm.Weeks,
	}
	if c.Spot.Enabled {
		for _, n := range c.Spot.InstanceType {
			t, ok := types[n]
			if !ok {
				return model.Policy{}, fmt.Errorf("spot.instance_type: %q is not in the %s catalog", n, c.Region)
			}
			p.SpotTypes = append(p.SpotTypes, t)
			p.MaxPrice[n] = c.Spot.SpotPrice.Resolve(t.OnDemandUSDPerHour)
		}
	}
	if n := c.OnDemand.InstanceType; n != "" {
		t, ok := types[n]
		if !ok {
			return model.Policy{}, fmt.Errorf("on_demand.instance_type: %q is not in the %s catalog", n, c.Region)
		}
		p.OnDemandType = t
	}
	return p, nil
}
