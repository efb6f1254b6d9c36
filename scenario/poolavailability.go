package scenario

import (
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/scalite/scalite/interruptions"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/sim"
)

// BandSpells is the two-state availability model's mean spells for one
// advisor band: hours a pool stays available, hours it stays unavailable
// (launches fail; going unavailable interrupts its spot instances).
type BandSpells struct {
	UpHours, DownHours float64
}

// AvailableShare is the long-run share of time available.
func (b BandSpells) AvailableShare() float64 { return b.UpHours / (b.UpHours + b.DownHours) }

// DefaultBandSpells are the mean spells by advisor band, <5% to >20%
// (README, "Pools going unavailable", gives the argument):
//   - >20%: SkyPilot's published two-state fit of its public AWS traces,
//     24.49 h available and 6.41 h unavailable. Those are GPU and very
//     large pools, the busiest there are: the stress end of the scale.
//   - <5%: one outage a month per pool (730 h). The advisor counts over
//     the trailing month; an outage interrupts every spot instance in the
//     pool, so a server living 16 h (the default what-if's) is hit with
//     probability 1-exp(-16/730) = 2.2%, within the band's 2.5% that the
//     reclaim model also reads. Outages of calm pools are short: the
//     median unavailable spell in the public traces is 0.4-0.7 h even for
//     the busiest pools, so 0.5 h (median 0.35 h).
//   - between: geometric steps (equal ratios per band: x2.34 up, x1.89
//     down), as the band's fractions themselves step by ratios.
var DefaultBandSpells = [...]BandSpells{
	model.BandUnder5: {UpHours: 730, DownHours: 0.5},
	model.Band5to10:  {UpHours: 312, DownHours: 0.95},
	model.Band10to15: {UpHours: 134, DownHours: 1.8},
	model.Band15to20: {UpHours: 57, DownHours: 3.4},
	model.BandOver20: {UpHours: 24.49, DownHours: 6.41},
}

// PoolAvailabilityByBand draws each spot pool's availability from the
// two-state model with the spells of the band in force, one
// interruptions.GenerateChanges draw per pool, held as its changes. simulation.hazard_multiplier
// scales reclaim events only, not these spells: the >20% band already
// holds the busiest pools measured, and a stress test multiplying it would
// leave pools unavailable most of the time; pool_availability: off
// removes the spells. The
// stream is the run's seed and the market's name: a pool has the same
// spells in every candidate policy run on that seed, whatever its other
// pools (common random numbers), and each seed of a multi-seed run draws
// its own.
func PoolAvailabilityByBand(spells [5]BandSpells) sim.PoolAvailabilityFunc {
	return func(k model.MarketKey, bands []sim.BandStep, from, to int64, seed uint64) *sim.Availability {
		steps := make([]interruptions.RateStep, len(bands))
		for i, b := range bands {
			s := spells[model.BandOver20]
			if b.Band.Valid() {
				s = spells[b.Band]
			}
			steps[i] = interruptions.RateStep{AtHour: float64(b.At-from) / 3600, UpRate: 1 / s.UpHours, DownRate: 1 / s.DownHours}
		}
		startsUp, changes := interruptions.GenerateChanges(steps, float64(to-from)/3600, rand.New(rand.NewPCG(seed, marketStream(k))))
		a := &sim.Availability{StartsDown: !startsUp, Changes: make([]int64, len(changes))}
		for i, h := range changes {
			// The state changes within this second: it holds from the next.
			a.Changes[i] = int64(math.Ceil(h * 3600))
		}
		return a
	}
}

// marketStream names a market's random stream by its name, not its place
// in a policy's list of pools.
func marketStream(k model.MarketKey) uint64 {
	h := fnv.New64a()
	h.Write([]byte("pool-availability/" + k.InstanceType + "/" + k.AZ))
	return h.Sum64()
}
