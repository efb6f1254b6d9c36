package interruptions

import (
	"math"
	"sort"
)

// Fit is a Kolmogorov–Smirnov goodness-of-fit figure: the largest distance
// between the empirical distribution of N values and the fitted one, and
// the asymptotic p-value of that distance. For values on a tick grid (trace
// spells are whole ticks) both distributions are compared at the grid
// points, where the asymptotic p-value is conservative (too large).
type Fit struct {
	N      int     `yaml:"n"`
	KS     float64 `yaml:"ks"`
	PValue float64 `yaml:"p_value"`
}

// ksExponential measures how far durations (hours) lie from an exponential
// of the given rate. With grid > 0 the durations are whole multiples of
// grid hours and the exponential is read at the grid points; with grid = 0
// the comparison is continuous.
func ksExponential(durations []float64, rate, grid float64) Fit {
	n := len(durations)
	if n == 0 || !(rate > 0) {
		return Fit{N: n, KS: math.NaN(), PValue: math.NaN()}
	}
	x := append([]float64(nil), durations...)
	sort.Float64s(x)
	cdf := func(v float64) float64 { return 1 - math.Exp(-rate*v) }
	if grid > 0 {
		// On a grid of g hours a spell of k ticks is geometric: the
		// maximum-likelihood fit keeps a tick with p = 1 - rate*g, the
		// discrete form of exp(-rate*g).
		p := math.Max(1-rate*grid, 0)
		cdf = func(v float64) float64 { return 1 - math.Pow(p, math.Round(v/grid)) }
	}
	d := 0.0
	for i := 0; i < n; {
		j := i
		for j < n && x[j] == x[i] {
			j++
		}
		f := cdf(x[i])
		// Above the step at x[i]: F_n = j/n.
		d = math.Max(d, math.Abs(float64(j)/float64(n)-f))
		if grid > 0 {
			// Just below x[i] the empirical CDF is i/n and the grid
			// distribution is F(x[i]-grid).
			d = math.Max(d, math.Abs(float64(i)/float64(n)-cdf(math.Max(x[i]-grid, 0))))
		} else {
			d = math.Max(d, math.Abs(f-float64(i)/float64(n)))
		}
		i = j
	}
	return Fit{N: n, KS: d, PValue: ksPValue(d, n)}
}

// ksPValue is the asymptotic Kolmogorov p-value with Stephens' small-sample
// correction: P(D > d) ~ Q((sqrt(n) + 0.12 + 0.11/sqrt(n)) d), where
// Q(l) = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 l^2).
func ksPValue(d float64, n int) float64 {
	sn := math.Sqrt(float64(n))
	l := (sn + 0.12 + 0.11/sn) * d
	if l < 0.2 {
		return 1
	}
	q := 0.0
	for k := 1; k <= 100; k++ {
		t := 2 * math.Exp(-2*float64(k*k)*l*l)
		if k%2 == 0 {
			t = -t
		}
		q += t
		if math.Abs(t) < 1e-12 {
			break
		}
	}
	return math.Min(math.Max(q, 0), 1)
}
