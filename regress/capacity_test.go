package regress

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/sim"
)

// capacitySuite writes a one-scenario suite with capacity_interruptions
// set to value (paths relative to the suite, as in examples/) and a spot
// policy that asks for the advisor's model, beside a copy of the fixture.
func capacitySuite(t *testing.T, value string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "traces"), 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(fixtureDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "traces", e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(fixtureModel)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"model.yaml": string(b),
		"spot.yaml":  "spot:\n  instance_type: c5a.4xlarge\nsimulation:\n  capacity_interruptions: advisor\n",
		"regress.yaml": "scenarios:\n  - name: s\n    profile: school\n    from: 2026-03-02\n    to: 2026-03-09\n" +
			"    capacity_interruptions: \"" + value + "\"\npolicies:\n  - spot.yaml\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "regress.yaml")
}

// A scenario's capacity_interruptions replaces the policy's, with its path
// relative to the suite file (not to the working directory), and leaves
// the policy itself as it was for the suite's other scenarios.
func TestScenarioCapacityInterruptionsReplacesThePolicys(t *testing.T) {
	for _, value := range []string{"trace:traces", "model:model.yaml"} {
		t.Run(value, func(t *testing.T) {
			s, err := LoadSuite(capacitySuite(t, value))
			if err != nil {
				t.Fatal(err)
			}
			cat := datasets.DefaultCatalog()
			pols, err := s.PolicyFiles(cat)
			if err != nil {
				t.Fatal(err)
			}
			scen, err := s.Build(&s.Scenarios[0], &pols[0], cat)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range scen.Options.Policy.SpotMarkets() {
				if scen.Options.Capacity != sim.CapacityTrace || scen.Options.Availability[k] == nil {
					t.Errorf("market %s: capacity model %v without a replayed availability trace", k, scen.Options.Capacity)
				}
			}
			if ci := pols[0].File.Config.Simulation.CapacityInterruptions; ci != "advisor" {
				t.Errorf("the policy's own setting became %q", ci)
			}
		})
	}
}

// The files capacity_interruptions names are inputs: changing them makes
// the baseline's comparison an input error, not a silent pass or a
// false regression. A scenario without the key keeps the hash it had.
func TestScenarioCapacityInterruptionsIsInTheInputsHash(t *testing.T) {
	for _, value := range []string{"trace:traces", "model:model.yaml"} {
		t.Run(value, func(t *testing.T) {
			path := capacitySuite(t, value)
			s, err := LoadSuite(path)
			if err != nil {
				t.Fatal(err)
			}
			before, err := s.InputsHash(&s.Scenarios[0])
			if err != nil {
				t.Fatal(err)
			}
			without := s.Scenarios[0]
			without.CapacityInterruptions = ""
			plain, err := s.InputsHash(&without)
			if err != nil {
				t.Fatal(err)
			}
			if plain == before {
				t.Errorf("hash %s does not depend on capacity_interruptions", plain)
			}
			target := filepath.Join(filepath.Dir(path), strings.TrimPrefix(strings.TrimPrefix(value, "trace:"), "model:"))
			if st, _ := os.Stat(target); st.IsDir() {
				target = filepath.Join(target, "c5a.4xlarge_eu-west-1a.json")
			}
			f, err := os.OpenFile(target, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("\n")
			f.Close()
			after, err := s.InputsHash(&s.Scenarios[0])
			if err != nil {
				t.Fatal(err)
			}
			if after == before {
				t.Errorf("editing %s left the scenario's hash at %s", target, before)
			}
		})
	}
}

func TestScenarioCapacityInterruptionsBadValue(t *testing.T) {
	for _, value := range []string{"advisor", "trace:", "model:", "traces"} {
		_, err := LoadSuite(capacitySuite(t, value))
		if err == nil || !strings.Contains(err.Error(), "scenarios[0].capacity_interruptions: want trace:DIR or model:FILE") {
			t.Errorf("%q: got %v", value, err)
		}
	}
}
