package scenario

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/sim"
)

// ParseAvailability reads one trace (datasets.ParseSkyPilotTrace): a tick
// with any instance available is up.
func ParseAvailability(data []byte, name string) (*sim.Availability, error) {
	raw, err := datasets.ParseSkyPilotTrace(data, name)
	if err != nil {
		return nil, err
	}
	a := &sim.Availability{GapSeconds: raw.GapSeconds, Data: make([]uint8, len(raw.Values))}
	for i := range raw.Values {
		if raw.Up(i) {
			a.Data[i] = 1
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
