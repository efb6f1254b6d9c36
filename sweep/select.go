package sweep

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Constraints are what a winner must meet, on the mean over runs. A
// negative bound is no bound.
type Constraints struct {
	MaxDisruptedPct   float64 // disrupted participant-minutes, % of demand
	MaxRejectedPct    float64 // rejected participant-minutes, % of demand
	MaxOverloadedPct  float64 // participant-minutes on overloaded servers, % of demand
	MinAvailability   float64 // availability_pct
	MaxRecordingsLost float64
}

// None is Constraints with every bound off.
var None = Constraints{MaxDisruptedPct: -1, MaxRejectedPct: -1, MaxOverloadedPct: -1, MinAvailability: -1, MaxRecordingsLost: -1}

// Feasible reports whether a row meets the constraints, and if not why.
func (c Constraints) Feasible(r *Row) (bool, string) {
	var why []string
	if c.MaxDisruptedPct >= 0 && r.Mean("disrupted_pct") > c.MaxDisruptedPct {
		why = append(why, fmt.Sprintf("disrupted %.4f%% > %.4f%%", r.Mean("disrupted_pct"), c.MaxDisruptedPct))
	}
	if c.MaxRejectedPct >= 0 && r.Mean("rejected_pct") > c.MaxRejectedPct {
		why = append(why, fmt.Sprintf("rejected %.4f%% > %.4f%%", r.Mean("rejected_pct"), c.MaxRejectedPct))
	}
	if c.MaxOverloadedPct >= 0 && r.Mean("overloaded_pct") > c.MaxOverloadedPct {
		why = append(why, fmt.Sprintf("overloaded %.4f%% > %.4f%%", r.Mean("overloaded_pct"), c.MaxOverloadedPct))
	}
	if c.MinAvailability >= 0 && r.Mean("availability_pct") < c.MinAvailability {
		why = append(why, fmt.Sprintf("availability %.3f%% < %.3f%%", r.Mean("availability_pct"), c.MinAvailability))
	}
	if c.MaxRecordingsLost >= 0 && r.Mean("recordings_lost") > c.MaxRecordingsLost {
		why = append(why, fmt.Sprintf("recordings lost %.2f > %.2f", r.Mean("recordings_lost"), c.MaxRecordingsLost))
	}
	return len(why) == 0, strings.Join(why, "; ")
}

// The two objectives of the front. The cost is the whole bill when the
// runs were priced (instances, data transfer out, volumes, IPv4 addresses:
// a fleet of fewer, larger servers pays for fewer volumes and addresses),
// else the instances'.
func cost(r *Row) float64 {
	if t := r.Mean("total_cost_usd"); t > 0 {
		return t
	}
	return r.Mean("policy_cost_usd")
}
func disruption(r *Row) float64 { return r.Mean("participant_minutes_disrupted") }

// dominates: a is no worse than b in both objectives and better in one.
func dominates(a, b *Row) bool {
	return cost(a) <= cost(b) && disruption(a) <= disruption(b) && (cost(a) < cost(b) || disruption(a) < disruption(b))
}

// Pareto marks the rows no other row dominates (cost against disrupted
// participant-minutes). Sorting by cost, then disruption, a row is on the
// front when it is less disrupted than every cheaper row.
func Pareto(rows []Row) []bool {
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(cost(&rows[a]), cost(&rows[b])); c != 0 {
			return c
		}
		return cmp.Compare(disruption(&rows[a]), disruption(&rows[b]))
	})
	front := make([]bool, len(rows))
	best := 0.0
	for k, i := range order {
		r := &rows[i]
		if k == 0 || disruption(r) < best {
			front[i] = true
			best = disruption(r)
			continue
		}
		// Equal in both objectives to the last front point: not dominated.
		prev := &rows[order[k-1]]
		if front[order[k-1]] && cost(prev) == cost(r) && disruption(prev) == disruption(r) {
			front[i] = true
		}
	}
	return front
}

// Select picks the cheapest feasible row; ties go to the less disrupted,
// then to the lower index. ok is false when no row is feasible.
func Select(rows []Row, c Constraints) (best int, ok bool) {
	best = -1
	for i := range rows {
		if f, _ := c.Feasible(&rows[i]); !f {
			continue
		}
		if best < 0 || less(&rows[i], &rows[best]) {
			best = i
		}
	}
	return best, best >= 0
}

func less(a, b *Row) bool {
	if cost(a) != cost(b) {
		return cost(a) < cost(b)
	}
	if disruption(a) != disruption(b) {
		return disruption(a) < disruption(b)
	}
	return a.Index < b.Index
}
