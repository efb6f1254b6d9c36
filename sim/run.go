package sim

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/results"
)

// ModelVersion names the simulator's behaviour; baselines made by another
// version are not comparable.
const ModelVersion = "scalite-sim/1"

// Run simulates the policy and, through the same engine, the all-on-demand
// baseline of the same demand, and reports both.
func Run(o Options) (results.Result, error) {
	if err := o.Check(); err != nil {
		return results.Result{}, err
	}
	planner, err := engine.New(o.Policy)
	if err != nil {
		return results.Result{}, err
	}
	base, err := Baseline(o.Policy)
	if err != nil {
		return results.Result{}, err
	}
	bo := o
	bo.Policy = base
	bo.Recorder, bo.BaselineRecorder = o.BaselineRecorder, nil
	basePlanner, err := engine.New(base)
	if err != nil {
		return results.Result{}, err
	}
	res := newWorld(&o, planner).run()
	var baseCost float64
	if key := o.Baselines.key(&bo); key != "" {
		var ok bool
		if baseCost, ok = o.Baselines.get(key); !ok {
			baseCost = newWorld(&bo, basePlanner).run().PolicyCostUSD
			o.Baselines.put(key, baseCost)
		}
	} else {
		baseCost = newWorld(&bo, basePlanner).run().PolicyCostUSD
	}
	res.BaselineOnDemandCostUSD = baseCost
	if baseCost > 0 {
		res.SavingsPct = 100 * (baseCost - res.PolicyCostUSD) / baseCost
	}
	return res, nil
}

// BaselineCache remembers baseline costs across runs that share them: in a
// sweep most candidates have the same all-on-demand counterpart.
type BaselineCache struct {
	mu sync.Mutex
	m  map[string]float64
}

// NewBaselineCache returns an empty cache, safe for concurrent runs.
func NewBaselineCache() *BaselineCache { return &BaselineCache{m: map[string]float64{}} }

// key identifies a baseline run: its policy, seed, window and trace; ""
// when there is no cache or the baseline is being recorded.
func (c *BaselineCache) key(bo *Options) string {
	if c == nil || bo.Recorder != nil {
		return ""
	}
	var trace *model.Meeting
	if len(bo.Meetings) > 0 {
		trace = &bo.Meetings[0]
	}
	return fmt.Sprintf("%d|%d|%d|%p|%d|%+v", bo.Seed, bo.From, bo.To, trace, len(bo.Meetings), bo.Policy)
}

func (c *BaselineCache) get(k string) (float64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *BaselineCache) put(k string, v float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[k] = v
}

// Baseline turns a policy into its all-on-demand counterpart: the same
// fleet rules with every server on-demand, of the policy's on-demand type,
// or, when it has none, the on-demand version of its cheapest spot type
// per BBB user.
func Baseline(p model.Policy) (model.Policy, error) {
	b := p
	b.SpotEnabled = false
	b.SpotTypes = nil
	b.MaxPrice = nil
	if b.OnDemandType.Name == "" {
		for _, t := range p.SpotTypes {
			if b.OnDemandType.Name == "" || t.OnDemandUSDPerHour/float64(t.CapacityUsers) < b.OnDemandType.OnDemandUSDPerHour/float64(b.OnDemandType.CapacityUsers) {
				b.OnDemandType = t
			}
		}
	}
	if b.OnDemandType.Name == "" {
		return model.Policy{}, fmt.Errorf("policy has neither spot types nor an on-demand type")
	}
	b.OnDemandFallback = true
	return b, nil
}

// RunMany runs n seeds (Seed, Seed+1, ...) over all cores. meetingsFor,
// when set, supplies each seed's trace (a generated one); otherwise every
// run replays o.Meetings. Results come back in seed order, whatever the
// number of cores.
func RunMany(o Options, n, workers int, meetingsFor func(seed uint64) ([]model.Meeting, error)) ([]results.Result, error) {
	if n < 1 {
		return nil, fmt.Errorf("runs must be at least 1, got %d", n)
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	results := make([]results.Result, n)
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ro := o
				ro.Seed = o.Seed + uint64(i)
				if i > 0 {
					ro.Recorder, ro.BaselineRecorder = nil, nil // only the first run is recorded
				}
				if meetingsFor != nil {
					ms, err := meetingsFor(ro.Seed)
					if err != nil {
						errs[i] = err
						continue
					}
					ro.Meetings = ms
				}
				results[i], errs[i] = Run(ro)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("run %d (seed %d): %w", i, o.Seed+uint64(i), err)
		}
	}
	return results, nil
}
