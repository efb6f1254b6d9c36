package interruptions

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestModelRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	ts, err := FitTwoState(Generate(skyUpRate, skyDownRate, 5000, 300, rng), 300, DefaultConfidence)
	if err != nil {
		t.Fatal(err)
	}
	h := EstimateRate(3, 1000, DefaultConfidence)
	m := &Model{Version: ModelVersion, Source: "traces", Confidence: DefaultConfidence, Pools: []PoolModel{
		{Pool: Pool{"c5a.4xlarge", "eu-west-1a"}, ObservedHours: 416, Availability: &ts},
		{Pool: Pool{"m5.4xlarge", "eu-west-1b"}, ObservedHours: 100, InstanceHazard: &h, Rebalances: 2},
	}}
	path := filepath.Join(t.TempDir(), "model.yaml")
	if err := WriteModel(path, m); err != nil {
		t.Fatal(err)
	}
	got, err := ReadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("round trip changed the model:\n got %+v\nwant %+v", got, m)
	}
}

func TestParseModelErrorsNameLineAndField(t *testing.T) {
	head := "version: 1\nsource: traces\nconfidence: 0.95\npools:\n"
	pool := "  - instance_type: c5a.4xlarge\n    az: eu-west-1a\n    availability:\n      available_to_unavailable: {per_hour: 0.04}\n      unavailable_to_available: {per_hour: 0.15}\n"
	cases := []struct{ name, text, want string }{
		{"wrong version", strings.Replace(head, "version: 1", "version: 7", 1) + pool, "m.yaml: line 1: field version: want 1, got 7"},
		{"no pools", head, "m.yaml: line 4: field pools: no pools"},
		{"negative rate", head + strings.Replace(pool, "0.04", "-1", 1), "m.yaml: line 5: field pools[0].availability.available_to_unavailable.per_hour: want a finite rate >= 0"},
		{"never comes back", head + strings.Replace(pool, "0.15", "0", 1), "pools[0].availability.unavailable_to_available.per_hour: a pool that leaves"},
		{"duplicate", head + pool + pool, "m.yaml: line 10: field pools[1].az: pool c5a.4xlarge/eu-west-1a listed twice"},
		{"nothing fitted", head + "  - {instance_type: c5a.4xlarge, az: eu-west-1a}\n", "field pools[0].availability: neither"},
		{"unknown key", head + strings.Replace(pool, "az:", "zone:", 1), "m.yaml: yaml: unmarshal errors:\n  line 6: field zone not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseModel([]byte(c.text), "m.yaml")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestReadTracesErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct{ name, file, text, want string }{
		{"no gap", "a_eu-west-1a.json", `{"metadata":{},"data":[1]}`, "field metadata.gap_seconds: missing"},
		{"bad value", "b_eu-west-1a.json", `{"metadata":{"gap_seconds":60},"data":[1,0,-2]}`, "field data[2]: want a count"},
		{"fraction", "c_eu-west-1a.json", `{"metadata":{"gap_seconds":60},"data":[0.5]}`, "field data[0]"},
		{"no pool in name", "trace.json", `{"metadata":{"gap_seconds":60},"data":[1]}`, "want a name like"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := write(c.file, c.text)
			_, err := ReadTraces(p)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("err = %v, want the file and %q", err, c.want)
			}
		})
	}
	if _, err := ReadTraces(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no TYPE_AZ.json files") {
		t.Errorf("empty dir: %v", err)
	}
}

func TestPoolFromName(t *testing.T) {
	for name, want := range map[string]Pool{
		"c5a.4xlarge_eu-west-1a": {"c5a.4xlarge", "eu-west-1a"},
		"us-east-1a_v100_1":      {"v100_1", "us-east-1a"},
		"m5.4xlarge_euw1-az2":    {"m5.4xlarge", "euw1-az2"},
	} {
		got, ok := poolFromName(name)
		if !ok || got != want {
			t.Errorf("poolFromName(%q) = %v, %v; want %v", name, got, ok, want)
		}
	}
}

// TestPoolFromNameReadsGCPNames: SkyPilot's GCP traces are named
// ZONE_TYPE.json with a GCP zone (skypilot-org/spot-traces,
// preemption/1-node/gcp-04-30-2023/us-central1-c_c3-88.json); the zone is
// the first part, not the text after the last underscore.
func TestPoolFromNameReadsGCPNames(t *testing.T) {
	for name, want := range map[string]Pool{
		"us-central1-c_c3-88": {"c3-88", "us-central1-c"},
		"us-east1-b_c3-88":    {"c3-88", "us-east1-b"},
	} {
		got, ok := poolFromName(name)
		if !ok || got != want {
			t.Errorf("poolFromName(%q) = %v, %v; want %v", name, got, ok, want)
		}
	}
}
