package scenario_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/results"
	"github.com/scalite/scalite/scenario"
	"github.com/scalite/scalite/sim"
)

type launchLog struct{ launches []results.Record }

func (l *launchLog) Sample(*results.Sample) {}
func (l *launchLog) Event(r results.Record) {
	if r.Kind == "launch" {
		l.launches = append(l.launches, r)
	}
}

// TestLateMarketIsUnavailableNotShrinkingTheWindow: a market of the policy
// whose prices start ten days in does not move the window's start (every
// candidate of a sweep shares one window); it is unavailable, no launch
// into it, until its first price, and the scenario says so.
func TestLateMarketIsUnavailableNotShrinkingTheWindow(t *testing.T) {
	day0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	late := "m5.4xlarge/eu-west-1c"
	var b strings.Builder
	b.WriteString("Timestamp,AvailabilityZone,InstanceType,ProductDescription,SpotPrice\n")
	for _, typ := range []string{"c5a.4xlarge", "c6i.4xlarge", "m5.4xlarge"} {
		for _, az := range []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"} {
			start := day0
			if typ+"/"+az == late {
				start = day0.Add(10 * 24 * time.Hour)
			}
			// The late market is the cheapest per user: lowest-price wants
			// it whenever it can have it.
			price := map[string]float64{"c5a.4xlarge": 0.40, "c6i.4xlarge": 0.42, "m5.4xlarge": 0.20}[typ]
			if typ+"/"+az == late {
				price = 0.19
			}
			for d := start; d.Before(day0.Add(20 * 24 * time.Hour)); d = d.Add(24 * time.Hour) {
				fmt.Fprintf(&b, "%s,%s,%s,Linux/UNIX,%.4f\n", d.Format(time.RFC3339), az, typ, price)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "prices.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := build(t, func(c *config.Config) { c.Spot.AllocationStrategy = config.LowestPrice }, scenario.Inputs{PricePaths: []string{path}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Options.From != day0.Unix() {
		t.Errorf("window starts %s, want %s (the first price of any market)", time.Unix(sc.Options.From, 0).UTC(), day0)
	}
	if len(sc.Notes) != 1 || !strings.Contains(sc.Notes[0], "market "+late+" has no price before 2026-03-12") {
		t.Errorf("notes %q: want one saying %s is unavailable until 2026-03-12", sc.Notes, late)
	}
	o := sc.Options
	log := &launchLog{}
	o.Recorder, o.SampleInterval = log, 86400
	if _, err := sim.Run(o); err != nil {
		t.Fatal(err)
	}
	before, after := 0, 0
	for _, l := range log.launches {
		if l.Market != late {
			continue
		}
		if l.Time < day0.Add(10*24*time.Hour).Unix() {
			before++
		} else {
			after++
		}
	}
	if before != 0 || after == 0 {
		t.Errorf("launches into %s: %d before its first price, %d after; want none before and some after", late, before, after)
	}
}
