package regress

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/scenario"
)

// Suite is a regress.yaml file.
type Suite struct {
	Scenarios  []Scenario           `yaml:"scenarios"`
	Policies   []string             `yaml:"policies"` // config files or directories of *.yaml / *.conf
	Tolerances map[string]Tolerance `yaml:"tolerances"`
	dir        string
	name       string
}

// Scenario is one set of inputs. Paths are relative to the suite file.
type Scenario struct {
	Name    string   `yaml:"name"`
	Prices  []string `yaml:"prices"` // empty: the embedded synthetic prices
	Product string   `yaml:"product"`
	Trace   string   `yaml:"trace"` // empty: generated from Profile and Scale
	Samples string   `yaml:"samples"`
	Profile string   `yaml:"profile"`
	Scale   float64  `yaml:"scale"`
	From    string   `yaml:"from"` // YYYY-MM-DD or RFC 3339; empty: the overlap of prices and trace
	To      string   `yaml:"to"`
	Seed    uint64   `yaml:"seed"`
	Runs    int      `yaml:"runs"`
	// CapacityInterruptions, when set, is the world's spot capacity for
	// every policy on this scenario: trace:DIR (replayed availability
	// traces) or model:FILE (a fitted interruption model), relative to the
	// suite file. It replaces each policy's
	// simulation.capacity_interruptions: capacity is an input, like the
	// prices, not a choice of the policy.
	CapacityInterruptions string `yaml:"capacity_interruptions"`
}

// Tolerance is how much worse a metric may get: a change passes when it is
// at most max(Absolute, Relative x |baseline|).
type Tolerance struct {
	Absolute float64 `yaml:"absolute"`
	Relative float64 `yaml:"relative"`
}

// Metrics are the compared metrics, and for each whether higher is worse.
var Metrics = []struct {
	Key           string
	HigherIsWorse bool
}{
	{"policy_cost_usd", true},
	{"participant_minutes_disrupted", true},
	{"meetings_disrupted", true},
	{"participants_rejected", true},
	{"overloaded_participant_minutes", true},
	{"overloaded_pct", true},
	{"recordings_lost", true},
	{"availability_pct", false},
}

// DefaultTolerances apply where the suite says nothing.
var DefaultTolerances = map[string]Tolerance{
	"policy_cost_usd":                {Absolute: 0.01, Relative: 0.005},
	"participant_minutes_disrupted":  {Absolute: 1, Relative: 0.05},
	"meetings_disrupted":             {Absolute: 0.5, Relative: 0.05},
	"participants_rejected":          {Absolute: 1, Relative: 0.05},
	"overloaded_participant_minutes": {Absolute: 10, Relative: 0.05},
	"overloaded_pct":                 {Absolute: 0.01, Relative: 0.05},
	"recordings_lost":                {Absolute: 0.5, Relative: 0},
	"availability_pct":               {Absolute: 0.01, Relative: 0},
}

// LoadSuite reads and checks a suite file.
func LoadSuite(path string) (*Suite, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading suite: %w", err)
	}
	var s Suite
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s.dir, s.name = filepath.Dir(path), path
	if len(s.Scenarios) == 0 || len(s.Policies) == 0 {
		return nil, fmt.Errorf("%s: a suite needs scenarios and policies", path)
	}
	seen := map[string]bool{}
	for i := range s.Scenarios {
		sc := &s.Scenarios[i]
		if sc.Name == "" || strings.ContainsAny(sc.Name, "@ ") {
			return nil, fmt.Errorf("%s: scenarios[%d].name: want a name without spaces or @, got %q", path, i, sc.Name)
		}
		if seen[sc.Name] {
			return nil, fmt.Errorf("%s: scenarios[%d].name: %q used twice", path, i, sc.Name)
		}
		seen[sc.Name] = true
		if sc.Runs == 0 {
			sc.Runs = 1
		}
		if sc.Seed == 0 {
			sc.Seed = 1
		}
		if sc.Runs < 0 {
			return nil, fmt.Errorf("%s: scenarios[%d].runs: must be positive", path, i)
		}
		if ci := sc.CapacityInterruptions; ci != "" && capacityPath(ci) == "" {
			return nil, fmt.Errorf("%s: scenarios[%d].capacity_interruptions: want trace:DIR or model:FILE, got %q", path, i, ci)
		}
	}
	for k := range s.Tolerances {
		if _, ok := DefaultTolerances[k]; !ok {
			return nil, fmt.Errorf("%s: tolerances.%s: not a compared metric (have %s)", path, k, strings.Join(metricKeys(), ", "))
		}
	}
	return &s, nil
}

func metricKeys() []string {
	var out []string
	for _, m := range Metrics {
		out = append(out, m.Key)
	}
	return out
}

// Tolerance returns the suite's tolerance for a metric, or the default.
func (s *Suite) Tolerance(key string) Tolerance {
	if t, ok := s.Tolerances[key]; ok {
		return t
	}
	return DefaultTolerances[key]
}

func (s *Suite) path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(s.dir, p)
}

// Policy is one policy file of the suite.
type Policy struct {
	Name string // file name without extension
	Path string
	File *config.File
	Hash string
}

// PolicyFiles expands the suite's policies, sorted by name.
func (s *Suite) PolicyFiles(cat *model.Catalog) ([]Policy, error) {
	var paths []string
	for _, p := range s.Policies {
		full := s.path(p)
		st, err := os.Stat(full)
		if err != nil {
			return nil, fmt.Errorf("%s: policies: %w", s.name, err)
		}
		if !st.IsDir() {
			paths = append(paths, full)
			continue
		}
		entries, err := os.ReadDir(full)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if n := e.Name(); !e.IsDir() && (strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml") || strings.HasSuffix(n, ".conf")) {
				paths = append(paths, filepath.Join(full, n))
			}
		}
	}
	var out []Policy
	names := map[string]string{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		f, err := config.Parse(data, p)
		if err != nil {
			return nil, err
		}
		if err := f.Validate(cat); err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
		if prev, dup := names[name]; dup {
			return nil, fmt.Errorf("policy name %q is used by %s and %s", name, prev, p)
		}
		names[name] = p
		out = append(out, Policy{Name: name, Path: p, File: f, Hash: datasets.Fingerprint(data)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no policy files", s.name)
	}
	return out, nil
}

// InputsHash fingerprints a scenario's inputs: the bytes of its price and
// trace files (or of the embedded prices and the generator settings), its
// window, seed and runs.
func (s *Suite) InputsHash(sc *Scenario) (string, error) {
	parts := [][]byte{[]byte(fmt.Sprintf("%s|%s|%s|%s|%g|%d|%d", sc.From, sc.To, sc.Profile, sc.Product, sc.Scale, sc.Seed, sc.Runs))}
	read := func(p string) error {
		if p == "" {
			return nil
		}
		files, err := listFiles(s.path(p))
		if err != nil {
			return err
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			parts = append(parts, []byte(filepath.Base(f)), b)
		}
		return nil
	}
	if len(sc.Prices) == 0 {
		parts = append(parts, datasets.DefaultPricesJSON())
	}
	for _, p := range append(append([]string{}, sc.Prices...), sc.Trace, sc.Samples) {
		if err := read(p); err != nil {
			return "", fmt.Errorf("scenario %s: %w", sc.Name, err)
		}
	}
	// Only when set, so that the hashes of scenarios without it stay.
	if ci := sc.CapacityInterruptions; ci != "" {
		parts = append(parts, []byte("capacity_interruptions|"+ci))
		if err := read(capacityPath(ci)); err != nil {
			return "", fmt.Errorf("scenario %s: capacity_interruptions: %w", sc.Name, err)
		}
	}
	return datasets.Fingerprint(parts...), nil
}

func listFiles(p string) ([]string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	var out []string
	err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			out = append(out, path)
		}
		return err
	})
	sort.Strings(out)
	return out, err
}

// capacityPath is the file or directory of a trace:DIR or model:FILE
// value, "" for anything else.
func capacityPath(ci string) string {
	kind, path, ok := config.Simulation{CapacityInterruptions: ci}.CapacitySource()
	if !ok || (kind != "trace" && kind != "model") {
		return ""
	}
	return path
}

// Build makes the simulator scenario for one policy.
func (s *Suite) Build(sc *Scenario, pol *Policy, cat *model.Catalog) (*scenario.Scenario, error) {
	file := pol.File
	if ci := sc.CapacityInterruptions; ci != "" {
		// A copy: the policy's parsed file is shared by every scenario.
		f := *pol.File
		f.Config.Simulation.CapacityInterruptions = strings.TrimSuffix(ci, capacityPath(ci)) + s.path(capacityPath(ci))
		file = &f
	}
	in := scenario.Inputs{Config: file, Catalog: cat, Product: sc.Product, TracePath: s.path(sc.Trace), SamplesPath: s.path(sc.Samples),
		Profile: sc.Profile, Scale: sc.Scale, Seed: sc.Seed}
	for _, p := range sc.Prices {
		in.PricePaths = append(in.PricePaths, s.path(p))
	}
	for _, f := range []struct {
		v   string
		dst *time.Time
		key string
	}{{sc.From, &in.From, "from"}, {sc.To, &in.To, "to"}} {
		if f.v == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", f.v)
		if err != nil {
			if t, err = time.Parse(time.RFC3339, f.v); err != nil {
				return nil, fmt.Errorf("%s: scenario %s: %s: bad time %q", s.name, sc.Name, f.key, f.v)
			}
		}
		*f.dst = t
	}
	return scenario.Build(in)
}
