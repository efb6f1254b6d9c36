package engine

import (
	"fmt"
	"math"
	"slices"
)

// scaleIn cordons enabled servers the demand no longer needs: on-demand
// servers beyond the base first (they cost most), then the emptiest, then
// the dearest per user. A cordoned server keeps its meetings until they end.
func (p *Planner) scaleIn(obs *Observation, st *State, g *group, out []Action) []Action {
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
