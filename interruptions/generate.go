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
	return GenerateSteps([]RateStep{{UpRate: upRate, DownRate: downRate}}, n, gapSeconds, rng)
}
