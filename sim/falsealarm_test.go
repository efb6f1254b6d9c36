package sim_test

import (
	"testing"

	"github.com/scalite/scalite/sim"
)

// TestRebalanceFalseAlarms: with capacity interruptions off, every
// rebalance recommendation is a false alarm; at one per spot
// instance-day they come, the engine reacts to them (cordon and replace:
// more launches) and no interruption follows. At rate 0 there are none.
func TestRebalanceFalseAlarms(t *testing.T) {
	o := defaultOptions(t, nil)
	o.Capacity = sim.CapacityOff
	calm := mustRun(t, o)
	o.RebalanceFalseAlarms = 1
	r := mustRun(t, o)
	if calm.RebalanceRecommendations != 0 || calm.RebalanceFalseAlarms != 0 {
		t.Errorf("rate 0: %d recommendations, %d false alarms", calm.RebalanceRecommendations, calm.RebalanceFalseAlarms)
	}
	if r.RebalanceFalseAlarms == 0 || r.RebalanceFalseAlarms != r.RebalanceRecommendations || r.CapacityInterruptions != 0 {
		t.Errorf("rate 1/day: %d false alarms of %d recommendations, %d capacity interruptions; want some, all false, none", r.RebalanceFalseAlarms, r.RebalanceRecommendations, r.CapacityInterruptions)
	}
	if r.Launches <= calm.Launches {
		t.Errorf("false alarms did not make the engine replace servers: %d launches against %d", r.Launches, calm.Launches)
	}
	t.Logf("one false alarm per spot instance-day: %d recommendations over %.0f spot instance-hours, %d launches against %d", r.RebalanceRecommendations, r.InstanceHoursSpot, r.Launches, calm.Launches)
}
