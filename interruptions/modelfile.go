package interruptions

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/scalite/scalite/internal/atomicfile"
)

// ModelVersion is the version of the model file's layout.
const ModelVersion = 1

// Model is a fitted interruption model, one entry per pool, as written by
// `scalite interruptions fit` and replayed by the simulator's
// `capacity_interruptions: model:FILE`.
type Model struct {
	Version    int         `yaml:"version"`
	Source     string      `yaml:"source"` // "traces" or "event-log"
	Confidence float64     `yaml:"confidence"`
	Pools      []PoolModel `yaml:"pools"`
}

// PoolModel is one pool's fit. Availability comes from traces, where a
// pool is seen available or not; InstanceHazard and the rest come from an
// event log, where instances are seen launched and interrupted.
type PoolModel struct {
	Pool          `yaml:",inline"`
	ObservedHours float64 `yaml:"observed_hours"`

	Availability *TwoState `yaml:"availability,omitempty"`

	// InstanceHazard is interruptions per spot instance-hour.
	InstanceHazard *Rate `yaml:"instance_hazard,omitempty"`
	// HazardFit checks the interruption times against a Poisson process of
	// rate InstanceHazard times the instances running (time rescaling).
	HazardFit *Fit `yaml:"hazard_fit,omitempty"`
	// LaunchFailures counts launches refused for capacity among attempts.
	LaunchAttempts int `yaml:"launch_attempts,omitempty"`
	LaunchFailures int `yaml:"launch_failures,omitempty"`
	// Rebalance recommendations: how many, how many came before an
	// interruption notice for the same instance (and the median lead),
	// how many were false alarms (the instance ended without a notice).
	Rebalances             int     `yaml:"rebalances,omitempty"`
	RebalancesBeforeNotice int     `yaml:"rebalances_before_notice,omitempty"`
	RebalanceLeadSeconds   float64 `yaml:"rebalance_median_lead_seconds,omitempty"`
	RebalanceFalseAlarms   int     `yaml:"rebalance_false_alarms,omitempty"`
	// CoInterruptedShare is the share of interruption notices within
	// CoInterruptionWindow of another notice in the same pool.
	CoInterruptedShare float64 `yaml:"co_interrupted_share,omitempty"`
}

// WriteModel writes m as YAML to path, whole or not at all.
func WriteModel(path string, m *Model) error {
	return atomicfile.Write(path, func(w io.Writer) error { return m.Encode(w) })
}

// Encode writes m as YAML.
func (m *Model) Encode(w io.Writer) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("encoding interruption model: %w", err)
	}
	return enc.Close()
}

// ReadModel reads and checks a model file; errors name the file, the line
// and the field.
func ReadModel(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("interruption model: %w", err)
	}
	return ParseModel(data, path)
}

// ParseModel reads a model; name is used in errors.
func ParseModel(data []byte, name string) (*Model, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var m Model
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if m.Version != ModelVersion {
		return nil, fmt.Errorf("%s: line %d: field version: want %d, got %d", name, lineOf(&root, "version"), ModelVersion, m.Version)
	}
	if len(m.Pools) == 0 {
		return nil, fmt.Errorf("%s: line %d: field pools: no pools", name, lineOf(&root, "pools"))
	}
	seen := map[Pool]bool{}
	for i, p := range m.Pools {
		line := poolLine(&root, i)
		bad := func(field, format string, args ...any) error {
			return fmt.Errorf("%s: line %d: field pools[%d].%s: %s", name, line, i, field, fmt.Sprintf(format, args...))
		}
		if p.InstanceType == "" || p.AZ == "" {
			return nil, bad("instance_type", "instance_type and az are both required")
		}
		if seen[p.Pool] {
			return nil, bad("az", "pool %s listed twice", p.Pool)
		}
		seen[p.Pool] = true
		if p.Availability == nil && p.InstanceHazard == nil {
			return nil, bad("availability", "neither availability nor instance_hazard given")
		}
		if a := p.Availability; a != nil {
			for f, r := range map[string]float64{"availability.available_to_unavailable.per_hour": a.Up.PerHour, "availability.unavailable_to_available.per_hour": a.Down.PerHour} {
				if !(r >= 0) || math.IsInf(r, 0) {
					return nil, bad(f, "want a finite rate >= 0, got %v", r)
				}
			}
			if a.Up.PerHour > 0 && a.Down.PerHour == 0 {
				return nil, bad("availability.unavailable_to_available.per_hour", "a pool that leaves the available state must come back (rate > 0)")
			}
		}
		if h := p.InstanceHazard; h != nil && (!(h.PerHour >= 0) || math.IsInf(h.PerHour, 0)) {
			return nil, bad("instance_hazard.per_hour", "want a finite rate >= 0, got %v", h.PerHour)
		}
	}
	return &m, nil
}

// lineOf is the line of a top-level key, 0 when absent.
func lineOf(root *yaml.Node, key string) int {
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return 0
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i].Line
		}
	}
	return 0
}

// poolLine is the line where pools[i] starts.
func poolLine(root *yaml.Node, i int) int {
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return 0
	}
	m := root.Content[0]
	for k := 0; k+1 < len(m.Content); k += 2 {
		if m.Content[k].Value == "pools" && m.Content[k+1].Kind == yaml.SequenceNode && i < len(m.Content[k+1].Content) {
			return m.Content[k+1].Content[i].Line
		}
	}
	return 0
}
