package reports

import (
	"sort"

	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/results"
)

// Report is everything one what-if report shows.
type Report struct {
	Title string
	// Inputs describe where the numbers come from.
	PricesLabel, TraceLabel string
	From, To                int64
	Meetings                int
	Seed                    uint64
	Policy                  model.Policy
	// PolicyYAML is the configuration as written, shown verbatim.
	PolicyYAML string
	Prices     map[model.MarketKey]*model.PriceSeries
	// Run is the first run, recorded; Runs are all runs' results.
	Run      *results.Collector
	Baseline *results.Collector
	Runs     []results.Result
	// LoadMinUserCount is Scalelite's LOAD_MIN_USER_COUNT, for the text.
	LoadMinUserCount int
	// Model names the simulator behaviour that made the runs
	// (sim.ModelVersion), shown with the inputs.
	Model string
}

// Series is one named line of (time, value) points.
type Series struct {
	Name string    `json:"name"`
	T    []int64   `json:"t"`
	V    []float64 `json:"v"`
}

// Level is a named horizontal line.
type Level struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// Mark is an event shown on a time axis.
type Mark struct {
	T    int64  `json:"t"`
	Kind string `json:"kind"`
}

// ChartData is the data behind every chart of a report.
type ChartData struct {
	// 1. spot price per market, with max price and on-demand levels
	Prices    []Series `json:"prices"`
	MaxPrices []Level  `json:"max_prices"`
	OnDemand  []Level  `json:"on_demand"`
	// 2. demand against capacity (stacked: on-demand, then spot) and notices
	Demand           Series `json:"demand"`
	CapacityOnDemand Series `json:"capacity_on_demand"`
	CapacitySpot     Series `json:"capacity_spot"`
	Marks            []Mark `json:"marks"`
	// 3. cumulative cost of the policy and of the all-on-demand baseline
	CostPolicy   Series `json:"cost_policy"`
	CostBaseline Series `json:"cost_baseline"`
	// 4. per day: disrupted participant-minutes and rejected participants
	Days                 []int64   `json:"days"`
	DisruptedMinutes     []float64 `json:"disrupted_minutes"`
	RejectedParticipants []float64 `json:"rejected_participants"`
	// 5. over runs: cost and disrupted participant-minutes
	RunCosts     []float64 `json:"run_costs"`
	RunDisrupted []float64 `json:"run_disrupted"`
}

// Data extracts the chart data from a report's runs.
func (r *Report) Data() ChartData {
	var d ChartData
	markets := r.Policy.SpotMarkets()
	for _, k := range markets {
		s, ok := r.Prices[k]
		if !ok {
			continue
		}
		ser := Series{Name: k.String()}
		if p, ok := s.At(r.From); ok {
			ser.T, ser.V = append(ser.T, r.From), append(ser.V, p)
		}
		for i := range s.Len() {
			t, p := s.Point(i)
			if t > r.From && t < r.To {
				ser.T, ser.V = append(ser.T, t), append(ser.V, p)
			}
		}
		if n := len(ser.V); n > 0 {
			ser.T, ser.V = append(ser.T, r.To), append(ser.V, ser.V[n-1])
		}
		d.Prices = append(d.Prices, ser)
	}
	types := append([]model.InstanceType(nil), r.Policy.SpotTypes...)
	sort.Slice(types, func(i, j int) bool { return types[i].Name < types[j].Name })
	for _, t := range types {
		d.MaxPrices = append(d.MaxPrices, Level{Name: t.Name, Value: r.Policy.MaxPrice[t.Name]})
		d.OnDemand = append(d.OnDemand, Level{Name: t.Name, Value: t.OnDemandUSDPerHour})
	}

	d.Demand.Name, d.CapacityOnDemand.Name, d.CapacitySpot.Name = "demand", "on-demand capacity", "spot capacity"
	d.CostPolicy.Name, d.CostBaseline.Name = "policy", "all on-demand"
	if r.Run != nil {
		for _, s := range r.Run.Samples {
			d.Demand.T, d.Demand.V = append(d.Demand.T, s.Time), append(d.Demand.V, float64(s.Demand))
			d.CapacityOnDemand.T, d.CapacityOnDemand.V = append(d.CapacityOnDemand.T, s.Time), append(d.CapacityOnDemand.V, float64(s.CapacityOnDemand))
			d.CapacitySpot.T, d.CapacitySpot.V = append(d.CapacitySpot.T, s.Time), append(d.CapacitySpot.V, float64(s.CapacitySpot))
			d.CostPolicy.T, d.CostPolicy.V = append(d.CostPolicy.T, s.Time), append(d.CostPolicy.V, s.CumCostUSD)
		}
		for _, e := range r.Run.Events {
			if e.Kind == "interruption-notice" || e.Kind == "rebalance" {
				d.Marks = append(d.Marks, Mark{T: e.Time, Kind: e.Kind})
			}
		}
		d.Days, d.DisruptedMinutes, d.RejectedParticipants = perDay(r.Run.Samples, r.From, r.To)
	}
	if r.Baseline != nil {
		for _, s := range r.Baseline.Samples {
			d.CostBaseline.T, d.CostBaseline.V = append(d.CostBaseline.T, s.Time), append(d.CostBaseline.V, s.CumCostUSD)
		}
	}
	for _, res := range r.Runs {
		d.RunCosts = append(d.RunCosts, res.PolicyCostUSD)
		d.RunDisrupted = append(d.RunDisrupted, res.ParticipantMinutesDisrupted)
	}
	return d
}

// perDay differences the running totals at each UTC midnight (and the
// window's ends), so every day's bar sums exactly to the run's total.
func perDay(samples []results.Sample, from, to int64) (days []int64, disrupted, rejected []float64) {
	if len(samples) == 0 {
		return nil, nil, nil
	}
	var prevD, prevR float64
	dayStart := from - from%86400
	next := dayStart + 86400
	for i, s := range samples {
		last := i == len(samples)-1
		if s.Time >= next || last {
			days = append(days, dayStart)
			disrupted = append(disrupted, s.CumDisruptedMinutes-prevD)
			rejected = append(rejected, float64(s.CumParticipantsRejected)-prevR)
			prevD, prevR = s.CumDisruptedMinutes, float64(s.CumParticipantsRejected)
			dayStart = s.Time - s.Time%86400
			next = dayStart + 86400
		}
	}
	return days, disrupted, rejected
}
