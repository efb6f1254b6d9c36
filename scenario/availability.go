package scenario

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/sim"
)

// ParseAvailability reads one trace.
func ParseAvailability(data []byte, name string) (*sim.Availability, error) {
	var raw struct {
		Metadata struct {
			GapSeconds *int64 `json:"gap_seconds"`
		} `json:"metadata"`
		Data []json.Number `json:"data"`
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%s: JSON: %w", name, err)
	}
	if raw.Metadata.GapSeconds == nil || *raw.Metadata.GapSeconds <= 0 {
		return nil, fmt.Errorf("%s: field metadata.gap_seconds: missing or not positive", name)
	}
	if len(raw.Data) == 0 {
		return nil, fmt.Errorf("%s: field data: empty", name)
	}
	a := &sim.Availability{GapSeconds: *raw.Metadata.GapSeconds, Data: make([]uint8, len(raw.Data))}
	for i, v := range raw.Data {
		switch v.String() {
		case "1":
			a.Data[i] = 1
		case "0":
		default:
			return nil, fmt.Errorf("%s: field data[%d]: want 0 or 1, got %s", name, i, v)
		}
	}
	return a, nil
}

// ReadAvailabilityDir reads one trace per market from a directory, files
// named INSTANCETYPE_AZ.json (e.g. c5a.4xlarge_eu-west-1a.json).
func ReadAvailabilityDir(dir string) (map[model.MarketKey]*sim.Availability, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading availability traces: %w", err)
	}
	out := map[model.MarketKey]*sim.Availability{}
	for _, e := range entries {
		name := e.Name()
		base, ok := strings.CutSuffix(name, ".json")
		if !ok || e.IsDir() {
			continue
		}
		typ, az, ok := strings.Cut(base, "_")
		if !ok {
			return nil, fmt.Errorf("availability trace %s: want a name like c5a.4xlarge_eu-west-1a.json", filepath.Join(dir, name))
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		a, err := ParseAvailability(data, filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out[model.MarketKey{InstanceType: typ, AZ: az}] = a
	}
	if len(out) == 0 {
		return nil, errors.New("availability traces: no INSTANCETYPE_AZ.json files in " + dir)
	}
	return out, nil
}
