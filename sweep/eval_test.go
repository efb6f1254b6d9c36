package sweep

import (
	"errors"
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
