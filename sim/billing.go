package sim

// Billing: what AWS charges for an instance, per second.

// bill charges an instance from running to end: per second, spot at the
// price in effect, on-demand with a 60 s minimum; a spot instance AWS
// interrupts in its first hour is free (a warm one was running before the
// window: past its first hour).
func (w *world) bill(in *instance, end int64, byAWS bool) {
	if in.runningAt < 0 || end <= in.runningAt {
		return
	}
	dur := end - in.runningAt
	hours := float64(dur) / 3600
	if !in.spot {
		w.res.OnDemandCostUSD += in.typ.OnDemandUSDPerHour * float64(max(dur, 60)) / 3600
		w.res.InstanceHoursOnDemand += hours
		return
	}
	w.res.InstanceHoursSpot += hours
	if byAWS && dur < 3600 && !in.warm {
		w.res.FreeInterruptedHours += hours
		return
	}
	c, err := w.markets[in.pool].series.Cost(in.runningAt, end)
	if err != nil {
		panic(err) // checked before simulating: every pool has a price at From
	}
	w.res.SpotCostUSD += c
}

// accrued is what a live instance has cost so far, billed as if it ended
// now by our hand.
func (w *world) accrued(in *instance) float64 {
	if in.runningAt < 0 || w.now <= in.runningAt {
		return 0
	}
	if !in.spot {
		return in.typ.OnDemandUSDPerHour * float64(max(w.now-in.runningAt, 60)) / 3600
	}
	c, err := w.markets[in.pool].series.Cost(in.runningAt, w.now)
	if err != nil {
		panic(err) // checked before simulating: every pool has a price at From
	}
	return c
}
