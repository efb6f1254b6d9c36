package engine

import (
	"errors"
	"fmt"
)

// ReplanRounds bounds the immediate re-plans after launches that found no
// capacity: each round marks the pool unavailable and plans again at the
// same moment, so the fallback comes at once. The simulator and the
// controller stop at the same round.
const ReplanRounds = 8

// ErrRefused is the class of every guard refusal.
var ErrRefused = errors.New("refused by guard")

// Guard checks each action against the observation just before it is
// carried out: the last line of defence against a plan made on data that
// has moved, or a bug. The simulator counts what it refuses as the
// controller does; nothing the guard refuses is carried out.
type Guard struct {
	p       *Planner
	obs     *Observation
	total   int     // servers counted against fleet.max, approved launches included
	spend   float64 // USD/hour, approved launches included
	refused int
}

// NewGuard starts checking a batch of actions against obs. Launches it
// approves count against fleet.max and the spend cap for the rest of the
// batch.
func (p *Planner) NewGuard(obs *Observation) *Guard {
	g := &Guard{p: p, obs: obs}
	g.Observe(obs)
	return g
}

// Observe re-reads an observation (servers re-read, or launched servers
// added before a re-plan): the counts start again from it, so launches
// approved earlier must be in it.
func (g *Guard) Observe(obs *Observation) {
	g.obs = obs
	g.spend = 0
	for i := range obs.Servers {
		g.spend += obs.Servers[i].USDPerHour
	}
	g.total = g.counted()
}

// counted: servers of the fleet that count against fleet.max (those under
// an interruption notice do not: AWS is taking them).
func (g *Guard) counted() int {
	n := 0
	if g.obs == nil {
		return 0
	}
	for i := range g.obs.Servers {
		if s := &g.obs.Servers[i]; !s.Interruption && !s.External {
			n++
		}
	}
	return n
}

// Refused counts the actions refused so far.
func (g *Guard) Refused() int { return g.refused }

func (g *Guard) refuse(a Action, format string, args ...any) error {
	g.refused++
	return fmt.Errorf("%w: %s: %s", ErrRefused, a.kindTarget(), fmt.Sprintf(format, args...))
}

func (a Action) kindTarget() string {
	if a.Kind == Launch {
		return fmt.Sprintf("launch %d x %s in %s", a.Count, a.Type, a.AZ)
	}
	return fmt.Sprintf("%s %s", a.Kind, a.Server)
}

// Check approves or refuses one action. The rules:
//   - nothing happens to a server the observation does not hold, or that
//     an operator holds (Held, External);
//   - terminate only a cordoned server with no meetings, participants or
//     recordings whose meetings could be read, not under an interruption
//     notice (AWS terminates those, free in their first hour); or a
//     server that never booted (pending or booting past the boot timeout);
//   - cordon for scale-in never a server whose meetings cannot be read
//     (a notice cordons any);
//   - enable never a server under a notice;
//   - end meetings only under an interruption notice;
//   - launch only within fleet.max and the spend cap at the pool's price,
//     and not while a server's price is unknown.
func (g *Guard) Check(a Action) error {
	pol := &g.p.pol
	if a.Kind == Launch {
		if g.obs.SpendUnknown {
			return g.refuse(a, "a server's price is unknown, so the spend cap cannot be checked")
		}
		if g.total+a.Count > pol.Max {
			return g.refuse(a, "would exceed fleet.max %d (have %d)", pol.Max, g.total)
		}
		price := pol.OnDemandType.OnDemandUSDPerHour
		if a.Spot {
			if a.Pool < 0 || a.Pool >= len(g.obs.Pools) || g.obs.Pools[a.Pool].USDPerHour <= 0 {
				return g.refuse(a, "no known price for the pool")
			}
			price = g.obs.Pools[a.Pool].USDPerHour
		}
		if pol.MaxHourlyUSD > 0 && g.spend+price*float64(a.Count) > pol.MaxHourlyUSD+1e-9 {
			return g.refuse(a, "would exceed fleet.max_hourly_usd %.4f (spend %.4f + %d x %.4f)", pol.MaxHourlyUSD, g.spend, a.Count, price)
		}
		g.total += a.Count
		g.spend += price * float64(a.Count)
		return nil
	}
	i := g.find(a.Server)
	if i < 0 {
		return g.refuse(a, "not a server of the observed fleet")
	}
	s := &g.obs.Servers[i]
	if s.Held || s.External {
		return g.refuse(a, "held by an operator")
	}
	switch a.Kind {
	case Terminate:
		if NeverBooted(a) {
			if s.State != Pending && s.State != Booting {
				return g.refuse(a, "a never-booted server must not be serving (state %s)", s.State)
			}
			return nil
		}
		switch {
		case s.Interruption:
			return g.refuse(a, "under an interruption notice: AWS terminates it")
		case s.State != Cordoned:
			return g.refuse(a, "not cordoned (state %s)", s.State)
		case s.Unreadable:
			return g.refuse(a, "its meetings cannot be read")
		case s.Meetings > 0 || s.Participants > 0:
			return g.refuse(a, "still has %d meetings, %d participants", s.Meetings, s.Participants)
		case s.Recordings > 0:
			return g.refuse(a, "%d recordings still processing", s.Recordings)
		}
	case Cordon:
		if s.Unreadable && !s.Interruption && !s.Rebalance {
			return g.refuse(a, "its meetings cannot be read: no scale-in on it")
		}
	case Enable:
		if s.Interruption {
			return g.refuse(a, "under an interruption notice")
		}
	case EndMeetings:
		if !s.Interruption {
			return g.refuse(a, "no interruption notice")
		}
	}
	return nil
}

// find is the index of the observed server with this ID, -1 when there is
// none; the last one should an ID repeat. A plan checks a few actions
// against a fleet of tens of servers: scanning is cheaper than indexing
// the fleet by ID at every plan that acts.
func (g *Guard) find(id string) int {
	if g.obs == nil {
		return -1
	}
	for i := len(g.obs.Servers) - 1; i >= 0; i-- {
		if g.obs.Servers[i].ID == id {
			return i
		}
	}
	return -1
}
