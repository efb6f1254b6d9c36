package datasets

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/scalite/scalite/model"
)

// The fixture is three 10-minute snapshots of our own making (SpotLake's
// data is CC BY-NC and is not shipped), the last gzipped, with one row of
// missing values as pandas writes them (empty cells).
func TestReadSpotLakeFixture(t *testing.T) {
	h, err := ReadSpotLake([]string{filepath.Join("testdata", "spotlake")})
	if err != nil {
		t.Fatal(err)
	}
	if h.Files != 3 || h.Records != 9 || len(h.Pools) != 3 {
		t.Fatalf("files %d records %d pools %d, want 3, 9, 3", h.Files, h.Records, len(h.Pools))
	}
	az2 := SpotLakePool{"c5a.4xlarge", "eu-west-1", "euw1-az2"}
	p := h.Pools[az2][0]
	want := SpotLakePoint{Time: 1740906000, SPS: 2, T3: 0, T2: 20, Band: model.Band5to10, HasBand: true, OnDemand: 0.688, Spot: 0.3012, SavingsPct: 56}
	if p != want {
		t.Errorf("first snapshot of %s = %+v, want %+v", az2, p, want)
	}
	if got := h.BandHistory(az2); !reflect.DeepEqual(got, []BandStep{{1740906000, model.Band5to10}, {1740906600, model.Band10to15}}) {
		t.Errorf("band history %v", got)
	}
	m5 := SpotLakePool{"m5.4xlarge", "eu-west-1", "euw1-az1"}
	gap := h.Pools[m5][1]
	if gap.HasBand || gap.SPS != 0 || !math.IsNaN(gap.Spot) || gap.OnDemand != 0.856 {
		t.Errorf("missing values read as %+v", gap)
	}
	// The missing band keeps the band before it: >20% then 15-20%.
	if got := h.BandHistory(m5); !reflect.DeepEqual(got, []BandStep{{1740906000, model.BandOver20}, {1740907200, model.Band15to20}}) {
		t.Errorf("m5 band history %v", got)
	}
	series, err := h.PriceSeries(map[string]string{"euw1-az1": "eu-west-1a"})
	if err != nil {
		t.Fatal(err)
	}
	s := series[model.MarketKey{InstanceType: "c5a.4xlarge", AZ: "eu-west-1a"}]
	if s == nil || s.Len() != 2 {
		t.Fatalf("c5a.4xlarge/eu-west-1a series %v (want 2 change points: unchanged snapshots merged)", s)
	}
	if v, _ := s.At(1740907200); v != 0.2907 {
		t.Errorf("price at 09:20 = %v", v)
	}
	// Unmapped zone IDs stay IDs.
	if series[model.MarketKey{InstanceType: "c5a.4xlarge", AZ: "euw1-az2"}] == nil {
		t.Errorf("unmapped zone missing: %v", series)
	}
	if got := series[model.MarketKey{InstanceType: "m5.4xlarge", AZ: "eu-west-1a"}]; got.Len() != 2 {
		t.Errorf("m5 series has %d points, want 2 (the empty price skipped)", got.Len())
	}
}

func TestBandFromSpotLakeGrade(t *testing.T) {
	for g, want := range map[float64]model.AdvisorBand{3: model.BandUnder5, 2.5: model.Band5to10, 2: model.Band10to15, 1.5: model.Band15to20, 1: model.BandOver20} {
		if b, err := BandFromSpotLakeGrade(g); err != nil || b != want {
			t.Errorf("grade %v = %v, %v; want %v", g, b, err, want)
		}
	}
	if _, err := BandFromSpotLakeGrade(2.7); err == nil {
		t.Error("grade 2.7 accepted")
	}
}

func TestReadSpotLakeErrors(t *testing.T) {
	head := "Time,InstanceType,Region,AZ,SPS,T3,T2,IF,OndemandPrice,SpotPrice,Savings\n"
	good := "2025-03-02 09:00:00,c5a.4xlarge,eu-west-1,euw1-az1,3,50,50,3.0,0.688,0.2901,58\n"
	row := func(old, new string) string { return head + good + strings.Replace(good, old, new, 1) }
	for _, tc := range []struct{ name, in, want string }{
		{"missing column", "Time,InstanceType,Region,AZ,SPS,T3,T2,OndemandPrice,SpotPrice,Savings\n", "s.csv: line 1: field if: header lacks this column"},
		{"bad time", row("2025-03-02 09:00:00", "noon"), "s.csv: line 3: field Time: bad time \"noon\""},
		{"no zone", row("euw1-az1", ""), "s.csv: line 3: field AZ: missing"},
		{"score out of range", row(",3,50", ",11,50"), "s.csv: line 3: field SPS: want a whole number from 1 to 10, got 11"},
		{"fractional capacity", row(",50,50,", ",50,12.5,"), "s.csv: line 3: field T2: want a whole number"},
		{"unknown grade", row(",3.0,", ",2.7,"), "s.csv: line 3: field IF: grade 2.7 is not one of"},
		{"absurd price", row("0.2901", "1e308"), "s.csv: line 3: field SpotPrice: price 1e308 USD/hour is outside [0, 1000]"},
		{"price just above the bound", row("0.2901", "1000.01"), "s.csv: line 3: field SpotPrice: price 1000.01 USD/hour is outside [0, 1000]"},
		{"negative price", row("0.2901", "-0.1"), "s.csv: line 3: field SpotPrice: price -0.1 USD/hour is outside [0, 1000]"},
		{"text price", row("0.688", "cheap"), "s.csv: line 3: field OndemandPrice: want a number, got \"cheap\""},
		{"savings", row(",58", ",140"), "s.csv: line 3: field Savings: want a percentage"},
		{"ragged row", head + good + "2025-03-02 09:00:00,c5a.4xlarge\n", "s.csv: line 3: record on line 3: wrong number of fields"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadSpotLakeFrom(strings.NewReader(tc.in), "s.csv")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestSpotLakePoolSeenTwiceAtOneTimeKeepsTheLast: overlapping snapshot
// files (read in name order) or a repeated row give a pool two points at
// one time; the one read last stands.
func TestSpotLakePoolSeenTwiceAtOneTimeKeepsTheLast(t *testing.T) {
	head := "Time,InstanceType,Region,AZ,SPS,T3,T2,IF,OndemandPrice,SpotPrice,Savings\n"
	dir := t.TempDir()
	for name, body := range map[string]string{
		"a.csv": "2025-03-02 09:10:00,c5a.4xlarge,eu-west-1,euw1-az1,3,50,50,3.0,0.688,0.2901,58\n" +
			"2025-03-02 09:00:00,c5a.4xlarge,eu-west-1,euw1-az1,1,0,0,1.0,0.688,0.2901,58\n",
		"b.csv": "2025-03-02 09:00:00,c5a.4xlarge,eu-west-1,euw1-az1,2,0,20,2.5,0.688,0.2901,58\n" +
			"2025-03-02 09:00:00,c5a.4xlarge,eu-west-1,euw1-az1,4,0,20,2.5,0.688,0.2901,58\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(head+body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h, err := ReadSpotLake([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	pts := h.Pools[SpotLakePool{"c5a.4xlarge", "eu-west-1", "euw1-az1"}]
	if len(pts) != 2 || pts[0].Time != 1740906000 || pts[0].SPS != 4 || pts[1].SPS != 3 {
		t.Errorf("points %+v: want 09:00 with the last row read (SPS 4), then 09:10 (SPS 3)", pts)
	}
}
