package sim

import (
	"math/rand/v2"

	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/results"
)

// The world's state: servers (instances), meetings as they run, spot
// markets, and newWorld, which prepares them for a run.

// instance states; engine states plus gone.
type instState uint8

const (
	stPending instState = iota
	stBooting
	stReady
	stEnabled
	stCordoned
	stGone
)

type instance struct {
	id       string
	az       string
	typ      *model.InstanceType
	pool     int32 // -1 on-demand
	spot     bool
	tag      string
	maxPrice float64
	state    instState

	launchedAt, runningAt int64 // runningAt -1 until running
	rebalance             bool
	rebalanceAt           int64
	interruption          bool
	terminationAt         int64
	meetingsEnded         bool
	neverBoots            bool // its BBB never comes up
	// warm: of the fleet a warm start opens on, running before the
	// window, so past its first hour as far as AWS's billing goes.
	warm bool
	seq  int // launch order: the instance is the seq-th launched
	// gen counts the slot's occupants: the events of an instance carry
	// it, so that those of an earlier occupant are dropped.
	gen int32

	meetings     []int32
	participants int
	recordings   int
	overloadAt   int64 // overload accounted up to here

	polledLoad float64 // Scalelite's load at the last poll
	loadInc    float64 // creates and joins since
	pollMark   bool    // in world.pollQueue: the next poll reads it
	// firstPoll is the poll (world.polls) from which a server enabled for
	// the first time takes meetings. Scalelite places meetings only on
	// servers in its server_load set, which a new server joins when the
	// poller first reads its load (blindsidenetworks/scalelite
	// app/models/server.rb handle_enabled_state adds the load only "if
	// self.load.present?"; lib/tasks/poll.rake sets it).
	firstPoll int64
	// mult is the server's load_multiplier in Scalelite.
	mult float64
	// tally is the media of the server's meetings (with Options.Load).
	tally model.LoadTally
	// capUsers is the server's capacity in participants for the mix
	// capRho with capRec recordings processing (capacityUsers).
	capRho           float64
	capRec, capUsers int
}

// meeting modes for participant-minute accounting
const (
	modeWaiting   uint8 = iota // not started
	modeServed                 // on a server
	modeDisrupted              // its server died; users rejoining
	modeRejected               // no server would take it
	modeDone
)

// meetingRun is a meeting's state in a run; one per meeting of the trace,
// so its fields are ordered to pack into 40 bytes.
type meetingRun struct {
	created   int64
	since     int64
	server    int32
	slot      int32
	size      int32
	mode      uint8
	large     bool
	disrupted bool // counted once in meetings_disrupted
	rejected  bool // this episode's participants counted as rejected
	episode   int32
	uslot     int32 // position in world.unserved, -1 when not there
	// mediaAt: the meeting's media in the load tallies are those of this
	// time (they change with its size, at its samples).
	mediaAt int64
}

type market struct {
	key          model.MarketKey
	series       *model.PriceSeries
	cursor       model.PriceCursor // the replay's position in series
	price        float64
	failedUntil  int64 // launches fail: no capacity after a reclaim
	unavailUntil int64 // what the controller learnt from failed launches
	rng          *rand.Rand
	perSecond    float64 // reclaim event rate
	reclaims     uint64
	avail        *Availability
	up           bool
	bands        []BandStep // the band over the window, when it changes (poolavailability.go)
}

// crunchGroup is a set of pools that capacity crunches hit together: the
// spot pools of one zone, or all of the region's.
type crunchGroup struct {
	name      string
	markets   []int32
	perSecond float64
	rng       *rand.Rand
	count     uint64
}

type world struct {
	o        *Options
	crunches []crunchGroup
	planner  *engine.Planner
	st       *engine.State
	q        queue
	now      int64
	markets  []market
	insts    []instance
	// freeInsts are slots of instances that are gone, for the next
	// launches; launched counts launches, naming instances i-00000001 on.
	freeInsts []int32
	launched  int
	live      []int32
	enabled   []int32 // the live instances that are enabled, in launch order
	byID      map[string]int32
	meetings  []meetingRun
	next      int // next meeting to start
	launchR   *rand.Rand
	// warming: the window's warm start is launching the fleet already
	// running at its start (warmstart.go).
	warming bool
	// warmFailures counts the warm fleet's launches a pool refused (no
	// capacity, price above the max price): the engine tries elsewhere,
	// and none of it counts as the window's launch failures.
	warmFailures int
	// odUnavail is aligned with the policy's AZs: on-demand launches there
	// found no capacity until then.
	odUnavail []int64
	odShort   []int64 // on-demand launches in the zone fail until then

	// The periodic ticks (ticks.go): when each comes next, and whether it
	// has anything to do.
	nextPoll, nextPlan tick
	planDirty          bool
	// demandDirty: since the last plan only the demand moved (meetings
	// on servers enabled with no notice); the engine's Unmoved may
	// answer for the plan.
	demandDirty bool
	// pollQueue lists the servers the next poll must read (touch).
	pollQueue  []int32
	quietUntil int64 // the engine's: plans before it decide nothing new
	quietKnown bool  // quietUntil is for the last plan
	plannedAt  int64 // the last plan's time
	// joinExpiries are when meetings created since leave their join
	// buffer, in time order from joinHead on.
	joinExpiries []joinExpiry
	joinHead     int
	// joins wait from joinsHead on, in the order they come due.
	joins     []pendingJoin
	joinsHead int

	obs      engine.Observation
	actions  []engine.Action
	guard    *engine.Guard // checks every action, as in live mode
	replans  int           // immediate re-plans at the current time
	replanAt int64
	demand   int
	large    int
	pm       [5]int64 // participant-seconds by mode
	// asked is what the window's meetings ask for (participant-seconds,
	// load-seconds, egress), summed from the trace independently of how
	// they fared, so conservation can be checked (demand.go).
	asked demandTotals
	// unserved lists meetings now disrupted or rejected, so a sample can
	// count their minutes up to now without waiting for them to change.
	unserved []int32
	overload int64 // participant-seconds above capacity
	// overloadAll is participant-seconds on a server above its capacity,
	// everyone on it.
	overloadAll int64
	// polls counts the poller's ticks, carried out or skipped alike.
	polls int64
	// With the load model: the started meetings' media (the demand's
	// mix), and participant-seconds above load capacity.
	demandTally  model.LoadTally
	overloadLoad float64
	capRho       float64        // the mix capTypes are for
	capTypes     []typeCapacity // capacity in participants by type
	lastTally    tallyMemo      // the last meeting tally worked out
	sample       results.Sample
	res          results.Result
}

// newWorld prepares a run; it does not simulate.
func newWorld(o *Options, planner *engine.Planner) *world {
	return newWorldReusing(o, planner, nil)
}

// newWorldReusing is newWorld taking the per-meeting state of a finished
// run (spare) for its own when it is large enough: the baseline after the
// policy's run then needs no second table of a large trace's meetings.
func newWorldReusing(o *Options, planner *engine.Planner, spare []meetingRun) *world {
	meetings := spare
	if cap(meetings) >= len(o.Meetings) {
		meetings = meetings[:len(o.Meetings)]
		clear(meetings)
	} else {
		meetings = make([]meetingRun, len(o.Meetings))
	}
	w := &world{
		o: o, planner: planner,
		st:        engine.NewState(o.Policy.PreWarmWeeks),
		byID:      map[string]int32{},
		meetings:  meetings,
		launchR:   rand.New(rand.NewPCG(o.Seed, 0x1a0c4)),
		lastTally: tallyMemo{meeting: -1},
		insts:     make([]instance, 0, 1024),
	}
	w.odUnavail = make([]int64, len(o.Policy.AZs))
	w.odShort = make([]int64, len(o.Policy.AZs))
	w.obs.OnDemandUnavailableUntil = w.odUnavail
	pools := planner.Pools()
	w.markets = make([]market, len(pools))
	w.obs.Pools = make([]engine.Pool, len(pools))
	for i, k := range pools {
		m := &w.markets[i]
		m.key = k
		m.series = o.Prices[k]
		m.up = true
		// One stream per market: reclaim events in a pool fall at the same
		// times whatever the policy does elsewhere (common random numbers).
		m.rng = rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15^uint64(i+1)*0xbf58476d1ce4e5b9))
		if o.Capacity == CapacityAdvisor {
			w.advisorPool(m) // poolavailability.go
		}
		if h, ok := o.Hazards[k]; ok && o.Capacity == CapacityTrace && h > 0 && o.ReclaimShare > 0 {
			m.perSecond = h * o.HazardMultiplier / o.ReclaimShare / 3600
		}
		if o.Capacity == CapacityTrace {
			m.avail = o.Availability[k]
		}
	}
	if o.Capacity == CapacityAdvisor && (o.ZoneCrunchesPerDay > 0 || o.RegionCrunchesPerDay > 0) && len(w.markets) > 0 {
		// One group per zone (in the policy's zone order), then the region.
		region := crunchGroup{name: "region " + o.Policy.Region, perSecond: o.RegionCrunchesPerDay / 86400}
		for zi, az := range o.Policy.AZs {
			g := crunchGroup{name: "zone " + az, perSecond: o.ZoneCrunchesPerDay / 86400}
			for mi := range w.markets {
				if w.markets[mi].key.AZ == az {
					g.markets = append(g.markets, int32(mi))
				}
			}
			g.rng = rand.New(rand.NewPCG(o.Seed, 0xc7c4<<8^uint64(zi+1)))
			w.crunches = append(w.crunches, g)
		}
		for mi := range w.markets {
			region.markets = append(region.markets, int32(mi))
		}
		region.rng = rand.New(rand.NewPCG(o.Seed, 0xc7c4<<8))
		w.crunches = append(w.crunches, region)
	}
	w.sample.MarketPrices = make([]float64, len(pools))
	return w
}
