package sweep

import (
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/results"
	"github.com/scalite/scalite/scenario"
)

func row(i int, cost, disrupted float64) Row {
	return Row{Index: i, Stats: map[string]results.Stats{
		"policy_cost_usd": {Mean: cost}, "participant_minutes_disrupted": {Mean: disrupted},
		"disrupted_pct": {Mean: disrupted / 100}, "availability_pct": {Mean: 100 - disrupted/10}, "recordings_lost": {Mean: disrupted / 50},
	}}
}

// TestParetoProperty: no point on the front is dominated; every point off
// it is dominated by some point.
func TestParetoProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 60).Draw(t, "n")
		rows := make([]Row, n)
		for i := range rows {
			// Small integer grids make ties and duplicates common.
			rows[i] = row(i, float64(rapid.IntRange(0, 12).Draw(t, "c")), float64(rapid.IntRange(0, 12).Draw(t, "d")))
		}
		front := Pareto(rows)
		for i := range rows {
			dominated := false
			for j := range rows {
				if dominates(&rows[j], &rows[i]) {
					dominated = true
				}
			}
			if front[i] == dominated {
				t.Fatalf("row %d (%v, %v): on front %v, dominated %v", i, cost(&rows[i]), disruption(&rows[i]), front[i], dominated)
			}
		}
	})
}

func TestSelect(t *testing.T) {
	rows := []Row{row(0, 100, 500), row(1, 80, 300), row(2, 80, 100), row(3, 60, 900), row(4, 80, 100)}
	c := Constraints{MaxDisruptedPct: 4, MaxRejectedPct: -1, MaxOverloadedPct: -1, MinAvailability: -1, MaxRecordingsLost: -1}
	best, ok := Select(rows, c)
	// 3 is cheapest but too disrupted; 2 and 4 tie on both objectives: the lower index wins.
	if !ok || best != 2 {
		t.Fatalf("winner %d, %v; want 2", best, ok)
	}
	if ok, why := c.Feasible(&rows[3]); ok || !strings.Contains(why, "disrupted 9.0000% > 4.0000%") {
		t.Errorf("row 3 feasible %v (%s)", ok, why)
	}
	if _, ok := Select(rows, Constraints{MaxDisruptedPct: 0.1, MaxRejectedPct: -1, MaxOverloadedPct: -1, MinAvailability: -1, MaxRecordingsLost: -1}); ok {
		t.Error("a winner although none qualifies")
	}
}

func TestSpecCandidates(t *testing.T) {
	s, err := ParseSpec([]byte("spot_price: [\"100%\", \"0.30\"]\nheadroom: [10%, 25%, 40%]\ninstance_types: [[c5a.4xlarge], [m5.4xlarge, c6i.4xlarge]]\n"), "spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cands, err := s.Candidates(config.Default(), datasets.DefaultCatalog())
	if err != nil {
		t.Fatal(err)
	}
	if len(cands) != 12 {
		t.Fatalf("%d candidates, want 12", len(cands))
	}
	last := cands[11]
	if last.Params[1] != "0.30" || last.Params[2] != "m5.4xlarge+c6i.4xlarge" || last.Params[5] != "40%" || last.Config.Fleet.Headroom != 0.4 {
		t.Errorf("last candidate %v", last.Params)
	}
	if cands[0].Params[0] != "true" || cands[0].Config.Spot.SpotPrice.Share != 1 {
		t.Errorf("first candidate %v", cands[0].Params)
	}
	for _, tc := range []struct{ in, want string }{
		{"colour: [red]\n", "spec.yaml: yaml: unmarshal errors:\n  line 1: field colour not found"},
		{"headroom: [lots]\n", "bad share \"lots\""},
	} {
		if _, err := ParseSpec([]byte(tc.in), "spec.yaml"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.want)
		}
	}
	bad, _ := ParseSpec([]byte("instance_types: [[x9.huge]]\n"), "spec.yaml")
	if _, err := bad.Candidates(config.Default(), datasets.DefaultCatalog()); err == nil || !strings.Contains(err.Error(), "candidate 0 (") || !strings.Contains(err.Error(), `"x9.huge" is not in the eu-west-1 catalog`) {
		t.Errorf("invalid candidate: %v", err)
	}
}

// evaluator is the embedded default scenario.
func evaluator(t testing.TB, runs int) (*Evaluator, []Candidate) {
	t.Helper()
	cat := datasets.DefaultCatalog()
	f, _ := config.Parse(nil, "default")
	sc, err := scenario.Build(scenario.Inputs{Config: f, Catalog: cat, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	spec, err := ParseSpec([]byte(`spot_price: ["100%", "70%", "50%"]
instance_types: [[c5a.4xlarge], [c5a.4xlarge, c6i.4xlarge, m5.4xlarge], [c6i.4xlarge, m5.4xlarge]]
allocation_strategy: [lowest-price, price-capacity-optimized]
on_demand_base: [0, 1]
headroom: ["15%", "30%"]
on_interruption: [cordon, end-meetings]
`), "spec")
	if err != nil {
		t.Fatal(err)
	}
	cands, err := spec.Candidates(f.Config, cat)
	if err != nil {
		t.Fatal(err)
	}
	return &Evaluator{Base: sc.Options, Catalog: cat, MeetingsFor: sc.MeetingsFor, Runs: runs}, cands
}

// TestHalvingFindsGridWinner: on the embedded scenario the search ends on
// the grid's winner, or a feasible one within 0.5% of its cost, with at
// most a fifth of the grid's simulated candidate-run-days.
func TestHalvingFindsGridWinner(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates a 144-candidate grid")
	}
	// Availability counts everyone on an overloaded server (model 2): the
	// embedded scenario's candidates lie between about 80% and 90%. With
	// the bound at 84% or more the screening rungs keep cheap candidates
	// that pass the loosened first-week screen and fail over the month, and
	// the search ends with none feasible: successive halving is weakest
	// where availability binds mid-range (the README says so). Disruption
	// likewise: with pools going unavailable by band (model 4) the
	// candidates lie between about 0.001% and 0.09% disrupted; the bound at
	// 0.05% binds the worst tenth (at 0.01% or 0.02% it binds mid-range and
	// the search ends on no feasible candidate).
	c := Constraints{MaxDisruptedPct: 0.05, MaxRejectedPct: -1, MaxOverloadedPct: 20, MinAvailability: 80, MaxRecordingsLost: -1}
	grid, cands := evaluator(t, 4)
	gridRows, err := grid.Evaluate(cands, nil)
	if err != nil {
		t.Fatal(err)
	}
	gw, ok := Select(gridRows, c)
	if !ok {
		t.Fatal("no grid winner")
	}
	search, _ := evaluator(t, 4)
	rows, counts, err := search.Halving(cands, c, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	sw, ok := Select(rows, c)
	if !ok {
		t.Fatal("the search found no feasible candidate")
	}
	t.Logf("grid: %d candidates, %.0f candidate-run-days, winner %d at %.2f USD; halving %v: %.0f (%.1f%%), winner %d at %.2f USD",
		len(cands), grid.Work, gridRows[gw].Index, cost(&gridRows[gw]), counts, search.Work, 100*search.Work/grid.Work, rows[sw].Index, cost(&rows[sw]))
	if search.Work > grid.Work/5 {
		t.Errorf("the search simulated %.0f candidate-run-days, more than a fifth of the grid's %.0f", search.Work, grid.Work)
	}
	// The first rung ranks on a quarter of the window with one run: it
	// cannot tell apart candidates within a fraction of a percent of each
	// other over the month, so the search may end on one of those.
	if cost(&rows[sw]) > cost(&gridRows[gw])*1.005 {
		t.Errorf("the search's winner %d costs %.2f, more than 0.5%% above the grid's %d at %.2f", rows[sw].Index, cost(&rows[sw]), gridRows[gw].Index, cost(&gridRows[gw]))
	}
	// The last rung is the full evaluation: the same numbers as the grid's.
	for _, r := range rows {
		if g := gridRows[r.Index]; fmt.Sprint(g.Stats) != fmt.Sprint(r.Stats) {
			t.Fatalf("candidate %d: search and grid evaluations differ", r.Index)
		}
	}
}

// BenchmarkSweep reports candidates/s: 24 candidates, one run each, on the
// 28-day embedded scenario (the target: 1,000 candidates x 30 days
// in at most 60 s on the 2-core machines, i.e. at least 17 candidates/s).
func BenchmarkSweep(b *testing.B) {
	ev, cands := evaluator(b, 1)
	cands = cands[:24]
	b.ResetTimer()
	for range b.N {
		ev.baselines = nil // fresh caches, as a new sweep has
		if _, err := ev.Evaluate(cands, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(cands)*b.N)/b.Elapsed().Seconds(), "candidates/s")
}
