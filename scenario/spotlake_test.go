package scenario_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/results"
	"github.com/scalite/scalite/scenario"
	"github.com/scalite/scalite/sim"
)

// The fixture (testdata/spotlake, of our own making) maps eu-west-1a,
// 1b, 1c to euw1-az2, az3, az1: not in order, so a mapping mixed up shows.
// c5a.4xlarge in euw1-az1 (eu-west-1c) worsens from <5% to >20% on
// 2025-03-17.
var (
	fixtureZones = map[string]string{"eu-west-1a": "euw1-az2", "eu-west-1b": "euw1-az3", "eu-west-1c": "euw1-az1"}
	worsening    = model.MarketKey{InstanceType: "c5a.4xlarge", AZ: "eu-west-1c"}
	worseFrom    = time.Date(2025, 3, 17, 0, 0, 0, 0, time.UTC).Unix()
)

func buildSpotLake(t *testing.T, paths []string, pricePaths []string, mutate func(*config.Config)) (*scenario.Scenario, error) {
	t.Helper()
	return build(t, func(c *config.Config) {
		c.Simulation.SpotLake = config.SpotLake{Paths: paths, ZoneIDs: fixtureZones}
		if mutate != nil {
			mutate(c)
		}
	}, scenario.Inputs{PricePaths: pricePaths, Seed: 5})
}

// TestSpotLakePricesAreReplayed: without --prices the snapshots' SpotPrice
// is the price history, pools under the zone names the configuration
// maps their IDs to; the window is the snapshots'; each pool's band
// history reaches the simulator.
func TestSpotLakePricesAreReplayed(t *testing.T) {
	sc, err := buildSpotLake(t, []string{"testdata/spotlake"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := sc.Options
	if !strings.HasPrefix(sc.PricesLabel, "SpotLake snapshots (29 files") {
		t.Errorf("prices label %q", sc.PricesLabel)
	}
	day := func(d int) int64 { return time.Date(2025, 3, 3+d, 0, 0, 0, 0, time.UTC).Unix() }
	if o.From != day(0) || o.To != day(29) {
		t.Errorf("window %s to %s, want the snapshots' 2025-03-03 to 2025-04-01", time.Unix(o.From, 0).UTC(), time.Unix(o.To, 0).UTC())
	}
	// The fixture's price: base + 0.002 x zone index + 0.001 x ((7d + 3 x
	// zone index) mod 5), zone index 0 for euw1-az1 (eu-west-1c).
	for _, tc := range []struct {
		k    model.MarketKey
		d    int
		want float64
	}{
		{worsening, 0, 0.290}, {worsening, 1, 0.292}, {worsening, 2, 0.294},
		{model.MarketKey{InstanceType: "m5.4xlarge", AZ: "eu-west-1a"}, 3, 0.362 + 0.001*float64((21+3)%5)},
		// m5.4xlarge in euw1-az3 (eu-west-1b) has no price on day 5: day 4's holds.
		{model.MarketKey{InstanceType: "m5.4xlarge", AZ: "eu-west-1b"}, 5, 0.364 + 0.001*float64((28+6)%5)},
	} {
		s := o.Prices[tc.k]
		if s == nil {
			t.Fatalf("no price series for %s (have %d markets)", tc.k, len(o.Prices))
		}
		if got, _ := s.At(day(tc.d) + 3600); got < tc.want-1e-9 || got > tc.want+1e-9 {
			t.Errorf("%s on day %d: %.4f, want %.4f", tc.k, tc.d, got, tc.want)
		}
	}
	if _, ok := o.Prices[model.MarketKey{InstanceType: "c5a.4xlarge", AZ: "use1-az1"}]; ok || len(o.Prices) != 9 {
		t.Errorf("%d markets, want the 9 eu-west-1 pools only", len(o.Prices))
	}
	if got := o.Bands[worsening]; len(got) != 2 || got[0].Band != model.BandUnder5 || got[1] != (sim.BandStep{At: worseFrom, Band: model.BandOver20}) {
		t.Errorf("band history of %s: %v, want <5%% then >20%% from 2025-03-17", worsening, got)
	}
	// With --prices, those prices are the history; the bands still come
	// from SpotLake.
	prices := filepath.Join(t.TempDir(), "prices.csv")
	var b strings.Builder
	b.WriteString("Timestamp,AvailabilityZone,InstanceType,ProductDescription,SpotPrice\n")
	for _, typ := range []string{"c5a.4xlarge", "c6i.4xlarge", "m5.4xlarge"} {
		for _, az := range []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"} {
			b.WriteString("2025-03-03T00:00:00Z," + az + "," + typ + ",Linux/UNIX,0.2500\n")
			b.WriteString("2025-03-20T00:00:00Z," + az + "," + typ + ",Linux/UNIX,0.2600\n")
		}
	}
	if err := os.WriteFile(prices, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err = buildSpotLake(t, []string{"testdata/spotlake"}, []string{prices}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := sc.Options.Prices[worsening].At(day(1)); got != 0.25 || len(sc.Options.Bands[worsening]) != 2 || len(sc.Notes) != 0 {
		t.Errorf("with --prices: price %.4f (want 0.25 from the file), %d band steps (want 2 from SpotLake), notes %q (want none)", got, len(sc.Options.Bands[worsening]), sc.Notes)
	}
	// A zone the snapshots do not have: its pools keep their types' bands,
	// and the scenario says so.
	sc, err = buildSpotLake(t, []string{"testdata/spotlake"}, []string{prices}, func(c *config.Config) {
		c.Simulation.SpotLake.ZoneIDs = map[string]string{"eu-west-1a": "euw1-az4", "eu-west-1b": "euw1-az3", "eu-west-1c": "euw1-az1"}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Notes) != 3 || !strings.Contains(sc.Notes[0], "market c5a.4xlarge/eu-west-1a has no band in the SpotLake snapshots: its type's advisor band holds") {
		t.Errorf("notes %q: want one for each pool of eu-west-1a", sc.Notes)
	}
}

// TestSpotLakeBandWorseningBringsMoreInterruptions: a pool whose SpotLake
// band worsens mid-window is interrupted more after the change than before
// (its reclaim hazard and its unavailable spells follow the band), and more
// than the same pool on the same seed whose band does not change.
func TestSpotLakeBandWorseningBringsMoreInterruptions(t *testing.T) {
	onePool := func(c *config.Config) {
		c.AvailabilityZones = []string{"eu-west-1c"}
		c.Spot.InstanceType = config.NameList{"c5a.4xlarge"}
		c.OnDemand.Base = 0
		c.Fleet.Min = 3
		c.Simulation.LaunchFailure = 0
		c.Simulation.SpotLake.ZoneIDs = map[string]string{"eu-west-1c": "euw1-az1"}
	}
	run := func(sc *scenario.Scenario) (before, after int) {
		o := sc.Options
		log := &noticeLog{}
		o.Recorder = log
		if _, err := sim.Run(o); err != nil {
			t.Fatal(err)
		}
		for _, e := range log.notices {
			if e.Market != worsening.String() {
				continue
			}
			if e.Time < worseFrom {
				before++
			} else {
				after++
			}
		}
		return before, after
	}
	sc, err := buildSpotLake(t, []string{"testdata/spotlake"}, nil, onePool)
	if err != nil {
		t.Fatal(err)
	}
	// The same pool and seeds with the band of the first two weeks
	// throughout; five seeds, so that chance does not decide.
	calm := *sc
	calm.Options.Bands = map[model.MarketKey][]sim.BandStep{worsening: sc.Options.Bands[worsening][:1]}
	var before, after, calmBefore, calmAfter int
	for seed := uint64(1); seed <= 5; seed++ {
		sc.Options.Seed, calm.Options.Seed = seed, seed
		b, a := run(sc)
		cb, ca := run(&calm)
		before, after, calmBefore, calmAfter = before+b, after+a, calmBefore+cb, calmAfter+ca
		t.Logf("seed %d: %d before, %d after; unchanged band %d and %d", seed, b, a, cb, ca)
	}
	// 14 days of a >20% pool: an outage every ~24 h taking every server in
	// the pool, and reclaims 11 times as frequent as at <5%.
	// Five seeds: about 60 after against about 15 before and 20 unchanged.
	if after < 30 || after < 2*before || after < 2*calmAfter {
		t.Errorf("interruptions in %s: %d before the band worsened, %d after; %d and %d with the band unchanged: want many more after the change", worsening, before, after, calmBefore, calmAfter)
	}
}

// noticeLog keeps interruption notices.
type noticeLog struct{ notices []results.Record }

func (l *noticeLog) Sample(*results.Sample) {}
func (l *noticeLog) Event(r results.Record) {
	if r.Kind == "interruption-notice" {
		l.notices = append(l.notices, r)
	}
}

// TestSpotLakeBadFilesFailClearly: a bad snapshot is reported with the
// configuration key, the file, the line and the column; snapshots with no
// pool of the policy's region and zones say what was looked for.
func TestSpotLakeBadFilesFailClearly(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "09-00-00.csv")
	if err := os.WriteFile(bad, []byte("Time,InstanceType,Region,AZ,SPS,T3,T2,IF,OndemandPrice,SpotPrice,Savings\n"+
		"2025-03-03 09:00:00,c5a.4xlarge,eu-west-1,euw1-az1,3,50,50,3.0,0.688,0.29,58\n"+
		"2025-03-03 09:00:00,c5a.4xlarge,eu-west-1,euw1-az2,3,50,50,2.7,0.688,0.29,58\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := buildSpotLake(t, []string{dir}, nil, nil)
	for _, want := range []string{"simulation.spotlake", bad, "line 3", "IF", "grade 2.7"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad grade: error %v, want it to say %q", err, want)
		}
	}
	other := filepath.Join(t.TempDir(), "09-00-00.csv")
	if err := os.WriteFile(other, []byte("Time,InstanceType,Region,AZ,SPS,T3,T2,IF,OndemandPrice,SpotPrice,Savings\n"+
		"2025-03-03 09:00:00,c5a.4xlarge,us-east-1,use1-az1,3,50,50,3.0,0.616,0.25,59\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = buildSpotLake(t, []string{other}, nil, nil)
	for _, want := range []string{"simulation.spotlake", "none of the 1 records", "region eu-west-1", "euw1-az1, euw1-az2, euw1-az3"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("no pool of the region: error %v, want it to say %q", err, want)
		}
	}
	if _, err = buildSpotLake(t, []string{filepath.Join(dir, "missing")}, nil, nil); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing path: %v", err)
	}
}

// TestSpotLakeZoneIDsMapOneToOne: two zones given one zone ID is refused
// by the reader too (configuration validation refuses it first), rather
// than one of the two names taken at random.
func TestSpotLakeZoneIDsMapOneToOne(t *testing.T) {
	sl := config.SpotLake{Paths: []string{"testdata/spotlake"}, ZoneIDs: map[string]string{"eu-west-1a": "euw1-az1", "eu-west-1b": "euw1-az1"}}
	_, err := scenario.ReadSpotLake(sl, "eu-west-1", datasets.DefaultCatalog())
	if err == nil || !strings.Contains(err.Error(), "eu-west-1a and eu-west-1b both have zone ID euw1-az1") {
		t.Errorf("a zone ID given twice: %v", err)
	}
}
