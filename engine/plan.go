package engine

import (
	"fmt"
	"math"
	"slices"

	"github.com/scalite/scalite/model"
)

// Planner decides for one policy. It is immutable after New; what changes
// between calls lives in State.
type Planner struct {
	pol   model.Policy
	pools []model.MarketKey
	// per pool: the type's capacity and the policy's max price
	poolCap   []int
	poolMax   []float64
	poolBand  []model.AdvisorBand
	poolIndex map[model.MarketKey]int
	odCap     int
	placement bool // large meetings go to tagged on-demand servers
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
		p.poolMax = append(p.poolMax, pol.MaxPrice[t.Name])
		p.poolBand = append(p.poolBand, t.Band)
		p.poolIndex[k] = i
	}
	if pol.OnDemandType.Name != "" {
		if pol.OnDemandType.CapacityUsers <= 0 {
			return nil, fmt.Errorf("engine: on-demand type %s has no capacity", pol.OnDemandType.Name)
		}
		p.odCap = pol.OnDemandType.CapacityUsers
	}
	if !pol.SpotEnabled && p.odCap == 0 {
		return nil, fmt.Errorf("engine: a policy without spot needs an on-demand instance type")
	}
	p.placement = pol.LargeMeeting > 0 && p.odCap > 0
	return p, nil
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

// group is one set of servers that serves one set of meetings: the general
// fleet, or the on-demand servers tagged for large meetings.
type group struct {
	large    bool
	capacity int // of servers that are or will be serving
	servers  int
	onDemand int
	demand   int
	required int
	// cordoned servers without notices, which can be enabled again
	reusable []int
	// enabled servers that scale-in may cordon
	cordonable []int
}

// scratch holds per-call buffers, kept in State so that planning allocates
// nothing when nothing happens.
type scratch struct {
	groups    [2]group
	poolCount []int
	// troubled pools have a server under a notice: AWS is short of them,
	// so replacements go elsewhere if they can.
	troubled []bool
	// odPerAZ counts on-demand servers per policy AZ, to spread new ones.
	odPerAZ []int
	order   []int
}

// Plan decides what to do now. It appends to out and returns it. st is
// updated (idle timers, the learned profile); obs is only read.
func (p *Planner) Plan(now int64, obs *Observation, st *State, out []Action) []Action {
	pol := &p.pol
	if pol.PreWarm {
		st.Profile.Learn(now, obs.Participants)
	}
	sc := &st.scratch
	sc.groups[0] = group{reusable: sc.groups[0].reusable[:0], cordonable: sc.groups[0].cordonable[:0]}
	sc.groups[1] = group{large: true, reusable: sc.groups[1].reusable[:0], cordonable: sc.groups[1].cordonable[:0]}
	if cap(sc.poolCount) < len(p.pools) {
		sc.poolCount = make([]int, len(p.pools))
	}
	sc.poolCount = sc.poolCount[:len(p.pools)]
	clear(sc.poolCount)
	if cap(sc.troubled) < len(p.pools) {
		sc.troubled = make([]bool, len(p.pools))
	}
	sc.troubled = sc.troubled[:len(p.pools)]
	clear(sc.troubled)
	sc.odPerAZ = sc.odPerAZ[:0] // counted on the first on-demand launch

	total := 0   // servers that count against fleet.max
	spend := 0.0 // USD/hour of the fleet now
	for i := range obs.Servers {
		s := &obs.Servers[i]
		g := &sc.groups[0]
		if p.placement && s.Tag == model.LargeMeetingTag {
			g = &sc.groups[1]
		}
		spend += s.USDPerHour
		if !s.Interruption {
			total++
		}
		rebalanced := s.Rebalance && pol.OnRebalance != model.RebalanceIgnore
		noticed := s.Interruption || rebalanced

		// Notices first: they are about users about to lose their meeting.
		if s.Interruption {
			if s.State != Cordoned {
				out = append(out, Action{Kind: Cordon, Server: s.ID, Reason: fmt.Sprintf("interruption notice: AWS terminates it at %d", s.TerminationAt)})
			}
			if pol.OnInterruption == model.InterruptionEndMeetings && !s.MeetingsEnded && s.Meetings > 0 && now >= s.TerminationAt-pol.EndMeetingsBefore {
				out = append(out, Action{Kind: EndMeetings, Server: s.ID, Reason: fmt.Sprintf("end %d meetings %ds before termination so users rejoin a healthy server", s.Meetings, s.TerminationAt-now)})
			}
		} else if rebalanced && pol.OnRebalance == model.RebalanceCordon && s.State != Cordoned {
			out = append(out, Action{Kind: Cordon, Server: s.ID, Reason: "rebalance recommendation: stop new meetings and replace"})
		}

		if noticed && s.Spot && s.Pool >= 0 {
			sc.troubled[s.Pool] = true
		}
		switch {
		case noticed:
			// Going away: not counted, so target tracking replaces it.
		case s.State == Cordoned:
			g.reusable = append(g.reusable, i)
		default:
			g.capacity += s.CapacityUsers
			g.servers++
			if !s.Spot {
				g.onDemand++
			}
			if s.Spot && s.Pool >= 0 {
				sc.poolCount[s.Pool]++
			}
			if s.State == Ready {
				out = append(out, Action{Kind: Enable, Server: s.ID, Reason: "BBB is ready"})
			}
			if s.State == Enabled {
				g.cordonable = append(g.cordonable, i)
			}
		}
	}

	// Demand, with headroom, and ahead of learned peaks.
	general, large := obs.Participants, 0
	if p.placement {
		large = obs.LargeParticipants
		general -= large
	}
	if pol.PreWarm {
		lead := pol.PreWarmLead + pol.LaunchToRunning + pol.BootTime
		if pred := st.Profile.Predict(now, now+lead) - large; pred > general {
			general = pred
		}
	}
	sc.groups[0].demand, sc.groups[1].demand = general, large
	for gi := range sc.groups {
		g := &sc.groups[gi]
		g.required = int(math.Ceil(float64(g.demand) * (1 + pol.Headroom)))
	}

	room := pol.Max - total
	launched := false
	// The large-meeting group first: it holds the on-demand base when
	// placement is on.
	for _, gi := range []int{1, 0} {
		g := &sc.groups[gi]
		if gi == 1 && !p.placement {
			continue
		}
		var grew bool
		out, room, spend, grew = p.scaleOut(now, obs, st, g, room, spend, total, out)
		launched = launched || grew
	}
	if launched {
		st.LastScaleOut = now
	} else if now-st.LastScaleOut >= pol.ScaleInCooldown {
		for gi := range sc.groups {
			if gi == 1 && !p.placement {
				continue
			}
			out = p.scaleIn(obs, st, &sc.groups[gi], total, out)
		}
	}
	return p.retire(now, obs, st, out)
}

// base is how many on-demand servers the group must keep.
func (p *Planner) base(g *group) int {
	if p.placement == g.large {
		return p.pol.OnDemandBase
	}
	return 0
}

// minServers is how many servers the group must keep.
func (p *Planner) minServers(g *group) int {
	if g.large {
		return p.base(g)
	}
	return max(p.pol.Min, p.base(g))
}

// scaleOut re-enables drained servers, then launches: the on-demand base,
// then spot by the allocation strategy, then on-demand fallback.
func (p *Planner) scaleOut(now int64, obs *Observation, st *State, g *group, room int, spend float64, total int, out []Action) ([]Action, int, float64, bool) {
	pol := &p.pol
	deficit := g.required - g.capacity
	needServers := p.minServers(g) - g.servers
	needOD := p.base(g) - g.onDemand
	if deficit <= 0 && needServers <= 0 && needOD <= 0 {
		return out, room, spend, false
	}
	// The reason is worded only when an action carries it: at fleet.max
	// a deficit can persist for hours of plans.
	var reasonText string
	reason := func() string {
		if reasonText == "" {
			reasonText = fmt.Sprintf("demand %d participants +%.0f%% headroom needs %d, serving capacity %d", g.demand, pol.Headroom*100, g.required, g.capacity)
			if g.required <= g.capacity {
				reasonText = fmt.Sprintf("keep at least %d servers (%d on-demand), have %d (%d)", p.minServers(g), p.base(g), g.servers, g.onDemand)
			}
		}
		return reasonText
	}
	// Drained servers come back first: they are running and warm.
	slices.SortStableFunc(g.reusable, func(a, b int) int { return obs.Servers[b].Participants - obs.Servers[a].Participants })
	for _, i := range g.reusable {
		if deficit <= 0 && needServers <= 0 && needOD <= 0 {
			break
		}
		s := &obs.Servers[i]
		if needOD > 0 && s.Spot && deficit <= 0 && needServers <= 0 {
			continue
		}
		out = append(out, Action{Kind: Enable, Server: s.ID, Reason: "re-enable drained server: " + reason()})
		delete(st.IdleSince, s.ID)
		deficit -= s.CapacityUsers
		needServers--
		if !s.Spot {
			needOD--
		}
	}
	grew := false
	launch := func(a Action, capUsers int, price float64) bool {
		if room <= 0 || (pol.MaxHourlyUSD > 0 && spend+price > pol.MaxHourlyUSD) {
			return false
		}
		room--
		spend += price
		deficit -= capUsers
		needServers--
		grew = true
		// Launches into the same pool in one plan become one action.
		if n := len(out); n > 0 && out[n-1].Kind == Launch && out[n-1].Type == a.Type && out[n-1].AZ == a.AZ && out[n-1].Spot == a.Spot {
			out[n-1].Count++
			return true
		}
		a.Count = 1
		a.Reason = reason()
		out = append(out, a)
		return true
	}
	odTag := ""
	if g.large {
		odTag = model.LargeMeetingTag
	}
	// On-demand servers go to the zone with the fewest of them, so that a
	// zone's outage takes as few as possible.
	odAZ := func() string {
		counts := &st.scratch.odPerAZ
		if len(*counts) == 0 {
			*counts = append(*counts, make([]int, len(pol.AZs))...)
			for i := range obs.Servers {
				if s := &obs.Servers[i]; !s.Spot && !s.Interruption && !(s.Rebalance && pol.OnRebalance != model.RebalanceIgnore) {
					if k := slices.Index(pol.AZs, s.AZ); k >= 0 {
						(*counts)[k]++
					}
				}
			}
		}
		best := 0
		for i, n := range st.scratch.odPerAZ {
			if n < st.scratch.odPerAZ[best] {
				best = i
			}
		}
		st.scratch.odPerAZ[best]++
		return pol.AZs[best]
	}
	for ; needOD > 0; needOD-- {
		if !launch(Action{Kind: Launch, Type: pol.OnDemandType.Name, AZ: odAZ(), Pool: -1, Tag: odTag}, p.odCap, pol.OnDemandType.OnDemandUSDPerHour) {
			return out, room, spend, grew
		}
	}
	for deficit > 0 || needServers > 0 {
		if !g.large && pol.SpotEnabled {
			if i := p.choosePool(now, obs, &st.scratch); i >= 0 {
				k := p.pools[i]
				if !launch(Action{Kind: Launch, Type: k.InstanceType, AZ: k.AZ, Pool: i, Spot: true, MaxPrice: p.poolMax[i]}, p.poolCap[i], obs.Pools[i].USDPerHour) {
					break
				}
				st.scratch.poolCount[i]++
				continue
			}
		}
		if p.odCap == 0 || (!g.large && pol.SpotEnabled && !pol.OnDemandFallback) {
			break
		}
		if !launch(Action{Kind: Launch, Type: pol.OnDemandType.Name, AZ: odAZ(), Pool: -1, Tag: odTag}, p.odCap, pol.OnDemandType.OnDemandUSDPerHour) {
			break
		}
	}
	return out, room, spend, grew
}

// choosePool picks the spot pool for the next server, or -1 when no pool
// can be had: unavailable, price unknown or above the max price. Pools
// where AWS is reclaiming (a server there has a notice) are used only when
// nothing else can be had.
//
//   - lowest-price: the lowest price per BBB user.
//   - capacity-optimized: the pools with the best advisor band, spread
//     over them (fewest servers first), then the lowest price per user.
//   - price-capacity-optimized: pools at most one band worse than the best,
//     and within 10% of the lowest price per user among those; spread over
//     them, then the lowest price per user.
func (p *Planner) choosePool(now int64, obs *Observation, sc *scratch) int {
	if i := p.choosePoolAmong(now, obs, sc, true); i >= 0 {
		return i
	}
	return p.choosePoolAmong(now, obs, sc, false)
}

func (p *Planner) choosePoolAmong(now int64, obs *Observation, sc *scratch, avoidTroubled bool) int {
	counts := sc.poolCount
	bestBand := model.AdvisorBand(math.MaxInt8)
	minUnit := math.Inf(1)
	eligible := func(i int) bool {
		pl := obs.Pools[i]
		return now >= pl.UnavailableUntil && pl.USDPerHour > 0 && pl.USDPerHour <= p.poolMax[i] && !(avoidTroubled && sc.troubled[i])
	}
	unit := func(i int) float64 { return obs.Pools[i].USDPerHour / float64(p.poolCap[i]) }
	for i := range p.pools {
		if eligible(i) && p.poolBand[i] < bestBand {
			bestBand = p.poolBand[i]
		}
	}
	if bestBand == math.MaxInt8 {
		return -1
	}
	maxBand := bestBand
	if p.pol.Strategy == model.PriceCapacityOptimized {
		maxBand = bestBand + 1
	}
	if p.pol.Strategy != model.LowestPrice {
		for i := range p.pools {
			if eligible(i) && p.poolBand[i] <= maxBand {
				minUnit = math.Min(minUnit, unit(i))
			}
		}
	}
	best := -1
	for i := range p.pools {
		if !eligible(i) {
			continue
		}
		if p.pol.Strategy == model.LowestPrice {
			if best < 0 || unit(i) < unit(best) {
				best = i
			}
			continue
		}
		if p.poolBand[i] > maxBand {
			continue
		}
		if p.pol.Strategy == model.PriceCapacityOptimized && unit(i) > minUnit*1.1 {
			continue
		}
		if best < 0 || counts[i] < counts[best] || (counts[i] == counts[best] && unit(i) < unit(best)) {
			best = i
		}
	}
	return best
}

// scaleIn cordons enabled servers the demand no longer needs: on-demand
// servers beyond the base first (they cost most), then the emptiest, then
// the dearest per user. A cordoned server keeps its meetings until they end.
func (p *Planner) scaleIn(obs *Observation, st *State, g *group, total int, out []Action) []Action {
	excess := g.capacity - g.required
	if excess <= 0 || len(g.cordonable) == 0 || g.servers-1 < p.minServers(g) {
		return out
	}
	// Most plans have less spare capacity than one server: no sort needed.
	smallest := math.MaxInt
	for _, i := range g.cordonable {
		smallest = min(smallest, obs.Servers[i].CapacityUsers)
	}
	if smallest > excess {
		return out
	}
	servers, onDemand := g.servers, g.onDemand
	order := append(st.scratch.order[:0], g.cordonable...)
	base := p.base(g)
	slices.SortStableFunc(order, func(a, b int) int {
		sa, sb := &obs.Servers[a], &obs.Servers[b]
		if sa.Spot != sb.Spot {
			if !sa.Spot {
				return -1
			}
			return 1
		}
		if sa.Participants != sb.Participants {
			return sa.Participants - sb.Participants
		}
		ua, ub := sa.USDPerHour/float64(sa.CapacityUsers), sb.USDPerHour/float64(sb.CapacityUsers)
		switch {
		case ua > ub:
			return -1
		case ua < ub:
			return 1
		}
		return 0
	})
	st.scratch.order = order
	for _, i := range order {
		s := &obs.Servers[i]
		if s.CapacityUsers > excess || servers-1 < p.minServers(g) || (!s.Spot && onDemand-1 < base) {
			continue
		}
		out = append(out, Action{Kind: Cordon, Server: s.ID, Reason: fmt.Sprintf("scale in: capacity %d exceeds the %d needed by %d", g.capacity, g.required, excess)})
		excess -= s.CapacityUsers
		servers--
		if !s.Spot {
			onDemand--
		}
	}
	return out
}

// retire terminates cordoned servers that have been empty, with no
// recording processing, for the cooldown. Servers under an interruption
// notice are left to AWS: it will terminate them, and for free if it does
// so in their first hour.
func (p *Planner) retire(now int64, obs *Observation, st *State, out []Action) []Action {
	idle := 0
	for i := range obs.Servers {
		s := &obs.Servers[i]
		if s.State != Cordoned || s.Interruption {
			continue
		}
		if s.Meetings > 0 || s.Participants > 0 || s.Recordings > 0 || enabledAgain(out, s.ID) {
			delete(st.IdleSince, s.ID)
			continue
		}
		idle++
		since, ok := st.IdleSince[s.ID]
		if !ok {
			st.IdleSince[s.ID] = now
			since = now
		}
		if now-since >= p.pol.ScaleInCooldown {
			out = append(out, Action{Kind: Terminate, Server: s.ID, Reason: fmt.Sprintf("cordoned, empty and no recording processing for %ds", now-since)})
			delete(st.IdleSince, s.ID)
			idle--
		}
	}
	if len(st.IdleSince) > idle {
		// Some timers belong to servers that are gone: keep only the live ones.
		live := make(map[string]int64, idle)
		for i := range obs.Servers {
			if v, ok := st.IdleSince[obs.Servers[i].ID]; ok {
				live[obs.Servers[i].ID] = v
			}
		}
		st.IdleSince = live
	}
	return out
}

func enabledAgain(out []Action, id string) bool {
	for i := range out {
		if out[i].Kind == Enable && out[i].Server == id {
			return true
		}
	}
	return false
}
