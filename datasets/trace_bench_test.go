package datasets

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/scalite/scalite/model"
)

// benchYear is one year of the university profile at the given load scale,
// the trace the one-year simulation benchmarks replay.
func benchYear(b *testing.B, scale float64) []model.Meeting {
	b.Helper()
	prof, _ := Profile("university")
	ms, err := GenerateTrace(prof, TraceGenOptions{Start: time.Date(2022, 3, 10, 0, 0, 0, 0, time.UTC), Days: 365, Scale: scale}, NewTraceRand(1))
	if err != nil {
		b.Fatal(err)
	}
	return ms
}

// BenchmarkReadTrace reads a one-year university trace (about 100,000
// meetings) from a CSV file: records/s is meetings read per second.
func BenchmarkReadTrace(b *testing.B) {
	ms := benchYear(b, 1)
	var buf bytes.Buffer
	if err := WriteTrace(&buf, ms); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "trace.csv")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		got, _, err := ReadTrace(path, "")
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != len(ms) {
			b.Fatalf("read %d of %d meetings", len(got), len(ms))
		}
	}
	b.ReportMetric(float64(len(ms))*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkGenerateTrace draws one year of the university profile at 16x
// its load (about 3.2 million meetings): records/s is meetings drawn per
// second; B/op against the meetings' own size shows the generator's waste.
func BenchmarkGenerateTrace(b *testing.B) {
	prof, _ := Profile("university")
	opt := TraceGenOptions{Start: time.Date(2022, 3, 10, 0, 0, 0, 0, time.UTC), Days: 365, Scale: 16}
	b.ReportAllocs()
	n := 0
	for range b.N {
		ms, err := GenerateTrace(prof, opt, NewTraceRand(1))
		if err != nil {
			b.Fatal(err)
		}
		n += len(ms)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkParseCatalogCSV reads the embedded catalog: records/s is
// instance types read per second.
func BenchmarkParseCatalogCSV(b *testing.B) {
	b.ReportAllocs()
	n := 0
	for range b.N {
		c, err := ParseCatalogCSV(bytes.NewReader(defaultCatalogCSV), "catalog.csv")
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range c.Regions {
			n += len(r.Types)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}
