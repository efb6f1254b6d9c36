package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// contractKeys are the `sim --format json` keys outside tests read.
var contractKeys = strings.Fields(`policy_cost_usd spot_cost_usd on_demand_cost_usd baseline_on_demand_cost_usd
savings_pct interruptions rebalance_recommendations meetings_total meetings_disrupted participant_minutes_total
participant_minutes_disrupted participants_rejected overloaded_participant_minutes availability_pct recordings_lost
instance_hours_spot instance_hours_on_demand peak_servers events seed`)

func TestSimJSONContract(t *testing.T) {
	code, out, errOut := scalite(t, "sim", "--format", "json", "--config", "../../config/example.yaml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range contractKeys {
		if _, ok := m[k]; !ok {
			t.Errorf("key %s missing", k)
		}
	}
	if m["meetings_total"].(float64) < 1000 || m["policy_cost_usd"].(float64) <= 0 {
		t.Errorf("implausible result: %v", m)
	}
	savings := m["savings_pct"].(float64)
	base, cost := m["baseline_on_demand_cost_usd"].(float64), m["policy_cost_usd"].(float64)
	if d := savings - 100*(base-cost)/base; d > 1e-9 || d < -1e-9 {
		t.Errorf("savings_pct %v is not 100 x (baseline - cost) / baseline", savings)
	}
	// Same inputs, same seed: byte-identical.
	_, again, _ := scalite(t, "sim", "--format", "json", "--config", "../../config/example.yaml")
	if again != out {
		t.Error("two runs with the same seed differ")
	}
}

func TestSimRunsAndOut(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	code, out, errOut := scalite(t, "sim", "--runs", "3", "--format", "json", "--out", dir, "--from", "2026-03-02", "--to", "2026-03-09")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Runs      []map[string]any
		Aggregate map[string]map[string]float64
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Runs) != 3 || doc.Runs[2]["seed"].(float64) != 3 {
		t.Fatalf("runs = %v", doc.Runs)
	}
	for _, k := range contractKeys[:len(contractKeys)-1] {
		s, ok := doc.Aggregate[k]
		if !ok {
			t.Errorf("aggregate lacks %s", k)
			continue
		}
		for _, q := range []string{"mean", "p5", "p50", "p95"} {
			if _, ok := s[q]; !ok {
				t.Errorf("aggregate %s lacks %s", k, q)
			}
		}
	}
	for _, f := range []string{"summary.json", "timeseries.csv", "events.jsonl", "report.html", "capacity.png", "runs.svg"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	ts, _ := os.ReadFile(filepath.Join(dir, "timeseries.csv"))
	lines := strings.Split(strings.TrimSpace(string(ts)), "\n")
	// A week at a 5-minute sample: 2016 rows, one more at the window's end,
	// and a header.
	if len(lines) != 2018 || !strings.HasPrefix(lines[0], "time,demand_participants,capacity_users,capacity_spot_users,capacity_on_demand_users,cost_usd_per_hour,cum_cost_usd,") {
		t.Errorf("timeseries: %d lines, header %q", len(lines), lines[0])
	}
}

func TestSimFailsBeforeSimulating(t *testing.T) {
	dir := t.TempDir()
	prices := filepath.Join(dir, "prices.json")
	if code, _, errOut := scalite(t, "prices", "generate", "--instance-types", "m5.2xlarge", "--days", "3", "-o", prices); code != 0 {
		t.Fatal(errOut)
	}
	out := filepath.Join(dir, "out")
	code, _, errOut := scalite(t, "sim", "--prices", prices, "--out", out)
	if code != 1 || !strings.Contains(errOut, "no spot price history for market c5a.4xlarge/eu-west-1a, which the policy uses") {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("--out directory created although nothing was simulated")
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("fleet:\n  min: 5\n  max: 2\n"), 0o644)
	code, _, errOut = scalite(t, "sim", "--config", bad)
	if code != 1 || !strings.Contains(errOut, "bad.yaml: line 2: fleet.min: 5 exceeds fleet.max (2)") {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	code, _, errOut = scalite(t, "sim", "--config", filepath.Join(dir, "missing.yaml"))
	if code != 1 || !strings.Contains(errOut, "no such file") {
		t.Fatalf("explicit missing config: exit %d, stderr %s", code, errOut)
	}
}

// TestSimSaysHowTheWindowStarted: the text output's second line says the
// window started warm, with its fleet and meetings in progress, and the
// JSON has the same; with simulation.warm_start false it says cold.
func TestSimSaysHowTheWindowStarted(t *testing.T) {
	window := []string{"--from", "2026-03-03T10:30:00Z", "--to", "2026-03-03T12:30:00Z"}
	code, out, errOut := scalite(t, append([]string{"sim"}, window...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(out, "\n")
	var servers, meetings int
	if n, err := fmt.Sscanf(strings.TrimSpace(lines[1]), "started warm: %d servers, %d meetings in progress", &servers, &meetings); n != 2 || err != nil || servers < 1 || meetings < 1 {
		t.Errorf("second line %q: want \"started warm: N servers, M meetings in progress\" mid-morning", lines[1])
	}
	_, js, _ := scalite(t, append([]string{"sim", "--format", "json"}, window...)...)
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatal(err)
	}
	if m["warm_start"] != true || m["warm_start_servers"] != float64(servers) || m["warm_start_meetings"] != float64(meetings) {
		t.Errorf("json: warm_start %v, warm_start_servers %v, warm_start_meetings %v; want true, %d, %d", m["warm_start"], m["warm_start_servers"], m["warm_start_meetings"], servers, meetings)
	}

	cold := filepath.Join(t.TempDir(), "cold.yaml")
	if err := os.WriteFile(cold, []byte("simulation:\n  warm_start: false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = scalite(t, append([]string{"sim", "--config", cold}, window...)...)
	if code != 0 {
		t.Fatalf("cold: exit %d: %s", code, errOut)
	}
	if second := strings.Split(out, "\n")[1]; !strings.Contains(second, "started cold") {
		t.Errorf("cold: second line %q, want it to say the window started cold", second)
	}
}
