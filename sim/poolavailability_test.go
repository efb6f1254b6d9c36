package sim_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/results"
	"github.com/scalite/scalite/sim"
)

// poolEvents keeps a run's events.
type poolEvents struct{ events []results.Record }

func (l *poolEvents) Sample(*results.Sample) {}
func (l *poolEvents) Event(r results.Record) { l.events = append(l.events, r) }

// count is how many events of a kind in a market fall in [from, to).
func (l *poolEvents) count(kind, market string, from, to int64) int {
	n := 0
	for _, e := range l.events {
		if e.Kind == kind && e.Market == market && e.Time >= from && e.Time < to {
			n++
		}
	}
	return n
}

// onePool is the default configuration with a single spot pool,
// c5a.4xlarge in eu-west-1a, at least two servers, no on-demand base and
// no random launch failures.
func onePool(c *config.Config) {
	c.AvailabilityZones = []string{"eu-west-1a"}
	c.Spot.InstanceType = config.NameList{"c5a.4xlarge"}
	c.OnDemand.Base = 0
	c.Fleet.Min = 2
	c.Placement.LargeMeeting = 0
	c.Simulation.LaunchFailure = 0
}

// TestLaunchesFailWhilePoolUnavailable: with the advisor model's pool
// availability, a pool that goes unavailable interrupts its spot
// instances, refuses every launch until it is back (the fleet falls back
// to on-demand), and takes launches again after.
func TestLaunchesFailWhilePoolUnavailable(t *testing.T) {
	// Available on the first day, unavailable on the second, then back:
	// as ticks (a replayed trace's form) and as changes (a drawn one's).
	ticks := &sim.Availability{GapSeconds: 3600, Data: make([]uint8, 7*24)}
	for i := range ticks.Data {
		if i < 24 || i >= 48 {
			ticks.Data[i] = 1
		}
	}
	changes := &sim.Availability{Changes: []int64{86400, 2 * 86400}}
	for name, avail := range map[string]*sim.Availability{"ticks": ticks, "changes": changes} {
		t.Run(name, func(t *testing.T) {
			o := defaultOptions(t, func(c *config.Config) {
				onePool(c)
				c.Simulation.HazardMultiplier = 0 // no reclaim events: only the pool's spells
			})
			o.To = o.From + 7*86400
			o.PoolAvailability = func(k model.MarketKey, bands []sim.BandStep, from, to int64, seed uint64) *sim.Availability {
				return avail
			}
			log := &poolEvents{}
			o.Recorder = log
			r := mustRun(t, o)
			const pool = "c5a.4xlarge/eu-west-1a"
			down, up := o.From+86400, o.From+2*86400
			if r.CapacityInterruptions == 0 || log.count("interruption-notice", pool, down, down+1) == 0 {
				t.Errorf("%d capacity interruptions, %d notices when the pool went down: want its instances interrupted then", r.CapacityInterruptions, log.count("interruption-notice", pool, down, down+1))
			}
			if n := log.count("launch", pool, down, up); n != 0 {
				t.Errorf("%d launches into the pool while it was unavailable", n)
			}
			if log.count("launch-failed", pool, down, up) == 0 || log.count("launch", "on-demand", down, up) == 0 {
				t.Errorf("launch failures %d and on-demand launches %d during the outage: want the fleet to try the pool and fall back", log.count("launch-failed", pool, down, up), log.count("launch", "on-demand", down, up))
			}
			if log.count("launch", pool, up, o.To) == 0 {
				t.Error("no launch into the pool after it came back")
			}
		})
	}
}

// TestReclaimsFollowTheBandInForce: a pool whose band worsens from <5% to
// >20% halfway has reclaim events at the >20% rate after the change and
// at the <5% rate before; a band history that never changes leaves the
// run exactly as without one.
func TestReclaimsFollowTheBandInForce(t *testing.T) {
	o := defaultOptions(t, func(c *config.Config) {
		onePool(c)
		c.Simulation.HazardMultiplier = 20
		c.Simulation.PoolAvailability = "off"
	})
	k := model.MarketKey{InstanceType: "c5a.4xlarge", AZ: "eu-west-1a"}
	half := o.From + (o.To-o.From)/2
	plain := mustRun(t, o)
	o.Bands = map[model.MarketKey][]sim.BandStep{k: {{At: o.From - 86400, Band: model.BandUnder5}}}
	if a, b := mustJSON(t, plain), mustJSON(t, mustRun(t, o)); !bytes.Equal(a, b) {
		t.Errorf("a band history that never changes changed the run:\n%s\n%s", a, b)
	}
	o.Bands[k] = append(o.Bands[k], sim.BandStep{At: half, Band: model.BandOver20})
	log := &poolEvents{}
	o.Recorder = log
	mustRun(t, o)
	before, after := log.count("reclaim", k.String(), o.From, half), log.count("reclaim", k.String(), half, o.To)
	// The rates' ratio is ln(1/0.75)/ln(1/0.975) = 11.4.
	if after < 4*before || after < 20 {
		t.Errorf("reclaim events %d before the band worsened, %d after; want about 11 times as many after", before, after)
	}
}

func mustJSON(t *testing.T, r results.Result) []byte {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
