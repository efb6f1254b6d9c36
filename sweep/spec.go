package sweep

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
)

// Spec is the candidate space: each key lists the values to try; a key left
// out keeps the base configuration's value. Candidates are the Cartesian
// product, in the order of the keys below.
type Spec struct {
	SpotEnabled        []bool            `yaml:"spot_enabled"`
	SpotPrice          []string          `yaml:"spot_price"` // "100%", "80%", "0.30"
	InstanceTypes      []config.NameList `yaml:"instance_types"`
	AllocationStrategy []string          `yaml:"allocation_strategy"`
	OnDemandBase       []int             `yaml:"on_demand_base"`
	Headroom           []config.Fraction `yaml:"headroom"`
	OnRebalance        []string          `yaml:"on_rebalance"`
	OnInterruption     []string          `yaml:"on_interruption"`
	LargeMeeting       []int             `yaml:"large_meeting"`
	PreWarm            []bool            `yaml:"prewarm"`
	FleetMin           []int             `yaml:"fleet_min"`
	ScaleInCooldown    []config.Duration `yaml:"scale_in_cooldown"`
}

// ParamNames are the parameter columns of sweep.csv, in Spec order.
var ParamNames = []string{"spot_enabled", "spot_price", "instance_types", "allocation_strategy", "on_demand_base",
	"headroom", "on_rebalance", "on_interruption", "large_meeting", "prewarm", "fleet_min", "scale_in_cooldown"}

// Candidate is one point of the space.
type Candidate struct {
	Index  int
	Params []string // aligned with ParamNames; the base value where the spec is silent
	Config config.Config
}

// ParseSpec reads a sweep spec; unknown keys and wrong types name the line.
func ParseSpec(data []byte, name string) (*Spec, error) {
	var s Spec
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &s, nil
}

// LoadSpec reads a spec file.
func LoadSpec(path string) (*Spec, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading sweep spec: %w", err)
	}
	s, err := ParseSpec(data, path)
	return s, data, err
}

// axis is one dimension of the space: how many values, and how to apply
// the i-th to a configuration (returning its text for the CSV).
type axis struct {
	n     int
	apply func(c *config.Config, i int) (string, error)
}

func (s *Spec) axes() []axis {
	one := func(n int, f func(c *config.Config, i int) (string, error), base func(c *config.Config) string) axis {
		if n == 0 {
			return axis{1, func(c *config.Config, _ int) (string, error) { return base(c), nil }}
		}
		return axis{n, f}
	}
	return []axis{
		one(len(s.SpotEnabled), func(c *config.Config, i int) (string, error) {
			c.Spot.Enabled = s.SpotEnabled[i]
			return strconv.FormatBool(c.Spot.Enabled), nil
		}, func(c *config.Config) string { return strconv.FormatBool(c.Spot.Enabled) }),
		one(len(s.SpotPrice), func(c *config.Config, i int) (string, error) {
			var p config.PriceSpec
			if err := p.UnmarshalYAML(&yaml.Node{Kind: yaml.ScalarNode, Value: s.SpotPrice[i]}); err != nil {
				return "", fmt.Errorf("spot_price[%d]: %w", i, err)
			}
			c.Spot.SpotPrice = p
			return s.SpotPrice[i], nil
		}, func(c *config.Config) string { return priceText(c.Spot.SpotPrice) }),
		one(len(s.InstanceTypes), func(c *config.Config, i int) (string, error) {
			c.Spot.InstanceType = s.InstanceTypes[i]
			return strings.Join(c.Spot.InstanceType, "+"), nil
		}, func(c *config.Config) string { return strings.Join(c.Spot.InstanceType, "+") }),
		one(len(s.AllocationStrategy), func(c *config.Config, i int) (string, error) {
			c.Spot.AllocationStrategy = s.AllocationStrategy[i]
			return c.Spot.AllocationStrategy, nil
		}, func(c *config.Config) string { return c.Spot.AllocationStrategy }),
		one(len(s.OnDemandBase), func(c *config.Config, i int) (string, error) {
			c.OnDemand.Base = s.OnDemandBase[i]
			return strconv.Itoa(c.OnDemand.Base), nil
		}, func(c *config.Config) string { return strconv.Itoa(c.OnDemand.Base) }),
		one(len(s.Headroom), func(c *config.Config, i int) (string, error) {
			c.Fleet.Headroom = s.Headroom[i]
			return pct(float64(c.Fleet.Headroom)), nil
		}, func(c *config.Config) string { return pct(float64(c.Fleet.Headroom)) }),
		one(len(s.OnRebalance), func(c *config.Config, i int) (string, error) {
			c.Drain.OnRebalance = s.OnRebalance[i]
			return c.Drain.OnRebalance, nil
		}, func(c *config.Config) string { return c.Drain.OnRebalance }),
		one(len(s.OnInterruption), func(c *config.Config, i int) (string, error) {
			c.Drain.OnInterruption = s.OnInterruption[i]
			return c.Drain.OnInterruption, nil
		}, func(c *config.Config) string { return c.Drain.OnInterruption }),
		one(len(s.LargeMeeting), func(c *config.Config, i int) (string, error) {
			c.Placement.LargeMeeting = s.LargeMeeting[i]
			return strconv.Itoa(c.Placement.LargeMeeting), nil
		}, func(c *config.Config) string { return strconv.Itoa(c.Placement.LargeMeeting) }),
		one(len(s.PreWarm), func(c *config.Config, i int) (string, error) {
			c.PreWarm.Enabled = s.PreWarm[i]
			return strconv.FormatBool(c.PreWarm.Enabled), nil
		}, func(c *config.Config) string { return strconv.FormatBool(c.PreWarm.Enabled) }),
		one(len(s.FleetMin), func(c *config.Config, i int) (string, error) {
			c.Fleet.Min = s.FleetMin[i]
			return strconv.Itoa(c.Fleet.Min), nil
		}, func(c *config.Config) string { return strconv.Itoa(c.Fleet.Min) }),
		one(len(s.ScaleInCooldown), func(c *config.Config, i int) (string, error) {
			c.Fleet.ScaleInCooldown = s.ScaleInCooldown[i]
			return config.FormatDuration(c.Fleet.ScaleInCooldown.Duration), nil
		}, func(c *config.Config) string { return config.FormatDuration(c.Fleet.ScaleInCooldown.Duration) }),
	}
}

func pct(v float64) string { return strconv.FormatFloat(v*100, 'f', -1, 64) + "%" }

func priceText(p config.PriceSpec) string {
	if !p.Set {
		return "on-demand"
	}
	return p.String()
}

// MaxCandidates bounds a grid so that a typo cannot ask for a billion runs.
const MaxCandidates = 1_000_000

// Candidates expands the spec over a base configuration and checks each
// candidate against the catalog; an invalid one is an error naming it.
func (s *Spec) Candidates(base config.Config, cat *model.Catalog) ([]Candidate, error) {
	axes := s.axes()
	total := 1
	for _, a := range axes {
		total *= a.n
		if total > MaxCandidates {
			return nil, fmt.Errorf("the sweep spec asks for more than %d candidates", MaxCandidates)
		}
	}
	out := make([]Candidate, 0, total)
	idx := make([]int, len(axes))
	for k := range total {
		// Mixed-radix digits, last axis fastest.
		rem := k
		for a := len(axes) - 1; a >= 0; a-- {
			idx[a] = rem % axes[a].n
			rem /= axes[a].n
		}
		c := Candidate{Index: k, Config: base}
		c.Config.Spot.InstanceType = append(config.NameList(nil), base.Spot.InstanceType...)
		c.Config.AvailabilityZones = append([]string(nil), base.AvailabilityZones...)
		for a, ax := range axes {
			v, err := ax.apply(&c.Config, idx[a])
			if err != nil {
				return nil, err
			}
			c.Params = append(c.Params, v)
		}
		f := &config.File{Name: fmt.Sprintf("candidate %d (%s)", k, strings.Join(c.Params, ", ")), Config: c.Config}
		if err := f.Validate(cat); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("the sweep spec gives no candidates")
	}
	return out, nil
}

// Hash identifies a sweep's inputs, so shards of different sweeps are
// never merged.
func Hash(parts ...[]byte) string { return datasets.Fingerprint(parts...) }
