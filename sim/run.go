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
// version are not comparable. 3: capacity by the load model of the
// meetings' media, Scalelite load multipliers by type, the whole bill.
// 4: among others, spot pools alternating between available and
// unavailable by advisor band (Options.PoolAvailability).
const ModelVersion = "scalite-sim/4"

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
	// The policy, its baseline and the other reading ask for the same.
	o.asked = o.Baselines.demand(&o)
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
	if o.Recorder == nil {
		planner = planner.WithoutReasons() // nothing reads them
	}
	if bo.Recorder == nil {
		basePlanner = basePlanner.WithoutReasons()
	}
	// The per-meeting table, the largest thing a run allocates, comes from
	// earlier runs (a sweep's worker reuses one across its candidates).
	simulate := func(o *Options, p *engine.Planner) results.Result {
		table := meetingTables.Get().(*[]meetingRun)
		defer meetingTables.Put(table)
		w := newWorldReusing(o, p, *table)
		r := w.run()
		*table = w.meetings
		return r
	}
	baseline := func() baselineFigures {
		return o.Baselines.figures(&bo, func() baselineFigures {
			r := simulate(&bo, basePlanner)
			f := baselineFigures{cost: r.PolicyCostUSD, disrupted: r.DisruptedPct, rejected: r.RejectedPct, overloaded: r.OverloadedPct, total: r.TotalCostUSD}
			if r.Launches > 0 {
				f.lifetime = (r.InstanceHoursOnDemand + r.InstanceHoursSpot) / float64(r.Launches)
			}
			return f
		})
	}
	advisor := o.Capacity == CapacityAdvisor && len(o.Policy.SpotMarkets()) > 0
	// The worlds share nothing they write: with a core to spare a second
	// one runs beside (an unrecorded baseline only, and not for traces so
	// large that a second table would cost more memory than the time is
	// worth). beside starts f there, or runs it at once without a spare
	// core, and returns the wait for it.
	spare := o.spareCore && bo.Recorder == nil && len(o.Meetings) <= concurrentBaselineMeetings
	beside := func(f func()) (wait func()) {
		if !spare {
			f()
			return func() {}
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			f()
		}()
		return func() { <-done }
	}
	// With Sensitivity, the policy also runs under the other reading of
	// the advisor band.
	sensitivity := advisor && o.Sensitivity
	var alt Options
	var ar results.Result
	if sensitivity {
		alt = o
		alt.Sensitivity, alt.Recorder, alt.BaselineRecorder = false, nil, nil
		alt.AdvisorReading = ReadingInstanceHours
		if o.AdvisorReading == ReadingInstanceHours {
			// With the baseline's lifetime, measured below.
			alt.AdvisorReading, alt.LifetimeHours = ReadingPerInstance, 0
		}
	}
	altPlanner := planner.WithoutReasons()
	var res results.Result
	var bf baselineFigures
	switch {
	case advisor && o.AdvisorReading == ReadingPerInstance && o.LifetimeHours == 0:
		// The per-instance reading needs the fleet's lifetime: the
		// baseline's, measured first (it does not depend on the reading).
		// The other reading needs none: it runs beside.
		waitAlt := func() {}
		if sensitivity {
			waitAlt = beside(func() { ar = simulate(&alt, altPlanner) })
		}
		bf = baseline()
		o.LifetimeHours = bf.lifetime
		res = simulate(&o, planner)
		waitAlt()
	default:
		// The baseline beside the policy; the other reading, when it is
		// the per-instance one, after the baseline whose lifetime it takes.
		waitBase := beside(func() {
			bf = baseline()
			if sensitivity && alt.AdvisorReading == ReadingPerInstance {
				alt.LifetimeHours = bf.lifetime
				ar = simulate(&alt, altPlanner)
			}
		})
		res = simulate(&o, planner)
		waitBase()
		if sensitivity && alt.AdvisorReading != ReadingPerInstance {
			ar = simulate(&alt, altPlanner)
		}
	}
	if advisor {
		res.AdvisorReading, res.LifetimeHours = o.AdvisorReading.String(), o.LifetimeHours
		if o.PoolAvailability != nil {
			res.PoolAvailability = "band"
		}
	}
	if sensitivity {
		res.OtherReading = alt.AdvisorReading.String()
		res.OtherReadingInterruptions = float64(ar.Interruptions)
		res.OtherReadingDisruptedPct, res.OtherReadingRejectedPct, res.OtherReadingOverloadedPct = ar.DisruptedPct, ar.RejectedPct, ar.OverloadedPct
		res.OtherReadingPolicyCostUSD, res.OtherReadingAvailabilityPct = ar.PolicyCostUSD, ar.AvailabilityPct
	}
	baseCost := bf.cost
	res.BaselineOnDemandCostUSD = baseCost
	res.BaselineDisruptedPct, res.BaselineRejectedPct, res.BaselineOverloadedPct = bf.disrupted, bf.rejected, bf.overloaded
	if baseCost > 0 {
		res.SavingsPct = 100 * (baseCost - res.PolicyCostUSD) / baseCost
	}
	if res.Priced() && bf.total > 0 {
		res.BaselineTotalCostUSD = bf.total
		res.TotalSavingsPct = 100 * (bf.total - res.TotalCostUSD) / bf.total
	}
	return res, nil
}

// concurrentBaselineMeetings bounds the traces whose baseline runs beside
// the policy: a million meetings is 40 MB of run state per world.
const concurrentBaselineMeetings = 1_000_000

// meetingTables holds per-meeting tables of finished runs for the next.
var meetingTables = sync.Pool{New: func() any { return new([]meetingRun) }}

// BaselineCache remembers baseline costs across runs that share them: in a
// sweep most candidates have the same all-on-demand counterpart, and runs
// of several seeds on one trace mostly have one baseline between them.
// Runs that ask for a baseline being computed wait for it rather than
// computing it again.
type BaselineCache struct {
	mu       sync.Mutex
	m        map[string]*baselineEntry
	computed int
	// demands: the windows' demand figures (demand.go), which every run
	// of a trace and window shares, whatever the policy.
	demands map[string]*demandEntry
}

type baselineEntry struct {
	once sync.Once
	fig  baselineFigures
	// trace is the run's trace, held so that no other trace can be
	// allocated where it lies while the cache lives: the key names the
	// trace by its address.
	trace []model.Meeting
}

// baselineFigures are what a run reports of its baseline: the cost and
// the three ways demand goes unserved.
type baselineFigures struct {
	cost, disrupted, rejected, overloaded float64
	// total is the whole bill when the run is priced.
	total float64
	// lifetime is the mean server lifetime in hours: instance-hours per
	// launch.
	lifetime float64
}

// NewBaselineCache returns an empty cache, safe for concurrent runs.
func NewBaselineCache() *BaselineCache {
	return &BaselineCache{m: map[string]*baselineEntry{}, demands: map[string]*demandEntry{}}
}

// Computed is how many baselines the cache has had computed.
func (c *BaselineCache) Computed() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.computed
}

// figures are the baseline's figures: the cached ones, or compute's.
// Without a cache, or when the baseline run is recorded, they are always
// computed.
func (c *BaselineCache) figures(bo *Options, compute func() baselineFigures) baselineFigures {
	if c == nil || bo.Recorder != nil {
		return compute()
	}
	e := entryFor(c, c.m, baselineKey(bo), func() *baselineEntry { return &baselineEntry{trace: bo.Meetings} })
	e.once.Do(func() {
		e.fig = compute()
		c.mu.Lock()
		c.computed++
		c.mu.Unlock()
	})
	return e.fig
}

// baselineKey identifies what a baseline run's result depends on: the
// window, the trace, the policy as an all-on-demand fleet uses it, and the
// seed only when the run draws random numbers. An all-on-demand fleet has
// no spot pool, so no price, reclaim or availability events and no
// notices: the allocation strategy and the drain settings play no part,
// and its only draws are on-demand launch and boot failures.
func baselineKey(bo *Options) string {
	seed := bo.Seed
	if !baselineDrawsRandom(bo) {
		seed = 0
	}
	p := bo.Policy
	var none model.Policy
	p.Strategy, p.OnRebalance, p.OnInterruption, p.EndMeetingsBefore = none.Strategy, none.OnRebalance, none.OnInterruption, none.EndMeetingsBefore
	return fmt.Sprintf("%d|%d|%d|%p|%d|%+v|%p|%p|%p|%t", seed, bo.From, bo.To, traceAddr(bo.Meetings), len(bo.Meetings), p, bo.Load, bo.Bill, bo.Bitrates, bo.WarmStart)
}

// baselineDrawsRandom: whether an all-on-demand run uses its seed.
func baselineDrawsRandom(bo *Options) bool {
	return bo.OnDemandLaunchFailure > 0 || bo.BootFailure > 0
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
	if o.Baselines == nil && meetingsFor == nil {
		// Seeds replaying one trace mostly share their baseline. (Traces
		// drawn per seed never share one: no cache for them.)
		o.Baselines = NewBaselineCache()
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
				ro.spareCore = workers > n // cores the runs leave idle
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

// entryFor is the cache's entry under k in m, made by fresh if there is
// none yet; runs asking at once get the same entry.
func entryFor[E any](c *BaselineCache, m map[string]*E, k string, fresh func() *E) *E {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := m[k]
	if !ok {
		e = fresh()
		m[k] = e
	}
	return e
}

// traceAddr names a trace in a cache key by where it lies (the entries
// hold the trace, so nothing else can come to lie there meanwhile).
func traceAddr(ms []model.Meeting) *model.Meeting {
	if len(ms) == 0 {
		return nil
	}
	return &ms[0]
}
