package interruptions

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// FitTraces fits the two-state model to each trace.
func FitTraces(traces []*Trace, confidence float64) (*Model, error) {
	if len(traces) == 0 {
		return nil, fmt.Errorf("no availability traces")
	}
	m := &Model{Version: ModelVersion, Source: "traces", Confidence: confidence}
	for _, t := range traces {
		ts, err := FitTwoState(t.Up, t.GapSeconds, confidence)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.Path, err)
		}
		m.Pools = append(m.Pools, PoolModel{Pool: t.Pool, ObservedHours: t.Hours(), Availability: &ts})
	}
	return m, nil
}

// Holdout is a check of the fit on time it did not see: the model fitted
// on a trace's first part predicts how many times the pool becomes
// unavailable in the rest.
type Holdout struct {
	Pool                Pool
	FitHours, TestHours float64
	Predicted           float64 // expected available -> unavailable transitions
	Low, High           int     // Poisson interval of the count at the confidence
	Observed            int
}

// Inside reports whether the observed count lies in the interval.
func (h Holdout) Inside() bool { return h.Observed >= h.Low && h.Observed <= h.High }

// HoldoutTrace fits on the first fraction of t and predicts the rest. The
// prediction is the long-run transition rate times the test period. Its
// interval adds two variances: the count's, taken as Poisson (an
// alternating renewal count varies less, so this errs wide), and the
// fitted rates' (delta method: the crunch rate c = u*d/(u+d) has relative
// variance (d/(u+d))^2/n_u + (u/(u+d))^2/n_d from n_u and n_d observed
// transitions); normal approximation, rounded outward, never below 0.
func HoldoutTrace(t *Trace, fraction, confidence float64) (Holdout, error) {
	if !(fraction > 0 && fraction < 1) {
		return Holdout{}, fmt.Errorf("holdout fraction must be in (0, 1), got %v", fraction)
	}
	cut := int(float64(len(t.Up)) * fraction)
	if cut < 1 || cut >= len(t.Up) {
		return Holdout{}, fmt.Errorf("%s: too short to split (%d ticks)", t.Path, len(t.Up))
	}
	ts, err := FitTwoState(t.Up[:cut], t.GapSeconds, confidence)
	if err != nil {
		return Holdout{}, fmt.Errorf("%s: %w", t.Path, err)
	}
	gap := float64(t.GapSeconds) / 3600
	h := Holdout{Pool: t.Pool, FitHours: float64(cut) * gap, TestHours: float64(len(t.Up)-cut) * gap}
	h.Predicted = ts.CrunchesPerHour() * h.TestHours
	h.Low, h.High = predictionInterval(h.Predicted, ts, confidence)
	// Transitions in the test part, including one at its first tick.
	for i := cut; i < len(t.Up); i++ {
		if t.Up[i-1] && !t.Up[i] {
			h.Observed++
		}
	}
	return h, nil
}

func predictionInterval(mu float64, ts TwoState, confidence float64) (int, int) {
	if mu <= 0 {
		return 0, 0
	}
	u, d := ts.Up.PerHour, ts.Down.PerHour
	nu, nd := float64(max(ts.Up.Events, 1)), float64(max(ts.Down.Events, 1))
	rel := math.Pow(d/(u+d), 2)/nu + math.Pow(u/(u+d), 2)/nd
	sd := math.Sqrt(mu + mu*mu*rel)
	z := distuv.UnitNormal.Quantile(1 - (1-confidence)/2)
	return int(math.Max(math.Floor(mu-z*sd), 0)), int(math.Ceil(mu + z*sd))
}
