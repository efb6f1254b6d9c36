package results

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/scalite/scalite/model"
)

// TestMetricsUseJSONKeys: every contract key is a metric, read from the
// field the JSON key names, so aggregation and users see the same names.
func TestMetricsUseJSONKeys(t *testing.T) {
	r := Result{PolicyCostUSD: 12.5, Interruptions: 3, Events: 7}
	m := r.Metrics()
	for _, k := range resultKeys {
		if _, ok := m[k]; !ok {
			t.Errorf("contract key %s is not a metric", k)
		}
	}
	if m["policy_cost_usd"] != 12.5 || m["interruptions"] != 3 || m["events"] != 7 {
		t.Fatalf("metrics %v", m)
	}
}

// TestAggregatePercentiles: the mean and the empirical 5th, 50th and 95th
// percentiles over runs, per contract key.
func TestAggregatePercentiles(t *testing.T) {
	var runs []Result
	for i := 1; i <= 20; i++ {
		runs = append(runs, Result{PolicyCostUSD: float64(i)})
	}
	got := Aggregate(runs)["policy_cost_usd"]
	if want := (Stats{Mean: 10.5, P5: 1, P50: 10, P95: 19}); got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if len(Aggregate(runs)) != len(resultKeys) {
		t.Fatalf("aggregate has %d keys, want %d", len(Aggregate(runs)), len(resultKeys))
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestFileRecorderReportsWriteErrors: a failed write is not lost in the
// buffer: Flush reports it.
func TestFileRecorderReportsWriteErrors(t *testing.T) {
	var ts bytes.Buffer
	r := NewFileRecorder(&ts, failingWriter{}, []model.MarketKey{{InstanceType: "c5a.4xlarge", AZ: "eu-west-1a"}})
	r.Sample(&Sample{Time: 0, MarketPrices: []float64{0.25}})
	r.Event(Record{Time: 0, Kind: "launch"})
	err := r.Flush()
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Flush = %v, want the write error", err)
	}
	if !strings.HasSuffix(ts.String(), "price_c5a.4xlarge_eu-west-1a\n1970-01-01T00:00:00Z,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0.25\n") {
		t.Fatalf("timeseries:\n%s", ts.String())
	}
}

// TestAggregateAddsTheBillWhenPriced: the whole bill's keys are aggregated
// for priced runs only, so unpriced runs aggregate as before.
func TestAggregateAddsTheBillWhenPriced(t *testing.T) {
	plain := Aggregate([]Result{{PolicyCostUSD: 1}})
	if _, ok := plain["total_cost_usd"]; ok || len(plain) != len(resultKeys) {
		t.Fatalf("unpriced runs aggregate %d keys with the bill's", len(plain))
	}
	priced := Aggregate([]Result{{PolicyCostUSD: 1, EgressCostUSD: 2, TotalCostUSD: 3.5, TotalSavingsPct: 10}})
	for _, k := range billKeys {
		if _, ok := priced[k]; !ok {
			t.Errorf("priced runs lack %s", k)
		}
	}
	if priced["total_cost_usd"].Mean != 3.5 || priced["egress_cost_usd"].Mean != 2 {
		t.Errorf("bill %+v", priced)
	}
	if _, ok := priced[loadKey]; ok {
		t.Error("a run without the load model aggregates its load per participant")
	}
	if got := Aggregate([]Result{{LoadPerParticipant: 30}, {LoadPerParticipant: 40}})[loadKey].Mean; got != 35 {
		t.Errorf("load per participant aggregated to %v, want 35", got)
	}
}
