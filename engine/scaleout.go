package engine

import (
	"fmt"
	"slices"

	"github.com/scalite/scalite/model"
)

// launchBudget is what one plan may still launch: servers below fleet.max
// and USD/hour below the policy's spend cap. Both groups of a plan draw on
// the same budget, the large-meeting group first.
type launchBudget struct {
	room      int     // servers that may still be launched under fleet.max
	spend     float64 // USD/hour of the fleet, this plan's launches included
	maxHourly float64 // the policy's cap on spend, 0 for none
}

// take reserves one server at price USD/hour, or reports false when
// fleet.max or the spend cap forbids it.
func (b *launchBudget) take(price float64) bool {
	if b.room <= 0 || (b.maxHourly > 0 && b.spend+price > b.maxHourly) {
		return false
	}
	b.room--
	b.spend += price
	return true
}

// groupLaunch is one group's scale-out in progress: what it still needs,
// the actions so far, and the reason the actions carry.
type groupLaunch struct {
	p *Planner
	g *group
	// budget is a copy, written back when the group is done: a pointer
	// to the caller's would make it escape to the heap on every plan.
	budget launchBudget
	out    []Action
	// deficit is the capacity (users) still missing, needServers the
	// servers still missing below the group's minimum.
	deficit     int
	needServers int
	grew        bool
	reasonText  string
}

// reason is worded only when an action carries it: at fleet.max a deficit
// can persist for hours of plans.
func (l *groupLaunch) reason() string {
	if l.reasonText == "" && !l.p.terse {
		p, g := l.p, l.g
		l.reasonText = fmt.Sprintf("demand %d participants +%.0f%% headroom needs %d, serving capacity %d", g.demand, p.pol.Headroom*100, g.required, g.capacity)
		if g.required <= g.capacity {
			l.reasonText = fmt.Sprintf("keep at least %d servers (%d on-demand), have %d (%d)", p.minServers(g), p.base(g), g.servers, g.onDemand)
		}
	}
	return l.reasonText
}

// launch adds one server of capUsers at price to the plan, or reports
// false when the budget is spent.
func (l *groupLaunch) launch(a Action, capUsers int, price float64) bool {
	if !l.budget.take(price) {
		return false
	}
	l.deficit -= capUsers
	l.needServers--
	l.grew = true
	// Launches into the same pool in one plan become one action.
	if n := len(l.out); n > 0 && l.out[n-1].Kind == Launch && l.out[n-1].Type == a.Type && l.out[n-1].AZ == a.AZ && l.out[n-1].Spot == a.Spot {
		l.out[n-1].Count++
		return true
	}
	a.Count = 1
	a.Reason = l.reason()
	l.out = append(l.out, a)
	return true
}

// launchOnDemand adds one on-demand server in the zone onDemandAZ picks,
// or reports false when no zone can take one or the budget is spent.
func (l *groupLaunch) launchOnDemand(now int64, obs *Observation, st *State, tag string) bool {
	p := l.p
	if l.budget.room <= 0 {
		return false
	}
	az := p.onDemandAZ(now, obs, &st.scratch)
	if az == "" {
		return false
	}
	return l.launch(Action{Kind: Launch, Type: p.pol.OnDemandType.Name, AZ: az, Pool: -1, Tag: tag}, launchCapacity(p.odCap, p.odLoad, obs), p.pol.OnDemandType.OnDemandUSDPerHour)
}

// scaleOut re-enables drained servers, then launches: the on-demand base,
// then spot by the allocation strategy, then on-demand fallback. It reports
// whether it launched anything.
func (p *Planner) scaleOut(now int64, obs *Observation, st *State, g *group, budget *launchBudget, out []Action) ([]Action, bool) {
	pol := &p.pol
	l := groupLaunch{p: p, g: g, budget: *budget, out: out,
		deficit:     g.required - g.capacity,
		needServers: p.minServers(g) - g.servers,
	}
	needOD := p.base(g) - g.onDemand
	if l.deficit <= 0 && l.needServers <= 0 && needOD <= 0 {
		return out, false
	}
	// Drained servers come back first: they are running and warm.
	slices.SortStableFunc(g.reusable, func(a, b int) int { return obs.Servers[b].Participants - obs.Servers[a].Participants })
	for _, i := range g.reusable {
		if l.deficit <= 0 && l.needServers <= 0 && needOD <= 0 {
			break
		}
		s := &obs.Servers[i]
		if needOD > 0 && s.Spot && l.deficit <= 0 && l.needServers <= 0 {
			continue
		}
		a := Action{Kind: Enable, Server: s.ID}
		if !p.terse {
			a.Reason = "re-enable drained server: " + l.reason()
		}
		l.out = append(l.out, a)
		delete(st.IdleSince, s.ID)
		// Capacity added back is a scale-out: scale-in waits its
		// cooldown after it too, or a demand hovering at a server's
		// boundary cordons and re-enables the same server every plan.
		l.grew = true
		l.deficit -= s.CapacityUsers
		l.needServers--
		if !s.Spot {
			needOD--
		}
	}
	odTag := ""
	if g.large {
		odTag = model.LargeMeetingTag
	}
	for ; needOD > 0; needOD-- {
		if !l.launchOnDemand(now, obs, st, odTag) {
			*budget = l.budget
			return l.out, l.grew
		}
	}
	for l.deficit > 0 || l.needServers > 0 {
		if !g.large && pol.SpotEnabled {
			if i := p.choosePool(now, obs, &st.scratch); i >= 0 {
				k := p.pools[i]
				if !l.launch(Action{Kind: Launch, Type: k.InstanceType, AZ: k.AZ, Pool: i, Spot: true, MaxPrice: p.poolMax[i]}, launchCapacity(p.poolCap[i], p.poolLoad[i], obs), obs.Pools[i].USDPerHour) {
					break
				}
				st.scratch.poolCount[i]++
				continue
			}
		}
		if p.odCap == 0 || (!g.large && pol.SpotEnabled && !pol.OnDemandFallback) {
			break
		}
		if !l.launchOnDemand(now, obs, st, odTag) {
			break
		}
	}
	*budget = l.budget
	return l.out, l.grew
}

// onDemandAZ picks the zone for the next on-demand server: the one with the
// fewest of them, so that a zone's outage takes as few as possible. The
// counts are taken on the plan's first on-demand launch and kept in sc.
//
// Zones where an on-demand launch just found no capacity are skipped; ""
// means no zone can take one now.
func (p *Planner) onDemandAZ(now int64, obs *Observation, sc *scratch) string {
	pol := &p.pol
	if len(sc.odPerAZ) == 0 {
		sc.odPerAZ = append(sc.odPerAZ, make([]int, len(pol.AZs))...)
		for i := range obs.Servers {
			if s := &obs.Servers[i]; !s.Spot && !goingAway(pol, s) {
				if k := slices.Index(pol.AZs, s.AZ); k >= 0 {
					sc.odPerAZ[k]++
				}
			}
		}
	}
	best := -1
	for i, n := range sc.odPerAZ {
		if i < len(obs.OnDemandUnavailableUntil) && now < obs.OnDemandUnavailableUntil[i] {
			continue // no on-demand capacity there lately
		}
		if best < 0 || n < sc.odPerAZ[best] {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	sc.odPerAZ[best]++
	return pol.AZs[best]
}
