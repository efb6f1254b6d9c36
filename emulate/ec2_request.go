package emulate

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// EC2 Query requests are form-encoded with lists flattened as Name.1,
// Name.2, … and structures as Name.Member (EC2 API Reference, "Query
// requests for Amazon EC2"); aws-sdk-go-v2's ec2query serializer writes
// them so.

// indexed collects the values Prefix.1, Prefix.2, … in order.
func indexed(f url.Values, prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := f[prefix+"."+strconv.Itoa(i)]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

type ec2Filter struct {
	name   string
	values []string
}

// filters reads Filter.N.Name and Filter.N.Value.M.
func filters(f url.Values) []ec2Filter {
	var out []ec2Filter
	for i := 1; ; i++ {
		name := f.Get(fmt.Sprintf("Filter.%d.Name", i))
		if name == "" {
			return out
		}
		out = append(out, ec2Filter{name, indexed(f, fmt.Sprintf("Filter.%d.Value", i))})
	}
}

// launchRequest is what RunInstances needs of its parameters.
type launchRequest struct {
	token, typ, az string
	min, max       int
	spot           bool
	maxPrice       float64
	tags           [][2]string // instance tags from TagSpecification
	fingerprint    string
}

// parseLaunch reads RunInstances' parameters. The fingerprint is every
// parameter but ClientToken and the Availability Zone: a retry with the
// same token and other parameters is IdempotentParameterMismatch, except
// when only the Region or Availability Zone differ (EC2 Developer Guide,
// "Ensuring idempotency in Amazon EC2 API requests").
func parseLaunch(f url.Values) (launchRequest, error) {
	r := launchRequest{token: f.Get("ClientToken"), typ: f.Get("InstanceType"), az: f.Get("Placement.AvailabilityZone"),
		spot: f.Get("InstanceMarketOptions.MarketType") == "spot"}
	var err error
	if r.min, err = strconv.Atoi(f.Get("MinCount")); err != nil {
		return r, &ec2Err{400, "MissingParameter", "The request must contain the parameter MinCount"}
	}
	if r.max, err = strconv.Atoi(f.Get("MaxCount")); err != nil {
		return r, &ec2Err{400, "MissingParameter", "The request must contain the parameter MaxCount"}
	}
	if r.min < 1 || r.max < r.min {
		return r, &ec2Err{400, "InvalidParameterValue", fmt.Sprintf("Value (%d) for parameter minCount is invalid. Expected a value between 1 and maxCount (%d).", r.min, r.max)}
	}
	if r.typ == "" || r.az == "" {
		return r, &ec2Err{400, "MissingParameter", "The emulator needs InstanceType and Placement.AvailabilityZone"}
	}
	if v := f.Get("InstanceMarketOptions.SpotOptions.MaxPrice"); v != "" {
		r.maxPrice, _ = strconv.ParseFloat(v, 64)
	}
	for t := 1; ; t++ {
		rt := f.Get(fmt.Sprintf("TagSpecification.%d.ResourceType", t))
		if rt == "" {
			break
		}
		for i := 1; ; i++ {
			k, ok := f[fmt.Sprintf("TagSpecification.%d.Tag.%d.Key", t, i)]
			if !ok {
				break
			}
			if rt == "instance" {
				r.tags = append(r.tags, [2]string{k[0], f.Get(fmt.Sprintf("TagSpecification.%d.Tag.%d.Value", t, i))})
			}
		}
	}
	var keys []string
	for k := range f {
		if k != "ClientToken" && k != "Placement.AvailabilityZone" && k != "Action" && k != "Version" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%q;", k, f[k])
	}
	r.fingerprint = b.String()
	return r, nil
}

// tagsOf reads Tag.N.Key and Tag.N.Value (CreateTags).
func tagsOf(f url.Values) [][2]string {
	var out [][2]string
	for i := 1; ; i++ {
		k, ok := f[fmt.Sprintf("Tag.%d.Key", i)]
		if !ok {
			return out
		}
		out = append(out, [2]string{k[0], f.Get(fmt.Sprintf("Tag.%d.Value", i))})
	}
}

// instanceIDPattern is the form of an instance ID; anything else is
// InvalidInstanceID.Malformed (EC2 API Reference, error codes).
var instanceIDPattern = regexp.MustCompile(`^i-[0-9a-f]{8}([0-9a-f]{9})?$`)

// paginate cuts a page by MaxResults and NextToken (an offset here; EC2's
// tokens are opaque).
func paginate[T any](all []T, f url.Values) ([]T, string) {
	start := 0
	if v := f.Get("NextToken"); v != "" {
		start, _ = strconv.Atoi(v)
	}
	size := len(all)
	if n, err := strconv.Atoi(f.Get("MaxResults")); err == nil && n > 0 {
		size = n
	}
	start = min(max(start, 0), len(all))
	end := min(len(all), start+size)
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	return all[start:end], next
}
