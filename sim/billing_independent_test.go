package sim_test

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/scalite/scalite/datasets"
)

// independentSpotCost integrates a market's price second by second, read
// straight from the AWS CLI JSON with encoding/json: it shares no code
// with the price reader or model.PriceSeries. Records at the same second
// with different prices keep the higher (the documented conflict rule);
// each second [t, t+1) is charged the last price set at or before t.
func independentSpotCost(t *testing.T, path, typ, az string, from, to int64) float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	prices := map[int64]float64{}
	dec := json.NewDecoder(f)
	for {
		var page struct {
			SpotPriceHistory []struct {
				AvailabilityZone, InstanceType, ProductDescription, SpotPrice, Timestamp string
			}
		}
		if err := dec.Decode(&page); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.SpotPriceHistory {
			if r.AvailabilityZone != az || r.InstanceType != typ || r.ProductDescription != "Linux/UNIX" {
				continue
			}
			at, err := time.Parse(time.RFC3339, r.Timestamp)
			if err != nil {
				t.Fatal(err)
			}
			p, err := strconv.ParseFloat(r.SpotPrice, 64)
			if err != nil {
				t.Fatal(err)
			}
			if old, ok := prices[at.Unix()]; !ok || p > old {
				prices[at.Unix()] = p
			}
		}
	}
	times := make([]int64, 0, len(prices))
	for at := range prices {
		times = append(times, at)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	if len(times) == 0 || times[0] > from {
		t.Fatalf("no price for %s/%s at the window's start", typ, az)
	}
	// Kahan-compensated sum of price/3600 over every second.
	var sum, comp float64
	i := 0
	for s := from; s < to; s++ {
		for i+1 < len(times) && times[i+1] <= s {
			i++
		}
		y := prices[times[i]]/3600 - comp
		tot := sum + y
		comp = (tot - sum) - y
		sum = tot
	}
	return sum
}

// TestSpotBillingMatchesIndependentPerSecondIntegral: three spot servers
// held for a window of real prices (starting and ending off any price
// change) cost three times the per-second integral computed above, to
// 1e-6 USD.
func TestSpotBillingMatchesIndependentPerSecondIntegral(t *testing.T) {
	o, series := fixedSpotFleetOnRealPrices(t)
	// The last 30 days, held out from the start the defaults were
	// calibrated on, cut at odd seconds.
	o.To = series.Last() - 1237
	o.From = o.To - 30*86400 + 59
	o.Seed = 1
	p, _ := datasets.Profile("university")
	o.Meetings, _ = datasets.GenerateTrace(p, datasets.TraceGenOptions{Start: time.Unix(o.From-o.From%86400, 0).UTC(), Days: 31, Scale: 0.3}, datasets.NewTraceRand(1))
	r := mustRun(t, o)
	want := 3 * independentSpotCost(t, realPrices, "c5a.4xlarge", "eu-west-1b", o.From, o.To)
	if math.Abs(r.SpotCostUSD-want) > 1e-6 || r.OnDemandCostUSD != 0 || r.Interruptions != 0 {
		t.Fatalf("spot cost %.9f, independent integral %.9f (diff %.3g; on-demand %.4f, interruptions %d)", r.SpotCostUSD, want, r.SpotCostUSD-want, r.OnDemandCostUSD, r.Interruptions)
	}
}
