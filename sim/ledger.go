package sim

import "github.com/scalite/scalite/results"

// The ledger: participant-minutes by mode, overload, the recorded events
// and samples, and the totals at the window's end.

func (w *world) account(mr *meetingRun) {
	if dt := w.now - mr.since; dt > 0 {
		w.pm[mr.mode] += int64(mr.size) * dt
	}
	mr.since = w.now
}

// setMode moves a meeting to a new accounting mode, keeping w.unserved.
func (w *world) setMode(i int32, mode uint8) {
	mr := &w.meetings[i]
	was := mr.mode == modeDisrupted || mr.mode == modeRejected
	now := mode == modeDisrupted || mode == modeRejected
	switch {
	case now && !was:
		mr.uslot = int32(len(w.unserved))
		w.unserved = append(w.unserved, i)
	case was && !now:
		last := w.unserved[len(w.unserved)-1]
		w.unserved[mr.uslot] = last
		w.meetings[last].uslot = mr.uslot
		w.unserved = w.unserved[:len(w.unserved)-1]
		mr.uslot = -1
	}
	mr.mode = mode
}

func (w *world) accountOverload(in *instance) {
	if w.o.Load != nil {
		w.accountLoadOverload(in)
		return
	}
	if ex := in.participants - in.typ.CapacityUsers; ex > 0 {
		dt := w.now - in.overloadAt
		w.overload += int64(ex) * dt
		w.overloadAll += int64(in.participants) * dt
	}
	in.overloadAt = w.now
}

// record passes r to the recorder. Callers check for one first: the
// strings a record holds cost more than the rest of most events.
func (w *world) record(r results.Record) {
	if w.o.Recorder != nil {
		r.Time = w.now
		w.o.Recorder.Event(r)
	}
}

func (w *world) recordSample() {
	s := &w.sample
	s.Time, s.Demand, s.Capacity, s.CostUSDPerH = w.now, w.demand, 0, 0
	s.CapacitySpot, s.CapacityOnDemand = 0, 0
	s.SpotServers, s.ODServers = [5]int{}, [5]int{}
	rho := 0.0
	if w.o.Load != nil {
		rho = w.loadPerParticipant()
	}
	for _, idx := range w.live {
		in := &w.insts[idx]
		if in.state == stEnabled {
			c := w.capacityUsers(in, rho)
			s.Capacity += c
			if in.spot {
				s.CapacitySpot += c
			} else {
				s.CapacityOnDemand += c
			}
		}
		if in.spot {
			s.SpotServers[in.state]++
			if in.runningAt >= 0 {
				s.CostUSDPerH += w.markets[in.pool].price
			}
		} else {
			s.ODServers[in.state]++
			if in.runningAt >= 0 {
				s.CostUSDPerH += in.typ.OnDemandUSDPerHour
			}
		}
	}
	for i := range w.markets {
		s.MarketPrices[i] = w.markets[i].price
	}
	// Cumulative figures as if the run ended now: billed plus accrued.
	s.CumCostUSD = w.res.SpotCostUSD + w.res.OnDemandCostUSD
	for _, idx := range w.live {
		s.CumCostUSD += w.accrued(&w.insts[idx])
	}
	pending := [5]int64{}
	for _, mi := range w.unserved {
		mr := &w.meetings[mi]
		pending[mr.mode] += int64(mr.size) * (w.now - mr.since)
	}
	s.CumDisruptedMinutes = float64(w.pm[modeDisrupted]+pending[modeDisrupted]) / 60
	s.CumRejectedMinutes = float64(w.pm[modeRejected]+pending[modeRejected]) / 60
	s.CumParticipantsRejected = w.res.ParticipantsRejected
	s.CumInterruptions = w.res.Interruptions
	s.CumRebalances = w.res.RebalanceRecommendations
	w.o.Recorder.Sample(s)
}

// finish closes the books at the window's end.
func (w *world) finish() {
	if w.o.Recorder != nil && w.o.SampleInterval > 0 {
		w.recordSample() // the totals at the window's end close on the result
	}
	for i := range w.meetings {
		mr := &w.meetings[i]
		if mr.mode != modeDone && mr.mode != modeWaiting {
			w.account(mr)
		}
		if mr.mode == modeServed && w.insts[mr.server].state == stGone {
			w.res.MeetingsOnTerminated++
		}
	}
	for _, idx := range w.live {
		in := &w.insts[idx]
		w.accountOverload(in)
		w.bill(in, w.now, false)
	}
	if w.o.asked != nil {
		w.asked = w.o.asked.get(w.o)
	} else {
		w.asked = sumDemand(w.o)
	}
	r := &w.res
	r.ParticipantMinutesServed = float64(w.pm[modeServed]) / 60
	r.ParticipantMinutesDisrupted = float64(w.pm[modeDisrupted]) / 60
	r.ParticipantMinutesRejected = float64(w.pm[modeRejected]) / 60
	r.ParticipantMinutesTotal = float64(w.asked.seconds) / 60
	r.OverloadedParticipantMinutes = (float64(w.overload) + w.overloadLoad) / 60
	r.ParticipantMinutesOverloaded = float64(w.overloadAll) / 60
	r.PolicyCostUSD = r.SpotCostUSD + r.OnDemandCostUSD
	if r.ParticipantMinutesTotal > 0 {
		pct := func(pm float64) float64 { return 100 * pm / r.ParticipantMinutesTotal }
		r.DisruptedPct = pct(r.ParticipantMinutesDisrupted)
		r.RejectedPct = pct(r.ParticipantMinutesRejected)
		r.OverloadedPct = pct(r.ParticipantMinutesOverloaded)
		// Served without any of the three: overloaded minutes are served
		// ones, so they come off the served.
		r.AvailabilityPct = pct(r.ParticipantMinutesServed - r.ParticipantMinutesOverloaded)
	} else {
		r.AvailabilityPct = 100
	}
	r.Seed = w.o.Seed
	if w.o.Load != nil && w.asked.seconds > 0 {
		r.LoadPerParticipant = w.asked.load / float64(w.asked.seconds)
	}
	w.priceBill()
}
