package interruptions

import (
	"math/rand/v2"
)

// RateStep is the two-state model's rates from AtHour (hours from the
// sequence's start) until the next step: UpRate leaves the available state,
// DownRate leaves the unavailable one, per hour.
type RateStep struct {
	AtHour           float64
	UpRate, DownRate float64
}

// GenerateSteps is Generate with rates that change over time (a pool whose
// advisor band changes): steps in time order, the first at hour 0. Holding
// times are exponential, so memoryless: at a step the time left in the
// current state is drawn again at the new rate, which is exactly the
// process with piecewise-constant rates. The first state is drawn from the
// first step's long-run shares.
func GenerateSteps(steps []RateStep, n int, gapSeconds int64, rng *rand.Rand) []bool {
	out := make([]bool, n)
	if n == 0 || len(steps) == 0 {
		for i := range out {
			out[i] = true
		}
		return out
	}
	s := 0 // the step in force
	upRate, downRate := steps[0].UpRate, steps[0].DownRate
	up := true
	if upRate > 0 && downRate > 0 {
		up = rng.Float64() < downRate/(upRate+downRate)
	}
	gap := float64(gapSeconds) / 3600
	horizon := float64(n)*gap + 1
	// hold draws how long the state lasts from from, at the rates in force.
	hold := func(up bool, from float64) float64 {
		r := upRate
		if !up {
			r = downRate
		}
		if r <= 0 {
			return horizon + from
		}
		return from + rng.ExpFloat64()/r
	}
	next := hold(up, 0) // hours from the start when the state changes
	for i := range out {
		t := float64(i) * gap
		for {
			// The next step begins before the state changes: the rates
			// change there and the time left is drawn again.
			if s+1 < len(steps) && steps[s+1].AtHour <= t && steps[s+1].AtHour < next {
				s++
				upRate, downRate = steps[s].UpRate, steps[s].DownRate
				next = hold(up, steps[s].AtHour)
				continue
			}
			if t < next {
				break
			}
			up = !up
			next = hold(up, next)
		}
		out[i] = up
	}
	return out
}
