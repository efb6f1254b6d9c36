package scenario

import (
	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/sim"
)

// OptionsFrom fills the world model from a configuration; the caller adds
// prices, meetings, window and seed.
func OptionsFrom(cfg *config.Config, cat *model.Catalog) (sim.Options, error) {
	pol, err := cfg.Policy(cat)
	if err != nil {
		return sim.Options{}, err
	}
	sm := cfg.Simulation
	o := sim.Options{
		Policy:                pol,
		RejoinDelay:           sm.RejoinDelay.Seconds(),
		RejoinDelayAfterEnd:   sm.RejoinDelayAfterEnd.Seconds(),
		JoinDelay:             sm.JoinDelay.Seconds(),
		RecordingProcessing:   sm.RecordingProcessing,
		RebalanceProbability:  sm.RebalanceProbability,
		RebalanceLead:         sm.RebalanceLead.Seconds(),
		ReclaimShare:          sm.ReclaimShare,
		HazardMultiplier:      sm.HazardMultiplier,
		RebalanceFalseAlarms:  sm.RebalanceFalseAlarmRate,
		WarmStart:             sm.WarmStart,
		ZoneCrunchesPerDay:    sm.ZoneCrunchesPerDay,
		RegionCrunchesPerDay:  sm.RegionCrunchesPerDay,
		CrunchShare:           sm.CrunchShare,
		AdvisorReading:        advisorReading(sm.AdvisorReading),
		LaunchFailure:         sm.LaunchFailure,
		OnDemandLaunchFailure: sm.OnDemandLaunchFailure,
		BootFailure:           sm.BootFailure,
		ReconcileInterval:     cfg.Fleet.ReconcileInterval.Seconds(),
		PollInterval:          cfg.Scalelite.PollInterval.Seconds(),
		LoadMinUserCount:      cfg.Scalelite.LoadMinUserCount,
		LoadJoinBufferTime:    cfg.Scalelite.LoadJoinBufferTime.Seconds(),
		LoadMultiplier:        cfg.Scalelite.LoadMultiplier,
		SampleInterval:        300,
	}
	if cfg.UsesLoadModel() {
		lm := model.DefaultLoadModel()
		o.Load = &lm
	}
	// The whole bill, when the embedded prices know the region.
	bill := datasets.DefaultBill()
	if prices, err := bill.BillPricesFor(pol.Region); err == nil {
		o.Bill, o.Bitrates = &prices, &bill.Bitrates
	}
	switch kind, _, _ := sm.CapacitySource(); kind {
	case "advisor":
		o.Capacity = sim.CapacityAdvisor
	case "off":
		o.Capacity = sim.CapacityOff
	default:
		o.Capacity = sim.CapacityTrace
	}
	if o.Capacity == sim.CapacityAdvisor && sm.PoolAvailability != "off" {
		o.PoolAvailability = PoolAvailabilityByBand(DefaultBandSpells)
	}
	return o, nil
}

// advisorReading maps the validated config value.
func advisorReading(s string) sim.AdvisorReading {
	if s == "instance-hours" {
		return sim.ReadingInstanceHours
	}
	return sim.ReadingPerInstance
}
