package engine_test

import (
	"fmt"

	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/model"
)

// The simulator and the live controller both call Plan like this: build
// the planner once from the policy, then observe, plan and act in a loop.
func ExamplePlanner_Plan() {
	c5a := model.InstanceType{Name: "c5a.4xlarge", CapacityUsers: 400, OnDemandUSDPerHour: 0.688, Band: model.BandUnder5}
	planner, err := engine.New(model.Policy{
		AZs: []string{"eu-west-1a"}, SpotEnabled: true, SpotTypes: []model.InstanceType{c5a},
		MaxPrice: map[string]float64{"c5a.4xlarge": 0.688}, Strategy: model.PriceCapacityOptimized,
		OnDemandType: c5a, OnDemandBase: 1, Min: 1, Max: 10, Headroom: 0.25, ScaleInCooldown: 900,
	})
	if err != nil {
		panic(err)
	}
	state := engine.NewState(2)
	obs := engine.Observation{
		Pools:        []engine.Pool{{USDPerHour: 0.31}},
		Participants: 600,
		Servers: []engine.Server{{ID: "i-0od", Type: "c5a.4xlarge", AZ: "eu-west-1a", Pool: -1,
			State: engine.Enabled, CapacityUsers: 400, Participants: 600, Meetings: 20, USDPerHour: 0.688}},
	}
	for _, a := range planner.Plan(1_700_000_000, &obs, state, nil) {
		fmt.Println(a)
	}
	// Output:
	// launch 1 x c5a.4xlarge in eu-west-1a spot (max 0.6880 $/h): demand 600 participants +25% headroom needs 750, serving capacity 400
}
