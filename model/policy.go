package model

// AllocationStrategy chooses among spot pools, as EC2 Fleet's strategies do.
type AllocationStrategy string

// The strategies Scalite implements.
const (
	LowestPrice            AllocationStrategy = "lowest-price"
	CapacityOptimized      AllocationStrategy = "capacity-optimized"
	PriceCapacityOptimized AllocationStrategy = "price-capacity-optimized"
)

// RebalanceAction is what the fleet does on a rebalance recommendation.
type RebalanceAction string

// Rebalance actions.
const (
	RebalanceCordon  RebalanceAction = "cordon"  // cordon and replace
	RebalanceReplace RebalanceAction = "replace" // launch a replacement, keep serving
	RebalanceIgnore  RebalanceAction = "ignore"
)

// InterruptionAction is what the fleet does on an interruption notice.
type InterruptionAction string

// Interruption actions.
const (
	InterruptionCordon      InterruptionAction = "cordon"
	InterruptionEndMeetings InterruptionAction = "end-meetings"
)

// LargeMeetingTag is the Scalelite server tag of on-demand servers when
// large meetings are placed on them.
const LargeMeetingTag = "ondemand"

// Policy is a fleet policy with every option resolved to numbers: what the
// engine needs to decide, and nothing it would have to look up. Durations
// are seconds.
type Policy struct {
	Region string
	AZs    []string

	SpotEnabled bool
	SpotTypes   []InstanceType
	// MaxPrice is the spot max price per instance type, USD/hour.
	MaxPrice map[string]float64
	Strategy AllocationStrategy

	// OnDemandType serves the base, the fallback and large meetings; its
	// Name is empty when the policy has none.
	OnDemandType     InstanceType
	OnDemandBase     int
	OnDemandFallback bool

	Min, Max        int
	Headroom        float64
	ScaleInCooldown int64
	// TerminateAfterIdle is how long a cordoned server must be empty, with
	// no recording processing, before it is terminated.
	TerminateAfterIdle int64
	LaunchToRunning    int64
	BootTime           int64
	// BootTimeout: a server not up this long after launch never booted
	// and is replaced; 0 = never.
	BootTimeout int64
	// MaxHourlyUSD caps the spend rate; 0 = no cap.
	MaxHourlyUSD float64
	// UnavailableFor is how long a pool that had no capacity is avoided.
	UnavailableFor int64

	OnRebalance       RebalanceAction
	OnInterruption    InterruptionAction
	EndMeetingsBefore int64

	// LargeMeeting: meetings above this many participants go to on-demand
	// servers tagged LargeMeetingTag; 0 = off.
	LargeMeeting int

	PreWarm      bool
	PreWarmLead  int64
	PreWarmWeeks int
	// Timetable lists scheduled sessions (sorted by start) the engine
	// pre-warms for, PreWarmLead ahead, whether or not PreWarm learns.
	Timetable []Session
}

// SpotMarkets lists every (type, AZ) pool of the policy, sorted.
func (p *Policy) SpotMarkets() []MarketKey {
	var keys []MarketKey
	if !p.SpotEnabled {
		return nil
	}
	for _, t := range p.SpotTypes {
		for _, az := range p.AZs {
			keys = append(keys, MarketKey{InstanceType: t.Name, AZ: az})
		}
	}
	SortMarketKeys(keys)
	return keys
}

// Type finds one of the policy's instance types by name (its spot types
// and its on-demand type).
func (p *Policy) Type(name string) (InstanceType, bool) {
	for _, t := range p.SpotTypes {
		if t.Name == name {
			return t, true
		}
	}
	if p.OnDemandType.Name != "" && p.OnDemandType.Name == name {
		return p.OnDemandType, true
	}
	return InstanceType{}, false
}
