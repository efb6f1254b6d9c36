package datasets

import (
	"bytes"
	"os"
	"testing"
)

func addFiles(f *testing.F, paths ...string) {
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzReadPrices feeds arbitrary bytes to the price reader: it must return
// a history or an error, never panic, and a history it returns is sound.
func FuzzReadPrices(f *testing.F) {
	addFiles(f, "testdata/prices-page1.json", "testdata/prices.jsonl", "testdata/prices.csv", "testdata/prices.tsv")
	f.Add([]byte(`{"SpotPriceHistory":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ReadPricesFrom(bytes.NewReader(data), "fuzz", PriceReadOptions{Product: AllProducts})
		if err != nil {
			return
		}
		for _, s := range h.Series {
			if s.Len() == 0 {
				t.Fatal("empty series")
			}
			if _, err := s.Cost(s.First(), s.Last()); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzParseTrace: no input may panic the trace reader, and what it accepts
// has positive durations.
func FuzzParseTrace(f *testing.F) {
	addFiles(f, "testdata/trace.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		ms, err := ParseTrace(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		for _, m := range ms {
			if m.End <= m.Start || m.Participants < 0 {
				t.Fatalf("accepted a bad meeting %+v", m)
			}
		}
		_, _, _ = ApplySamples(ms, bytes.NewReader(data), "fuzz-samples")
	})
}

// FuzzParseCatalog: no input may panic either catalog reader.
func FuzzParseCatalog(f *testing.F) {
	f.Add(DefaultCatalogCSV())
	f.Add([]byte(`{"regions":[{"region":"r","instance_types":[{"name":"t","vcpu":2,"on_demand_usd_per_hour":0.1}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ParseCatalogCSV(bytes.NewReader(data), "fuzz")
		_, _ = ParseCatalogJSON(data, "fuzz")
	})
}
