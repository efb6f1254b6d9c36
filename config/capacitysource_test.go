package config

import "testing"

// TestCapacitySourceReadsTheValue: simulation.capacity_interruptions is
// advisor, off, trace:DIR or model:FILE, a path required after the colon.
func TestCapacitySourceReadsTheValue(t *testing.T) {
	for _, tc := range []struct {
		value, kind, path string
		ok                bool
	}{
		{"advisor", "advisor", "", true},
		{"off", "off", "", true},
		{"trace:traces/eu-west-1", "trace", "traces/eu-west-1", true},
		{"model:m.yaml", "model", "m.yaml", true},
		{"trace:", "trace", "", false},
		{"model:", "model", "", false},
		{"poisson:x", "poisson", "x", false},
		{"sometimes", "sometimes", "", false},
		{"", "", "", false},
	} {
		kind, path, ok := Simulation{CapacityInterruptions: tc.value}.CapacitySource()
		if ok != tc.ok || (ok && (kind != tc.kind || path != tc.path)) {
			t.Errorf("%q: %q, %q, %v; want %q, %q, %v", tc.value, kind, path, ok, tc.kind, tc.path, tc.ok)
		}
	}
}
