package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scalite/scalite/interruptions"
)

func TestInterruptionsFitTraces(t *testing.T) {
	out := filepath.Join(t.TempDir(), "model.yaml")
	code, stdout, stderr := scalite(t, "interruptions", "fit", "--holdout", "0.5", "-o", out, filepath.Join("..", "..", "interruptions", "testdata", "traces"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"c5a.4xlarge/eu-west-1a  (1440.0 h observed)",
		"available -> unavailable  0.03824/h [0.0279, 0.05117] (45 in 1176.7 h, mean 26.1 h)",
		"holding times vs exponential: KS 0.100, p=0.732, n=45",
		"2 of 2 pools inside the 95% interval",
		"wrote " + out + " (2 pools)",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	m, err := interruptions.ReadModel(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Pools) != 2 || m.Pools[0].Availability == nil {
		t.Errorf("model file: %+v", m)
	}
}

func TestInterruptionsFitEventLog(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	l, err := interruptions.OpenEventLog(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, e := range []interruptions.Event{
		{Time: t0, Kind: interruptions.KindLaunch, Instance: "i-1"},
		{Time: t0, Kind: interruptions.KindLaunch, Instance: "i-2"},
		{Time: t0.Add(2 * time.Hour), Kind: interruptions.KindRebalance, Instance: "i-1"},
		{Time: t0.Add(2*time.Hour + 10*time.Minute), Kind: interruptions.KindNotice, Instance: "i-1"},
		{Time: t0.Add(2*time.Hour + 12*time.Minute), Kind: interruptions.KindInterrupted, Instance: "i-1"},
		{Time: t0.Add(10 * time.Hour), Kind: interruptions.KindTerminate, Instance: "i-2"},
	} {
		e.InstanceType, e.AZ, e.Market = "c5a.4xlarge", "eu-west-1a", interruptions.MarketSpot
		if err := l.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := scalite(t, "interruptions", "fit", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// 1 interruption in 2.2 h + 10 h of spot instance time.
	for _, want := range []string{
		"interruption model from event-log",
		"interruptions per spot instance-hour  0.08197/h [0.002075, 0.4567]",
		"(1 in 12.2 h, mean 12.2 h)",
		"rebalance recommendations: 1, 1 then a notice (median lead 600 s), 0 false alarms",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestInterruptionsFitBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "c5a.4xlarge_eu-west-1a.json")
	if err := os.WriteFile(bad, []byte(`{"metadata":{"gap_seconds":60},"data":[1,1,"x"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "model.yaml")
	code, _, stderr := scalite(t, "interruptions", "fit", "-o", out, bad)
	if code == 0 || !strings.Contains(stderr, bad) {
		t.Errorf("exit %d, stderr %q: want failure naming %s", code, stderr, bad)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("model written despite the error")
	}
	if code, _, _ := scalite(t, "interruptions", "fit"); code != 2 {
		t.Errorf("no PATH: exit %d, want 2", code)
	}
}
