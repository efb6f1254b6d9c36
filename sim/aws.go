package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/results"
)

// AWS: spot prices, capacity reclaims and availability traces, rebalance
// recommendations and interruption notices, launches and terminations.

func (w *world) expWait(m *market) int64 {
	return waitSeconds(m.rng.ExpFloat64() / m.perSecond)
}

// maxWait bounds a drawn wait: about 140 million years, past any window,
// and small enough that a time plus it cannot overflow.
const maxWait = 1 << 52

// waitSeconds turns a drawn wait in seconds into the whole seconds until
// the event, at least 1. A rate so low that the wait exceeds int64 (a
// hazard multiplier of 1e-12, a false-alarm rate near 0) must still land
// after the window: converting such a float to int64 is
// implementation-defined in Go and gives math.MinInt64 on amd64, an event
// before the window that sent the clock back to 1970 minus 292 billion
// years.
func waitSeconds(x float64) int64 {
	if !(x < maxWait) { // also +Inf and NaN
		return maxWait
	}
	return int64(x) + 1
}

// scheduleFalseRebalance schedules a running spot instance's next false
// rebalance recommendation, drawn from the instance's own stream so that
// the draw does not shift any other.
func (w *world) scheduleFalseRebalance(idx int32) {
	in := &w.insts[idx]
	r := rand.New(rand.NewPCG(w.o.Seed^0x5eba1a4ce, uint64(w.now)<<20^uint64(idx)<<8^uint64(uint32(in.gen))))
	w.push(w.now+waitSeconds(r.ExpFloat64()/w.o.RebalanceFalseAlarms*86400), evFalseRebalance, idx, in.gen)
}

func (w *world) priceChange(mi int32) {
	m := &w.markets[mi]
	// A price change event comes from the series itself, so a price is
	// known now: At's "known" flag cannot be false here.
	p, _ := m.cursor.At(w.now)
	m.price = p
	if next, ok := m.cursor.NextChange(); ok {
		w.push(next, evPrice, mi, 0)
	}
	for _, idx := range w.live {
		in := &w.insts[idx]
		if in.spot && in.pool == mi && !in.interruption && p > in.maxPrice {
			w.res.PriceInterruptions++
			w.notice(idx)
		}
	}
	if w.o.Recorder != nil {
		w.record(results.Record{Kind: "price", Market: m.key.String(), Detail: fmt.Sprintf("%.4f", p)})
	}
}

// reclaim is one capacity event in a pool: AWS takes back a random share
// of the pool's instances. Victims get a rebalance recommendation with
// the configured probability now, and the interruption notice after the
// rebalance lead.
func (w *world) reclaim(mi int32) {
	m := &w.markets[mi]
	if !w.reclaimHolds(m) {
		w.push(w.now+w.expWait(m), evReclaim, mi, 0)
		return
	}
	m.reclaims++
	share := math.Min(1, 2*w.o.ReclaimShare*m.rng.Float64())
	w.push(w.now+w.expWait(m), evReclaim, mi, 0)
	// A sub-stream per event keeps the market's own stream in step across
	// policies with different numbers of victims.
	w.reclaimPool(mi, share, rand.New(rand.NewPCG(w.o.Seed^m.reclaims, uint64(mi)+0x51ab)), "")
}

// crunch is a capacity crunch across a group of pools: every spot pool of
// one zone, or of the region. Each pool loses a random share (mean
// CrunchShare) of its spot instances at the same moment.
func (w *world) crunch(gi int32) {
	g := &w.crunches[gi]
	g.count++
	w.res.Crunches++
	w.push(w.now+waitSeconds(g.rng.ExpFloat64()/g.perSecond), evCrunch, gi, 0)
	for _, mi := range g.markets {
		share := math.Min(1, 2*w.o.CrunchShare*g.rng.Float64())
		w.reclaimPool(mi, share, rand.New(rand.NewPCG(w.o.Seed^g.count, uint64(mi)<<16^uint64(gi)+0xc7c4)), g.name)
	}
}

// reclaimPool takes back a share of one pool's spot instances now; why
// names a crunch ("" for the pool's own reclaim events).
func (w *world) reclaimPool(mi int32, share float64, ev *rand.Rand, why string) {
	m := &w.markets[mi]
	// New launches into the pool fail while AWS is short of it.
	m.failedUntil = w.now + w.o.RebalanceLead + 1800
	hit := 0
	for _, idx := range w.live {
		in := &w.insts[idx]
		if !in.spot || in.pool != mi || in.interruption || ev.Float64() >= share {
			continue
		}
		hit++
		if !in.rebalance && ev.Float64() < w.o.RebalanceProbability {
			in.rebalance = true
			in.rebalanceAt = w.now
			w.res.RebalanceRecommendations++
			if w.o.Recorder != nil {
				w.record(results.Record{Kind: "rebalance", Server: in.id, Market: m.key.String()})
			}
		}
		w.push(w.now+w.o.RebalanceLead, evNotice, idx, in.gen)
	}
	if w.o.Recorder != nil {
		w.record(results.Record{Kind: "reclaim", Market: m.key.String(), Count: hit, Detail: why})
	}
	if hit > 0 {
		// What the engine sees changed (rebalance flags now, notices
		// later): a reconcile at this very second, before the re-plan
		// comes, plans too.
		w.planDirty = true
		w.replan()
	}
}

func (w *world) availability(mi int32) {
	m := &w.markets[mi]
	off := w.now - w.o.From
	up := m.avail.Up(off)
	if m.up && !up {
		for _, idx := range w.live {
			in := &w.insts[idx]
			if in.spot && in.pool == mi && !in.interruption {
				w.res.CapacityInterruptions++
				w.notice(idx)
			}
		}
	}
	m.up = up
	if next, ok := m.avail.nextChange(off); ok {
		w.push(w.o.From+next, evAvailability, mi, 0)
	}
}

// notice is AWS's two-minute interruption notice.
func (w *world) notice(idx int32) {
	in := &w.insts[idx]
	in.interruption = true
	in.terminationAt = w.now + NoticeLead
	w.planDirty = true // as reclaimPool: a reconcile before the re-plan plans
	w.res.Interruptions++
	w.push(in.terminationAt, evTerminate, idx, in.gen)
	if w.o.Recorder != nil {
		w.record(results.Record{Kind: "interruption-notice", Server: in.id, Market: w.marketName(in)})
	}
	w.replan()
	// The agent ends meetings shortly before termination when told to;
	// a plan at that moment lets the engine decide.
	if w.o.Policy.OnInterruption == model.InterruptionEndMeetings {
		w.push(in.terminationAt-w.o.Policy.EndMeetingsBefore, evPlan, 0, 0)
	}
}

func (w *world) marketName(in *instance) string {
	if in.pool >= 0 {
		return w.markets[in.pool].key.String()
	}
	return "on-demand"
}

func (w *world) launch(a *engine.Action) {
	var typ *model.InstanceType
	pol := &w.o.Policy
	if a.Spot {
		m := &w.markets[a.Pool]
		// The warm fleet (warmstart.go) is already running: the random
		// failures of launching it are in the past.
		failed := m.price > a.MaxPrice || !m.up || w.now < m.failedUntil || (!w.warming && w.launchR.Float64() < w.o.LaunchFailure)
		if failed {
			m.unavailUntil = w.now + pol.UnavailableFor
			if w.warming {
				// Before the window: the engine went elsewhere then.
				w.warmFailures++
			} else {
				w.res.LaunchFailures++
				if w.o.Recorder != nil {
					w.record(results.Record{Kind: "launch-failed", Market: m.key.String(), Detail: "InsufficientInstanceCapacity"})
				}
			}
			w.replan()
			return
		}
		t, ok := pol.Type(a.Type)
		if !ok {
			// The engine launches only the policy's types.
			panic(fmt.Sprintf("sim: the engine launched %s, which is not one of the policy's types", a.Type))
		}
		typ = &t
	} else {
		typ = &pol.OnDemandType
		// Drawn only when the model is on, so the launch stream (and
		// every result) stays as it was without it.
		k := slices.Index(pol.AZs, a.AZ)
		if w.o.OnDemandLaunchFailure > 0 && k >= 0 && !w.warming && (w.now < w.odShort[k] || w.launchR.Float64() < w.o.OnDemandLaunchFailure) {
			// A zone short of capacity stays short for a while, as a pool
			// does after a reclaim: retrying it at once fails again.
			if w.now >= w.odShort[k] {
				w.odShort[k] = w.now + 1800
			}
			w.odUnavail[k] = w.now + pol.UnavailableFor
			w.res.LaunchFailures++
			if w.o.Recorder != nil {
				w.record(results.Record{Kind: "launch-failed", Market: "on-demand " + a.AZ, Detail: "InsufficientInstanceCapacity"})
			}
			w.replan()
			return
		}
	}
	w.launched++
	idx := w.newInstance(instance{
		id: instanceID(w.launched), seq: w.launched, az: a.AZ, typ: typ, pool: int32(a.Pool), spot: a.Spot, tag: a.Tag,
		maxPrice: a.MaxPrice, state: stPending, launchedAt: w.now, runningAt: -1, overloadAt: w.now,
		mult: w.scaleliteMultiplier(typ),
	})
	in := &w.insts[idx]
	in.neverBoots = w.o.BootFailure > 0 && !w.warming && w.launchR.Float64() < w.o.BootFailure
	w.byID[in.id] = idx
	w.live = append(w.live, idx)
	w.obs.Servers = append(w.obs.Servers, engine.Server{
		ID: in.id, Type: typ.Name, AZ: a.AZ, Pool: a.Pool, Spot: a.Spot, Tag: a.Tag,
		CapacityUsers: typ.CapacityUsers, LaunchedAt: w.now, USDPerHour: typ.OnDemandUSDPerHour,
	})
	w.res.Launches++
	if w.warming {
		w.warmServer(idx)
	} else {
		w.push(w.now+pol.LaunchToRunning, evRunning, idx, in.gen)
	}
	if w.o.Recorder != nil {
		w.record(results.Record{Kind: "launch", Server: w.insts[idx].id, Market: w.marketName(&w.insts[idx]), Detail: a.Reason})
	}
}

// instanceID is fmt.Sprintf("i-%08d", n), without fmt.
func instanceID(n int) string {
	b := make([]byte, 0, 16)
	b = append(b, "i-"...)
	for w := 10_000_000; w > 1 && n < w; w /= 10 {
		b = append(b, '0')
	}
	return string(strconv.AppendInt(b, int64(n), 10))
}

// reuseInstanceSlots is off only in tests that compare both ways.
var reuseInstanceSlots = true

// newInstance places an instance in the slot of one that is gone, or a
// new slot: a year launches tens of thousands of servers, of which a
// hundred live at a time. A reused slot keeps its meetings' buffer and
// counts one generation more, so events of the earlier occupant are told
// apart (instanceEvent).
func (w *world) newInstance(in instance) int32 {
	if n := len(w.freeInsts); n > 0 && reuseInstanceSlots {
		idx := w.freeInsts[n-1]
		w.freeInsts = w.freeInsts[:n-1]
		old := &w.insts[idx]
		in.gen, in.meetings = old.gen+1, old.meetings[:0]
		*old = in
		return idx
	}
	w.insts = append(w.insts, in)
	return int32(len(w.insts) - 1)
}

// terminate ends an instance: by AWS (byAWS) or by the engine's action.
func (w *world) terminate(idx int32, byAWS bool) {
	in := &w.insts[idx]
	if !byAWS && (len(in.meetings) > 0 || in.recordings > 0) {
		w.res.UnsafeTerminations++
	}
	for len(in.meetings) > 0 {
		w.disrupt(in.meetings[len(in.meetings)-1], w.o.RejoinDelay)
	}
	w.res.RecordingsLost += in.recordings
	in.recordings = 0
	w.accountOverload(in)
	w.bill(in, w.now, byAWS)
	w.setState(idx, stGone)
	for k, l := range w.live {
		if l == idx {
			w.live = append(w.live[:k], w.live[k+1:]...)
			w.obs.Servers = append(w.obs.Servers[:k], w.obs.Servers[k+1:]...)
			break
		}
	}
	delete(w.byID, in.id)
	kind := "terminate"
	if byAWS {
		kind = "interrupted"
	}
	if w.o.Recorder != nil {
		w.record(results.Record{Kind: kind, Server: in.id, Market: w.marketName(in)})
	}
	w.freeInsts = append(w.freeInsts, idx) // the next launch may take the slot
}
