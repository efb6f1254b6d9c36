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

// GenerateChanges draws the two-state process over [0, hours] with rates
// that change over time (a pool whose advisor band changes): steps in time
// order, the first at hour 0. It returns whether the process starts
// available (drawn from the first step's long-run shares) and the times,
// in hours, at which it changes state. Holding times are exponential, so
// memoryless: at a step the time left in the current state is drawn again
// at the new rate, which is exactly the process with piecewise-constant
// rates. A zero rate never leaves its state.
func GenerateChanges(steps []RateStep, hours float64, rng *rand.Rand) (startsUp bool, changes []float64) {
	if len(steps) == 0 {
		return true, nil
	}
	s := 0 // the step in force
	upRate, downRate := steps[0].UpRate, steps[0].DownRate
	up := true
	if upRate > 0 && downRate > 0 {
		up = rng.Float64() < downRate/(upRate+downRate)
	}
	startsUp = up
	// hold draws when the state entered at from ends, at the rates in force.
	hold := func(up bool, from float64) float64 {
		r := upRate
		if !up {
			r = downRate
		}
		if r <= 0 {
			return hours + 1 + from
		}
		return from + rng.ExpFloat64()/r
	}
	next := hold(up, 0)
	for {
		// A step that begins before the state changes changes the rates
		// there, and the time left is drawn again.
		if s+1 < len(steps) && steps[s+1].AtHour <= hours && steps[s+1].AtHour < next {
			s++
			upRate, downRate = steps[s].UpRate, steps[s].DownRate
			next = hold(up, steps[s].AtHour)
			continue
		}
		if next > hours {
			return startsUp, changes
		}
		changes = append(changes, next)
		up = !up
		next = hold(up, next)
	}
}

// GenerateSteps is GenerateChanges read at n ticks of gapSeconds, each
// tick the state at its start.
func GenerateSteps(steps []RateStep, n int, gapSeconds int64, rng *rand.Rand) []bool {
	out := make([]bool, n)
	if n == 0 {
		return out
	}
	gap := float64(gapSeconds) / 3600
	up, changes := GenerateChanges(steps, float64(n-1)*gap, rng)
	c := 0
	for i := range out {
		t := float64(i) * gap
		for c < len(changes) && changes[c] <= t {
			up = !up
			c++
		}
		out[i] = up
	}
	return out
}
