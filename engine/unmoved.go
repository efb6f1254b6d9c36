package engine

// Unmoved answers, without a plan, whether a Plan would decide nothing
// because only the demand moved. Through a working day nearly every
// reconcile sees some meeting start, end or change size, so the simulator
// would plan almost every minute although the fleet has room and nothing
// is to be done; planning walks the whole fleet, this walks only the
// capacities that count.

// Unmoved reports whether Plan at now would again return no action and
// leave st as it would leave it, given that:
//   - the last Plan, with st, returned no action (else Unmoved is false);
//   - since that plan only the demand moved: the participants, the large
//     meetings' part of them, the meetings, participants, recordings and so
//     the capacities of servers that were Enabled with no notice, the
//     meetings and participants of Cordoned servers with no notice that
//     stay busy (meetings or recordings left: nothing but a scale-out reads
//     them), and the prices (read only to launch and to pick what to
//     cordon); nothing else changed (no state, notice, server launched or
//     gone, no cordoned server emptied, no meeting change on a noticed
//     server);
//   - now is before QuietUntil of that plan.
//
// obs is the observation the last Plan read, with Participants and
// LargeParticipants of now; capacityOf gives a server's CapacityUsers now
// by its index there (the servers' other fields are as that plan read
// them, which is what they are). When Unmoved reports true it has done to
// st what that Plan would have done (learned the demand for pre-warming);
// when it reports false, call Plan.
//
// The rules it stands for are Plan's that read the demand: target tracking
// launches when the capacity counted falls below the required, and
// scale-in, once its cooldown is over, cordons a server whose capacity
// fits in the excess. TestUnmovedAgreesWithPlan checks it on random fleets
// and demands.
func (p *Planner) Unmoved(now int64, obs *Observation, capacityOf func(server int) int, st *State) bool {
	sc := &st.scratch
	if !sc.decidedNothing {
		return false
	}
	general, largeDemand := p.demand(now, obs.Participants, obs.LargeParticipants, st)
	scaleIn := now-st.LastScaleOut >= p.pol.ScaleInCooldown && !sc.demandUnknown
	for gi := range sc.groups {
		g := &sc.groups[gi]
		if gi == 1 && !p.placement {
			continue
		}
		if p.minServers(g)-g.servers > 0 || p.base(g)-g.onDemand > 0 {
			// Short of servers without reaching them: the plan's
			// outcome rests on more than the demand.
			return false
		}
		demand := general
		if gi == 1 {
			demand = largeDemand
		}
		required := p.required(demand)
		capacity := 0
		for _, i := range g.counted {
			capacity += capacityOf(i)
		}
		if required > capacity {
			return false // target tracking launches or re-enables
		}
		if !scaleIn || len(g.cordonable) == 0 || g.servers-1 < p.minServers(g) {
			continue
		}
		excess := capacity - required
		base := p.base(g)
		for _, i := range g.cordonable {
			// scaleIn cordons a server that fits in the excess (an
			// on-demand one only above the base); if none fits, it
			// cordons none.
			if capacityOf(i) <= excess && (obs.Servers[i].Spot || g.onDemand-1 >= base) {
				return false
			}
		}
	}
	if p.pol.PreWarm {
		st.Profile.Learn(now, obs.Participants)
	}
	return true
}
