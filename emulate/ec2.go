package emulate

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scalite/scalite/model"
)

const ec2NS = "http://ec2.amazonaws.com/doc/2016-11-15/"

// EC2 emulates the EC2 Query protocol for the calls Scalite makes:
// RunInstances (honouring ClientToken, with spot options and tags at
// launch), DescribeInstances (tag and state filters, pages),
// TerminateInstances, CreateTags and DescribeSpotPriceHistory (from price
// series, pages). It injects what moto cannot: InsufficientInstanceCapacity
// per pool, throttling, and interruptions.
type EC2 struct {
	// Clock is the emulator's time (default time.Now).
	Clock func() time.Time
	// RunningAfter is how long instances stay pending.
	RunningAfter time.Duration
	// Prices feed DescribeSpotPriceHistory and spot launches' price check.
	Prices map[model.MarketKey]*model.PriceSeries
	// DescribeLag hides instances younger than this from DescribeInstances,
	// as EC2's eventual consistency can: what makes client tokens matter.
	DescribeLag time.Duration

	mu        sync.Mutex
	insts     map[string]*ec2Instance
	order     []string
	tokens    map[string][]string
	nextID    int
	noCap     map[model.MarketKey]int // launches to refuse, per pool; -1 = always
	throttle  int
	stalls    int
	stallFor  time.Duration
	launched  int // instances created
	requestID int
}

type ec2Instance struct {
	id, typ, az, state string
	spot               bool
	launched           time.Time
	tags               map[string]string
	tagOrder           []string
}

// NewEC2 returns an empty emulated region.
func NewEC2() *EC2 {
	return &EC2{Clock: time.Now, insts: map[string]*ec2Instance{}, tokens: map[string][]string{}, noCap: map[model.MarketKey]int{}}
}

// RefuseCapacity makes the next n launches into a pool fail with
// InsufficientInstanceCapacity (n < 0: until told otherwise).
func (e *EC2) RefuseCapacity(k model.MarketKey, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.noCap[k] = n
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

// Interrupt terminates an instance as AWS does when it reclaims it.
func (e *EC2) Interrupt(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if in, ok := e.insts[id]; ok {
		in.state = "terminated"
	}
}

// Launched counts the instances created so far.
func (e *EC2) Launched() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.launched
}

// RunningSince is when an instance started running, if it has.
func (e *EC2) RunningSince(id string) (time.Time, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.advance()
	in, ok := e.insts[id]
	if !ok || in.state != "running" {
		return time.Time{}, false
	}
	return in.launched.Add(e.RunningAfter), true
}

// State is an instance's state ("" when unknown).
func (e *EC2) State(id string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if in, ok := e.insts[id]; ok {
		return in.state
	}
	return ""
}

// Live lists pending and running instances, by ID.
func (e *EC2) Live() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, id := range e.order {
		if in := e.insts[id]; in.state == "pending" || in.state == "running" {
			out = append(out, id)
		}
	}
	return out
}

type ec2Error struct {
	XMLName   xml.Name `xml:"Response"`
	Code      string   `xml:"Errors>Error>Code"`
	Message   string   `xml:"Errors>Error>Message"`
	RequestID string   `xml:"RequestID"`
}

func (e *EC2) fail(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	xml.NewEncoder(w).Encode(ec2Error{Code: code, Message: msg, RequestID: e.reqID()})
}

func (e *EC2) reqID() string {
	e.requestID++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", e.requestID)
}

func (e *EC2) ok(w http.ResponseWriter, name string, body string) {
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><%s xmlns="%s"><requestId>%s</requestId>%s</%s>`, name, ec2NS, e.reqID(), body, name)
}

// indexed collects form values Prefix.1, Prefix.2, ...
func indexed(form map[string][]string, prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := form[prefix+"."+strconv.Itoa(i)]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

func (e *EC2) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		e.fail(w, 400, "InvalidParameterValue", err.Error())
		return
	}
	e.mu.Lock()
	if e.stalls > 0 {
		e.stalls--
		d := e.stallFor
		e.mu.Unlock()
		time.Sleep(d)
		e.mu.Lock()
	}
	defer e.mu.Unlock()
	action := r.Form.Get("Action")
	if e.throttle > 0 {
		e.throttle--
		e.fail(w, 503, "RequestLimitExceeded", "Request limit exceeded.")
		return
	}
	e.advance()
	switch action {
	case "RunInstances":
		e.run(w, r.Form)
	case "DescribeInstances":
		e.describe(w, r.Form)
	case "TerminateInstances":
		var items strings.Builder
		for _, id := range indexed(r.Form, "InstanceId") {
			in, ok := e.insts[id]
			if !ok {
				e.fail(w, 400, "InvalidInstanceID.NotFound", "The instance ID '"+id+"' does not exist")
				return
			}
			prev := in.state
			in.state = "terminated"
			fmt.Fprintf(&items, "<item><instanceId>%s</instanceId><currentState><code>48</code><name>terminated</name></currentState><previousState><code>16</code><name>%s</name></previousState></item>", id, prev)
		}
		e.ok(w, "TerminateInstancesResponse", "<instancesSet>"+items.String()+"</instancesSet>")
	case "CreateTags":
		ids := indexed(r.Form, "ResourceId")
		for _, id := range ids {
			in, ok := e.insts[id]
			if !ok {
				e.fail(w, 400, "InvalidID", "The ID '"+id+"' is not valid")
				return
			}
			for i := 1; ; i++ {
				k := r.Form.Get(fmt.Sprintf("Tag.%d.Key", i))
				if k == "" {
					break
				}
				in.setTag(k, r.Form.Get(fmt.Sprintf("Tag.%d.Value", i)))
			}
		}
		e.ok(w, "CreateTagsResponse", "<return>true</return>")
	case "DescribeSpotPriceHistory":
		e.prices(w, r.Form)
	default:
		e.fail(w, 400, "InvalidAction", "The action "+action+" is not valid for this web service.")
	}
}

func (in *ec2Instance) setTag(k, v string) {
	if _, ok := in.tags[k]; !ok {
		in.tagOrder = append(in.tagOrder, k)
	}
	in.tags[k] = v
}

// advance turns pending instances running after RunningAfter.
func (e *EC2) advance() {
	now := e.Clock()
	for _, in := range e.insts {
		if in.state == "pending" && !now.Before(in.launched.Add(e.RunningAfter)) {
			in.state = "running"
		}
	}
}

func (e *EC2) run(w http.ResponseWriter, f map[string][]string) {
	get := func(k string) string {
		if v, ok := f[k]; ok {
			return v[0]
		}
		return ""
	}
	token := get("ClientToken")
	if ids, ok := e.tokens[token]; ok && token != "" {
		e.ok(w, "RunInstancesResponse", e.reservation(ids))
		return
	}
	n, _ := strconv.Atoi(get("MaxCount"))
	if n < 1 {
		e.fail(w, 400, "InvalidParameterValue", "MaxCount must be at least 1")
		return
	}
	typ, az := get("InstanceType"), get("Placement.AvailabilityZone")
	if typ == "" || az == "" {
		e.fail(w, 400, "MissingParameter", "InstanceType and Placement.AvailabilityZone are needed")
		return
	}
	key := model.MarketKey{InstanceType: typ, AZ: az}
	spot := get("InstanceMarketOptions.MarketType") == "spot"
	if left, ok := e.noCap[key]; ok && left != 0 {
		if left > 0 {
			e.noCap[key] = left - 1
		}
		e.fail(w, 500, "InsufficientInstanceCapacity", fmt.Sprintf("We currently do not have sufficient %s capacity in the Availability Zone you requested (%s).", typ, az))
		return
	}
	if spot {
		maxPrice, _ := strconv.ParseFloat(get("InstanceMarketOptions.SpotOptions.MaxPrice"), 64)
		if s, ok := e.Prices[key]; ok {
			if p, ok := s.At(e.Clock().Unix()); ok && maxPrice > 0 && maxPrice < p {
				e.fail(w, 400, "SpotMaxPriceTooLow", fmt.Sprintf("Your Spot request price of %g is lower than the minimum required Spot request fulfillment price of %g.", maxPrice, p))
				return
			}
		}
	}
	var ids []string
	for range n {
		e.nextID++
		in := &ec2Instance{id: fmt.Sprintf("i-%017x", e.nextID), typ: typ, az: az, state: "pending", spot: spot, launched: e.Clock(), tags: map[string]string{}}
		for t := 1; ; t++ {
			rt := get(fmt.Sprintf("TagSpecification.%d.ResourceType", t))
			if rt == "" {
				break
			}
			if rt != "instance" {
				continue
			}
			for i := 1; ; i++ {
				k := get(fmt.Sprintf("TagSpecification.%d.Tag.%d.Key", t, i))
				if k == "" {
					break
				}
				in.setTag(k, get(fmt.Sprintf("TagSpecification.%d.Tag.%d.Value", t, i)))
			}
		}
		e.insts[in.id] = in
		e.order = append(e.order, in.id)
		ids = append(ids, in.id)
		e.launched++
	}
	if token != "" {
		e.tokens[token] = ids
	}
	e.ok(w, "RunInstancesResponse", e.reservation(ids))
}

func (e *EC2) reservation(ids []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<reservationId>r-%s</reservationId><ownerId>000000000000</ownerId><instancesSet>", strings.TrimPrefix(ids[0], "i-"))
	for _, id := range ids {
		b.WriteString(e.item(e.insts[id]))
	}
	b.WriteString("</instancesSet>")
	return b.String()
}

var stateCodes = map[string]int{"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48}

func (e *EC2) item(in *ec2Instance) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<item><instanceId>%s</instanceId><imageId>ami-00000000</imageId><instanceState><code>%d</code><name>%s</name></instanceState>", in.id, stateCodes[in.state], in.state)
	fmt.Fprintf(&b, "<privateDnsName>%s.emulated.internal</privateDnsName><instanceType>%s</instanceType><launchTime>%s</launchTime>", in.id, in.typ, in.launched.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "<placement><availabilityZone>%s</availabilityZone></placement>", in.az)
	if in.spot {
		b.WriteString("<instanceLifecycle>spot</instanceLifecycle>")
	}
	b.WriteString("<tagSet>")
	for _, k := range in.tagOrder {
		b.WriteString("<item><key>")
		xml.EscapeText(&b, []byte(k))
		b.WriteString("</key><value>")
		xml.EscapeText(&b, []byte(in.tags[k]))
		b.WriteString("</value></item>")
	}
	b.WriteString("</tagSet></item>")
	return b.String()
}

func (e *EC2) describe(w http.ResponseWriter, f map[string][]string) {
	type filter struct {
		name   string
		values []string
	}
	var filters []filter
	for i := 1; ; i++ {
		name := ""
		if v, ok := f[fmt.Sprintf("Filter.%d.Name", i)]; ok {
			name = v[0]
		} else {
			break
		}
		filters = append(filters, filter{name, indexed(f, fmt.Sprintf("Filter.%d.Value", i))})
	}
	ids := indexed(f, "InstanceId")
	var match []string
	for _, id := range e.order {
		in := e.insts[id]
		if len(ids) > 0 && !slices.Contains(ids, id) {
			continue
		}
		if e.DescribeLag > 0 && e.Clock().Before(in.launched.Add(e.DescribeLag)) {
			continue
		}
		ok := true
		for _, fl := range filters {
			switch {
			case fl.name == "instance-state-name":
				ok = ok && slices.Contains(fl.values, in.state)
			case strings.HasPrefix(fl.name, "tag:"):
				v, has := in.tags[strings.TrimPrefix(fl.name, "tag:")]
				ok = ok && has && slices.Contains(fl.values, v)
			default:
				e.fail(w, 400, "InvalidParameterValue", "The filter '"+fl.name+"' is invalid")
				return
			}
		}
		if ok {
			match = append(match, id)
		}
	}
	page, next := paginate(match, f)
	var b strings.Builder
	b.WriteString("<reservationSet>")
	for _, id := range page {
		fmt.Fprintf(&b, "<item><reservationId>r-%s</reservationId><ownerId>000000000000</ownerId><instancesSet>%s</instancesSet></item>", strings.TrimPrefix(id, "i-"), e.item(e.insts[id]))
	}
	b.WriteString("</reservationSet>")
	if next != "" {
		b.WriteString("<nextToken>" + next + "</nextToken>")
	}
	e.ok(w, "DescribeInstancesResponse", b.String())
}

// paginate cuts a page by MaxResults and NextToken (an offset).
func paginate[T any](all []T, f map[string][]string) ([]T, string) {
	start := 0
	if v, ok := f["NextToken"]; ok {
		start, _ = strconv.Atoi(v[0])
	}
	size := len(all)
	if v, ok := f["MaxResults"]; ok {
		if n, err := strconv.Atoi(v[0]); err == nil && n > 0 {
			size = n
		}
	}
	start = min(start, len(all))
	end := min(len(all), start+size)
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	return all[start:end], next
}

func (e *EC2) prices(w http.ResponseWriter, f map[string][]string) {
	typesWanted := indexed(f, "InstanceType")
	az := ""
	if v, ok := f["AvailabilityZone"]; ok {
		az = v[0]
	}
	parse := func(k string, def time.Time) time.Time {
		if v, ok := f[k]; ok {
			if t, err := time.Parse(time.RFC3339, v[0]); err == nil {
				return t
			}
		}
		return def
	}
	end := parse("EndTime", e.Clock())
	start := parse("StartTime", end.Add(-90*24*time.Hour))
	type rec struct {
		k model.MarketKey
		t int64
		p float64
	}
	var recs []rec
	keys := make([]model.MarketKey, 0, len(e.Prices))
	for k := range e.Prices {
		keys = append(keys, k)
	}
	model.SortMarketKeys(keys)
	for _, k := range keys {
		if (len(typesWanted) > 0 && !slices.Contains(typesWanted, k.InstanceType)) || (az != "" && k.AZ != az) {
			continue
		}
		s := e.Prices[k]
		// As AWS does: the change in effect at the start, then every change.
		if p, ok := s.At(start.Unix()); ok {
			t := start.Unix()
			for i := range s.Len() {
				if ti, _ := s.Point(i); ti <= start.Unix() {
					t = ti
				}
			}
			recs = append(recs, rec{k, t, p})
		}
		for i := range s.Len() {
			t, p := s.Point(i)
			if t > start.Unix() && t <= end.Unix() {
				recs = append(recs, rec{k, t, p})
			}
		}
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].t > recs[j].t })
	page, next := paginate(recs, f)
	var b strings.Builder
	b.WriteString("<spotPriceHistorySet>")
	for _, r := range page {
		fmt.Fprintf(&b, "<item><instanceType>%s</instanceType><productDescription>Linux/UNIX</productDescription><spotPrice>%.6f</spotPrice><timestamp>%s</timestamp><availabilityZone>%s</availabilityZone></item>",
			r.k.InstanceType, r.p, time.Unix(r.t, 0).UTC().Format(time.RFC3339), r.k.AZ)
	}
	b.WriteString("</spotPriceHistorySet>")
	if next != "" {
		b.WriteString("<nextToken>" + next + "</nextToken>")
	}
	e.ok(w, "DescribeSpotPriceHistoryResponse", b.String())
}

// AddInstance puts an instance into the region as if it had been launched
// at launched (running once RunningAfter has passed), with tags.
func (e *EC2) AddInstance(typ, az string, spot bool, launched time.Time, tags map[string]string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.nextID++
	in := &ec2Instance{id: fmt.Sprintf("i-%017x", e.nextID), typ: typ, az: az, state: "pending", spot: spot, launched: launched, tags: map[string]string{}}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		in.setTag(k, tags[k])
	}
	e.insts[in.id] = in
	e.order = append(e.order, in.id)
	e.advance()
	return in.id
}
