package scenario

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseAvailability reads the SkyPilot trace format and rejects traces
// without a positive gap, without data, or with values that are not counts
// (a count above 0 is up, as in SkyPilot's traces of instances available).
func TestParseAvailability(t *testing.T) {
	a, err := ParseAvailability([]byte(`{"metadata":{"gap_seconds":600},"data":[1,0,1]}`), "t.json")
	if err != nil || a.Up(0) != true || a.Up(600) != false || a.Up(99999) != true {
		t.Fatalf("parse: %v %+v", err, a)
	}
	for _, bad := range []string{`{"data":[1]}`, `{"metadata":{"gap_seconds":60},"data":[]}`, `{"metadata":{"gap_seconds":60},"data":[-1]}`, `{"metadata":{"gap_seconds":60},"data":[0.5]}`} {
		if _, err := ParseAvailability([]byte(bad), "bad.json"); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

// TestReadAvailabilityDirNamesTheFile: a file not named
// INSTANCETYPE_AZ.json is reported with its path.
func TestReadAvailabilityDirNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "c5a.4xlarge.json"), []byte(`{"metadata":{"gap_seconds":60},"data":[1]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadAvailabilityDir(dir); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "c5a.4xlarge.json")) {
		t.Fatalf("error = %v, want one naming the file", err)
	}
}
