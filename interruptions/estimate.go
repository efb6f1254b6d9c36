package interruptions

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// DefaultConfidence is the level of the intervals printed and stored.
const DefaultConfidence = 0.95

// Rate is a Poisson rate estimated from a count of events over an exposure:
// the maximum-likelihood estimate of an exponential holding time's rate,
// with censored spells contributing exposure but no event.
type Rate struct {
	Events        int     `yaml:"events"`
	ExposureHours float64 `yaml:"exposure_hours"`
	PerHour       float64 `yaml:"per_hour"`
	// Lower and Upper bound the rate at Confidence.
	Lower      float64 `yaml:"lower"`
	Upper      float64 `yaml:"upper"`
	Confidence float64 `yaml:"confidence"`
}

// EstimateRate is the rate events/exposure with its exact two-sided
// confidence interval for a Poisson count (Garwood): with n events in
// exposure T the interval is [chi2(a/2; 2n)/2T, chi2(1-a/2; 2n+2)/2T].
// Zero events give a lower bound of 0 and a finite upper bound; zero
// exposure (nothing observed) gives a rate of 0 bounded by [0, +Inf).
func EstimateRate(events int, exposureHours, confidence float64) Rate {
	r := Rate{Events: events, ExposureHours: exposureHours, Confidence: confidence}
	if exposureHours <= 0 {
		r.Upper = math.Inf(1)
		return r
	}
	alpha := 1 - confidence
	r.PerHour = float64(events) / exposureHours
	if events > 0 {
		r.Lower = distuv.ChiSquared{K: float64(2 * events)}.Quantile(alpha/2) / (2 * exposureHours)
	}
	r.Upper = distuv.ChiSquared{K: float64(2*events + 2)}.Quantile(1-alpha/2) / (2 * exposureHours)
	return r
}

// Contains reports whether the interval holds rate.
func (r Rate) Contains(rate float64) bool { return rate >= r.Lower && rate <= r.Upper }

func (r Rate) String() string {
	if r.ExposureHours <= 0 {
		return "no exposure"
	}
	return fmt.Sprintf("%.4g/h [%.4g, %.4g] (%d in %.1f h)", r.PerHour, r.Lower, r.Upper, r.Events, r.ExposureHours)
}

// PoissonInterval is the central interval holding a Poisson count of mean
// mu with probability at least confidence.
func PoissonInterval(mu, confidence float64) (lo, hi int) {
	if mu <= 0 {
		return 0, 0
	}
	p := distuv.Poisson{Lambda: mu}
	alpha := 1 - confidence
	for lo = int(math.Floor(mu)); lo > 0 && p.CDF(float64(lo-1)) > alpha/2; lo-- {
	}
	for hi = int(math.Ceil(mu)); 1-p.CDF(float64(hi)) > alpha/2; hi++ {
	}
	return lo, hi
}

func nan() float64 { return math.NaN() }
