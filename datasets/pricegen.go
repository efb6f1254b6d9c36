package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/scalite/scalite/model"
)

// PriceModel is the seeded model behind `scalite prices generate`,
// calibrated on the real DescribeSpotPriceHistory file in shared/data
// (eu-west-1, 2022-03-09 to 2022-06-07, 63 Linux markets): a market
// changes price 3.5 times a day at the median (lognormal across markets,
// sigma 0.62 of the log), a step is 0.17% at the median (lognormal, sigma
// 0.93 of the log; 90th percentile 0.58%); the level sits near the Spot
// Instance Advisor's savings figure; rare spikes approach or pass the
// on-demand price. (An earlier calibration on quoted statistics, 0.4
// changes a day and 0.23% steps, was ten times too calm.)
type PriceModel struct {
	// ChangesPerDayMedian and ChangesPerDaySigma: each market's change rate
	// is lognormal across markets.
	ChangesPerDayMedian, ChangesPerDaySigma float64
	// StepMedian and StepSigma: step sizes are lognormal (fractions).
	StepMedian, StepSigma float64
	// Reversion pulls the price back to its level: the chance of a step up
	// falls by Reversion per unit of log distance above the level.
	Reversion float64
	// LevelSpread is the sigma of a market's level around the advisor figure.
	LevelSpread float64
	// SpikesPerDay per market; a spike lifts the price to SpikeLow..SpikeHigh
	// times on-demand for SpikeHoursMin..SpikeHoursMax hours.
	SpikesPerDay                 float64
	SpikeLow, SpikeHigh          float64
	SpikeHoursMin, SpikeHoursMax float64
}

// DefaultPriceModel is the calibrated model.
func DefaultPriceModel() PriceModel {
	return PriceModel{
		ChangesPerDayMedian: 3.5, ChangesPerDaySigma: 0.62,
		StepMedian: 0.0017, StepSigma: 0.93,
		Reversion: 8, LevelSpread: 0.04,
		SpikesPerDay: 1.0 / 60, SpikeLow: 0.85, SpikeHigh: 1.2, SpikeHoursMin: 1, SpikeHoursMax: 8,
	}
}

// PriceGenOptions says which markets and window to generate.
type PriceGenOptions struct {
	Types   []model.InstanceType
	AZs     []string
	Start   time.Time
	Days    int
	Product string
}

// GeneratePrices draws a price history: per market, the price in effect at
// Start (as DescribeSpotPriceHistory returns it) and every change after.
// Prices are whole ten-thousandths of a dollar, as AWS quotes them.
func GeneratePrices(m PriceModel, opt PriceGenOptions, rng *rand.Rand) ([]PriceRecord, error) {
	if opt.Days <= 0 {
		return nil, fmt.Errorf("days must be positive, got %d", opt.Days)
	}
	if len(opt.Types) == 0 || len(opt.AZs) == 0 {
		return nil, fmt.Errorf("need at least one instance type and one availability zone")
	}
	if opt.Product == "" {
		opt.Product = DefaultProduct
	}
	start := opt.Start.Unix()
	end := start + int64(opt.Days)*86400
	rate := distuv.LogNormal{Mu: math.Log(m.ChangesPerDayMedian), Sigma: m.ChangesPerDaySigma, Src: rng}
	step := distuv.LogNormal{Mu: math.Log(m.StepMedian), Sigma: m.StepSigma, Src: rng}
	round := func(p float64) float64 { return math.Max(0.0001, math.Round(p*1e4)/1e4) }
	var out []PriceRecord
	for _, t := range opt.Types {
		for _, az := range opt.AZs {
			key := model.MarketKey{InstanceType: t.Name, AZ: az}
			level := t.OnDemandUSDPerHour * (1 - t.SavingsPct/100) * math.Exp(m.LevelSpread*rng.NormFloat64())
			perDay := math.Min(rate.Rand(), 24)
			price := round(level * math.Exp(0.02*rng.NormFloat64()))
			out = append(out, PriceRecord{Market: key, Product: opt.Product, USDPerHour: price, Time: start})
			ts := start
			for {
				ts += int64(rng.ExpFloat64()/perDay*86400) + 1
				if ts >= end {
					break
				}
				var next float64
				if rng.Float64() < m.SpikesPerDay/perDay {
					// A spike, and its end as a change of its own.
					spike := round(t.OnDemandUSDPerHour * (m.SpikeLow + (m.SpikeHigh-m.SpikeLow)*rng.Float64()))
					out = append(out, PriceRecord{Market: key, Product: opt.Product, USDPerHour: spike, Time: ts})
					price = spike
					ts += int64((m.SpikeHoursMin + (m.SpikeHoursMax-m.SpikeHoursMin)*rng.Float64()) * 3600)
					if ts >= end {
						break
					}
					next = level * math.Exp(0.01*rng.NormFloat64())
				} else {
					up := 0.5 - m.Reversion*math.Log(price/level)
					dir := -1.0
					if rng.Float64() < up {
						dir = 1
					}
					next = price * (1 + dir*math.Min(step.Rand(), 0.2))
				}
				if r := round(next); r != price {
					price = r
					out = append(out, PriceRecord{Market: key, Product: opt.Product, USDPerHour: price, Time: ts})
				}
			}
		}
	}
	return out, nil
}
