// Package tracecompare sets two meeting traces side by side: their weekly
// profile, arrivals per hour, meeting sizes and durations, each with a
// Kolmogorov–Smirnov distance (0 = the same distribution, 1 = disjoint),
// as text and as a chart. It answers "does this synthetic load look like
// my real one?" and "how far is an import from the truth?".
package tracecompare

import (
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
)

// Side is one trace's shape.
type Side struct {
	Name    string
	Summary datasets.TraceSummary
	// Days is the span from the first start to the last end, in days.
	Days float64
	// ArrivalsPerHour[h] is the mean number of meetings starting in UTC hour
	// h per day of the span.
	ArrivalsPerHour [24]float64
	// startsInWeek are the start times as hours since Monday 00:00 UTC,
	// sorted; Sizes (peak participants) and Durations (whole minutes) are
	// sorted.
	startsInWeek     []float64
	Sizes, Durations []float64
}

// Distances are Kolmogorov–Smirnov distances between the two traces.
type Distances struct {
	// Weekly compares the participant-minutes' distribution over the 168
	// hours of the week (the profile's shape, not its scale).
	Weekly float64
	// Arrivals compares the start times' distribution over the week.
	Arrivals float64
	// Sizes and Durations compare the meetings' peak sizes and lengths.
	Sizes, Durations float64
}

// Comparison is two traces side by side.
type Comparison struct {
	A, B     Side
	Distance Distances
}

// Compare describes both traces and the distances between them.
func Compare(nameA string, a []model.Meeting, nameB string, b []model.Meeting) Comparison {
	c := Comparison{A: describe(nameA, a), B: describe(nameB, b)}
	c.Distance.Weekly = weeklyKS(&c.A.Summary.Weekly, &c.B.Summary.Weekly)
	c.Distance.Arrivals = ks(c.A.startsInWeek, c.B.startsInWeek)
	c.Distance.Sizes = ks(c.A.Sizes, c.B.Sizes)
	c.Distance.Durations = ks(c.A.Durations, c.B.Durations)
	return c
}

func describe(name string, ms []model.Meeting) Side {
	s := Side{Name: name, Summary: datasets.SummarizeTrace(ms)}
	if len(ms) == 0 {
		return s
	}
	s.Days = math.Max(float64(s.Summary.To-s.Summary.From)/86400, 1)
	s.Sizes = make([]float64, len(ms))
	s.Durations = make([]float64, len(ms))
	s.startsInWeek = make([]float64, len(ms))
	for i := range ms {
		m := &ms[i]
		s.Sizes[i] = float64(m.PeakParticipants())
		// Whole minutes: a duration known to the scrape interval (an import)
		// is not a different distribution from the same one to the second.
		s.Durations[i] = math.Round(float64(m.End-m.Start) / 60)
		tm := time.Unix(m.Start, 0).UTC()
		s.ArrivalsPerHour[tm.Hour()]++
		wd := (int(tm.Weekday()) + 6) % 7
		s.startsInWeek[i] = float64(wd*24+tm.Hour()) + float64(tm.Minute()*60+tm.Second())/3600
	}
	for h := range s.ArrivalsPerHour {
		s.ArrivalsPerHour[h] /= s.Days
	}
	slices.Sort(s.Sizes)
	slices.Sort(s.Durations)
	slices.Sort(s.startsInWeek)
	return s
}

// ks is the two-sample Kolmogorov–Smirnov distance of sorted samples; NaN
// when either is empty.
func ks(x, y []float64) float64 {
	if len(x) == 0 || len(y) == 0 {
		return math.NaN()
	}
	return stat.KolmogorovSmirnov(x, nil, y, nil)
}

// weeklyKS treats each weekly profile as weights on the week's 168 hours.
func weeklyKS(a, b *[7][24]float64) float64 {
	x := make([]float64, 0, 168)
	wa := make([]float64, 0, 168)
	wb := make([]float64, 0, 168)
	var sa, sb float64
	for d := range 7 {
		for h := range 24 {
			x = append(x, float64(d*24+h))
			wa = append(wa, a[d][h])
			wb = append(wb, b[d][h])
			sa += a[d][h]
			sb += b[d][h]
		}
	}
	if sa == 0 || sb == 0 {
		return math.NaN()
	}
	return stat.KolmogorovSmirnov(x, wa, x, wb)
}

// Quantiles of sorted values at p10, p50, p90, p99 and the maximum.
func Quantiles(sorted []float64) [5]float64 {
	var q [5]float64
	if len(sorted) == 0 {
		for i := range q {
			q[i] = math.NaN()
		}
		return q
	}
	for i, p := range []float64{0.1, 0.5, 0.9, 0.99} {
		q[i] = stat.Quantile(p, stat.Empirical, sorted, nil)
	}
	q[4] = sorted[len(sorted)-1]
	return q
}
