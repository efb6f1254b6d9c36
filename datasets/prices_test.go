package datasets

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalite/scalite/model"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/NAME, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestReadPricesFormats(t *testing.T) {
	m5 := model.MarketKey{InstanceType: "m5.4xlarge", AZ: "eu-west-1b"}
	c5a := model.MarketKey{InstanceType: "c5a.4xlarge", AZ: "eu-west-1a"}
	for _, tc := range []struct {
		name  string
		paths []string
		files int
	}{
		{"cli json, two pages", []string{"testdata/prices-page1.json"}, 1},
		{"json lines", []string{"testdata/prices.jsonl"}, 1},
		{"json lines gzipped", []string{"testdata/prices-jsonl.gz"}, 1},
		{"csv", []string{"testdata/prices.csv"}, 1},
		{"tsv", []string{"testdata/prices.tsv"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ReadPrices(tc.paths, PriceReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			st := h.Stats
			if st.Files != tc.files || st.Records != 5 || st.Kept != 3 || st.Duplicates != 1 || st.Conflicts != 0 {
				t.Errorf("stats = %+v", st)
			}
			if st.SkippedByProduct["Windows"] != 1 || st.Skipped() != 1 {
				t.Errorf("skipped = %v, want 1 Windows record", st.SkippedByProduct)
			}
			if len(h.Series) != 2 {
				t.Fatalf("markets = %v", h.Markets())
			}
			s := h.Series[m5]
			if s.Len() != 2 {
				t.Fatalf("m5 points = %d", s.Len())
			}
			// 2022-06-06T09:22:00Z is 1654507320.
			if p, ok := s.At(1654507320); !ok || p != 0.37 {
				t.Errorf("m5 at first change = %v, %v", p, ok)
			}
			if p, _ := s.At(1654507320 + 86400); p != 0.3805 {
				t.Errorf("m5 a day later = %v", p)
			}
			if _, ok := h.Series[c5a]; !ok {
				t.Errorf("c5a market missing")
			}
		})
	}
}

func TestReadPricesDirectoryAndAllProducts(t *testing.T) {
	h, err := ReadPrices([]string{"testdata/dir"}, PriceReadOptions{Product: AllProducts})
	if err != nil {
		t.Fatal(err)
	}
	// Both files hold the same 5 records; with every product kept, the
	// Windows record shares its market and differs in time, so it stays.
	if h.Stats.Files != 2 || h.Stats.Records != 10 || h.Stats.Kept != 4 || h.Stats.Duplicates != 6 {
		t.Errorf("stats = %+v", h.Stats)
	}
}

func TestReadPricesConflictKeepsHigherPrice(t *testing.T) {
	in := `{"SpotPriceHistory":[
{"AvailabilityZone":"a1","InstanceType":"t","ProductDescription":"Linux/UNIX","SpotPrice":"0.1","Timestamp":"2022-01-01T00:00:00Z"},
{"AvailabilityZone":"a1","InstanceType":"t","ProductDescription":"Linux/UNIX","SpotPrice":"0.3","Timestamp":"2022-01-01T00:00:00Z"},
{"AvailabilityZone":"a1","InstanceType":"t","ProductDescription":"Linux/UNIX","SpotPrice":"0.2","Timestamp":"2022-01-01T00:00:00Z"}]}`
	h, err := ReadPricesFrom(strings.NewReader(in), "x.json", PriceReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := h.Series[model.MarketKey{InstanceType: "t", AZ: "a1"}]
	if p, _ := s.At(1640995200); p != 0.3 || h.Stats.Conflicts != 2 {
		t.Errorf("price %v conflicts %d, want 0.3 and 2", p, h.Stats.Conflicts)
	}
}

func TestReadPricesErrors(t *testing.T) {
	rec := func(fields string) string {
		return `{"SpotPriceHistory":[{"AvailabilityZone":"eu-west-1a","InstanceType":"m5.large","ProductDescription":"Linux/UNIX","SpotPrice":"0.1","Timestamp":"2022-01-01T00:00:00Z"},` + fields + `]}`
	}
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "  \n", "x: empty file"},
		{"missing price", rec(`{"AvailabilityZone":"a","InstanceType":"t","ProductDescription":"Linux/UNIX","Timestamp":"2022-01-01T00:00:00Z"}`), "x: record 2: field SpotPrice: missing"},
		{"negative price", rec(`{"AvailabilityZone":"a","InstanceType":"t","ProductDescription":"Linux/UNIX","SpotPrice":"-1","Timestamp":"2022-01-01T00:00:00Z"}`), "x: record 2: field SpotPrice: bad price \"-1\""},
		{"bad time", rec(`{"AvailabilityZone":"a","InstanceType":"t","ProductDescription":"Linux/UNIX","SpotPrice":"1","Timestamp":"yesterday"}`), "x: record 2: field Timestamp: bad time \"yesterday\""},
		{"number price", rec(`{"AvailabilityZone":"a","InstanceType":"t","ProductDescription":"Linux/UNIX","SpotPrice":1,"Timestamp":"2022-01-01T00:00:00Z"}`), "x: record 2: JSON near byte"},
		{"truncated", `{"SpotPriceHistory":[{"AvailabilityZone":"a"`, "x: record 1: JSON near byte"},
		{"no key", "{\n  \"Other\": []\n}", "x: field SpotPriceHistory: page 1 has no SpotPriceHistory key"},
		{"one-line object without the keys", `{"Other":[]}`, "x: line 1: field AvailabilityZone: missing"},
		{"jsonl bad line", "{\"AvailabilityZone\":\"a\",\"InstanceType\":\"t\",\"ProductDescription\":\"Linux/UNIX\",\"SpotPrice\":\"1\",\"Timestamp\":\"2022-01-01T00:00:00Z\"}\n{\"AvailabilityZone\":\"a\",\n", "x: line 2: JSON"},
		{"csv missing column", "Timestamp,AvailabilityZone,InstanceType\n2022-01-01T00:00:00Z,a,t\n", "x: line 1: field SpotPrice: header lacks this column"},
		{"csv bad price", "Timestamp,AvailabilityZone,InstanceType,SpotPrice\n2022-01-01T00:00:00Z,a,t,0.1\n2022-01-01T00:00:00Z,a,t,abc\n", "x: line 3: field SpotPrice: bad price \"abc\""},
		{"only other products", "Timestamp,AvailabilityZone,InstanceType,ProductDescription,SpotPrice\n2022-01-01T00:00:00Z,a,t,Windows,0.1\n", "no spot-price records for product \"Linux/UNIX\" (skipped 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadPricesFrom(strings.NewReader(tc.in), "x", PriceReadOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestReadPricesMissingFile(t *testing.T) {
	_, err := ReadPrices([]string{"testdata/nope.json"}, PriceReadOptions{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("error = %v, want not-exist", err)
	}
}

func TestWritePricesRoundTrip(t *testing.T) {
	h, err := ReadPrices([]string{"testdata/prices-page1.json"}, PriceReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WritePricesCLIJSON(&buf, h.Records(DefaultProduct)); err != nil {
		t.Fatal(err)
	}
	golden(t, "roundtrip.json", buf.Bytes())
	h2, err := ReadPricesFrom(&buf, "roundtrip", PriceReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(h2.Series) != len(h.Series) || h2.Stats.Kept != h.Stats.Kept {
		t.Fatalf("round trip changed the history: %+v vs %+v", h2.Stats, h.Stats)
	}
	for k, s := range h.Series {
		for i := range s.Len() {
			t1, p1 := s.Point(i)
			t2, p2 := h2.Series[k].Point(i)
			if t1 != t2 || p1 != p2 {
				t.Errorf("%s point %d: %d %v vs %d %v", k, i, t1, p1, t2, p2)
			}
		}
	}
}

func TestMarketStatsGolden(t *testing.T) {
	h, err := ReadPrices([]string{"testdata/dir"}, PriceReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(h.MarketStats(), "", "  ")
	golden(t, "market-stats.golden.json", append(b, '\n'))
}

// sharedPrices is the real 90-day eu-west-1 file next to the repository.
const sharedPrices = "../../shared/data/spot-prices/eu-west-1_2022-03-09_2022-06-07.json"

func requireShared(t testing.TB, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("shared data %s is absent (%v): skipping the test on real data", path, err)
	}
}

func TestReadSharedRealPrices(t *testing.T) {
	requireShared(t, sharedPrices)
	h, err := ReadPrices([]string{sharedPrices}, PriceReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Series) != 63 || h.Stats.Records != 18903 || h.Stats.Skipped() != 0 {
		t.Fatalf("markets %d, stats %+v; want 63 markets and 18,903 records", len(h.Series), h.Stats)
	}
	// Measured on this file (eu-west-1, 2022): the median market changes
	// price about 3.5 times a day, not the 0.4 the shared README quotes for
	// the wider archive; the median step is about 0.17%.
	var perDay []float64
	for _, s := range h.MarketStats() {
		perDay = append(perDay, s.ChangesPerDay)
	}
	med := median(perDay)
	if med < 2.5 || med > 4.5 {
		t.Errorf("median changes per day = %.2f, measured 3.5 when this test was written", med)
	}
}

func TestDefaultPricesRegenerate(t *testing.T) {
	rc, err := DefaultCatalog().Region("eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	types, err := DefaultTypesOf(rc)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := GeneratePrices(DefaultPriceModel(), PriceGenOptions{Types: types, AZs: rc.AZs, Start: DefaultStart, Days: DefaultDays}, NewPriceRand(DefaultSeed))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WritePricesCLIJSON(&buf, recs); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), DefaultPricesJSON()) {
		t.Fatal("the embedded default prices are not what the documented command generates; regenerate them (see defaults.go)")
	}
	h, err := DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Series) != 9 {
		t.Errorf("default markets = %d, want 9", len(h.Series))
	}
}
