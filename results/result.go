package results

import (
	"reflect"
	"strings"
)

// Result is one run's outcome. The JSON keys are a contract that outside
// tests read; costs keep full precision.
type Result struct {
	PolicyCostUSD                float64 `json:"policy_cost_usd"`
	SpotCostUSD                  float64 `json:"spot_cost_usd"`
	OnDemandCostUSD              float64 `json:"on_demand_cost_usd"`
	BaselineOnDemandCostUSD      float64 `json:"baseline_on_demand_cost_usd"`
	SavingsPct                   float64 `json:"savings_pct"`
	Interruptions                int     `json:"interruptions"`
	RebalanceRecommendations     int     `json:"rebalance_recommendations"`
	MeetingsTotal                int     `json:"meetings_total"`
	MeetingsDisrupted            int     `json:"meetings_disrupted"`
	ParticipantMinutesTotal      float64 `json:"participant_minutes_total"`
	ParticipantMinutesDisrupted  float64 `json:"participant_minutes_disrupted"`
	ParticipantsRejected         int     `json:"participants_rejected"`
	OverloadedParticipantMinutes float64 `json:"overloaded_participant_minutes"`
	AvailabilityPct              float64 `json:"availability_pct"`
	// The three ways demand goes unserved, apart, each in % of demanded
	// participant-minutes: disrupted (a meeting's server died under it),
	// rejected (no server to take a join), overloaded (on a server above
	// its capacity: everyone on it, not only the users above the line).
	// availability_pct is 100 minus the three.
	DisruptedPct  float64 `json:"disrupted_pct"`
	RejectedPct   float64 `json:"rejected_pct"`
	OverloadedPct float64 `json:"overloaded_pct"`
	// The same three for the all-on-demand baseline, so what spot adds
	// stands apart from what reactive scaling costs anyway.
	BaselineDisruptedPct  float64 `json:"baseline_disrupted_pct"`
	BaselineRejectedPct   float64 `json:"baseline_rejected_pct"`
	BaselineOverloadedPct float64 `json:"baseline_overloaded_pct"`

	// AdvisorReading is how the advisor band became a hazard
	// ("per-instance" or "instance-hours"; empty without advisor-driven
	// interruptions), LifetimeHours the lifetime the per-instance reading
	// spread it over.
	AdvisorReading string  `json:"advisor_reading,omitempty"`
	LifetimeHours  float64 `json:"lifetime_hours,omitempty"`
	// PoolAvailability is "band" when the advisor model also takes each
	// spot pool away in spells by its band (simulation.pool_availability);
	// empty when pools are always available but for reclaims.
	PoolAvailability string `json:"pool_availability,omitempty"`
	// The other reading's figures, the sensitivity band: what the same
	// run gives when the band is read the other way (scalite sim computes
	// it; 0 and other_reading empty when not computed).
	OtherReading                string  `json:"other_reading,omitempty"`
	OtherReadingInterruptions   float64 `json:"other_reading_interruptions"`
	OtherReadingDisruptedPct    float64 `json:"other_reading_disrupted_pct"`
	OtherReadingRejectedPct     float64 `json:"other_reading_rejected_pct"`
	OtherReadingOverloadedPct   float64 `json:"other_reading_overloaded_pct"`
	OtherReadingAvailabilityPct float64 `json:"other_reading_availability_pct"`
	OtherReadingPolicyCostUSD   float64 `json:"other_reading_policy_cost_usd"`
	RecordingsLost              int     `json:"recordings_lost"`
	InstanceHoursSpot           float64 `json:"instance_hours_spot"`
	InstanceHoursOnDemand       float64 `json:"instance_hours_on_demand"`
	PeakServers                 int     `json:"peak_servers"`
	Events                      int64   `json:"events"`
	Seed                        uint64  `json:"seed"`

	// Beyond the contract: the parts that make up the figures above.
	ParticipantMinutesServed   float64 `json:"participant_minutes_served"`
	ParticipantMinutesRejected float64 `json:"participant_minutes_rejected"`
	// ParticipantMinutesOverloaded counts everyone on a server above its
	// capacity (overloaded_participant_minutes counts only the users above
	// the line).
	ParticipantMinutesOverloaded float64 `json:"participant_minutes_overloaded"`
	ParticipantsDisrupted        int     `json:"participants_disrupted"`
	PriceInterruptions           int     `json:"price_interruptions"`
	CapacityInterruptions        int     `json:"capacity_interruptions"`
	FreeInterruptedHours         float64 `json:"free_interrupted_instance_hours"`
	LaunchFailures               int     `json:"launch_failures"`
	// RebalanceFalseAlarms counts the rebalance recommendations no
	// interruption followed (also in rebalance_recommendations).
	RebalanceFalseAlarms int `json:"rebalance_false_alarms,omitempty"`
	// Crunches counts capacity crunches across a zone's or the region's
	// pools.
	Crunches int `json:"crunches,omitempty"`
	// WarmStart: the window started warm (simulation.warm_start), with
	// WarmStartServers up and enabled and WarmStartMeetings, the meetings
	// running at its start, placed on them (both 0 when started cold: an
	// empty fleet, the meetings running then left out).
	WarmStart         bool `json:"warm_start"`
	WarmStartServers  int  `json:"warm_start_servers"`
	WarmStartMeetings int  `json:"warm_start_meetings"`
	// NeverBooted counts servers terminated because their BBB did not come
	// up within fleet.boot_timeout (also counted in launch_failures).
	NeverBooted int `json:"never_booted,omitempty"`
	// GuardRefusals counts planned actions the engine's guard refused, as
	// the live controller would.
	GuardRefusals int `json:"guard_refusals,omitempty"`
	Launches      int `json:"launches"`
	// UnsafeTerminations counts servers the engine terminated with meetings
	// or recordings on them; it must stay 0.
	UnsafeTerminations int `json:"unsafe_terminations"`
	// MeetingsOnTerminated counts meetings found on a terminated server;
	// it must stay 0.
	MeetingsOnTerminated int `json:"meetings_on_terminated"`

	// The whole bill: beyond instances, what AWS charges for data transfer
	// out (EgressGB sent to participants), EBS volume-hours and public IPv4
	// address-hours; TotalCostUSD adds them to PolicyCostUSD, and
	// TotalSavingsPct compares it with the all-on-demand baseline's whole
	// bill (SavingsPct stays on instances). Left out of the JSON when the
	// run was not priced.
	EgressGB             float64 `json:"egress_gb,omitempty"`
	EgressCostUSD        float64 `json:"egress_cost_usd,omitempty"`
	EBSCostUSD           float64 `json:"ebs_cost_usd,omitempty"`
	IPv4CostUSD          float64 `json:"ipv4_cost_usd,omitempty"`
	TotalCostUSD         float64 `json:"total_cost_usd,omitempty"`
	BaselineTotalCostUSD float64 `json:"baseline_total_cost_usd,omitempty"`
	TotalSavingsPct      float64 `json:"total_savings_pct,omitempty"`
	// LoadPerParticipant is the demand's mean load per participant in the
	// load model's units (LU, model.LoadModel), weighted by time: what one
	// participant of this trace's mix costs a server; 0 when the run counted
	// users instead.
	LoadPerParticipant float64 `json:"load_per_participant,omitempty"`
}

// Priced reports whether the run was priced beyond instances.
func (r *Result) Priced() bool { return r.TotalCostUSD > 0 }

// loadKey is the load model's key, aggregated when runs used it.
const loadKey = "load_per_participant"

// billKeys are the whole bill's keys, aggregated when runs were priced.
var billKeys = []string{"egress_gb", "egress_cost_usd", "ebs_cost_usd", "ipv4_cost_usd", "total_cost_usd", "baseline_total_cost_usd", "total_savings_pct"}

// resultKeys lists the contract's keys in order, for aggregation.
var resultKeys = []string{
	"policy_cost_usd", "spot_cost_usd", "on_demand_cost_usd", "baseline_on_demand_cost_usd", "savings_pct",
	"interruptions", "rebalance_recommendations", "meetings_total", "meetings_disrupted",
	"participant_minutes_total", "participant_minutes_disrupted", "participants_rejected",
	"overloaded_participant_minutes", "availability_pct",
	"disrupted_pct", "rejected_pct", "overloaded_pct",
	"baseline_disrupted_pct", "baseline_rejected_pct", "baseline_overloaded_pct",
	"lifetime_hours", "other_reading_interruptions", "other_reading_disrupted_pct", "other_reading_rejected_pct",
	"other_reading_overloaded_pct", "other_reading_availability_pct", "other_reading_policy_cost_usd", "recordings_lost",
	"instance_hours_spot", "instance_hours_on_demand", "peak_servers", "events",
}

// Metrics returns every numeric field of the result by its JSON key, so
// that aggregation, sweeps and baselines read the same names users see.
func (r *Result) Metrics() map[string]float64 {
	v := reflect.ValueOf(r).Elem()
	t := v.Type()
	out := make(map[string]float64, t.NumField())
	for i := range t.NumField() {
		key, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		switch f := v.Field(i); f.Kind() {
		case reflect.Float64:
			out[key] = f.Float()
		case reflect.Int, reflect.Int64:
			out[key] = float64(f.Int())
		}
	}
	return out
}
