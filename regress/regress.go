package regress

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"time"

	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/results"
	"github.com/scalite/scalite/sim"
)

// Baseline is baseline.json: the figures every (policy, scenario) had when
// it was last accepted.
type Baseline struct {
	ModelVersion string            `json:"model_version"`
	Scenarios    map[string]string `json:"scenarios"` // name -> inputs hash
	Cases        map[string]Entry  `json:"cases"`     // "policy@scenario"
}

// Entry is one case's accepted figures (means over the scenario's runs).
type Entry struct {
	PolicyHash string             `json:"policy_hash"`
	Metrics    map[string]float64 `json:"metrics"`
}

// LoadBaseline reads baseline.json.
func LoadBaseline(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading baseline: %w", err)
	}
	var b Baseline
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if b.ModelVersion == "" || b.Cases == nil {
		return nil, fmt.Errorf("%s: not a Scalite regression baseline (no model_version or cases)", path)
	}
	return &b, nil
}

// JSON is the baseline file's bytes, stable for diffs. It fails when a
// metric is not a number JSON can hold (NaN or an infinity), rather than
// write an empty baseline.
func (b *Baseline) JSON() ([]byte, error) {
	out, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("regression baseline: %w", err)
	}
	return append(out, '\n'), nil
}

// Check is one metric of one case.
type Check struct {
	Metric   string
	Baseline float64
	Now      float64
	Change   float64 // Now - Baseline
	Allowed  float64 // the tolerance on the worse side
	Failed   bool
	Improved bool
}

// Case is one policy on one scenario.
type Case struct {
	Policy, Scenario string
	Checks           []Check
	Seconds          float64
	Now              map[string]float64
	New              bool // no baseline yet
}

// Failed reports whether any check of the case failed.
func (c *Case) Failed() bool {
	for _, ch := range c.Checks {
		if ch.Failed {
			return true
		}
	}
	return false
}

// Key names the case in the baseline.
func (c *Case) Key() string { return c.Policy + "@" + c.Scenario }

// InputError is an error of the inputs rather than a regression: exit 2.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Run evaluates every policy on every scenario. With a baseline it checks
// the model version and each scenario's inputs first: a mismatch is an
// InputError, as is a case the baseline lacks.
func Run(s *Suite, cat *model.Catalog, base *Baseline, workers int) ([]Case, *Baseline, error) {
	pols, err := s.PolicyFiles(cat)
	if err != nil {
		return nil, nil, &InputError{err}
	}
	fresh := &Baseline{ModelVersion: sim.ModelVersion, Scenarios: map[string]string{}, Cases: map[string]Entry{}}
	for i := range s.Scenarios {
		sc := &s.Scenarios[i]
		h, err := s.InputsHash(sc)
		if err != nil {
			return nil, nil, &InputError{err}
		}
		fresh.Scenarios[sc.Name] = h
	}
	if base != nil {
		if base.ModelVersion != sim.ModelVersion {
			return nil, nil, &InputError{fmt.Errorf("the baseline was made by simulator model %s, this is %s: its figures are not comparable; review and re-run with --update", base.ModelVersion, sim.ModelVersion)}
		}
		for name, h := range fresh.Scenarios {
			if bh, ok := base.Scenarios[name]; !ok {
				return nil, nil, &InputError{fmt.Errorf("scenario %s has no baseline: run with --update to record it", name)}
			} else if bh != h {
				return nil, nil, &InputError{fmt.Errorf("scenario %s: its inputs changed since the baseline (hash %s, now %s): the comparison would be meaningless; re-run with --update if the change is intended", name, bh, h)}
			}
		}
	}
	var cases []Case
	for i := range s.Scenarios {
		sc := &s.Scenarios[i]
		for p := range pols {
			pol := &pols[p]
			start := time.Now()
			scen, err := s.Build(sc, pol, cat)
			if err != nil {
				return nil, nil, &InputError{fmt.Errorf("policy %s on scenario %s: %w", pol.Name, sc.Name, err)}
			}
			runs, err := sim.RunMany(scen.Options, sc.Runs, workers, scen.MeetingsFor)
			if err != nil {
				return nil, nil, fmt.Errorf("policy %s on scenario %s: %w", pol.Name, sc.Name, err)
			}
			agg := results.Aggregate(runs)
			c := Case{Policy: pol.Name, Scenario: sc.Name, Seconds: time.Since(start).Seconds(), Now: map[string]float64{}}
			for _, m := range Metrics {
				c.Now[m.Key] = agg[m.Key].Mean
			}
			fresh.Cases[c.Key()] = Entry{PolicyHash: pol.Hash, Metrics: c.Now}
			if base != nil {
				prev, ok := base.Cases[c.Key()]
				if !ok {
					return nil, nil, &InputError{fmt.Errorf("%s has no baseline: run with --update to record it", c.Key())}
				}
				c.Checks = s.compare(prev.Metrics, c.Now)
			} else {
				c.New = true
			}
			cases = append(cases, c)
		}
	}
	return cases, fresh, nil
}

func (s *Suite) compare(was, now map[string]float64) []Check {
	var out []Check
	for _, m := range Metrics {
		b, n := was[m.Key], now[m.Key]
		tol := s.Tolerance(m.Key)
		allowed := math.Max(tol.Absolute, tol.Relative*math.Abs(b))
		worse := n - b
		if !m.HigherIsWorse {
			worse = b - n
		}
		out = append(out, Check{Metric: m.Key, Baseline: b, Now: n, Change: n - b, Allowed: allowed,
			Failed: worse > allowed+1e-12, Improved: worse < -1e-12})
	}
	return out
}

// Stale lists baseline cases the suite no longer has.
func Stale(base *Baseline, cases []Case) []string {
	have := map[string]bool{}
	for i := range cases {
		have[cases[i].Key()] = true
	}
	var out []string
	for k := range base.Cases {
		if !have[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
