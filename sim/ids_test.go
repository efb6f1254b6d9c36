package sim

import (
	"fmt"
	"testing"
)

// TestInstanceIDReadsAsSprintf: instance IDs read as fmt.Sprintf("i-%08d")
// would write them, across the padding boundaries.
func TestInstanceIDReadsAsSprintf(t *testing.T) {
	for _, n := range []int{1, 9, 10, 99, 12345, 9999999, 10000000, 99999999, 100000000, 123456789} {
		if got, want := instanceID(n), fmt.Sprintf("i-%08d", n); got != want {
			t.Errorf("instanceID(%d) = %q, want %q", n, got, want)
		}
	}
}
