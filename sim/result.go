package sim

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
	RecordingsLost               int     `json:"recordings_lost"`
	InstanceHoursSpot            float64 `json:"instance_hours_spot"`
	InstanceHoursOnDemand        float64 `json:"instance_hours_on_demand"`
	PeakServers                  int     `json:"peak_servers"`
	Events                       int64   `json:"events"`
	Seed                         uint64  `json:"seed"`

	// Beyond the contract: the parts that make up the figures above.
	ParticipantMinutesServed   float64 `json:"participant_minutes_served"`
	ParticipantMinutesRejected float64 `json:"participant_minutes_rejected"`
	ParticipantsDisrupted      int     `json:"participants_disrupted"`
	PriceInterruptions         int     `json:"price_interruptions"`
	CapacityInterruptions      int     `json:"capacity_interruptions"`
	FreeInterruptedHours       float64 `json:"free_interrupted_instance_hours"`
	LaunchFailures             int     `json:"launch_failures"`
	Launches                   int     `json:"launches"`
	// UnsafeTerminations counts servers the engine terminated with meetings
	// or recordings on them; it must stay 0.
	UnsafeTerminations int `json:"unsafe_terminations"`
	// MeetingsOnTerminated counts meetings found on a terminated server;
	// it must stay 0.
	MeetingsOnTerminated int `json:"meetings_on_terminated"`
}

// resultKeys lists the contract's keys in order, for aggregation.
var resultKeys = []string{
	"policy_cost_usd", "spot_cost_usd", "on_demand_cost_usd", "baseline_on_demand_cost_usd", "savings_pct",
	"interruptions", "rebalance_recommendations", "meetings_total", "meetings_disrupted",
	"participant_minutes_total", "participant_minutes_disrupted", "participants_rejected",
	"overloaded_participant_minutes", "availability_pct", "recordings_lost",
	"instance_hours_spot", "instance_hours_on_demand", "peak_servers", "events",
}

// metric returns a contract key's value as a number.
func (r *Result) metric(key string) float64 {
	switch key {
	case "policy_cost_usd":
		return r.PolicyCostUSD
	case "spot_cost_usd":
		return r.SpotCostUSD
	case "on_demand_cost_usd":
		return r.OnDemandCostUSD
	case "baseline_on_demand_cost_usd":
		return r.BaselineOnDemandCostUSD
	case "savings_pct":
		return r.SavingsPct
	case "interruptions":
		return float64(r.Interruptions)
	case "rebalance_recommendations":
		return float64(r.RebalanceRecommendations)
	case "meetings_total":
		return float64(r.MeetingsTotal)
	case "meetings_disrupted":
		return float64(r.MeetingsDisrupted)
	case "participant_minutes_total":
		return r.ParticipantMinutesTotal
	case "participant_minutes_disrupted":
		return r.ParticipantMinutesDisrupted
	case "participants_rejected":
		return float64(r.ParticipantsRejected)
	case "overloaded_participant_minutes":
		return r.OverloadedParticipantMinutes
	case "availability_pct":
		return r.AvailabilityPct
	case "recordings_lost":
		return float64(r.RecordingsLost)
	case "instance_hours_spot":
		return r.InstanceHoursSpot
	case "instance_hours_on_demand":
		return r.InstanceHoursOnDemand
	case "peak_servers":
		return float64(r.PeakServers)
	case "events":
		return float64(r.Events)
	}
	panic("unknown result key " + key)
}
