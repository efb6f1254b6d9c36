package datasets

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Absurd prices are refused with the record and the bound; a dear but
// possible price passes.
func TestReadPricesRejectsAbsurdPrices(t *testing.T) {
	head := "Timestamp,AvailabilityZone,InstanceType,ProductDescription,SpotPrice\n2022-01-01T00:00:00Z,eu-west-1a,m5.large,Linux/UNIX,0.1\n"
	for _, tc := range []struct {
		price string
		ok    bool
	}{{"1e308", false}, {"1000.01", false}, {"999.99", true}, {"0", true}} {
		t.Run(tc.price, func(t *testing.T) {
			_, err := ReadPricesFrom(strings.NewReader(head+"2022-01-01T01:00:00Z,eu-west-1a,m5.large,Linux/UNIX,"+tc.price+"\n"), "p.csv", PriceReadOptions{})
			if tc.ok {
				if err != nil {
					t.Fatalf("price %s refused: %v", tc.price, err)
				}
				return
			}
			want := "p.csv: line 3: field SpotPrice: price " + tc.price + " USD/hour is above the 1000 USD/hour"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("error = %v, want it to contain %q", err, want)
			}
		})
	}
}

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A truncated or damaged .gz is reported as a corrupt compressed file,
// not as an empty or short one.
func TestCorruptGzipSaysSo(t *testing.T) {
	prices, err := os.ReadFile(filepath.Join("testdata", "prices.csv"))
	if err != nil {
		t.Fatal(err)
	}
	trace, err := os.ReadFile(filepath.Join("testdata", "trace.csv"))
	if err != nil {
		t.Fatal(err)
	}
	spotLake, err := os.ReadFile(filepath.Join("testdata", "spotlake", "09-00-00.csv"))
	if err != nil {
		t.Fatal(err)
	}
	damaged := func(z []byte) []byte {
		z = append([]byte(nil), z...)
		z[len(z)-6] ^= 0xff // inside the CRC-32 trailer
		return z
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		data []byte
		read func(path string) error
	}{
		{"prices cut in the header", gzipped(t, prices)[:40], readPricesFile},
		{"prices cut mid-stream", gzipped(t, prices)[:len(gzipped(t, prices))/2], readPricesFile},
		{"prices checksum", damaged(gzipped(t, prices)), readPricesFile},
		{"trace cut", gzipped(t, trace)[:60], readTraceFile},
		{"trace checksum", damaged(gzipped(t, trace)), readTraceFile},
		{"spotlake cut", gzipped(t, spotLake)[:len(gzipped(t, spotLake))/2], readSpotLakeFile},
		{"spotlake checksum", damaged(gzipped(t, spotLake)), readSpotLakeFile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".csv.gz")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			err := tc.read(path)
			if err == nil || !strings.Contains(err.Error(), "compressed file is corrupt or truncated") || !strings.Contains(err.Error(), path) {
				t.Fatalf("error = %v, want the file named and said to be corrupt", err)
			}
			if strings.Contains(err.Error(), "empty file") {
				t.Errorf("corrupt file reported as empty: %v", err)
			}
		})
	}
}

func readPricesFile(path string) error {
	_, err := ReadPrices([]string{path}, PriceReadOptions{})
	return err
}

func readTraceFile(path string) error {
	_, _, err := ReadTrace(path, "")
	return err
}

func readSpotLakeFile(path string) error {
	_, err := ReadSpotLake([]string{path})
	return err
}
