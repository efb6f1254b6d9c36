package sim

// Sample is the fleet at one moment, for the time series.
type Sample struct {
	Time         int64
	Demand       int // participants wanting service
	Capacity     int // BBB users the enabled servers take
	SpotServers  [5]int
	ODServers    [5]int // by engine.ServerState
	CostUSDPerH  float64
	MarketPrices []float64 // aligned with the policy's pools
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
