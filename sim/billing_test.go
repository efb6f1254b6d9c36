package sim

import (
	"math"
	"testing"

	"github.com/scalite/scalite/model"
)

// TestBilling pins AWS's rules: per second; on-demand with a 60 s minimum;
// spot at the price in effect; free if AWS interrupts it in its first hour.
func TestBilling(t *testing.T) {
	series, _ := model.NewPriceSeries([]int64{0, 1800}, []float64{0.36, 0.72})
	od := model.InstanceType{Name: "c5a.4xlarge", CapacityUsers: 400, OnDemandUSDPerHour: 0.72}
	for _, tc := range []struct {
		name             string
		spot, byAWS      bool
		running, end     int64
		spotUSD, odUSD   float64
		spotH, odH, free float64
	}{
		{"on-demand, 30 s billed as 60", false, false, 100, 130, 0, 0.012, 0, 30.0 / 3600, 0},
		{"on-demand, 2 h", false, false, 0, 7200, 0, 1.44, 0, 2, 0},
		{"spot across a price change", true, false, 0, 3600, 0.18 + 0.36, 0, 1, 0, 0},
		{"spot interrupted by AWS in its first hour is free", true, true, 0, 3599, 0, 0, 3599.0 / 3600, 0, 3599.0 / 3600},
		{"spot interrupted by AWS after an hour is billed", true, true, 0, 3600, 0.54, 0, 1, 0, 0},
		{"spot we terminate in its first hour is billed", true, false, 0, 1800, 0.18, 0, 0.5, 0, 0},
		{"never ran", true, false, -1, 3600, 0, 0, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &world{markets: []market{{series: series}}}
			in := &instance{typ: &od, spot: tc.spot, runningAt: tc.running}
			if !tc.spot {
				in.pool = -1
			}
			w.bill(in, tc.end, tc.byAWS)
			r := w.res
			if math.Abs(r.SpotCostUSD-tc.spotUSD) > 1e-12 || math.Abs(r.OnDemandCostUSD-tc.odUSD) > 1e-12 ||
				math.Abs(r.InstanceHoursSpot-tc.spotH) > 1e-12 || math.Abs(r.InstanceHoursOnDemand-tc.odH) > 1e-12 || math.Abs(r.FreeInterruptedHours-tc.free) > 1e-12 {
				t.Fatalf("got spot %v od %v, hours %v/%v free %v", r.SpotCostUSD, r.OnDemandCostUSD, r.InstanceHoursSpot, r.InstanceHoursOnDemand, r.FreeInterruptedHours)
			}
		})
	}
}
