package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// scalite runs the CLI in-process and returns its exit code and output.
func scalite(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"scalite"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLI(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "trace.csv")
	prices := filepath.Join(dir, "prices.json")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string // substrings of stdout+stderr
	}{
		{"catalog", []string{"catalog", "--region", "us-east-1"}, 0, []string{"region us-east-1, 31 instance types", "c5a.2xlarge", "200"}},
		{"catalog json", []string{"catalog", "--format", "json"}, 0, []string{`"name": "m6i.4xlarge"`, `"advisor_band": ">20%"`}},
		{"catalog bad region", []string{"catalog", "--region", "mars-1"}, 1, []string{`region "mars-1" is not in the catalog`}},
		{"config example", []string{"config", "example"}, 0, []string{"allocation_strategy: price-capacity-optimized"}},
		{"config validate missing", []string{"config", "validate", filepath.Join(dir, "none.yaml")}, 1, []string{"reading config", "no such file"}},
		{"trace generate", []string{"trace", "generate", "--profile", "school", "--days", "7", "--seed", "2", "-o", trace}, 0, []string{"meetings (school profile, 7 days, seed 2)"}},
		{"trace inspect", []string{"trace", "inspect", trace}, 0, []string{"peak concurrent participants", "weekly profile", "Mon"}},
		{"trace bad profile", []string{"trace", "generate", "--profile", "zoo"}, 2, []string{`unknown profile "zoo"`}},
		{"prices generate", []string{"prices", "generate", "--instance-types", "c5a.2xlarge,m5.2xlarge", "--days", "10", "-o", prices}, 0, []string{"for 6 markets"}},
		{"prices inspect", []string{"prices", "inspect", prices}, 0, []string{"1 files", "6 markets", "c5a.2xlarge/eu-west-1a"}},
		{"prices inspect missing", []string{"prices", "inspect"}, 2, []string{"needs at least one PATH"}},
		{"unknown flag", []string{"catalog", "--colour"}, 2, []string{"usage:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := scalite(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out+errOut, w) {
					t.Errorf("output lacks %q\nstdout: %s\nstderr: %s", w, out, errOut)
				}
			}
		})
	}
}

// TestNoHalfWrittenOutput: a failing generate leaves no file behind.
func TestNoHalfWrittenOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "prices.json")
	code, _, errOut := scalite(t, "prices", "generate", "--instance-types", "c5a.2xlarge,x9.huge", "-o", out)
	if code == 0 || !strings.Contains(errOut, `"x9.huge" is not in the eu-west-1 catalog`) {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("output exists after a failure: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestSharedPricesInspect(t *testing.T) {
	const shared = "../../../shared/data/spot-prices"
	if _, err := os.Stat(shared); err != nil {
		t.Skipf("shared data %s is absent: skipping the CLI run on real prices", shared)
	}
	code, out, errOut := scalite(t, "prices", "inspect", shared)
	if code != 0 || !strings.Contains(out, "18903 records read, 63 markets") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}
