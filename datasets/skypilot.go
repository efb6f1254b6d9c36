package datasets

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// SkyPilotTrace is one availability trace in the format of SkyPilot's
// public spot traces (github.com/skypilot-org/spot-traces):
// {"metadata":{"gap_seconds":N},"data":[...]}, one value per tick: the
// instances available then (0 = none; preemption traces use 0 and 1).
type SkyPilotTrace struct {
	GapSeconds int64
	Values     []int64
}

// Up reports whether tick i had capacity.
func (t *SkyPilotTrace) Up(i int) bool { return t.Values[i] > 0 }

// ParseSkyPilotTrace reads one trace; name is used in errors, which name
// the field.
func ParseSkyPilotTrace(data []byte, name string) (*SkyPilotTrace, error) {
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
	t := &SkyPilotTrace{GapSeconds: *raw.Metadata.GapSeconds, Values: make([]int64, len(raw.Data))}
	for i, v := range raw.Data {
		n, err := strconv.ParseInt(v.String(), 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%s: field data[%d]: want a count of available instances (0, 1, ...), got %s", name, i, v)
		}
		t.Values[i] = n
	}
	return t, nil
}
