package regress

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/sim"
)

// disruption sums what one scenario's cases record, over every policy and
// run.
type disruption struct {
	interruptions, capacityInterruptions, participantsDisrupted, meetingsDisrupted int
	participantMinutesDisrupted                                                    float64
}

// suiteDisruption runs every case of a suite as Run does and sums, per
// scenario, the interruptions and the disruption they caused.
func suiteDisruption(t *testing.T, path string) (*Suite, map[string]disruption) {
	t.Helper()
	s, err := LoadSuite(path)
	if err != nil {
		t.Fatal(err)
	}
	cat := datasets.DefaultCatalog()
	pols, err := s.PolicyFiles(cat)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]disruption{}
	for i := range s.Scenarios {
		sc := &s.Scenarios[i]
		var d disruption
		for p := range pols {
			scen, err := s.Build(sc, &pols[p], cat)
			if err != nil {
				t.Fatalf("%s on %s: %v", pols[p].Name, sc.Name, err)
			}
			runs, err := sim.RunMany(scen.Options, sc.Runs, 0, scen.MeetingsFor)
			if err != nil {
				t.Fatalf("%s on %s: %v", pols[p].Name, sc.Name, err)
			}
			for _, r := range runs {
				d.interruptions += r.Interruptions
				d.capacityInterruptions += r.CapacityInterruptions
				d.participantsDisrupted += r.ParticipantsDisrupted
				d.meetingsDisrupted += r.MeetingsDisrupted
				d.participantMinutesDisrupted += r.ParticipantMinutesDisrupted
			}
		}
		out[sc.Name] = d
	}
	return s, out
}

// disruptionProblems says what is wrong with a suite's disruption: a
// scenario that sets capacity_interruptions and disrupts nobody, or no
// scenario at all where capacity is reclaimed and participants disrupted.
func disruptionProblems(s *Suite, got map[string]disruption) []string {
	var out []string
	disrupting := 0
	for _, sc := range s.Scenarios {
		d := got[sc.Name]
		if d.capacityInterruptions > 0 && d.participantsDisrupted > 0 {
			disrupting++
		} else if sc.CapacityInterruptions != "" {
			out = append(out, fmt.Sprintf("scenario %s (capacity_interruptions %s) records %d capacity interruptions and %d disrupted participants: it no longer tests disruption",
				sc.Name, sc.CapacityInterruptions, d.capacityInterruptions, d.participantsDisrupted))
		}
	}
	if disrupting == 0 {
		out = append(out, "no scenario of the suite reclaims spot capacity and disrupts participants: a regression in disruption handling would be invisible")
	}
	return out
}

// TestRegressionSuiteHasDisruptingScenarios: the project's own suite
// (examples/regress.yaml) must have a scenario where spot capacity is
// reclaimed and participants are disrupted, or a regression in how
// interruptions are handled (drain, rejoin, recordings, fallback) could
// not show in `make test`. Every scenario that sets
// capacity_interruptions exists for that reason and must disrupt too.
func TestRegressionSuiteHasDisruptingScenarios(t *testing.T) {
	s, got := suiteDisruption(t, filepath.Join("..", "examples", "regress.yaml"))
	for _, sc := range s.Scenarios {
		d := got[sc.Name]
		t.Logf("%-28s interruptions %5d (capacity %5d), participants disrupted %6d, meetings disrupted %5d, participant-minutes disrupted %9.1f (all policies, %d runs each)",
			sc.Name, d.interruptions, d.capacityInterruptions, d.participantsDisrupted, d.meetingsDisrupted, d.participantMinutesDisrupted, sc.Runs)
	}
	for _, p := range disruptionProblems(s, got) {
		t.Error(p)
	}
}

// The check can fail: a suite whose scenario replays the stress traces to
// an all-on-demand fleet reclaims nothing and disrupts nobody, and both
// problems are reported.
func TestSuiteWithoutDisruptionIsFlagged(t *testing.T) {
	dir := t.TempDir()
	traces, err := filepath.Abs(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"od.yaml": "spot:\n  enabled: false\non_demand:\n  instance_type: c5a.4xlarge\n  base: 1\n",
		"regress.yaml": "scenarios:\n  - name: calm\n    profile: school\n    scale: 0.2\n    from: 2026-03-02\n    to: 2026-03-04\n" +
			"    capacity_interruptions: trace:" + traces + "\npolicies:\n  - od.yaml\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, got := suiteDisruption(t, filepath.Join(dir, "regress.yaml"))
	problems := disruptionProblems(s, got)
	if len(problems) != 2 || !strings.Contains(problems[0], "scenario calm") || !strings.Contains(problems[1], "no scenario") {
		t.Errorf("an all-on-demand suite (%+v) gave problems %q, want the scenario's and the suite's", got["calm"], problems)
	}
}
