package emulate

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/scalite/scalite/model"
)

// EC2 emulates the EC2 Query API for the calls Scalite makes: RunInstances
// (ClientToken idempotency, spot options, tags at launch), DescribeInstances
// (filters, pages), TerminateInstances, CreateTags and
// DescribeSpotPriceHistory. It shows what moto cannot: a repeated client
// token answered with the original reservation, eventual consistency,
// the lifecycle's timing, launch errors per pool and market, throttling,
// and spot interruptions.
type EC2 struct {
	// Clock is the emulator's time (default time.Now).
	Clock func() time.Time
	// RunningAfter is how long an instance stays pending.
	RunningAfter time.Duration
	// ShuttingDownFor is how long a terminated instance stays
	// shutting-down before it is terminated.
	ShuttingDownFor time.Duration
	// TerminatedVisibleFor is how long a terminated instance still shows
	// in DescribeInstances ("about an hour", EC2 User Guide, "Terminate
	// Amazon EC2 instances"); after it the ID is InvalidInstanceID.NotFound.
	// Its client token still answers for at least 24 hours (kept forever
	// here).
	TerminatedVisibleFor time.Duration
	// Prices feed DescribeSpotPriceHistory and spot launches' price check.
	Prices map[model.MarketKey]*model.PriceSeries
	// DescribeLag hides a new instance from every call naming it or
	// listing it (DescribeInstances, TerminateInstances, CreateTags) for
	// this long after launch; DescribeStagger delays the k-th instance
	// of one launch k×DescribeStagger more. EC2's API is eventually
	// consistent (EC2 Developer Guide, "Eventual consistency in the Amazon
	// EC2 API": a new instance's ID may be InvalidInstanceID.NotFound).
	DescribeLag, DescribeStagger time.Duration

	mu           sync.Mutex
	insts        map[string]*ec2Instance
	order        []string
	reservations []*ec2Res
	byToken      map[string]*ec2Res
	nextID       int
	faults       map[launchKey]*launchFault
	throttle     int
	stalls       int
	stallFor     time.Duration
	launched     int
	requestID    int
}

// Market is a purchase option a launch error can be injected for.
type Market string

const (
	// MarketAny matches spot and on-demand launches.
	MarketAny Market = ""
	// MarketSpot is InstanceMarketOptions.MarketType=spot.
	MarketSpot Market = "spot"
	// MarketOnDemand is a launch without spot market options.
	MarketOnDemand Market = "on-demand"
)

type launchKey struct {
	pool   model.MarketKey
	market Market
}

type launchFault struct {
	code string
	left int // < 0: until cleared
}

// ec2Res is one reservation: the instances of one RunInstances call, its
// client token and the parameters it was made with.
type ec2Res struct {
	id, token, fingerprint string
	ids                    []string
}

type ec2Instance struct {
	id, typ, az   string
	spot          bool
	launched      time.Time
	visibleAt     time.Time
	launchIndex   int
	reservationID string
	token         string
	// terminating is when shutting-down began (zero: not terminated).
	terminating time.Time
	reason      *ec2StateReason
	tags        map[string]string
	tagOrder    []string
}

// NewEC2 returns an empty emulated region.
func NewEC2() *EC2 {
	return &EC2{Clock: time.Now, TerminatedVisibleFor: time.Hour, insts: map[string]*ec2Instance{},
		byToken: map[string]*ec2Res{}, faults: map[launchKey]*launchFault{}}
}

func (e *EC2) now() time.Time {
	if e.Clock == nil {
		return time.Now()
	}
	return e.Clock()
}

// stateCodes are the instance state codes (EC2 API Reference, InstanceState).
var stateCodes = map[string]int{"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}

// state is the instance's state at now: pending until RunningAfter has
// passed, then running; after a termination shutting-down for
// ShuttingDownFor, then terminated (EC2 User Guide, "Amazon EC2 instance
// state changes").
func (e *EC2) state(in *ec2Instance, now time.Time) string {
	switch {
	case !in.terminating.IsZero() && now.Before(in.terminating.Add(e.ShuttingDownFor)):
		return "shutting-down"
	case !in.terminating.IsZero():
		return "terminated"
	case now.Before(in.launched.Add(e.RunningAfter)):
		return "pending"
	}
	return "running"
}

// visible says whether calls naming the instance see it: past the
// describe lag, and not terminated longer than TerminatedVisibleFor.
func (e *EC2) visible(in *ec2Instance, now time.Time) bool {
	if now.Before(in.visibleAt) {
		return false
	}
	if !in.terminating.IsZero() && e.TerminatedVisibleFor > 0 &&
		!now.Before(in.terminating.Add(e.ShuttingDownFor).Add(e.TerminatedVisibleFor)) {
		return false
	}
	return true
}

// RefuseCapacity makes the next n launches into a pool (either market)
// fail with InsufficientInstanceCapacity (n < 0: until told otherwise,
// 0: clears it).
func (e *EC2) RefuseCapacity(k model.MarketKey, n int) {
	e.FailLaunches(k, MarketAny, "InsufficientInstanceCapacity", n)
}

// FailLaunches makes the next n launches into a pool and market fail with
// an EC2 error code (n < 0: until told otherwise; 0 clears it). Codes the
// emulator words as AWS does: InsufficientInstanceCapacity, Unsupported,
// InstanceLimitExceeded, InsufficientFreeAddressesInSubnet,
// RequestLimitExceeded, VcpuLimitExceeded, MaxSpotInstanceCountExceeded,
// SpotMaxPriceTooLow; any other is a 400 with a generic message.
func (e *EC2) FailLaunches(k model.MarketKey, market Market, code string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	key := launchKey{k, market}
	if n == 0 {
		delete(e.faults, key)
		return
	}
	e.faults[key] = &launchFault{code: code, left: n}
}

// Throttle makes the next n calls fail with RequestLimitExceeded.
func (e *EC2) Throttle(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.throttle = n
}

// Stall makes the next n calls answer only after d, to test timeouts. A
// stalled RunInstances still launches, as a real one whose answer is lost.
func (e *EC2) Stall(n int, d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stalls, e.stallFor = n, d
}

// Interrupt reclaims a spot instance as AWS does: shutting-down, then
// terminated, with the state reason Server.SpotInstanceTermination (EC2
// User Guide, "Spot Instance interruptions"; EC2 API Reference,
// StateReason, https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_StateReason.html).
func (e *EC2) Interrupt(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if in, ok := e.insts[id]; ok && in.terminating.IsZero() {
		in.terminating = e.now()
		in.reason = &ec2StateReason{Code: "Server.SpotInstanceTermination", Message: "Server.SpotInstanceTermination: Spot instance termination"}
	}
}

// Launched counts the instances created so far.
func (e *EC2) Launched() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.launched
}

// Reservations counts the reservations (successful RunInstances calls
// that created instances, and AddInstance calls).
func (e *EC2) Reservations() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.reservations)
}

// LaunchesByToken returns the instance IDs created under a client token.
func (e *EC2) LaunchesByToken(token string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r, ok := e.byToken[token]; ok {
		return append([]string(nil), r.ids...)
	}
	return nil
}

// RunningSince is when an instance started running, if it is running.
func (e *EC2) RunningSince(id string) (time.Time, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	in, ok := e.insts[id]
	if !ok || e.state(in, e.now()) != "running" {
		return time.Time{}, false
	}
	return in.launched.Add(e.RunningAfter), true
}

// State is an instance's state now ("" when unknown), whatever the
// describe lag.
func (e *EC2) State(id string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if in, ok := e.insts[id]; ok {
		return e.state(in, e.now())
	}
	return ""
}

// Tags returns an instance's tags (nil when unknown).
func (e *EC2) Tags(id string) map[string]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	in, ok := e.insts[id]
	if !ok {
		return nil
	}
	out := make(map[string]string, len(in.tags))
	for k, v := range in.tags {
		out[k] = v
	}
	return out
}

// Live lists pending and running instances, by ID, in launch order.
func (e *EC2) Live() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	var out []string
	for _, id := range e.order {
		if st := e.state(e.insts[id], now); st == "pending" || st == "running" {
			out = append(out, id)
		}
	}
	return out
}

func (in *ec2Instance) setTag(k, v string) {
	if _, ok := in.tags[k]; !ok {
		in.tagOrder = append(in.tagOrder, k)
	}
	in.tags[k] = v
}

// newInstance creates an instance in a reservation. Holds mu.
func (e *EC2) newInstance(typ, az string, spot bool, launched time.Time, index int, res *ec2Res) *ec2Instance {
	e.nextID++
	in := &ec2Instance{id: fmt.Sprintf("i-%017x", e.nextID), typ: typ, az: az, spot: spot, launched: launched,
		visibleAt: launched.Add(e.DescribeLag + time.Duration(index)*e.DescribeStagger), launchIndex: index,
		reservationID: res.id, token: res.token, tags: map[string]string{}}
	e.insts[in.id] = in
	e.order = append(e.order, in.id)
	res.ids = append(res.ids, in.id)
	e.launched++
	return in
}

// newReservation records a reservation. Holds mu.
func (e *EC2) newReservation(token, fingerprint string) *ec2Res {
	res := &ec2Res{id: fmt.Sprintf("r-%017x", len(e.reservations)+1), token: token, fingerprint: fingerprint}
	e.reservations = append(e.reservations, res)
	if token != "" {
		e.byToken[token] = res
	}
	return res
}

// AddInstance puts an instance into the region as if it had been launched
// at launched (running once RunningAfter has passed, visible once the
// describe lag has), with tags, in a reservation of its own.
func (e *EC2) AddInstance(typ, az string, spot bool, launched time.Time, tags map[string]string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	in := e.newInstance(typ, az, spot, launched, 0, e.newReservation("", ""))
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		in.setTag(k, tags[k])
	}
	return in.id
}
