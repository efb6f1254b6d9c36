package sim

import (
	"fmt"

	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/results"
)

// NoticeLead is the two minutes between AWS's interruption notice and the
// termination.
const NoticeLead = model.InterruptionNoticeSeconds

// CapacityMode says where capacity interruptions come from.
type CapacityMode uint8

// Capacity interruption models.
const (
	CapacityAdvisor CapacityMode = iota // Poisson reclaim events at the advisor band's rate; with PoolAvailability, pools alternating between available and unavailable
	CapacityOff
	CapacityTrace // replayed availability traces
)

// AdvisorReading says how an advisor band's monthly fraction f (the
// share "reclaimed during the trailing month") becomes a hazard. AWS does
// not say whether f counts instances or instance-hours.
type AdvisorReading uint8

// The two readings.
const (
	// ReadingPerInstance: a share f of the instances in a pool are
	// interrupted during their life. An instance living L hours then has
	// the hazard -ln(1-f)/L, with L the fleet's mean instance lifetime.
	// The default: it is the band's plain wording, and for the short-lived
	// servers of a scaling fleet (about 16 h) it is the pessimistic end.
	ReadingPerInstance AdvisorReading = iota
	// ReadingInstanceHours: a share f of a pool's instance-hours, i.e. an
	// instance running the whole 730-hour month is interrupted with
	// probability f: the hazard -ln(1-f)/730, whatever the lifetime.
	ReadingInstanceHours
)

func (r AdvisorReading) String() string {
	if r == ReadingInstanceHours {
		return "instance-hours"
	}
	return "per-instance"
}

// hoursPerMonth is the month the instance-hours reading spreads f over.
const hoursPerMonth = 730

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
	// Hazards are fitted per-instance interruption rates (per spot
	// instance-hour) by market, as `scalite interruptions fit` estimates
	// them from the live controller's event log: with CapacityTrace a
	// market listed here has reclaim events at this rate (each taking
	// ReclaimShare of the pool on average) instead of a trace.
	Hazards map[model.MarketKey]float64
	// PoolAvailability, when set, makes every spot pool of CapacityAdvisor
	// alternate between available and unavailable, with the spells it
	// draws for the pool's band (poolavailability.go): launches into an
	// unavailable pool fail, and a pool going unavailable interrupts its
	// running spot instances, as with CapacityTrace. Nil: pools are
	// always available (reclaim events only).
	PoolAvailability PoolAvailabilityFunc
	// Bands is each market's advisor band over time (e.g. SpotLake's
	// history), for CapacityAdvisor: its reclaim hazard and its
	// availability spells follow the band in force. A market not listed,
	// or before its first step, has its type's band.
	Bands map[model.MarketKey][]BandStep

	RejoinDelay          int64
	RejoinDelayAfterEnd  int64
	JoinDelay            int64
	RecordingProcessing  float64
	RebalanceProbability float64
	RebalanceLead        int64
	// RebalanceFalseAlarms is the rate, per spot instance-day, of
	// rebalance recommendations that no interruption follows (AWS: a
	// recommendation may come for an instance that is then not
	// interrupted).
	RebalanceFalseAlarms float64
	ReclaimShare         float64
	HazardMultiplier     float64
	// WarmStart starts the window with the fleet the engine holds for the
	// demand then, up and enabled, and the meetings already running placed
	// on it; without it the fleet starts empty and those meetings are
	// left out.
	WarmStart bool
	// ZoneCrunchesPerDay and RegionCrunchesPerDay are the rates of
	// capacity crunches that hit every spot pool of one zone, or every
	// pool of the region, at once (CapacityAdvisor); each takes a share of
	// each pool's spot instances, CrunchShare on average.
	ZoneCrunchesPerDay, RegionCrunchesPerDay, CrunchShare float64
	// AdvisorReading is how the band becomes a hazard (CapacityAdvisor).
	AdvisorReading AdvisorReading
	// LifetimeHours is the instance lifetime the per-instance reading
	// spreads the band over; 0 = the mean lifetime of the all-on-demand
	// baseline's servers (the same demand through the same engine), which
	// Run measures first.
	LifetimeHours float64
	// Sensitivity, when set, also runs the policy under the other advisor
	// reading and reports its figures as the result's other_reading_* keys
	// (CapacityAdvisor only; it doubles the run's cost).
	Sensitivity   bool
	LaunchFailure float64
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

	// Load, when set, counts capacity with the load model (load.go):
	// overload compares each server's load with its type's CapacityLoad,
	// the engine is told the demand's load per participant, and each
	// server's Scalelite load_multiplier is LoadMultiplier times its
	// type's. Nil: participants against CapacityUsers.
	Load *model.LoadModel
	// Bill and Bitrates, when both set, price the run beyond instances:
	// data transfer out, EBS volume-hours, public IPv4 address-hours.
	Bill     *model.BillPrices
	Bitrates *model.Bitrates

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
	// asked is the window's demand, summed once for all of Run's worlds
	// (demand.go); nil: each world sums it.
	asked *demandEntry
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
		// A market whose prices start after From has no known price
		// until then: the engine does not launch into it (price 0 means
		// unknown) and no instance of it exists to bill.
		if _, ok := o.Prices[k]; !ok {
			return fmt.Errorf("no spot price history for market %s, which the policy uses", k)
		}
	}
	if o.Capacity == CapacityTrace {
		for _, k := range o.Policy.SpotMarkets() {
			_, hazard := o.Hazards[k]
			if _, ok := o.Availability[k]; !ok && !hazard {
				return fmt.Errorf("capacity trace: no availability trace for market %s", k)
			}
		}
	}
	return nil
}
