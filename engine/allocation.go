package engine

import (
	"math"

	"github.com/scalite/scalite/model"
)

// choosePool picks the spot pool for the next server, or -1 when no pool
// can be had: unavailable, price unknown or above the max price. Pools
// where AWS is reclaiming (a server there has a notice) are used only when
// nothing else can be had.
//
//   - lowest-price: the lowest price per BBB user.
//   - capacity-optimized: the pools with the best advisor band, spread
//     over them (fewest servers first), then the lowest price per user.
//   - price-capacity-optimized: pools at most one band worse than the best,
//     and within 10% of the lowest price per user among those; spread over
//     them, then the lowest price per user.
func (p *Planner) choosePool(now int64, obs *Observation, sc *scratch) int {
	if i := p.choosePoolAmong(now, obs, sc, true); i >= 0 {
		return i
	}
	return p.choosePoolAmong(now, obs, sc, false)
}

func (p *Planner) choosePoolAmong(now int64, obs *Observation, sc *scratch, avoidTroubled bool) int {
	counts := sc.poolCount
	bestBand := model.AdvisorBand(math.MaxInt8)
	minUnit := math.Inf(1)
	eligible := func(i int) bool {
		pl := obs.Pools[i]
		return now >= pl.UnavailableUntil && pl.USDPerHour > 0 && pl.USDPerHour <= p.poolMax[i] && !(avoidTroubled && sc.troubled[i])
	}
	// The price per participant a pool's servers hold: with the load model,
	// per load unit (the same order as per participant of any one mix).
	unit := func(i int) float64 {
		if obs.LoadPerParticipant > 0 {
			return obs.Pools[i].USDPerHour / float64(max(p.poolLoad[i], 1))
		}
		return obs.Pools[i].USDPerHour / float64(p.poolCap[i])
	}
	for i := range p.pools {
		if eligible(i) && p.poolBand[i] < bestBand {
			bestBand = p.poolBand[i]
		}
	}
	if bestBand == math.MaxInt8 {
		return -1
	}
	maxBand := bestBand
	if p.pol.Strategy == model.PriceCapacityOptimized {
		maxBand = bestBand + 1
	}
	if p.pol.Strategy != model.LowestPrice {
		for i := range p.pools {
			if eligible(i) && p.poolBand[i] <= maxBand {
				minUnit = math.Min(minUnit, unit(i))
			}
		}
	}
	best := -1
	for i := range p.pools {
		if !eligible(i) {
			continue
		}
		if p.pol.Strategy == model.LowestPrice {
			if best < 0 || unit(i) < unit(best) {
				best = i
			}
			continue
		}
		if p.poolBand[i] > maxBand {
			continue
		}
		if p.pol.Strategy == model.PriceCapacityOptimized && unit(i) > minUnit*1.1 {
			continue
		}
		if best < 0 || counts[i] < counts[best] || (counts[i] == counts[best] && unit(i) < unit(best)) {
			best = i
		}
	}
	return best
}
