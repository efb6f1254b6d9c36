package engine

import (
	"math"
	"slices"
	"strconv"
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
	base := p.base(g)
	// The candidates in the order scaleInFirst gives, taken one at a time
	// (the first of equals first, as a stable sort would give them): a
	// plan cordons one or two servers, so picking them costs a pass or two
	// instead of a sort of the whole fleet.
	order := append(st.scratch.order[:0], g.cordonable...)
	for len(order) > 0 && servers-1 >= p.minServers(g) && excess >= smallest {
		k, smallest2 := 0, math.MaxInt
		for j := range order {
			if scaleInFirst(&obs.Servers[order[j]], &obs.Servers[order[k]]) < 0 {
				k = j
			}
		}
		i := order[k]
		order = slices.Delete(order, k, k+1)
		for _, j := range order {
			smallest2 = min(smallest2, obs.Servers[j].CapacityUsers)
		}
		smallest = smallest2
		s := &obs.Servers[i]
		if s.CapacityUsers > excess || (!s.Spot && onDemand-1 < base) {
			continue
		}
		a := Action{Kind: Cordon, Server: s.ID}
		if !p.terse {
			a.Reason = scaleInReason(g.capacity, g.required, excess)
		}
		out = append(out, a)
		excess -= s.CapacityUsers
		servers--
		if !s.Spot {
			onDemand--
		}
	}
	st.scratch.order = order[:0]
	return out
}

// scaleInFirst orders scale-in candidates: on-demand before spot, then
// the emptiest, then the dearest per user; negative when a goes first.
func scaleInFirst(a, b *Server) int {
	if a.Spot != b.Spot {
		if !a.Spot {
			return -1
		}
		return 1
	}
	if a.Participants != b.Participants {
		return a.Participants - b.Participants
	}
	ua, ub := a.USDPerHour/float64(a.CapacityUsers), b.USDPerHour/float64(b.CapacityUsers)
	switch {
	case ua > ub:
		return -1
	case ua < ub:
		return 1
	}
	return 0
}

// scaleInReason is fmt.Sprintf("scale in: capacity %d exceeds the %d
// needed by %d", ...), built without fmt: one allocation, not four.
func scaleInReason(capacity, required, excess int) string {
	b := make([]byte, 0, 64)
	b = append(b, "scale in: capacity "...)
	b = strconv.AppendInt(b, int64(capacity), 10)
	b = append(b, " exceeds the "...)
	b = strconv.AppendInt(b, int64(required), 10)
	b = append(b, " needed by "...)
	b = strconv.AppendInt(b, int64(excess), 10)
	return string(b)
}
