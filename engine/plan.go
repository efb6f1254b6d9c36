package engine

import (
	"fmt"
	"math"
	"time"

	"github.com/scalite/scalite/model"
)

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
	// counted: the servers whose capacity makes up capacity (Unmoved
	// sums them again with the capacities of the moment).
	counted []int
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
	// demandUnknown: a server's meetings could not be read.
	demandUnknown bool
	// decidedNothing: the last Plan returned no action; groups, counts
	// and demandUnknown are as it left them (Unmoved reads them).
	decidedNothing bool
}

// Plan decides what to do now. It appends to out and returns it. st is
// updated (idle timers, the learned profile); obs is only read.
func (p *Planner) Plan(now int64, obs *Observation, st *State, out []Action) []Action {
	pol := &p.pol
	if pol.PreWarm {
		st.Profile.Learn(now, obs.Participants)
	}
	sc := &st.scratch
	start := len(out)
	sc.groups[0] = group{reusable: sc.groups[0].reusable[:0], cordonable: sc.groups[0].cordonable[:0], counted: sc.groups[0].counted[:0]}
	sc.groups[1] = group{large: true, reusable: sc.groups[1].reusable[:0], cordonable: sc.groups[1].cordonable[:0], counted: sc.groups[1].counted[:0]}
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
	sc.demandUnknown = false

	total := 0   // servers that count against fleet.max
	spend := 0.0 // USD/hour of the fleet now
	for i := range obs.Servers {
		s := &obs.Servers[i]
		g := &sc.groups[0]
		if p.placement && s.Tag == model.LargeMeetingTag {
			g = &sc.groups[1]
		}
		spend += s.USDPerHour
		if !s.Interruption && !s.External {
			total++
		}
		if s.Unreadable && s.State != Offline {
			// Scalelite sends nobody to an offline server: what it may
			// still hold is not demand Scalelite can place.
			st.scratch.demandUnknown = true
		}
		if s.Held || s.External {
			// The operator's: no action; its capacity serves while enabled.
			if s.State == Enabled && !s.Interruption {
				g.capacity += s.CapacityUsers
				g.counted = append(g.counted, i)
			}
			continue
		}
		if (s.State == Pending || s.State == Booting) && p.pol.BootTimeout > 0 && now-s.LaunchedAt >= p.pol.BootTimeout {
			// Never booted: replace it. Not counted, so target tracking
			// launches the replacement in this very plan.
			out = append(out, Action{Kind: Terminate, Server: s.ID, Reason: neverBootedReason})
			continue
		}
		// Notices first: they are about users about to lose their meeting.
		// ReactToServer decides, as it does for the agent on the server;
		// an interruption wins over a rebalance recommendation.
		// Most servers have no notice: no reaction to work out.
		var react NoticeReaction
		if s.Interruption || s.Rebalance {
			react, _ = ReactToServer(pol, s)
		}
		noticed := react.GoingAway
		if react.Cordon && s.State != Cordoned {
			reason := "rebalance recommendation: stop new meetings and replace"
			if s.Interruption {
				reason = ""
				if !p.terse {
					reason = "interruption notice: AWS terminates it at " + time.Unix(s.TerminationAt, 0).UTC().Format(time.RFC3339)
				}
			}
			out = append(out, Action{Kind: Cordon, Server: s.ID, Reason: reason})
		}
		if react.EndMeetings && !s.MeetingsEnded && s.Meetings > 0 && now >= react.EndMeetingsAt {
			a := Action{Kind: EndMeetings, Server: s.ID}
			if !p.terse {
				a.Reason = fmt.Sprintf("end %d meetings %ds before termination so users rejoin a healthy server", s.Meetings, s.TerminationAt-now)
			}
			out = append(out, a)
		}

		if noticed && s.Spot && s.Pool >= 0 {
			sc.troubled[s.Pool] = true
		}
		switch {
		case noticed:
			// Going away: not counted, so target tracking replaces it.
		case s.State == Offline && (p.pol.BootTimeout == 0 || now-s.LaunchedAt < p.pol.BootTimeout):
			// Registered, not polled yet: it will serve shortly.
			g.capacity += s.CapacityUsers
			g.counted = append(g.counted, i)
			g.servers++
			if !s.Spot {
				g.onDemand++
			}
		case s.State == Offline:
			// Scalelite cannot reach it: no meetings go there. Not
			// counted, so a replacement is launched; left for the
			// operator to look at (it may come back).
		case s.State == Cordoned:
			g.reusable = append(g.reusable, i)
		default:
			g.capacity += s.CapacityUsers
			g.counted = append(g.counted, i)
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
			if s.State == Enabled && !s.Unreadable {
				g.cordonable = append(g.cordonable, i)
			}
		}
	}

	sc.groups[0].demand, sc.groups[1].demand = p.demand(now, obs.Participants, obs.LargeParticipants, st)
	for gi := range sc.groups {
		g := &sc.groups[gi]
		g.required = p.required(g.demand)
	}

	budget := launchBudget{room: pol.Max - total, spend: spend, maxHourly: pol.MaxHourlyUSD}
	if obs.SpendUnknown {
		// A server's price is unknown, so the spend cap cannot be kept:
		// launch nothing until an operator looks (drained servers may
		// still come back).
		budget.room = 0
	}
	launched := false
	// The large-meeting group first: it holds the on-demand base when
	// placement is on.
	for _, gi := range []int{1, 0} {
		g := &sc.groups[gi]
		if gi == 1 && !p.placement {
			continue
		}
		var grew bool
		out, grew = p.scaleOut(now, obs, st, g, &budget, out)
		launched = launched || grew
	}
	if launched {
		st.LastScaleOut = now
	} else if now-st.LastScaleOut >= pol.ScaleInCooldown && !sc.demandUnknown {
		// While some server's meetings cannot be read the demand is
		// unknown: scale-in holds (scale-out goes on).
		for gi := range sc.groups {
			if gi == 1 && !p.placement {
				continue
			}
			out = p.scaleIn(obs, st, &sc.groups[gi], out)
		}
	}
	out = p.retire(now, obs, st, out)
	sc.decidedNothing = len(out) == start
	return out
}

// demand is what each group must serve now: the general fleet's
// participants, ahead of learned peaks and the timetable, and the large
// meetings' (0 without placement).
func (p *Planner) demand(now int64, participants, largeParticipants int, st *State) (general, large int) {
	pol := &p.pol
	general = participants
	if p.placement {
		large = largeParticipants
		general -= large
	}
	if pol.PreWarm {
		lead := pol.PreWarmLead + pol.LaunchToRunning + pol.BootTime
		if pred := st.Profile.Predict(now, now+lead) - large; pred > general {
			general = pred
		}
	}
	if p.schedule != nil {
		general = max(general, p.timetableDemand(now, participants)-large)
	}
	return general, large
}

// required is the capacity a demand needs: the demand plus headroom.
func (p *Planner) required(demand int) int {
	return int(math.Ceil(float64(demand) * (1 + p.pol.Headroom)))
}

// neverBootedReason marks the termination of a server whose BBB did not
// come up within fleet.boot_timeout; the simulator counts these as failed
// launches.
const neverBootedReason = "never booted: BBB not up within fleet.boot_timeout"

// NeverBooted reports whether a terminate action retires a server that
// never booted.
func NeverBooted(a Action) bool { return a.Kind == Terminate && a.Reason == neverBootedReason }

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
