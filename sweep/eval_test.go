package sweep

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
)

// TestEvaluateFailsFastWhenMoreRunsFailThanWorkers: four failing runs on
// one worker end the sweep with the first error instead of hanging (the
// error channel was buffered to the worker count and drained only after
// every worker had finished). The harness bounds the wait by the test's own
// deadline, so a regression fails instead of stalling the suite.
func TestEvaluateFailsFastWhenMoreRunsFailThanWorkers(t *testing.T) {
	ev, _ := evaluator(t, 4)
	ev.Workers = 1
	spec, err := ParseSpec([]byte("instance_types: [[t3.xlarge]]\nheadroom: [\"15%\", \"30%\"]\n"), "spec")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := config.Parse(nil, "default")
	cands, err := spec.Candidates(f.Config, datasets.DefaultCatalog())
	if err != nil {
		t.Fatal(err)
	}
	type outcome struct {
		rows []Row
		err  error
	}
	got := make(chan outcome, 1)
	progressed := 0
	go func() {
		rows, err := ev.Evaluate(cands, func(int, int) { progressed++ })
		got <- outcome{rows, err}
	}()
	wait := 2 * time.Minute
	if dl, ok := t.Deadline(); ok {
		wait = time.Until(dl) - 5*time.Second
	}
	select {
	case o := <-got:
		if o.err == nil || o.rows != nil {
			t.Fatalf("rows %v, error %v; want no rows and an error", o.rows, o.err)
		}
		if !strings.Contains(o.err.Error(), "candidate 0 run 0: ") || !strings.Contains(o.err.Error(), "t3.xlarge") {
			t.Errorf("error %q, want the first run's error naming t3.xlarge", o.err)
		}
		if errors.Unwrap(o.err) == nil {
			t.Errorf("error %q does not wrap its cause", o.err)
		}
		if progressed != 0 {
			t.Errorf("%d candidates reported done", progressed)
		}
	case <-time.After(wait):
		t.Fatal("Evaluate hung with more failing runs than workers")
	}
}

// TestSweepSharesBaselinesAcrossSpotSettings: candidates that differ only
// in settings an all-on-demand fleet never uses (spot on or off, max
// price, allocation strategy, drain on notices) share one baseline: 96
// candidates in two headrooms compute two baselines, not 96 (24 before).
func TestSweepSharesBaselinesAcrossSpotSettings(t *testing.T) {
	ev, _ := evaluator(t, 1)
	spec, err := ParseSpec([]byte(`spot_enabled: [true, false]
spot_price: ["100%", "50%"]
allocation_strategy: [lowest-price, capacity-optimized, price-capacity-optimized]
on_rebalance: [cordon, ignore]
on_interruption: [cordon, end-meetings]
headroom: ["15%", "30%"]
`), "spec")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := config.Parse(nil, "default")
	cands, err := spec.Candidates(f.Config, datasets.DefaultCatalog())
	if err != nil {
		t.Fatal(err)
	}
	rows, err := ev.Evaluate(cands, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := ev.baselines.Computed(); got != 2 {
		t.Errorf("%d candidates computed %d baselines, want 2 (one per headroom)", len(cands), got)
	}
	// Sharing must not change a number: every candidate's baseline is the
	// one of the first candidate with its headroom, and the two differ.
	first := map[string]float64{}
	for _, r := range rows {
		h := r.Params[slices.Index(ParamNames, "headroom")]
		b := r.Mean("baseline_on_demand_cost_usd")
		if f, ok := first[h]; !ok {
			first[h] = b
		} else if b != f {
			t.Errorf("candidate %d (%v): baseline %v, the first with headroom %s had %v", r.Index, r.Params, b, h, f)
		}
	}
	if len(first) != 2 || first["15%"] == first["30%"] {
		t.Errorf("baselines by headroom %v: want two different ones", first)
	}
}
