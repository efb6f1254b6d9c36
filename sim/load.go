package sim

import "github.com/scalite/scalite/model"

// The load model in the world: what each meeting's media costs its server
// (model.LoadModel), servers overloaded by load rather than by heads, the
// engine told the demand's load per participant, and Scalelite's
// load_multiplier per server from its type's capacity. Off (Options.Load
// nil), the world counts users against CapacityUsers as before.

// meetingTally is what a meeting of the trace adds to its server's load
// at its current size, with the media of the time its tally was taken.
func (w *world) meetingTally(i int32) model.LoadTally {
	mr := &w.meetings[i]
	if m := &w.lastTally; m.meeting == i && m.size == mr.size && m.at == mr.mediaAt {
		return m.tally
	}
	t := model.TallyOf(w.o.Meetings[i].MixAt(mr.mediaAt, int(mr.size)))
	w.lastTally = tallyMemo{meeting: i, size: mr.size, at: mr.mediaAt, tally: t}
	return t
}

// tallyMemo is the last tally meetingTally worked out: a meeting's tally
// is asked for two or three times in a row (its start adds it to the
// demand and to its server, its end takes it from both), and it is a
// function of the meeting, its size and the time of its media alone.
type tallyMemo struct {
	meeting int32
	size    int32
	at      int64
	tally   model.LoadTally
}

// loadStarted adds a starting meeting's media to the demand's tally (its
// load-seconds and egress over the window are in the run's demandTotals).
func (w *world) loadStarted(i int32) {
	w.demandTally.Add(w.meetingTally(i))
}

// loadPerParticipant is the demand's load per participant now.
func (w *world) loadPerParticipant() float64 {
	return w.o.Load.DemandLoadPerParticipant(w.demandTally)
}

// serverLoad is a server's load: its meetings' and its recordings'
// processing, LU.
func (w *world) serverLoad(in *instance) float64 {
	lm := w.o.Load
	return lm.TallyLoad(in.tally) + float64(in.recordings)*lm.RecordingProcessingLoad()
}

// capacityUsers is how many participants of the demand's mix (rho LU
// each) a server holds beside its recordings' processing.
func (w *world) capacityUsers(in *instance, rho float64) int {
	if w.o.Load == nil {
		return in.typ.CapacityUsers
	}
	// Most plans see the mix and the server's recordings unchanged since
	// the last: its own answer; else one division per capacity (a fleet
	// has a few types), recordings processing and mix.
	if in.capRho == rho && in.capRec == in.recordings && rho != 0 {
		return in.capUsers
	}
	in.capRho, in.capRec = rho, in.recordings
	in.capUsers = w.typeCapacityUsers(in, rho)
	return in.capUsers
}

// typeCapacityUsers is capacityUsers from the world's table.
func (w *world) typeCapacityUsers(in *instance, rho float64) int {
	if rho != w.capRho {
		w.capRho, w.capTypes = rho, w.capTypes[:0]
	}
	for i := range w.capTypes {
		if c := &w.capTypes[i]; c.load == in.typ.CapacityLoad && c.recordings == in.recordings {
			return c.users
		}
	}
	u := w.o.Load.ServerCapacityUsers(in.typ.CapacityLoad, in.recordings, rho)
	if len(w.capTypes) < 64 {
		w.capTypes = append(w.capTypes, typeCapacity{in.typ.CapacityLoad, in.recordings, u})
	}
	return u
}

// typeCapacity is what a server of a capacity (LU) with recordings
// processing holds in participants of the mix capRho.
type typeCapacity struct {
	load, recordings, users int
}

// scaleliteMultiplier is a new server's load_multiplier in Scalelite: the
// configured one, times its type's (1 for BBB's 8-core reference server)
// with the load model.
func (w *world) scaleliteMultiplier(t *model.InstanceType) float64 {
	if w.o.Load == nil {
		return w.o.LoadMultiplier
	}
	return w.o.LoadMultiplier * w.o.Load.LoadMultiplier(t.CapacityLoad)
}

// accountLoadOverload integrates a server's overload since it was last
// accounted: the share of its participants beyond its load capacity
// (overloaded_participant_minutes), and all of them (they all suffer on
// an overloaded server: participant_minutes_overloaded).
func (w *world) accountLoadOverload(in *instance) {
	if dt := w.now - in.overloadAt; dt > 0 && in.participants > 0 {
		load := w.serverLoad(in)
		if c := float64(in.typ.CapacityLoad); load > c {
			w.overloadLoad += float64(in.participants) * (load - c) / load * float64(dt)
			w.overloadAll += int64(in.participants) * dt
		}
	}
	in.overloadAt = w.now
}

// priceBill adds the whole bill to a finished run's result: the egress the
// trace's meetings send, for the share of their participant-minutes that
// were served, and each instance-hour's volume and IPv4 address.
func (w *world) priceBill() {
	o, r := w.o, &w.res
	if o.Bill == nil || o.Bitrates == nil {
		return
	}
	egress := w.asked.egressGB
	if r.ParticipantMinutesTotal > 0 {
		egress *= r.ParticipantMinutesServed / r.ParticipantMinutesTotal
	}
	b := o.Bill.BillFor(egress, r.InstanceHoursSpot+r.InstanceHoursOnDemand, float64(o.To-o.From)/3600)
	r.EgressGB, r.EgressCostUSD, r.EBSCostUSD, r.IPv4CostUSD = b.EgressGB, b.EgressUSD, b.EBSUSD, b.IPv4USD
	r.TotalCostUSD = r.PolicyCostUSD + b.Total()
}
