package datasets

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/scalite/scalite/model"
)

// millionRecords makes n records over 63 markets, a change every few minutes.
func syntheticRecords(n int) []PriceRecord {
	recs := make([]PriceRecord, n)
	for i := range recs {
		m := i % 63
		recs[i] = PriceRecord{
			Market:     model.MarketKey{InstanceType: fmt.Sprintf("c%d.4xlarge", m/3), AZ: fmt.Sprintf("eu-west-1%c", 'a'+m%3)},
			Product:    DefaultProduct,
			USDPerHour: 0.2 + float64(i%1000)/1e5,
			Time:       1_600_000_000 + int64(i/63)*300,
		}
	}
	return recs
}

// BenchmarkReadPricesCLIJSON reads one million records in the AWS CLI shape;
// the target is under 2 s per read on the 2-core machines.
func BenchmarkReadPricesCLIJSON(b *testing.B) {
	benchmarkReadPrices(b, 1_000_000)
}

func benchmarkReadPrices(b *testing.B, n int) {
	var buf bytes.Buffer
	if err := WritePricesCLIJSON(&buf, syntheticRecords(n)); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "prices.json")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		h, err := ReadPrices([]string{path}, PriceReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if h.Stats.Kept != n {
			b.Fatalf("kept %d of %d", h.Stats.Kept, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
