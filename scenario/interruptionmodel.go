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

// AvailabilityFromModel draws, for each of the markets, an availability
// trace over [from, to) from the two-state model `scalite interruptions
// fit` wrote: exponential available and unavailable spells with the
// fitted rates, the first state drawn from the long-run shares. Each
// market draws from its own stream of the seed, so adding a market does
// not change another's trace. A market missing from the model, or present
// only with an event-log fit (a per-instance hazard, not availability),
// is an error naming it and the file.
func AvailabilityFromModel(path string, markets []model.MarketKey, from, to int64, seed uint64) (map[model.MarketKey]*sim.Availability, error) {
	m, err := interruptions.ReadModel(path)
	if err != nil {
		return nil, err
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
	for i, k := range markets {
		p, ok := pools[interruptions.Pool{InstanceType: k.InstanceType, AZ: k.AZ}]
		if !ok {
			return nil, fmt.Errorf("%s: no pool for market %s, which the policy uses (the model has %s)", path, k, strings.Join(have, ", "))
		}
		if p.Availability == nil {
			return nil, fmt.Errorf("%s: pool %s has no availability fit (an event-log fit gives a per-instance hazard, which the simulator does not replay yet)", path, k)
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
	return out, nil
}
