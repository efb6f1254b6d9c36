package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/scalite/scalite/model"
)

// Availability is a replayed spot availability trace in the format of the
// public SkyPilot spot traces: {"metadata":{"gap_seconds":N},"data":[1,0,...]},
// one value per gap, 1 = an instance could be had, 0 = it could not. The
// trace starts at the simulation window's start.
type Availability struct {
	GapSeconds int64
	Data       []uint8
}

// Up reports whether the pool has capacity at offset seconds into the trace;
// past its end the last value holds.
func (a *Availability) Up(offset int64) bool {
	if len(a.Data) == 0 || offset < 0 {
		return true
	}
	i := offset / a.GapSeconds
	if i >= int64(len(a.Data)) {
		i = int64(len(a.Data)) - 1
	}
	return a.Data[i] == 1
}

// ParseAvailability reads one trace.
func ParseAvailability(data []byte, name string) (*Availability, error) {
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
	a := &Availability{GapSeconds: *raw.Metadata.GapSeconds, Data: make([]uint8, len(raw.Data))}
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
func ReadAvailabilityDir(dir string) (map[model.MarketKey]*Availability, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading availability traces: %w", err)
	}
	out := map[model.MarketKey]*Availability{}
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
