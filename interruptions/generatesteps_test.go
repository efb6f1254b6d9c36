package interruptions

import (
	"math/rand/v2"
	"testing"
)

// TestGenerateStepsFollowsRateChanges: with rates that change halfway the
// sequence's share of time available follows the rates in force (about
// 99% calm, then about 50%).
func TestGenerateStepsFollowsRateChanges(t *testing.T) {
	const n, gap = 200_000, 60 // 3,333 hours
	half := float64(n*gap) / 3600 / 2
	steps := []RateStep{{AtHour: 0, UpRate: 0.01, DownRate: 1}, {AtHour: half, UpRate: 1, DownRate: 1}}
	up := GenerateSteps(steps, n, gap, rand.New(rand.NewPCG(1, 2)))
	share := func(xs []bool) float64 {
		k := 0
		for _, x := range xs {
			if x {
				k++
			}
		}
		return float64(k) / float64(len(xs))
	}
	if a, b := share(up[:n/2]), share(up[n/2:]); a < 0.97 || b < 0.45 || b > 0.55 {
		t.Errorf("available %.3f of the first half (want about 0.99) and %.3f of the second (want about 0.5)", a, b)
	}
}

// TestGenerateChangesCountsTransitions: over a long horizon the number of
// changes is about twice the long-run rate of crunches times the hours,
// in increasing order within the horizon.
func TestGenerateChangesCountsTransitions(t *testing.T) {
	const hours = 100_000.0
	// 24.49 h up, 6.41 h down: a crunch every 30.9 h, two changes each.
	_, changes := GenerateChanges([]RateStep{{UpRate: 1 / 24.49, DownRate: 1 / 6.41}}, hours, rand.New(rand.NewPCG(5, 6)))
	want := 2 * hours / (24.49 + 6.41)
	if n := float64(len(changes)); n < 0.95*want || n > 1.05*want {
		t.Errorf("%d changes in %.0f h, want about %.0f", len(changes), hours, want)
	}
	for i, c := range changes {
		if c > hours || (i > 0 && c <= changes[i-1]) {
			t.Fatalf("change %d at %.3f h: want increasing times within %.0f h", i, c, hours)
		}
	}
}
