package results

// Sample is the fleet at one moment, for the time series.
type Sample struct {
	Time     int64
	Demand   int // participants wanting service
	Capacity int // BBB users the enabled servers take
	// CapacitySpot and CapacityOnDemand split Capacity by purchase option.
	CapacitySpot, CapacityOnDemand int
	SpotServers                    [5]int
	ODServers                      [5]int // by engine.ServerState
	CostUSDPerH                    float64
	MarketPrices                   []float64 // aligned with the policy's pools
	// Running totals since the window started.
	CumCostUSD              float64
	CumDisruptedMinutes     float64
	CumRejectedMinutes      float64
	CumParticipantsRejected int
	CumInterruptions        int
	CumRebalances           int
}

// Record is one event of note, for events.jsonl.
type Record struct {
	Time   int64  `json:"time"`
	Kind   string `json:"kind"`
	Server string `json:"server,omitempty"`
	Market string `json:"market,omitempty"`
	Count  int    `json:"count,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Recorder receives what a run wants written out. Nil means nothing is
// recorded and nothing is paid for it.
type Recorder interface {
	Sample(s *Sample)
	Event(r Record)
}

// Collector keeps a run's samples and events in memory, for reports.
// Price changes are left out of its events: the samples carry the prices.
type Collector struct {
	Samples []Sample
	Events  []Record
}

// Sample keeps a copy of the sample.
func (c *Collector) Sample(s *Sample) {
	cp := *s
	cp.MarketPrices = append([]float64(nil), s.MarketPrices...)
	c.Samples = append(c.Samples, cp)
}

// Event keeps every event but price changes.
func (c *Collector) Event(r Record) {
	if r.Kind != "price" {
		c.Events = append(c.Events, r)
	}
}

// Tee sends everything to several recorders.
type Tee []Recorder

// Sample forwards the sample.
func (t Tee) Sample(s *Sample) {
	for _, r := range t {
		r.Sample(s)
	}
}

// Event forwards the event.
func (t Tee) Event(rec Record) {
	for _, r := range t {
		r.Event(rec)
	}
}
