package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCapacityFitCommand: `capacity fit` reads the load-test fixture and
// prints each type's capacity at the ceiling and the config snippet; JSON
// carries the same figures; bad input exits non-zero naming file and line.
func TestCapacityFitCommand(t *testing.T) {
	fixture := filepath.Join("..", "..", "capacityfit", "testdata", "loadtest.csv")
	code, out, errs := scalite(t, "capacity", "fit", fixture)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"117 samples", "c5a.2xlarge", "7600", "load_capacity:\n  c5a.2xlarge: 7600\n  c5a.4xlarge: 17981\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = scalite(t, "capacity", "fit", "--format", "json", "--ceiling", "60", fixture)
	if code != 0 {
		t.Fatalf("json: exit %d", code)
	}
	var got struct {
		Fits []struct {
			Type     string  `json:"instance_type"`
			Capacity int     `json:"capacity_load"`
			Ceiling  float64 `json:"ceiling_cpu_pct"`
			Catalog  int     `json:"catalog_capacity_load"`
		} `json:"fits"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Fits) != 2 || got.Fits[0].Ceiling != 60 || got.Fits[0].Capacity >= 7600 || got.Fits[0].Catalog != 8584 {
		t.Errorf("json at a 60%% ceiling: %+v", got.Fits)
	}

	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("time,instance_type,cpu_pct,participants,voice,webcams,screenshare\n2026-03-02T08:00:00Z,c5a.2xlarge,x,1,0,0,0\n"), 0o644)
	if code, _, errs := scalite(t, "capacity", "fit", bad); code != 1 || !strings.Contains(errs, "bad.csv: line 2: field cpu_pct") {
		t.Errorf("bad sample: exit %d, %s", code, errs)
	}
	if code, _, _ := scalite(t, "capacity", "fit"); code != 2 {
		t.Errorf("no samples file: exit %d, want 2", code)
	}
}

// TestCatalogShowsLoadCapacityBesideUsers: the catalog prints each type's
// capacity in load units next to the old 25-users-per-vCPU rule.
func TestCatalogShowsLoadCapacityBesideUsers(t *testing.T) {
	code, out, _ := scalite(t, "catalog")
	if code != 0 {
		t.Fatal(code)
	}
	var row string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "c5a.8xlarge") {
			row = l
		}
	}
	f := strings.Fields(row)
	// type vCPU GiB od users $/user-h LU listen-only mixed all-webcam multiplier ...
	if len(f) < 11 || f[4] != "800" || f[6] != "34336" || f[8] != "800" || f[9] != "160" || f[10] != "0.250" {
		t.Errorf("c5a.8xlarge row %q", row)
	}
	code, out, _ = scalite(t, "catalog", "--format", "json")
	if code != 0 || !strings.Contains(out, `"capacity_load": 8584`) || !strings.Contains(out, `"load_multiplier": 0.5`) {
		t.Errorf("json lacks the load capacity: %s", out[:min(400, len(out))])
	}
}
