package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalite/scalite/sim"
)

// regressFixture writes a small suite: two policies, one week, one run.
func regressFixture(t *testing.T) (suite, baseline, policies string) {
	t.Helper()
	dir := t.TempDir()
	policies = filepath.Join(dir, "policies")
	os.MkdirAll(policies, 0o755)
	os.WriteFile(filepath.Join(policies, "od.yaml"), []byte("spot:\n  enabled: false\n"), 0o644)
	os.WriteFile(filepath.Join(policies, "spot.yaml"), []byte("spot:\n  instance_type: c5a.4xlarge\non_demand:\n  base: 1\n"), 0o644)
	trace := filepath.Join(dir, "trace.csv")
	if code, _, e := scalite(t, "trace", "generate", "--days", "7", "--scale", "0.5", "-o", trace); code != 0 {
		t.Fatal(e)
	}
	suite = filepath.Join(dir, "regress.yaml")
	os.WriteFile(suite, []byte("scenarios:\n  - name: week\n    trace: trace.csv\n    runs: 1\npolicies: [policies/]\n"), 0o644)
	baseline = filepath.Join(dir, "baseline.json")
	if code, o, e := scalite(t, "regress", "--suite", suite, "--baseline", baseline, "--update"); code != 0 {
		t.Fatalf("update: %s %s", o, e)
	}
	return suite, baseline, policies
}

func TestRegress(t *testing.T) {
	suite, baseline, policies := regressFixture(t)
	dir := filepath.Dir(suite)

	// Unchanged: passes, exit 0, JUnit without failures.
	junit := filepath.Join(dir, "junit.xml")
	code, out, errOut := scalite(t, "regress", "--suite", suite, "--baseline", baseline, "--junit", junit)
	if code != 0 || !strings.Contains(out, "regress: 2 cases passed, 0 regressed") {
		t.Fatalf("unchanged suite: exit %d\n%s\n%s", code, out, errOut)
	}

	// A policy made worse on purpose: a larger on-demand base costs more.
	os.WriteFile(filepath.Join(policies, "spot.yaml"), []byte("spot:\n  instance_type: c5a.4xlarge\non_demand:\n  base: 4\n"), 0o644)
	md := filepath.Join(dir, "summary.md")
	code, out, errOut = scalite(t, "regress", "--suite", suite, "--baseline", baseline, "--junit", junit, "--markdown", md)
	if code != 1 || !strings.Contains(errOut, "1 of 2 cases regressed") {
		t.Fatalf("worse policy: exit %d\n%s\n%s", code, out, errOut)
	}
	var costLine string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "policy_cost_usd") && strings.Contains(l, "REGRESSION") {
			costLine = l
		}
	}
	if !strings.Contains(out, "FAIL  spot on week") || costLine == "" {
		t.Fatalf("the failing metric is not named:\n%s", out)
	}
	mdText, _ := os.ReadFile(md)
	if !strings.Contains(string(mdText), "1 of 2 cases regressed") || !strings.Contains(string(mdText), "❌") {
		t.Errorf("markdown:\n%s", mdText)
	}

	// The JUnit file has the common shape, one failure naming the metric.
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Time      string `xml:"time,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	data, _ := os.ReadFile(junit)
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != 2 || doc.Failures != 1 || len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 2 {
		t.Fatalf("junit shape: %+v", doc)
	}
	for _, c := range doc.Suites[0].Cases {
		if (c.Failure != nil) != (c.Name == "spot") || c.Classname != "scalite.regress.week" || c.Time == "" {
			t.Errorf("testcase %+v", c)
		}
		if c.Failure != nil && !strings.Contains(c.Failure.Message, "policy_cost_usd") {
			t.Errorf("failure message %q does not name the metric", c.Failure.Message)
		}
	}

	// A changed scenario input is an explicit error, exit 2.
	f, _ := os.OpenFile(filepath.Join(dir, "trace.csv"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("extra,2026-03-03T10:00:00Z,2026-03-03T11:00:00Z,20,1,0,false,\n")
	f.Close()
	code, _, errOut = scalite(t, "regress", "--suite", suite, "--baseline", baseline)
	if code != 2 || !strings.Contains(errOut, "scenario week: its inputs changed since the baseline") {
		t.Fatalf("changed input: exit %d, %s", code, errOut)
	}

	// Another model version is an explicit error, exit 2.
	b, _ := os.ReadFile(baseline)
	os.WriteFile(baseline, []byte(strings.Replace(string(b), sim.ModelVersion, "scalite-sim/0", 1)), 0o644)
	code, _, errOut = scalite(t, "regress", "--suite", suite, "--baseline", baseline)
	if code != 2 || !strings.Contains(errOut, "made by simulator model scalite-sim/0") {
		t.Fatalf("model version: exit %d, %s", code, errOut)
	}

	// Usage errors are exit 2 too.
	if code, _, _ := scalite(t, "regress", "--suite", suite); code != 2 {
		t.Errorf("missing --baseline: exit %d", code)
	}
}

// TestOwnSuite runs the project's own policy regression suite: a change in
// the simulator's behaviour that moves any example policy fails here.
func TestOwnSuite(t *testing.T) {
	code, out, errOut := scalite(t, "regress", "--suite", "../../examples/regress.yaml", "--baseline", "../../examples/baseline.json")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}
