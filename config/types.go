package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration written as Go writes it ("90s", "15m",
// "1h30m"), with "d" also accepted for days ("14d").
type Duration struct{ time.Duration }

// UnmarshalYAML reads a duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a duration such as 30s, 15m or 14d")
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// MarshalYAML writes the duration back in the same form.
func (d Duration) MarshalYAML() (any, error) { return FormatDuration(d.Duration), nil }

// Seconds is the duration in whole seconds, the simulator's time unit.
func (d Duration) Seconds() int64 { return int64(d.Duration / time.Second) }

// ParseDuration parses a Go duration or a whole number of days ("14d").
func ParseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("bad duration %q (want e.g. 30s, 15m, 1h30m or 14d)", s)
	}
	return v, nil
}

// FormatDuration writes a duration compactly: "15m" rather than "15m0s".
func FormatDuration(d time.Duration) string {
	if d != 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Fraction is a share written as a percentage ("25%") or a fraction (0.25).
type Fraction float64

// UnmarshalYAML reads "25%" or 0.25.
func (f *Fraction) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseShare(n.Value)
	if err != nil {
		return err
	}
	*f = Fraction(v)
	return nil
}

// MarshalYAML writes the share as a percentage when that reads back to the
// very same number, else as a plain fraction (which always does).
func (f Fraction) MarshalYAML() (any, error) {
	if s := formatPct(float64(f)); mustShare(s) == float64(f) {
		return s, nil
	}
	return float64(f), nil
}

func mustShare(s string) float64 {
	v, _ := parseShare(s)
	return v
}

func parseShare(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(s, "%"); ok {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("bad percentage %q", s)
		}
		return v / 100, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("bad share %q (want a percentage such as 25%% or a fraction such as 0.25)", s)
	}
	if v > 1 {
		return 0, fmt.Errorf("share %v is above 1: write %v%% for a percentage", v, v)
	}
	return v, nil
}

func formatPct(v float64) string {
	return strconv.FormatFloat(v*100, 'f', -1, 64) + "%"
}

// PriceSpec is the spot max price: absolute USD/hour, or a share of the
// on-demand price ("80%"). The zero value (key omitted) means the on-demand
// price, AWS's default.
type PriceSpec struct {
	Set        bool
	USDPerHour float64 // when !IsShare
	IsShare    bool
	Share      float64 // of the on-demand price, when IsShare
	// text is what the file said, written back as it was so that a
	// marshalled configuration parses to the same bits.
	text string
}

// UnmarshalYAML reads 0.40 or "80%".
func (p *PriceSpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a USD/hour price such as 0.40 or a share of on-demand such as 80%%")
	}
	s := strings.TrimSpace(n.Value)
	if strings.HasSuffix(s, "%") {
		v, err := parseShare(s)
		if err != nil {
			return err
		}
		*p = PriceSpec{Set: true, IsShare: true, Share: v, text: s}
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("bad price %q (want USD/hour such as 0.40, or a share of on-demand such as 80%%)", s)
	}
	*p = PriceSpec{Set: true, USDPerHour: v, text: s}
	return nil
}

// MarshalYAML writes the price in the form it was given; unset is omitted
// by the omitempty tag through IsZero.
func (p PriceSpec) MarshalYAML() (any, error) {
	if p.text != "" {
		if p.IsShare {
			return p.text, nil
		}
		return p.USDPerHour, nil
	}
	if p.IsShare {
		return formatPct(p.Share), nil
	}
	return p.USDPerHour, nil
}

// IsZero lets omitempty drop an unset max price.
func (p PriceSpec) IsZero() bool { return !p.Set }

// Resolve turns the spec into USD/hour for a type with the given on-demand price.
func (p PriceSpec) Resolve(onDemand float64) float64 {
	switch {
	case !p.Set:
		return onDemand
	case p.IsShare:
		return p.Share * onDemand
	default:
		return p.USDPerHour
	}
}

func (p PriceSpec) String() string {
	switch {
	case !p.Set:
		return "on-demand price"
	case p.IsShare:
		return formatPct(p.Share) + " of on-demand"
	default:
		return strconv.FormatFloat(p.USDPerHour, 'f', -1, 64) + " USD/h"
	}
}

// NameList is one name or a list of names.
type NameList []string

// UnmarshalYAML reads "c5a.4xlarge" or [c5a.4xlarge, m5.4xlarge].
func (l *NameList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Value == "" {
			*l = nil
			return nil
		}
		*l = NameList{n.Value}
		return nil
	case yaml.SequenceNode:
		var names []string
		if err := n.Decode(&names); err != nil {
			return err
		}
		*l = names
		return nil
	}
	return fmt.Errorf("want one name or a list of names")
}
