package sweep

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/results"
	"github.com/scalite/scalite/sim"
)

// Row is one evaluated candidate.
type Row struct {
	Index  int                      `json:"index"`
	Params []string                 `json:"params"`
	Stats  map[string]results.Stats `json:"stats"`
}

// Mean is a metric's mean over the row's runs.
func (r *Row) Mean(key string) float64 { return r.Stats[key].Mean }

// Evaluator runs candidates on one scenario.
type Evaluator struct {
	// Base is the scenario; each candidate replaces its policy.
	Base    sim.Options
	Catalog *model.Catalog
	// MeetingsFor gives each seed's trace when the trace is generated.
	MeetingsFor func(seed uint64) ([]model.Meeting, error)
	Runs        int
	Workers     int
	// Work counts simulated candidate-run-days, the unit in which a grid
	// and a search are compared.
	Work float64

	baselines *sim.BaselineCache
	traces    map[uint64][]model.Meeting
	mu        sync.Mutex
}

func (e *Evaluator) trace(seed uint64) ([]model.Meeting, error) {
	if e.MeetingsFor == nil {
		return e.Base.Meetings, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.traces == nil {
		e.traces = map[uint64][]model.Meeting{}
	}
	if ms, ok := e.traces[seed]; ok {
		return ms, nil
	}
	ms, err := e.MeetingsFor(seed)
	if err != nil {
		return nil, err
	}
	e.traces[seed] = ms
	return ms, nil
}

// Evaluate runs every candidate on seeds Base.Seed .. +Runs-1 over the
// whole window. progress, when set, is called after each candidate.
func (e *Evaluator) Evaluate(cands []Candidate, progress func(done, total int)) ([]Row, error) {
	return e.evaluate(cands, e.Base.From, e.Base.To, e.Runs, progress)
}

func (e *Evaluator) evaluate(cands []Candidate, from, to int64, runs int, progress func(done, total int)) ([]Row, error) {
	if e.baselines == nil {
		e.baselines = sim.NewBaselineCache()
	}
	workers := e.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type job struct{ c, r int }
	outcomes := make([][]results.Result, len(cands))
	for i := range outcomes {
		outcomes[i] = make([]results.Result, runs)
	}
	remaining := make([]int, len(cands))
	for i := range remaining {
		remaining[i] = runs
	}
	// The first failure stops the sweep: the feeder stops handing out
	// jobs and the workers skip what they already hold, so no worker ever
	// waits on a reader that is not there (the old error channel, buffered
	// to the worker count and read only after every worker finished, hung
	// as soon as more runs failed than there were workers).
	stop := make(chan struct{})
	var failOnce sync.Once
	var firstErr error
	fail := func(err error) {
		failOnce.Do(func() {
			firstErr = err
			close(stop)
		})
	}
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if stopped() {
					continue
				}
				c := &cands[j.c]
				pol, err := c.Config.Policy(e.Catalog)
				if err == nil {
					o := e.Base
					o.Policy = pol
					o.Recorder, o.BaselineRecorder = nil, nil
					o.Baselines = e.baselines
					o.From, o.To = from, to
					o.Seed = e.Base.Seed + uint64(j.r)
					if o.Meetings, err = e.trace(o.Seed); err == nil {
						outcomes[j.c][j.r], err = sim.Run(o)
					}
				}
				if err != nil {
					fail(fmt.Errorf("candidate %d run %d: %w", c.Index, j.r, err))
					continue
				}
				mu.Lock()
				remaining[j.c]--
				if remaining[j.c] == 0 {
					done++
					if progress != nil {
						progress(done, len(cands))
					}
				}
				mu.Unlock()
			}
		}()
	}
	go func() {
		defer close(jobs)
		for i := range cands {
			for r := range runs {
				select {
				case jobs <- job{i, r}:
				case <-stop:
					return
				}
			}
		}
	}()
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	e.Work += float64(len(cands)*runs) * float64(to-from) / 86400
	rows := make([]Row, len(cands))
	for i, c := range cands {
		rows[i] = Row{Index: c.Index, Params: c.Params, Stats: stats(outcomes[i])}
	}
	return rows, nil
}

// stats aggregates the contract metrics (disrupted_pct, rejected_pct and
// overloaded_pct among them).
func stats(runs []results.Result) map[string]results.Stats {
	return results.Aggregate(runs)
}
