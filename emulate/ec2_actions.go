package emulate

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/scalite/scalite/model"
)

// ServeHTTP answers one EC2 Query API request.
func (e *EC2) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		e.fail(w, &ec2Err{400, "MalformedQueryString", err.Error()})
		return
	}
	e.mu.Lock()
	if e.stalls > 0 {
		e.stalls--
		d := e.stallFor
		e.mu.Unlock()
		// The answer is late whether or not the caller still waits; the
		// call takes effect regardless.
		time.Sleep(d)
		e.mu.Lock()
	}
	defer e.mu.Unlock()
	if e.throttle > 0 {
		e.throttle--
		e.fail(w, requestLimitExceeded)
		return
	}
	f := r.Form
	switch action := f.Get("Action"); action {
	case "RunInstances":
		e.run(w, f)
	case "DescribeInstances":
		e.describe(w, f)
	case "TerminateInstances":
		e.terminate(w, f)
	case "CreateTags":
		e.createTags(w, f)
	case "DescribeSpotPriceHistory":
		e.prices(w, f)
	default:
		e.fail(w, &ec2Err{400, "InvalidAction", "The action " + action + " is not valid for this web service."})
	}
}

func (e *EC2) reqID() string {
	e.requestID++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", e.requestID)
}

func (e *EC2) fail(w http.ResponseWriter, err *ec2Err) {
	writeEC2(w, err.status, ec2ErrorResponse{Errors: []ec2ErrorXML{{err.code, err.message}}, RequestID: e.reqID()})
}

// run is RunInstances. A client token seen before returns the original
// reservation, whatever its instances' states now, terminated included,
// and creates nothing; with other parameters it is
// IdempotentParameterMismatch (EC2 Developer Guide, "Ensuring idempotency
// in Amazon EC2 API requests": "valid for at least 24 hours after the
// termination of the instance"). A launch that failed did not complete,
// so its token is not remembered.
func (e *EC2) run(w http.ResponseWriter, f url.Values) {
	req, perr := parseLaunch(f)
	if res, ok := e.byToken[req.token]; ok && req.token != "" {
		if perr != nil || res.fingerprint != req.fingerprint {
			e.fail(w, idempotentMismatch)
			return
		}
		writeEC2(w, http.StatusOK, runInstancesResponse{Xmlns: ec2NS, RequestID: e.reqID(), ec2Reservation: e.reservationXML(res, nil)})
		return
	}
	if perr != nil {
		e.fail(w, perr.(*ec2Err))
		return
	}
	pool := model.MarketKey{InstanceType: req.typ, AZ: req.az}
	market := MarketOnDemand
	if req.spot {
		market = MarketSpot
	}
	for _, k := range []launchKey{{pool, market}, {pool, MarketAny}} {
		if fl, ok := e.faults[k]; ok {
			if fl.left > 0 {
				if fl.left--; fl.left == 0 {
					delete(e.faults, k)
				}
			}
			e.fail(w, launchError(fl.code, req.typ, req.az, req.spot, req.max, e.otherZones(pool)))
			return
		}
	}
	now := e.now()
	if req.spot && req.maxPrice > 0 {
		if s, ok := e.Prices[pool]; ok {
			if p, ok := s.At(now.Unix()); ok && req.maxPrice < p {
				e.fail(w, &ec2Err{400, "SpotMaxPriceTooLow", fmt.Sprintf("Your Spot request price of %g is lower than the minimum required Spot request fulfillment price of %g.", req.maxPrice, p)})
				return
			}
		}
	}
	res := e.newReservation(req.token, req.fingerprint)
	for i := range req.max {
		in := e.newInstance(req.typ, req.az, req.spot, now, i, res)
		for _, t := range req.tags {
			in.setTag(t[0], t[1])
		}
	}
	writeEC2(w, http.StatusOK, runInstancesResponse{Xmlns: ec2NS, RequestID: e.reqID(), ec2Reservation: e.reservationXML(res, nil)})
}

// reservationXML renders a reservation's instances (only those keep
// says, when keep is not nil).
func (e *EC2) reservationXML(res *ec2Res, keep func(*ec2Instance) bool) ec2Reservation {
	out := ec2Reservation{ReservationID: res.id, OwnerID: "000000000000"}
	now := e.now()
	for _, id := range res.ids {
		in := e.insts[id]
		if keep == nil || keep(in) {
			out.Instances = append(out.Instances, e.itemXML(in, now))
		}
	}
	return out
}

// itemXML is one instance of a DescribeInstances or RunInstances answer.
// Its state reason follows the EC2 API Reference, StateReason
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_StateReason.html):
// "pending" while pending; Client.UserInitiatedShutdown ("The instance was
// shut down using the Amazon EC2 API") once terminated by
// TerminateInstances, unless Interrupt gave it another.
func (e *EC2) itemXML(in *ec2Instance, now time.Time) ec2InstanceItem {
	st := e.state(in, now)
	it := ec2InstanceItem{InstanceID: in.id, ImageID: "ami-00000000000000000", InstanceState: ec2InstanceState{stateCodes[st], st},
		AmiLaunchIndex: in.launchIndex, InstanceType: in.typ, LaunchTime: in.launched.UTC().Format(time.RFC3339),
		Placement: ec2Placement{AvailabilityZone: in.az, Tenancy: "default"}, Monitoring: ec2Monitoring{"disabled"},
		ClientToken: in.token, StateReason: in.reason}
	if st != "terminated" {
		it.PrivateDNSName = "ip-" + in.id[2:10] + ".emulated.internal"
	}
	if st == "pending" {
		it.StateReason = &ec2StateReason{Code: "pending", Message: "pending"}
	}
	if st == "terminated" && in.reason == nil {
		it.StateReason = &ec2StateReason{Code: "Client.UserInitiatedShutdown", Message: "Client.UserInitiatedShutdown: User initiated shutdown"}
	}
	if in.spot {
		it.InstanceLifecycle = "spot"
		it.SpotInstanceRequestID = "sir-" + in.id[2:10]
	}
	for _, k := range in.tagOrder {
		it.TagSet = append(it.TagSet, ec2Tag{k, in.tags[k]})
	}
	return it
}

// named resolves instance IDs as calls naming them do: a malformed ID is
// InvalidInstanceID.Malformed; an unknown one, one still hidden by the
// describe lag, or one terminated long ago is InvalidInstanceID.NotFound.
func (e *EC2) named(ids []string, now time.Time) ([]*ec2Instance, *ec2Err) {
	var out []*ec2Instance
	var missing []string
	for _, id := range ids {
		if !instanceIDPattern.MatchString(id) {
			return nil, malformed(id)
		}
		in, ok := e.insts[id]
		if !ok || !e.visible(in, now) {
			missing = append(missing, id)
			continue
		}
		out = append(out, in)
	}
	if len(missing) > 0 {
		return nil, notFound(missing)
	}
	return out, nil
}

// describe is DescribeInstances: reservations in launch order, with their
// visible instances that match every filter; InstanceId.N must all exist.
// The filters are a subset of those the EC2 API Reference lists for
// DescribeInstances (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html):
// an instance matches a filter when one of its values is one of the
// filter's values and matches every filter. EC2 also takes the wildcards
// * and ? in filter values; the emulator compares exactly (Scalite's
// filters name exact values).
func (e *EC2) describe(w http.ResponseWriter, f url.Values) {
	now := e.now()
	var only map[string]bool
	if ids := indexed(f, "InstanceId"); len(ids) > 0 {
		if _, err := e.named(ids, now); err != nil {
			e.fail(w, err)
			return
		}
		only = map[string]bool{}
		for _, id := range ids {
			only[id] = true
		}
	}
	fs := filters(f)
	for _, fl := range fs {
		switch {
		case fl.name == "instance-state-name", fl.name == "instance-state-code", fl.name == "instance-id", fl.name == "instance-type",
			fl.name == "availability-zone", fl.name == "instance-lifecycle", fl.name == "client-token", fl.name == "tag-key",
			strings.HasPrefix(fl.name, "tag:"):
		default:
			e.fail(w, &ec2Err{400, "InvalidParameterValue", "The filter '" + fl.name + "' is invalid"})
			return
		}
	}
	match := func(in *ec2Instance) bool {
		if !e.visible(in, now) || (only != nil && !only[in.id]) {
			return false
		}
		st := e.state(in, now)
		for _, fl := range fs {
			var got []string
			switch {
			case fl.name == "instance-state-name":
				got = []string{st}
			case fl.name == "instance-state-code":
				got = []string{fmt.Sprint(stateCodes[st])}
			case fl.name == "instance-id":
				got = []string{in.id}
			case fl.name == "instance-type":
				got = []string{in.typ}
			case fl.name == "availability-zone":
				got = []string{in.az}
			case fl.name == "instance-lifecycle":
				if in.spot {
					got = []string{"spot"}
				}
			case fl.name == "client-token":
				got = []string{in.token}
			case fl.name == "tag-key":
				got = in.tagOrder
			case strings.HasPrefix(fl.name, "tag:"):
				if v, ok := in.tags[strings.TrimPrefix(fl.name, "tag:")]; ok {
					got = []string{v}
				}
			}
			if !slices.ContainsFunc(got, func(g string) bool { return slices.Contains(fl.values, g) }) {
				return false
			}
		}
		return true
	}
	var all []ec2Reservation
	for _, res := range e.reservations {
		if r := e.reservationXML(res, match); len(r.Instances) > 0 {
			all = append(all, r)
		}
	}
	page, next := paginate(all, f)
	writeEC2(w, http.StatusOK, describeInstancesResponse{Xmlns: ec2NS, RequestID: e.reqID(), Reservations: page, NextToken: next})
}

// terminate is TerminateInstances: idempotent by default (same
// Developer Guide page); a running or pending instance answers
// shutting-down, an already terminated one terminated.
func (e *EC2) terminate(w http.ResponseWriter, f url.Values) {
	now := e.now()
	ids := indexed(f, "InstanceId")
	if len(ids) == 0 {
		e.fail(w, &ec2Err{400, "MissingParameter", "The request must contain the parameter InstanceId"})
		return
	}
	ins, err := e.named(ids, now)
	if err != nil {
		e.fail(w, err)
		return
	}
	out := terminateInstancesResponse{Xmlns: ec2NS, RequestID: e.reqID()}
	for _, in := range ins {
		prev := e.state(in, now)
		if in.terminating.IsZero() {
			in.terminating = now
		}
		cur := "shutting-down"
		if prev == "terminated" {
			cur = "terminated"
		}
		out.Changes = append(out.Changes, ec2StateChange{in.id, ec2InstanceState{stateCodes[cur], cur}, ec2InstanceState{stateCodes[prev], prev}})
	}
	writeEC2(w, http.StatusOK, out)
}

// createTags is CreateTags on instances: an unknown instance ID (or one
// the describe lag still hides) is InvalidInstanceID.NotFound and nothing
// is tagged.
func (e *EC2) createTags(w http.ResponseWriter, f url.Values) {
	now := e.now()
	var ids []string
	for _, id := range indexed(f, "ResourceId") {
		if strings.HasPrefix(id, "i-") {
			ids = append(ids, id)
		}
	}
	ins, err := e.named(ids, now)
	if err != nil {
		e.fail(w, err)
		return
	}
	tags := tagsOf(f)
	for _, in := range ins {
		for _, t := range tags {
			in.setTag(t[0], t[1])
		}
	}
	writeEC2(w, http.StatusOK, createTagsResponse{Xmlns: ec2NS, RequestID: e.reqID(), Return: true})
}

// prices is DescribeSpotPriceHistory: newest first, with the price in
// effect at StartTime as its first record, as AWS answers a query with a
// start time.
func (e *EC2) prices(w http.ResponseWriter, f url.Values) {
	typesWanted := indexed(f, "InstanceType")
	az := f.Get("AvailabilityZone")
	parse := func(k string, def time.Time) time.Time {
		if t, err := time.Parse(time.RFC3339, f.Get(k)); err == nil {
			return t
		}
		return def
	}
	end := parse("EndTime", e.now())
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
	out := spotPriceHistoryResponse{Xmlns: ec2NS, RequestID: e.reqID(), NextToken: next}
	for _, r := range page {
		out.Items = append(out.Items, spotPriceItem{r.k.InstanceType, "Linux/UNIX", fmt.Sprintf("%.6f", r.p),
			time.Unix(r.t, 0).UTC().Format(time.RFC3339), r.k.AZ})
	}
	writeEC2(w, http.StatusOK, out)
}

// otherZones are the zones the emulated market offers a type in, but the
// pool's own, for InsufficientInstanceCapacity's advice.
func (e *EC2) otherZones(pool model.MarketKey) []string {
	var out []string
	for k := range e.Prices {
		if k.InstanceType == pool.InstanceType && k.AZ != pool.AZ {
			out = append(out, k.AZ)
		}
	}
	sort.Strings(out)
	return out
}
