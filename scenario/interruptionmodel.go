package scenario

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/scalite/scalite/interruptions"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/sim"
)

// modelTick is the resolution of availability drawn from a fitted model:
// a minute, well under the shortest mean spell seen in public traces
// (0.27 h).
const modelTick = 60

// CapacityFromModel reads a model `scalite interruptions fit` wrote and
// gives the simulator, for each of the markets, what the model fitted:
// from traces, an availability trace over [from, to) drawn from the
// two-state model (exponential available and unavailable spells with the
// fitted rates, the first state drawn from the long-run shares; each
// market from its own stream of the seed, so adding a market does not
// change another's); from an event log, the per-instance hazard. A market
// missing from the model is an error naming it and the file.
func CapacityFromModel(path string, markets []model.MarketKey, from, to int64, seed uint64) (map[model.MarketKey]*sim.Availability, map[model.MarketKey]float64, error) {
	m, err := interruptions.ReadModel(path)
	if err != nil {
		return nil, nil, err
	}
	pools := map[interruptions.Pool]*interruptions.PoolModel{}
	var have []string
	for i := range m.Pools {
		p := &m.Pools[i]
		pools[p.Pool] = p
		have = append(have, p.Pool.String())
	}
	n := int((to-from+modelTick-1)/modelTick) + 1
	out := map[model.MarketKey]*sim.Availability{}
	hazards := map[model.MarketKey]float64{}
	for i, k := range markets {
		p, ok := pools[interruptions.Pool{InstanceType: k.InstanceType, AZ: k.AZ}]
		if !ok {
			return nil, nil, fmt.Errorf("%s: no pool for market %s, which the policy uses (the model has %s)", path, k, strings.Join(have, ", "))
		}
		if p.InstanceHazard != nil {
			hazards[k] = p.InstanceHazard.PerHour
		}
		if p.Availability == nil {
			continue
		}
		rng := rand.New(rand.NewPCG(seed, 0x6d6f64656c^uint64(i+1)*0x9e3779b97f4a7c15))
		up := interruptions.Generate(p.Availability.Up.PerHour, p.Availability.Down.PerHour, n, modelTick, rng)
		a := &sim.Availability{GapSeconds: modelTick, Data: make([]uint8, n)}
		for j, u := range up {
			if u {
				a.Data[j] = 1
			}
		}
		out[k] = a
	}
	return out, hazards, nil
}
