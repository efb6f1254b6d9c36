package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const smallSpec = `spot_price: ["100%", "50%"]
instance_types: [[c5a.4xlarge], [c6i.4xlarge, m5.4xlarge]]
on_demand_base: [0, 1]
headroom: ["20%"]
`

func writeSpec(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "spec.yaml")
	if err := os.WriteFile(p, []byte(smallSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var window = []string{"--from", "2026-03-02", "--to", "2026-03-09", "--runs", "2", "--seed", "5"}

func TestSweepWinnerReproduces(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sweep")
	args := append([]string{"sweep", "--spec", writeSpec(t), "--out", out, "--min-availability", "85"}, window...)
	code, stdout, stderr := scalite(t, args...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, f := range []string{"sweep.csv", "rows.jsonl", "pareto.png", "pareto.svg", "winner.yaml", "report.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	winner := filepath.Join(out, "winner.yaml")
	if code, vout, verr := scalite(t, "config", "validate", winner); code != 0 {
		t.Fatalf("winner.yaml does not validate: %s %s", vout, verr)
	}
	// scalite sim with winner.yaml and the same seeds gives the sweep row's numbers.
	code, simOut, simErr := scalite(t, append([]string{"sim", "--config", winner, "--format", "json"}, window...)...)
	if code != 0 {
		t.Fatal(simErr)
	}
	var doc struct {
		Aggregate map[string]map[string]float64
	}
	json.Unmarshal([]byte(simOut), &doc)
	csv, _ := os.ReadFile(filepath.Join(out, "sweep.csv"))
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	header := strings.Split(lines[0], ",")
	var row []string
	for _, l := range lines[1:] {
		if f := strings.Split(l, ","); f[len(header)-2] == "true" {
			row = f
		}
	}
	if row == nil {
		t.Fatal("no winner row in sweep.csv")
	}
	for i, h := range header {
		for _, m := range []string{"policy_cost_usd", "participant_minutes_disrupted", "availability_pct", "savings_pct"} {
			if h == m+"_mean" {
				if got := jsonNum(doc.Aggregate[m]["mean"]); got != row[i] {
					t.Errorf("%s: sim gives %s, the sweep row %s", m, got, row[i])
				}
			}
		}
	}
}

func jsonNum(v float64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestSweepShardsMergeToTheSameBytes: two shards merged give exactly the
// files of an unsharded run; the batch systems' index variables work.
func TestSweepShardsMergeToTheSameBytes(t *testing.T) {
	dir := t.TempDir()
	spec := writeSpec(t)
	base := append([]string{"--spec", spec, "--min-availability", "85"}, window...)
	run := func(args ...string) {
		t.Helper()
		if code, o, e := scalite(t, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s\n%s", args, code, o, e)
		}
	}
	run(append([]string{"sweep", "--out", filepath.Join(dir, "whole")}, base...)...)
	run(append([]string{"sweep", "--out", filepath.Join(dir, "s0"), "--shard", "0/2"}, base...)...)
	t.Setenv("JOB_COMPLETION_INDEX", "1")
	run(append([]string{"sweep", "--out", filepath.Join(dir, "s1"), "--shards", "2"}, base...)...)
	run(append(append([]string{"sweep", "merge", "--out", filepath.Join(dir, "merged")}, base...), filepath.Join(dir, "s0"), filepath.Join(dir, "s1"))...)
	for _, f := range []string{"sweep.csv", "rows.jsonl", "winner.yaml", "pareto.svg", "pareto.png", "report.html", "capacity.svg"} {
		a, err1 := os.ReadFile(filepath.Join(dir, "whole", f))
		b, err2 := os.ReadFile(filepath.Join(dir, "merged", f))
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between the unsharded and the merged sweep (%v %v)", f, err1, err2)
		}
	}
	// Merging one shard alone, or shards of another sweep, is an error.
	code, _, errOut := scalite(t, append(append([]string{"sweep", "merge", "--out", filepath.Join(dir, "bad")}, base...), filepath.Join(dir, "s0"))...)
	if code == 0 || !strings.Contains(errOut, "the shards hold 4 of 8 candidates") {
		t.Errorf("merging half: exit %d, %s", code, errOut)
	}
	other := append([]string{"sweep", "merge", "--out", filepath.Join(dir, "bad2"), "--spec", spec, "--seed", "6"}, window[:6]...)
	code, _, errOut = scalite(t, append(other, filepath.Join(dir, "s0"), filepath.Join(dir, "s1"))...)
	if code == 0 || !strings.Contains(errOut, "give sweep merge the same inputs") {
		t.Errorf("merging with other inputs: exit %d, %s", code, errOut)
	}
}

func TestSweepNoFeasibleCandidate(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sweep")
	code, _, errOut := scalite(t, append([]string{"sweep", "--spec", writeSpec(t), "--out", out, "--min-availability", "100.1"}, window...)...)
	if code != 1 || !strings.Contains(errOut, "no candidate of 8 meets the constraints") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(out, "winner.yaml")); !os.IsNotExist(err) {
		t.Error("winner.yaml written although nothing qualifies")
	}
	if _, err := os.Stat(filepath.Join(out, "sweep.csv")); err != nil {
		t.Error("sweep.csv should still be written, to see why")
	}
}
