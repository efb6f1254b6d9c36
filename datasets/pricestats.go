package datasets

import (
	"slices"

	"gonum.org/v1/gonum/stat"

	"github.com/scalite/scalite/model"
)

// MarketStats summarises one market's price history.
type MarketStats struct {
	Market                model.MarketKey `json:"-"`
	InstanceType          string          `json:"instance_type"`
	AZ                    string          `json:"availability_zone"`
	Records               int             `json:"records"`
	First                 int64           `json:"first"`
	Last                  int64           `json:"last"`
	Min                   float64         `json:"min_usd_per_hour"`
	Median                float64         `json:"median_usd_per_hour"`
	Max                   float64         `json:"max_usd_per_hour"`
	Changes               int             `json:"changes"`
	ChangesPerDay         float64         `json:"changes_per_day"`
	LongestGapSeconds     int64           `json:"longest_gap_seconds"`
	TimeWeightedMeanPrice float64         `json:"time_weighted_mean_usd_per_hour"`
}

// MarketStats summarises every market, in Markets order. The median is of
// the change points' prices; the time-weighted mean is what an instance
// running throughout paid per hour.
func (h *PriceHistory) MarketStats() []MarketStats {
	var out []MarketStats
	for _, k := range h.Markets() {
		s := h.Series[k]
		n := s.Len()
		prices := make([]float64, n)
		var gap int64
		for i := range n {
			t, p := s.Point(i)
			prices[i] = p
			if i > 0 {
				pt, _ := s.Point(i - 1)
				gap = max(gap, t-pt)
			}
		}
		slices.Sort(prices)
		ms := MarketStats{
			Market: k, InstanceType: k.InstanceType, AZ: k.AZ, Records: n, First: s.First(), Last: s.Last(),
			Min: prices[0], Median: stat.Quantile(0.5, stat.Empirical, prices, nil), Max: prices[n-1],
			Changes: s.Changes(), LongestGapSeconds: gap,
		}
		if span := s.Last() - s.First(); span > 0 {
			ms.ChangesPerDay = float64(ms.Changes) / (float64(span) / 86400)
			cost, _ := s.Cost(s.First(), s.Last())
			ms.TimeWeightedMeanPrice = cost / (float64(span) / 3600)
		} else {
			ms.TimeWeightedMeanPrice = prices[0]
		}
		out = append(out, ms)
	}
	return out
}
