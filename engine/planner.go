package engine

import (
	"fmt"

	"github.com/scalite/scalite/model"
)

// Planner decides for one policy. It is immutable after New; what changes
// between calls lives in State.
type Planner struct {
	pol   model.Policy
	pools []model.MarketKey
	// per pool: the type's capacity and the policy's max price
	poolCap   []int
	poolLoad  []int // the types' capacity in load units
	poolMax   []float64
	poolBand  []model.AdvisorBand
	poolIndex map[model.MarketKey]int
	odCap     int
	odLoad    int
	placement bool      // large meetings go to tagged on-demand servers
	schedule  *schedule // the policy's timetable; nil without one
	// terse: Reasons that would be worded from numbers are left empty
	// (WithoutReasons).
	terse bool
}

// WithoutReasons is a planner deciding exactly as p whose actions carry
// no Reason that would have to be worded from numbers (scale-in, scale-out,
// retirement, notices); fixed reasons stay, NeverBooted reads the same. A
// simulation that records nothing asks millions of plans and reads none
// of their reasons: wording them was most of what planning allocated.
func (p *Planner) WithoutReasons() *Planner {
	c := *p
	c.terse = true
	return &c
}

// New prepares a planner for a policy.
func New(pol model.Policy) (*Planner, error) {
	p := &Planner{pol: pol, pools: pol.SpotMarkets(), poolIndex: map[model.MarketKey]int{}}
	types := map[string]model.InstanceType{}
	for _, t := range pol.SpotTypes {
		types[t.Name] = t
	}
	for i, k := range p.pools {
		t := types[k.InstanceType]
		if t.CapacityUsers <= 0 {
			return nil, fmt.Errorf("engine: instance type %s has no capacity", t.Name)
		}
		p.poolCap = append(p.poolCap, t.CapacityUsers)
		p.poolLoad = append(p.poolLoad, t.CapacityLoad)
		p.poolMax = append(p.poolMax, pol.MaxPrice[t.Name])
		p.poolBand = append(p.poolBand, t.Band)
		p.poolIndex[k] = i
	}
	if pol.OnDemandType.Name != "" {
		if pol.OnDemandType.CapacityUsers <= 0 {
			return nil, fmt.Errorf("engine: on-demand type %s has no capacity", pol.OnDemandType.Name)
		}
		p.odCap = pol.OnDemandType.CapacityUsers
		p.odLoad = pol.OnDemandType.CapacityLoad
	}
	if !pol.SpotEnabled && p.odCap == 0 {
		return nil, fmt.Errorf("engine: a policy without spot needs an on-demand instance type")
	}
	p.placement = pol.LargeMeeting > 0 && p.odCap > 0
	p.schedule = newSchedule(pol.Timetable)
	return p, nil
}

// launchCapacity is how many participants a new server holds: its type's
// load capacity in the demand's mix when the drivers count with the load
// model, else the type's CapacityUsers.
func launchCapacity(capUsers, capLoad int, obs *Observation) int {
	if obs.LoadPerParticipant > 0 && capLoad > 0 {
		return max(model.CapacityInUsers(float64(capLoad), obs.LoadPerParticipant), 1)
	}
	return capUsers
}

// IsLargeMeeting reports whether a meeting of this many participants goes
// to the on-demand servers tagged LargeMeetingTag. The simulator and the
// controller both ask here, so they count large meetings alike.
func (p *Planner) IsLargeMeeting(participants int) bool {
	return p.placement && participants > p.pol.LargeMeeting
}

// Policy is the planner's policy.
func (p *Planner) Policy() *model.Policy { return &p.pol }

// Pools lists the policy's spot pools; Observation.Pools and Server.Pool
// use this order.
func (p *Planner) Pools() []model.MarketKey { return p.pools }

// PoolIndex finds a spot pool's index, -1 when the policy has no such pool.
func (p *Planner) PoolIndex(k model.MarketKey) int {
	if i, ok := p.poolIndex[k]; ok {
		return i
	}
	return -1
}
