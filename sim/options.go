package sim

import (
	"fmt"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/model"
)

// NoticeLead is the two minutes between AWS's interruption notice and the
// termination.
const NoticeLead = 120

// CapacityMode says where capacity interruptions come from.
type CapacityMode uint8

// Capacity interruption models.
const (
	CapacityAdvisor CapacityMode = iota // Poisson reclaim events at the advisor band's rate
	CapacityOff
	CapacityTrace // replayed availability traces
)

// Options is one simulation: the policy, its inputs and the world model.
// Durations are seconds, times Unix seconds.
type Options struct {
	Policy   model.Policy
	Prices   map[model.MarketKey]*model.PriceSeries
	Meetings []model.Meeting
	From, To int64
	Seed     uint64

	Capacity CapacityMode
	// Availability holds the replayed traces of CapacityTrace, by market.
	Availability map[model.MarketKey]*Availability

	RejoinDelay          int64
	RejoinDelayAfterEnd  int64
	JoinDelay            int64
	RecordingProcessing  float64
	RebalanceProbability float64
	RebalanceLead        int64
	ReclaimShare         float64
	HazardMultiplier     float64
	LaunchFailure        float64
	ReconcileInterval    int64

	PollInterval       int64
	LoadMinUserCount   int
	LoadJoinBufferTime int64
	LoadMultiplier     float64

	// Recorder, when set, receives time series samples every SampleInterval
	// and every event of note.
	Recorder       Recorder
	SampleInterval int64
	// BaselineRecorder, when set, records the all-on-demand baseline run.
	BaselineRecorder Recorder
	// Baselines, when set, shares baseline results between runs.
	Baselines *BaselineCache
}

// OptionsFrom fills the world model from a configuration; the caller adds
// prices, meetings, window and seed.
func OptionsFrom(cfg *config.Config, cat *model.Catalog) (Options, error) {
	pol, err := cfg.Policy(cat)
	if err != nil {
		return Options{}, err
	}
	sm := cfg.Simulation
	o := Options{
		Policy:               pol,
		RejoinDelay:          sm.RejoinDelay.Seconds(),
		RejoinDelayAfterEnd:  sm.RejoinDelayAfterEnd.Seconds(),
		JoinDelay:            sm.JoinDelay.Seconds(),
		RecordingProcessing:  sm.RecordingProcessing,
		RebalanceProbability: sm.RebalanceProbability,
		RebalanceLead:        sm.RebalanceLead.Seconds(),
		ReclaimShare:         sm.ReclaimShare,
		HazardMultiplier:     sm.HazardMultiplier,
		LaunchFailure:        sm.LaunchFailure,
		ReconcileInterval:    cfg.Fleet.ReconcileInterval.Seconds(),
		PollInterval:         cfg.Scalelite.PollInterval.Seconds(),
		LoadMinUserCount:     cfg.Scalelite.LoadMinUserCount,
		LoadJoinBufferTime:   cfg.Scalelite.LoadJoinBufferTime.Seconds(),
		LoadMultiplier:       cfg.Scalelite.LoadMultiplier,
		SampleInterval:       300,
	}
	switch ci := sm.CapacityInterruptions; {
	case ci == "advisor":
		o.Capacity = CapacityAdvisor
	case ci == "off":
		o.Capacity = CapacityOff
	default:
		o.Capacity = CapacityTrace
	}
	return o, nil
}

// check rejects options the simulator cannot run, before simulating.
func (o *Options) check() error {
	if o.To <= o.From {
		return fmt.Errorf("simulation window [%d, %d) is empty", o.From, o.To)
	}
	if o.PollInterval <= 0 || o.ReconcileInterval <= 0 {
		return fmt.Errorf("poll and reconcile intervals must be positive")
	}
	for _, k := range o.Policy.SpotMarkets() {
		s, ok := o.Prices[k]
		if !ok {
			return fmt.Errorf("no spot price history for market %s, which the policy uses", k)
		}
		if s.First() > o.From {
			return fmt.Errorf("market %s: first price at %d, after the window starts (%d): no price known then", k, s.First(), o.From)
		}
	}
	if o.Capacity == CapacityTrace {
		for _, k := range o.Policy.SpotMarkets() {
			if _, ok := o.Availability[k]; !ok {
				return fmt.Errorf("capacity trace: no availability trace for market %s", k)
			}
		}
	}
	return nil
}
