package sim

import (
	"fmt"

	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/results"
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
	// OnDemandLaunchFailure is the chance an on-demand launch finds no
	// capacity in its zone; the zone is then avoided for UnavailableFor.
	OnDemandLaunchFailure float64
	// BootFailure is the chance a launched server's BBB never comes up;
	// the engine terminates it after fleet.boot_timeout.
	BootFailure       float64
	ReconcileInterval int64

	PollInterval       int64
	LoadMinUserCount   int
	LoadJoinBufferTime int64
	LoadMultiplier     float64

	// Recorder, when set, receives time series samples every SampleInterval
	// and every event of note.
	Recorder       results.Recorder
	SampleInterval int64
	// BaselineRecorder, when set, records the all-on-demand baseline run.
	BaselineRecorder results.Recorder
	// Baselines, when set, shares baseline results between runs.
	Baselines *BaselineCache

	// spareCore: RunMany leaves a core idle, so the baseline may run
	// beside the policy.
	spareCore bool
}

// Check rejects options the simulator cannot run, before simulating. Run
// and PlanAt call it; scenario.Build calls it so that a scenario that
// cannot run is reported before any run.
func (o *Options) Check() error {
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
