package interruptions

import (
	"math/rand/v2"
)

// Generate draws a two-state availability sequence of n ticks of
// gapSeconds: holding times are exponential with rates upRate (leaving
// available) and downRate (leaving unavailable), per hour, in continuous
// time; each tick reads the state at its start. A zero upRate never
// leaves the available state. The first state is drawn from the long-run
// shares, so a sequence is stationary from its first tick.
func Generate(upRate, downRate float64, n int, gapSeconds int64, rng *rand.Rand) []bool {
	out := make([]bool, n)
	if n == 0 {
		return out
	}
	up := true
	if upRate > 0 && downRate > 0 {
		up = rng.Float64() < downRate/(upRate+downRate)
	}
	gap := float64(gapSeconds) / 3600
	next := 0.0 // hours until the state changes
	hold := func(up bool) float64 {
		r := upRate
		if !up {
			r = downRate
		}
		if r <= 0 {
			return float64(n)*gap + 1
		}
		return rng.ExpFloat64() / r
	}
	next = hold(up)
	for i := range out {
		t := float64(i) * gap
		for t >= next {
			up = !up
			next += hold(up)
		}
		out[i] = up
	}
	return out
}
