package interruptions

import (
	"fmt"
	"sort"
	"time"
)

// CoInterruptionWindow is how close two notices in one pool must be to
// count as one co-interruption: field studies find over 92% of a type and
// zone's co-interruptions within three minutes (Spot-and-Scoot, 2,635
// events; see docs field facts).
const CoInterruptionWindow = 3 * time.Minute

// instanceSpan is one spot instance's life as the log shows it.
type instanceSpan struct {
	pool       Pool
	start, end time.Time // end is the log's end while it runs on
	ended      bool      // terminated or interrupted within the log
	notice     time.Time // first interruption notice, zero if none
	rebalances []time.Time
}

// spans follows each spot instance through the log. An instance first seen
// after its launch (the controller started with it running) counts from
// its first event. An interrupted instance without a notice counts the
// interruption at its end.
func spans(events []Event) (map[Pool][]*instanceSpan, map[Pool][2]int, time.Time, time.Time) {
	byID := map[string]*instanceSpan{}
	pools := map[Pool][]*instanceSpan{}
	launches := map[Pool][2]int{} // attempts, failures
	first, last := events[0].Time, events[len(events)-1].Time
	for _, e := range events {
		if e.Market != MarketSpot {
			continue
		}
		if e.Kind == KindLaunchFailed || e.Kind == KindLaunch {
			l := launches[e.Pool()]
			l[0]++
			if e.Kind == KindLaunchFailed {
				l[1]++
			}
			launches[e.Pool()] = l
			if e.Kind == KindLaunchFailed {
				continue
			}
		}
		s := byID[e.Instance]
		if s == nil {
			s = &instanceSpan{pool: e.Pool(), start: e.Time, end: last}
			byID[e.Instance] = s
			pools[s.pool] = append(pools[s.pool], s)
		}
		if s.ended {
			continue
		}
		switch e.Kind {
		case KindNotice:
			if s.notice.IsZero() {
				s.notice = e.Time
			}
		case KindRebalance:
			s.rebalances = append(s.rebalances, e.Time)
		case KindTerminate, KindInterrupted:
			s.end, s.ended = e.Time, true
			if e.Kind == KindInterrupted && s.notice.IsZero() {
				s.notice = e.Time
			}
		}
	}
	return pools, launches, first, last
}

// FitEventLog fits each spot pool's per-instance interruption hazard from
// the controller's event log: interruptions (notices) over spot
// instance-hours, with its confidence interval, a time-rescaling check,
// launch failures, rebalance lead and false alarms, and co-interruptions.
func FitEventLog(events []Event, confidence float64) (*Model, error) {
	if len(events) == 0 {
		return nil, fmt.Errorf("event log: no events")
	}
	pools, launches, first, last := spans(events)
	var keys []Pool
	for p := range pools {
		keys = append(keys, p)
	}
	for p := range launches {
		if _, ok := pools[p]; !ok {
			keys = append(keys, p)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("event log: no spot instances")
	}
	sortPools(keys)
	m := &Model{Version: ModelVersion, Source: "event-log", Confidence: confidence}
	for _, p := range keys {
		m.Pools = append(m.Pools, fitPoolLog(p, pools[p], launches[p], first, last, confidence))
	}
	return m, nil
}

func fitPoolLog(p Pool, ss []*instanceSpan, launch [2]int, first, last time.Time, confidence float64) PoolModel {
	pm := PoolModel{Pool: p, ObservedHours: last.Sub(first).Hours(), LaunchAttempts: launch[0], LaunchFailures: launch[1]}
	exposure := 0.0
	var notices []time.Time
	var leads []float64
	for _, s := range ss {
		exposure += s.end.Sub(s.start).Hours()
		if !s.notice.IsZero() {
			notices = append(notices, s.notice)
		}
		for _, r := range s.rebalances {
			pm.Rebalances++
			switch {
			case !s.notice.IsZero():
				pm.RebalancesBeforeNotice++
				leads = append(leads, max(s.notice.Sub(r).Seconds(), 0))
			case s.ended:
				pm.RebalanceFalseAlarms++
			}
		}
	}
	h := EstimateRate(len(notices), exposure, confidence)
	pm.InstanceHazard = &h
	f := rescaledFit(ss, notices, h.PerHour)
	pm.HazardFit = &f
	if len(leads) > 0 {
		sort.Float64s(leads)
		pm.RebalanceLeadSeconds = median(leads)
	}
	sort.Slice(notices, func(i, j int) bool { return notices[i].Before(notices[j]) })
	co := 0
	for i, t := range notices {
		if (i > 0 && t.Sub(notices[i-1]) <= CoInterruptionWindow) || (i+1 < len(notices) && notices[i+1].Sub(t) <= CoInterruptionWindow) {
			co++
		}
	}
	if len(notices) > 0 {
		pm.CoInterruptedShare = float64(co) / float64(len(notices))
	}
	return pm
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// rescaledFit checks interruption times against a Poisson process whose
// rate is the hazard times the instances running (time-rescaling theorem):
// mapped through the compensator, the gaps between interruptions are
// exponential of rate 1, compared by Kolmogorov–Smirnov.
func rescaledFit(ss []*instanceSpan, notices []time.Time, hazard float64) Fit {
	if len(notices) == 0 || hazard <= 0 {
		return Fit{N: len(notices), KS: nan(), PValue: nan()}
	}
	type step struct {
		t time.Time
		d int
	}
	var steps []step
	for _, s := range ss {
		steps = append(steps, step{s.start, +1}, step{s.end, -1})
	}
	sort.Slice(steps, func(i, j int) bool {
		if !steps[i].t.Equal(steps[j].t) {
			return steps[i].t.Before(steps[j].t)
		}
		return steps[i].d < steps[j].d
	})
	sorted := append([]time.Time(nil), notices...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Before(sorted[j]) })
	// Walk the running count and the notices together, accumulating
	// Lambda(t) = hazard * integral of running instances.
	var gaps []float64
	lambda, prev := 0.0, 0.0
	running := 0
	var at time.Time
	if len(steps) > 0 {
		at = steps[0].t
	}
	si := 0
	for _, n := range sorted {
		for si < len(steps) && !steps[si].t.After(n) && !(steps[si].d < 0 && steps[si].t.Equal(n)) {
			lambda += hazard * float64(running) * steps[si].t.Sub(at).Hours()
			at = steps[si].t
			running += steps[si].d
			si++
		}
		lambda += hazard * float64(running) * n.Sub(at).Hours()
		at = n
		gaps = append(gaps, lambda-prev)
		prev = lambda
	}
	return ksExponential(gaps, 1, 0)
}
