package sweep

import (
	"strings"
	"testing"

	"github.com/scalite/scalite/results"
)

// TestConstraintsBoundEachUnservedShare: disrupted, rejected and overloaded
// shares are bounded apart, each naming itself when it fails.
func TestConstraintsBoundEachUnservedShare(t *testing.T) {
	row := &Row{Stats: map[string]results.Stats{
		"disrupted_pct": {Mean: 0.02}, "rejected_pct": {Mean: 0.5}, "overloaded_pct": {Mean: 9}, "availability_pct": {Mean: 90.48},
	}}
	for _, tc := range []struct {
		name string
		c    Constraints
		why  string
	}{
		{"none", None, ""},
		{"overloaded", Constraints{MaxDisruptedPct: -1, MaxRejectedPct: -1, MaxOverloadedPct: 8, MinAvailability: -1, MaxRecordingsLost: -1}, "overloaded 9.0000% > 8.0000%"},
		{"rejected", Constraints{MaxDisruptedPct: -1, MaxRejectedPct: 0.4, MaxOverloadedPct: -1, MinAvailability: -1, MaxRecordingsLost: -1}, "rejected 0.5000% > 0.4000%"},
		{"disrupted", Constraints{MaxDisruptedPct: 0.01, MaxRejectedPct: -1, MaxOverloadedPct: -1, MinAvailability: -1, MaxRecordingsLost: -1}, "disrupted 0.0200% > 0.0100%"},
		{"all met", Constraints{MaxDisruptedPct: 0.02, MaxRejectedPct: 0.5, MaxOverloadedPct: 9, MinAvailability: 90, MaxRecordingsLost: -1}, ""},
	} {
		ok, why := tc.c.Feasible(row)
		if ok != (tc.why == "") || !strings.Contains(why, tc.why) {
			t.Errorf("%s: feasible %v (%q), want the reason %q", tc.name, ok, why, tc.why)
		}
	}
}
