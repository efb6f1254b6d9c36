package datasets

import (
	"strings"
	"testing"
)

// TestParseSkyPilotTrace: counts of available instances, any above zero
// up; a missing or non-positive gap, no data, or a value that is not a
// count is refused, naming the field.
func TestParseSkyPilotTrace(t *testing.T) {
	tr, err := ParseSkyPilotTrace([]byte(`{"metadata":{"gap_seconds":600},"data":[3,0,1]}`), "t.json")
	if err != nil || tr.GapSeconds != 600 || !tr.Up(0) || tr.Up(1) || !tr.Up(2) || tr.Values[0] != 3 {
		t.Fatalf("%+v %v", tr, err)
	}
	for bad, field := range map[string]string{
		`{"data":[1]}`: "metadata.gap_seconds", `{"metadata":{"gap_seconds":60},"data":[]}`: "field data",
		`{"metadata":{"gap_seconds":60},"data":[-1]}`: "data[0]", `{"metadata":{"gap_seconds":60},"data":[1,0.5]}`: "data[1]",
	} {
		if _, err := ParseSkyPilotTrace([]byte(bad), "bad.json"); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: %v, want an error naming %s", bad, err, field)
		}
	}
}
