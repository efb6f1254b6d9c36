package results

import (
	"slices"

	"gonum.org/v1/gonum/stat"
)

// Stats are a metric's mean and percentiles over runs.
type Stats struct {
	Mean float64 `json:"mean"`
	P5   float64 `json:"p5"`
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
}

// Aggregate summarises each contract metric over runs, and the whole
// bill's when the runs were priced.
func Aggregate(runs []Result) map[string]Stats {
	keys := resultKeys
	if len(runs) > 0 && runs[0].Priced() {
		keys = append(keys[:len(keys):len(keys)], billKeys...)
	}
	if len(runs) > 0 && runs[0].LoadPerParticipant > 0 {
		keys = append(keys[:len(keys):len(keys)], loadKey)
	}
	out := make(map[string]Stats, len(keys))
	vals := make([]float64, len(runs))
	metrics := make([]map[string]float64, len(runs))
	for i := range runs {
		metrics[i] = runs[i].Metrics()
	}
	for _, k := range keys {
		for i := range runs {
			vals[i] = metrics[i][k]
		}
		out[k] = StatsOf(vals)
	}
	return out
}

// StatsOf is the mean and the 5th, 50th and 95th percentiles of values.
func StatsOf(vals []float64) Stats {
	sorted := slices.Clone(vals)
	slices.Sort(sorted)
	return Stats{
		Mean: stat.Mean(vals, nil),
		P5:   stat.Quantile(0.05, stat.Empirical, sorted, nil),
		P50:  stat.Quantile(0.5, stat.Empirical, sorted, nil),
		P95:  stat.Quantile(0.95, stat.Empirical, sorted, nil),
	}
}
