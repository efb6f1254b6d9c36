package sim

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/results"
)

const (
	evMeetingStart eventKind = iota
	evMeetingEnd
	evMeetingSize
	evJoin
	evRejoin
	evRecordingDone
	evRunning
	evBooted
	evNotice
	evTerminate
	evPrice
	evReclaim
	evAvailability
	evPoll
	evPlan
	evSample
)

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

	meetings     []int32
	participants int
	recordings   int
	overloadAt   int64 // overload accounted up to here

	polledLoad float64 // Scalelite's load at the last poll
	loadInc    float64 // creates and joins since
}

// meeting modes for participant-minute accounting
const (
	modeWaiting   uint8 = iota // not started
	modeServed                 // on a server
	modeDisrupted              // its server died; users rejoining
	modeRejected               // no server would take it
	modeDone
)

type meetingRun struct {
	server    int32
	slot      int32
	size      int32
	created   int64
	since     int64
	mode      uint8
	large     bool
	disrupted bool // counted once in meetings_disrupted
	rejected  bool // this episode's participants counted as rejected
	episode   int32
	uslot     int32 // position in world.unserved, -1 when not there
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
}

type world struct {
	o        *Options
	planner  *engine.Planner
	st       *engine.State
	q        queue
	now      int64
	markets  []market
	insts    []instance
	live     []int32
	byID     map[string]int32
	meetings []meetingRun
	next     int // next meeting to start
	launchR  *rand.Rand

	obs      engine.Observation
	actions  []engine.Action
	replans  int // immediate re-plans at the current time
	replanAt int64
	demand   int
	large    int
	pm       [5]int64 // participant-seconds by mode
	// demandSeconds is what the meetings asked for, summed from the trace
	// independently of how they fared, so conservation can be checked.
	demandSeconds int64
	// unserved lists meetings now disrupted or rejected, so a sample can
	// count their minutes up to now without waiting for them to change.
	unserved []int32
	overload int64 // participant-seconds above capacity
	sample   results.Sample
	res      results.Result
}

// newWorld prepares a run; it does not simulate.
func newWorld(o *Options, planner *engine.Planner) *world {
	w := &world{
		o: o, planner: planner,
		st:       engine.NewState(o.Policy.PreWarmWeeks),
		byID:     map[string]int32{},
		meetings: make([]meetingRun, len(o.Meetings)),
		launchR:  rand.New(rand.NewPCG(o.Seed, 0x1a0c4)),
		insts:    make([]instance, 0, 1024),
	}
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
		if o.Capacity == CapacityAdvisor && o.ReclaimShare > 0 && o.HazardMultiplier > 0 {
			band := model.BandOver20
			for _, t := range o.Policy.SpotTypes {
				if t.Name == k.InstanceType {
					band = t.Band
				}
			}
			// Each event takes ReclaimShare of the pool on average, so the
			// per-instance hazard is rate x share.
			m.perSecond = band.HourlyHazard() * o.HazardMultiplier / o.ReclaimShare / 3600
		}
		if o.Capacity == CapacityTrace {
			m.avail = o.Availability[k]
		}
	}
	w.sample.MarketPrices = make([]float64, len(pools))
	return w
}

func (w *world) push(t int64, k eventKind, a, b int32) { w.q.push(t, k, a, b) }

// run simulates [From, To) and returns the result.
func (w *world) run() results.Result {
	w.runUntil(w.o.To)
	w.now = w.o.To
	w.finish()
	return w.res
}

// runUntil processes every event before stop.
func (w *world) runUntil(stop int64) {
	o := w.o
	w.now = o.From
	for i := range w.markets {
		m := &w.markets[i]
		m.cursor = m.series.Cursor()
		m.price, _ = m.cursor.At(o.From)
		if next, ok := m.cursor.NextChange(); ok {
			w.push(next, evPrice, int32(i), 0)
		}
		if m.perSecond > 0 {
			w.push(o.From+w.expWait(m), evReclaim, int32(i), 0)
		}
		if m.avail != nil {
			w.push(o.From, evAvailability, int32(i), 0)
		}
	}
	// Meetings of the window, in start order, fed one at a time.
	for w.next < len(o.Meetings) && o.Meetings[w.next].Start < o.From {
		w.meetings[w.next].mode = modeDone
		w.next++
	}
	w.scheduleNextMeeting()
	w.push(o.From, evPoll, 0, 0)
	w.push(o.From, evPlan, 0, 1)
	if o.Recorder != nil && o.SampleInterval > 0 {
		w.push(o.From, evSample, 0, 0)
	}
	for w.q.len() > 0 && w.q.peekTime() < stop {
		e := w.q.pop()
		w.now = e.t
		w.res.Events++
		w.handle(e)
	}
}

func (w *world) expWait(m *market) int64 {
	return int64(m.rng.ExpFloat64()/m.perSecond) + 1
}

func (w *world) scheduleNextMeeting() {
	if w.next < len(w.o.Meetings) {
		w.push(w.o.Meetings[w.next].Start, evMeetingStart, int32(w.next), 0)
	}
}

func (w *world) handle(e event) {
	switch e.kind {
	case evMeetingStart:
		w.meetingStart(e.a)
	case evMeetingEnd:
		w.meetingEnd(e.a)
	case evMeetingSize:
		w.meetingSize(e.a, e.b)
	case evJoin:
		if mr := &w.meetings[e.a]; mr.episode == e.b && mr.mode == modeServed {
			w.insts[mr.server].loadInc += float64(mr.size) * w.o.LoadMultiplier
		}
	case evRejoin:
		if mr := &w.meetings[e.a]; mr.episode == e.b && (mr.mode == modeDisrupted || mr.mode == modeRejected) {
			w.placeOrReject(e.a)
		}
	case evRecordingDone:
		w.insts[e.a].recordings--
	case evRunning:
		in := &w.insts[e.a]
		if in.state == stPending {
			in.state = stBooting
			in.runningAt = w.now
			w.push(w.now+w.o.Policy.BootTime, evBooted, e.a, 0)
		}
	case evBooted:
		if in := &w.insts[e.a]; in.state == stBooting {
			in.state = stReady
			w.replan()
		}
	case evNotice:
		in := &w.insts[e.a]
		if in.state != stGone && !in.interruption {
			w.res.CapacityInterruptions++
			w.notice(e.a)
		}
	case evTerminate:
		if w.insts[e.a].state != stGone {
			w.terminate(e.a, true)
		}
	case evPrice:
		w.priceChange(e.a)
	case evReclaim:
		w.reclaim(e.a)
	case evAvailability:
		w.availability(e.a)
	case evPoll:
		w.poll()
		w.push(w.now+w.o.PollInterval, evPoll, 0, 0)
	case evPlan:
		if e.b == 1 {
			w.push(w.now+w.o.ReconcileInterval, evPlan, 0, 1)
		}
		w.plan()
	case evSample:
		w.recordSample()
		w.push(w.now+w.o.SampleInterval, evSample, 0, 0)
	}
}

// replan asks for a plan at the current time, as the controller does when
// an agent reports a notice or a launch fails; bounded per instant.
func (w *world) replan() {
	if w.replanAt != w.now {
		w.replanAt, w.replans = w.now, 0
	}
	if w.replans < 8 {
		w.replans++
		w.push(w.now, evPlan, 0, 0)
	}
}

// --- meetings and Scalelite ---

func (w *world) account(mr *meetingRun) {
	if dt := w.now - mr.since; dt > 0 {
		w.pm[mr.mode] += int64(mr.size) * dt
	}
	mr.since = w.now
}

// setMode moves a meeting to a new accounting mode, keeping w.unserved.
func (w *world) setMode(i int32, mode uint8) {
	mr := &w.meetings[i]
	was := mr.mode == modeDisrupted || mr.mode == modeRejected
	now := mode == modeDisrupted || mode == modeRejected
	switch {
	case now && !was:
		mr.uslot = int32(len(w.unserved))
		w.unserved = append(w.unserved, i)
	case was && !now:
		last := w.unserved[len(w.unserved)-1]
		w.unserved[mr.uslot] = last
		w.meetings[last].uslot = mr.uslot
		w.unserved = w.unserved[:len(w.unserved)-1]
		mr.uslot = -1
	}
	mr.mode = mode
}

func (w *world) accountOverload(in *instance) {
	if ex := in.participants - in.typ.CapacityUsers; ex > 0 {
		w.overload += int64(ex) * (w.now - in.overloadAt)
	}
	in.overloadAt = w.now
}

func (w *world) meetingStart(i int32) {
	m := &w.o.Meetings[i]
	w.next++
	w.scheduleNextMeeting()
	mr := &w.meetings[i]
	mr.size = int32(m.Participants)
	mr.since = w.now
	mr.server = -1
	// The operator tags a meeting at create time from its expected size.
	mr.large = w.planner.IsLargeMeeting(m.PeakParticipants())
	w.res.MeetingsTotal++
	w.demandSeconds += m.ParticipantSecondsBetween(m.Start, w.o.To)
	w.demand += int(mr.size)
	if mr.large {
		w.large += int(mr.size)
	}
	end := min(m.End, w.o.To)
	w.push(end, evMeetingEnd, i, 0)
	for ci, c := range m.Curve {
		if c.At > m.Start && c.At < end {
			w.push(c.At, evMeetingSize, i, int32(ci))
		} else if c.At <= m.Start {
			w.demandDelta(mr, int32(c.Participants)-mr.size)
			mr.size = int32(c.Participants)
		}
	}
	mr.uslot = -1
	w.setMode(i, modeRejected) // placeOrReject accounts from here
	w.placeOrReject(i)
}

func (w *world) demandDelta(mr *meetingRun, d int32) {
	w.demand += int(d)
	if mr.large {
		w.large += int(d)
	}
}

func (w *world) meetingSize(i, ci int32) {
	mr := &w.meetings[i]
	if mr.mode == modeDone {
		return
	}
	size := int32(w.o.Meetings[i].Curve[ci].Participants)
	w.account(mr)
	w.demandDelta(mr, size-mr.size)
	if mr.mode == modeServed {
		in := &w.insts[mr.server]
		w.accountOverload(in)
		in.participants += int(size - mr.size)
		if size > mr.size {
			in.loadInc += float64(size-mr.size) * w.o.LoadMultiplier
		}
	}
	mr.size = size
}

// place finds a server as Scalelite does: the enabled server with the
// lowest load (as of the last poll, plus one per create or join since);
// a tagged meeting prefers servers with its tag and falls back to untagged
// ones; an untagged meeting takes only untagged servers.
func (w *world) place(mr *meetingRun) int32 {
	wantTag := ""
	if mr.large {
		wantTag = model.LargeMeetingTag
	}
	best, fallback := int32(-1), int32(-1)
	var bestLoad, fbLoad float64
	for _, idx := range w.live {
		in := &w.insts[idx]
		if in.state != stEnabled {
			continue
		}
		load := in.polledLoad + in.loadInc
		switch in.tag {
		case wantTag:
			if best < 0 || load < bestLoad {
				best, bestLoad = idx, load
			}
		case "":
			if fallback < 0 || load < fbLoad {
				fallback, fbLoad = idx, load
			}
		}
	}
	if best < 0 {
		return fallback
	}
	return best
}

// placeOrReject (re-)creates a meeting; with no server, users retry after
// the rejoin delay and the minutes in between are rejected.
func (w *world) placeOrReject(i int32) {
	mr := &w.meetings[i]
	w.account(mr)
	s := w.place(mr)
	if s < 0 {
		if !mr.rejected {
			mr.rejected = true
			w.res.ParticipantsRejected += int(mr.size)
		}
		w.setMode(i, modeRejected)
		w.push(w.now+max(w.o.RejoinDelay, 1), evRejoin, i, mr.episode)
		return
	}
	in := &w.insts[s]
	w.accountOverload(in)
	w.setMode(i, modeServed)
	mr.server = s
	mr.slot = int32(len(in.meetings))
	mr.created = w.now
	mr.rejected = false
	in.meetings = append(in.meetings, i)
	in.participants += int(mr.size)
	in.loadInc += w.o.LoadMultiplier // the create
	w.push(w.now+w.o.JoinDelay, evJoin, i, mr.episode)
}

// detach takes a meeting off its server.
func (w *world) detach(i int32) *instance {
	mr := &w.meetings[i]
	in := &w.insts[mr.server]
	w.accountOverload(in)
	last := in.meetings[len(in.meetings)-1]
	in.meetings[mr.slot] = last
	w.meetings[last].slot = mr.slot
	in.meetings = in.meetings[:len(in.meetings)-1]
	in.participants -= int(mr.size)
	mr.server = -1
	return in
}

func (w *world) meetingEnd(i int32) {
	mr := &w.meetings[i]
	m := &w.o.Meetings[i]
	w.account(mr)
	if mr.mode == modeServed {
		server := mr.server
		in := w.detach(i)
		if m.Recorded && w.o.RecordingProcessing > 0 {
			// Processing runs on the meeting's server: its raw files are there.
			in.recordings++
			w.push(w.now+int64(float64(m.Duration())*w.o.RecordingProcessing)+1, evRecordingDone, server, 0)
		}
	}
	w.demandDelta(mr, -mr.size)
	w.setMode(i, modeDone)
	mr.episode++
}

// disrupt ends a meeting on a dying server; its users rejoin after delay.
func (w *world) disrupt(i int32, delay int64) {
	mr := &w.meetings[i]
	w.account(mr)
	w.detach(i)
	if w.o.Meetings[i].Recorded {
		w.res.RecordingsLost++
	}
	if !mr.disrupted {
		mr.disrupted = true
		w.res.MeetingsDisrupted++
	}
	w.res.ParticipantsDisrupted += int(mr.size)
	w.setMode(i, modeDisrupted)
	mr.episode++
	w.push(w.now+max(delay, 1), evRejoin, i, mr.episode)
}

// poll refreshes every server's load as Scalelite's poller does.
func (w *world) poll() {
	o := w.o
	for _, idx := range w.live {
		in := &w.insts[idx]
		load := 0
		for _, mi := range in.meetings {
			mr := &w.meetings[mi]
			n := int(mr.size)
			if w.now-mr.created < o.LoadJoinBufferTime && n < o.LoadMinUserCount {
				n = o.LoadMinUserCount
			}
			load += n + w.o.Meetings[mi].Moderators
		}
		in.polledLoad = float64(load) * o.LoadMultiplier
		in.loadInc = 0
	}
}

// --- markets and AWS ---

func (w *world) priceChange(mi int32) {
	m := &w.markets[mi]
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
	w.record(results.Record{Kind: "price", Market: m.key.String(), Detail: fmt.Sprintf("%.4f", p)})
}

// reclaim is one capacity event in a pool: AWS takes back a random share
// of the pool's instances. Victims get a rebalance recommendation with
// the configured probability now, and the interruption notice after the
// rebalance lead.
func (w *world) reclaim(mi int32) {
	m := &w.markets[mi]
	m.reclaims++
	share := math.Min(1, 2*w.o.ReclaimShare*m.rng.Float64())
	w.push(w.now+w.expWait(m), evReclaim, mi, 0)
	// New launches into the pool fail while AWS is short of it.
	m.failedUntil = w.now + w.o.RebalanceLead + 1800
	// A sub-stream per event keeps the market's own stream in step across
	// policies with different numbers of victims.
	ev := rand.New(rand.NewPCG(w.o.Seed^m.reclaims, uint64(mi)+0x51ab))
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
			w.record(results.Record{Kind: "rebalance", Server: in.id, Market: m.key.String()})
		}
		w.push(w.now+w.o.RebalanceLead, evNotice, idx, 0)
	}
	if hit > 0 {
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
	if next := (off/m.avail.GapSeconds + 1) * m.avail.GapSeconds; next/m.avail.GapSeconds < int64(len(m.avail.Data)) {
		w.push(w.o.From+next, evAvailability, mi, 0)
	}
}

// notice is AWS's two-minute interruption notice.
func (w *world) notice(idx int32) {
	in := &w.insts[idx]
	in.interruption = true
	in.terminationAt = w.now + NoticeLead
	w.res.Interruptions++
	w.push(in.terminationAt, evTerminate, idx, 0)
	w.record(results.Record{Kind: "interruption-notice", Server: in.id, Market: w.marketName(in)})
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
	in.state = stGone
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
	w.record(results.Record{Kind: kind, Server: in.id, Market: w.marketName(in)})
}

// bill charges an instance from running to end: per second, spot at the
// price in effect, on-demand with a 60 s minimum; a spot instance AWS
// interrupts in its first hour is free.
func (w *world) bill(in *instance, end int64, byAWS bool) {
	if in.runningAt < 0 || end <= in.runningAt {
		return
	}
	dur := end - in.runningAt
	hours := float64(dur) / 3600
	if !in.spot {
		w.res.OnDemandCostUSD += in.typ.OnDemandUSDPerHour * float64(max(dur, 60)) / 3600
		w.res.InstanceHoursOnDemand += hours
		return
	}
	w.res.InstanceHoursSpot += hours
	if byAWS && dur < 3600 {
		w.res.FreeInterruptedHours += hours
		return
	}
	c, err := w.markets[in.pool].series.Cost(in.runningAt, end)
	if err != nil {
		panic(err) // checked before simulating: every pool has a price at From
	}
	w.res.SpotCostUSD += c
}

// --- the controller ---

// observe refreshes the observation. obs.Servers stays aligned with
// w.live (launch appends, terminate removes), so only what changes is
// written here, not the server's strings.
func (w *world) observe() *engine.Observation {
	o := &w.obs
	for k, idx := range w.live {
		in := &w.insts[idx]
		s := &o.Servers[k]
		s.State = engine.ServerState(in.state)
		s.Participants, s.Meetings, s.Recordings = in.participants, len(in.meetings), in.recordings
		if in.spot {
			s.USDPerHour = w.markets[in.pool].price
		}
		s.Rebalance, s.RebalanceAt = in.rebalance, in.rebalanceAt
		s.Interruption, s.TerminationAt, s.MeetingsEnded = in.interruption, in.terminationAt, in.meetingsEnded
	}
	for i := range w.markets {
		o.Pools[i] = engine.Pool{USDPerHour: w.markets[i].price, UnavailableUntil: w.markets[i].unavailUntil}
	}
	o.Participants, o.LargeParticipants = w.demand, w.large
	return o
}

func (w *world) plan() {
	obs := w.observe()
	w.actions = w.planner.Plan(w.now, obs, w.st, w.actions[:0])
	for k := range w.actions {
		w.apply(&w.actions[k])
	}
	if n := len(w.live); n > w.res.PeakServers {
		w.res.PeakServers = n
	}
}

func (w *world) apply(a *engine.Action) {
	switch a.Kind {
	case engine.Launch:
		for range a.Count {
			w.launch(a)
		}
		return
	}
	idx, ok := w.byID[a.Server]
	if !ok {
		return
	}
	in := &w.insts[idx]
	switch a.Kind {
	case engine.Enable:
		if in.state == stReady || in.state == stCordoned {
			in.state = stEnabled
		}
	case engine.Cordon:
		if in.state != stGone {
			in.state = stCordoned
		}
	case engine.EndMeetings:
		in.meetingsEnded = true
		for len(in.meetings) > 0 {
			w.disrupt(in.meetings[len(in.meetings)-1], w.o.RejoinDelayAfterEnd)
		}
	case engine.Terminate:
		w.terminate(idx, false)
		return
	}
	w.record(results.Record{Kind: a.Kind.String(), Server: a.Server, Detail: a.Reason})
}

func (w *world) launch(a *engine.Action) {
	var typ *model.InstanceType
	pol := &w.o.Policy
	if a.Spot {
		m := &w.markets[a.Pool]
		failed := m.price > a.MaxPrice || !m.up || w.now < m.failedUntil || w.launchR.Float64() < w.o.LaunchFailure
		if failed {
			m.unavailUntil = w.now + pol.UnavailableFor
			w.res.LaunchFailures++
			w.record(results.Record{Kind: "launch-failed", Market: m.key.String(), Detail: "InsufficientInstanceCapacity"})
			w.replan()
			return
		}
		for k := range pol.SpotTypes {
			if pol.SpotTypes[k].Name == a.Type {
				typ = &pol.SpotTypes[k]
			}
		}
	} else {
		typ = &pol.OnDemandType
	}
	idx := int32(len(w.insts))
	w.insts = append(w.insts, instance{
		id: fmt.Sprintf("i-%08d", idx+1), az: a.AZ, typ: typ, pool: int32(a.Pool), spot: a.Spot, tag: a.Tag,
		maxPrice: a.MaxPrice, state: stPending, launchedAt: w.now, runningAt: -1, overloadAt: w.now,
	})
	in := &w.insts[idx]
	w.byID[in.id] = idx
	w.live = append(w.live, idx)
	w.obs.Servers = append(w.obs.Servers, engine.Server{
		ID: in.id, Type: typ.Name, AZ: a.AZ, Pool: a.Pool, Spot: a.Spot, Tag: a.Tag,
		CapacityUsers: typ.CapacityUsers, LaunchedAt: w.now, USDPerHour: typ.OnDemandUSDPerHour,
	})
	w.res.Launches++
	w.push(w.now+pol.LaunchToRunning, evRunning, idx, 0)
	w.record(results.Record{Kind: "launch", Server: w.insts[idx].id, Market: w.marketName(&w.insts[idx]), Detail: a.Reason})
}

func (w *world) record(r results.Record) {
	if w.o.Recorder != nil {
		r.Time = w.now
		w.o.Recorder.Event(r)
	}
}

func (w *world) recordSample() {
	s := &w.sample
	s.Time, s.Demand, s.Capacity, s.CostUSDPerH = w.now, w.demand, 0, 0
	s.CapacitySpot, s.CapacityOnDemand = 0, 0
	s.SpotServers, s.ODServers = [5]int{}, [5]int{}
	for _, idx := range w.live {
		in := &w.insts[idx]
		if in.state == stEnabled {
			s.Capacity += in.typ.CapacityUsers
			if in.spot {
				s.CapacitySpot += in.typ.CapacityUsers
			} else {
				s.CapacityOnDemand += in.typ.CapacityUsers
			}
		}
		if in.spot {
			s.SpotServers[in.state]++
			if in.runningAt >= 0 {
				s.CostUSDPerH += w.markets[in.pool].price
			}
		} else {
			s.ODServers[in.state]++
			if in.runningAt >= 0 {
				s.CostUSDPerH += in.typ.OnDemandUSDPerHour
			}
		}
	}
	for i := range w.markets {
		s.MarketPrices[i] = w.markets[i].price
	}
	// Cumulative figures as if the run ended now: billed plus accrued.
	s.CumCostUSD = w.res.SpotCostUSD + w.res.OnDemandCostUSD
	for _, idx := range w.live {
		s.CumCostUSD += w.accrued(&w.insts[idx])
	}
	pending := [5]int64{}
	for _, mi := range w.unserved {
		mr := &w.meetings[mi]
		pending[mr.mode] += int64(mr.size) * (w.now - mr.since)
	}
	s.CumDisruptedMinutes = float64(w.pm[modeDisrupted]+pending[modeDisrupted]) / 60
	s.CumRejectedMinutes = float64(w.pm[modeRejected]+pending[modeRejected]) / 60
	s.CumParticipantsRejected = w.res.ParticipantsRejected
	s.CumInterruptions = w.res.Interruptions
	s.CumRebalances = w.res.RebalanceRecommendations
	w.o.Recorder.Sample(s)
}

// accrued is what a live instance has cost so far, billed as if it ended
// now by our hand.
func (w *world) accrued(in *instance) float64 {
	if in.runningAt < 0 || w.now <= in.runningAt {
		return 0
	}
	if !in.spot {
		return in.typ.OnDemandUSDPerHour * float64(max(w.now-in.runningAt, 60)) / 3600
	}
	c, _ := w.markets[in.pool].series.Cost(in.runningAt, w.now)
	return c
}

// finish closes the books at the window's end.
func (w *world) finish() {
	if w.o.Recorder != nil && w.o.SampleInterval > 0 {
		w.recordSample() // the totals at the window's end close on the result
	}
	for i := range w.meetings {
		mr := &w.meetings[i]
		if mr.mode != modeDone && mr.mode != modeWaiting {
			w.account(mr)
		}
		if mr.mode == modeServed && w.insts[mr.server].state == stGone {
			w.res.MeetingsOnTerminated++
		}
	}
	for _, idx := range w.live {
		in := &w.insts[idx]
		w.accountOverload(in)
		w.bill(in, w.now, false)
	}
	r := &w.res
	r.ParticipantMinutesServed = float64(w.pm[modeServed]) / 60
	r.ParticipantMinutesDisrupted = float64(w.pm[modeDisrupted]) / 60
	r.ParticipantMinutesRejected = float64(w.pm[modeRejected]) / 60
	r.ParticipantMinutesTotal = float64(w.demandSeconds) / 60
	r.OverloadedParticipantMinutes = float64(w.overload) / 60
	r.PolicyCostUSD = r.SpotCostUSD + r.OnDemandCostUSD
	if r.ParticipantMinutesTotal > 0 {
		r.AvailabilityPct = 100 * (r.ParticipantMinutesServed - r.OverloadedParticipantMinutes) / r.ParticipantMinutesTotal
	} else {
		r.AvailabilityPct = 100
	}
	r.Seed = w.o.Seed
}
