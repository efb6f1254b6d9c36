package sim

import "sort"

// Availability is a replayed spot availability trace in the format of the
// public SkyPilot spot traces: {"metadata":{"gap_seconds":N},"data":[1,0,...]},
// one value per gap, 1 = an instance could be had, 0 = it could not. The
// trace starts at the simulation window's start.
//
// A trace drawn from a model is held as its changes instead (Data empty):
// up from offset 0 unless StartsDown, flipping at each offset in Changes
// (seconds, in increasing order). A year of a calm pool is then a dozen
// numbers rather than half a million ticks.
type Availability struct {
	GapSeconds int64
	Data       []uint8
	StartsDown bool
	Changes    []int64
}

// Up reports whether the pool has capacity at offset seconds into the trace;
// past its end the last value holds.
func (a *Availability) Up(offset int64) bool {
	if len(a.Data) == 0 {
		if offset < 0 {
			return true
		}
		// The changes at or before offset.
		n := sort.Search(len(a.Changes), func(i int) bool { return a.Changes[i] > offset })
		return a.StartsDown == (n%2 == 1)
	}
	if offset < 0 {
		return true
	}
	i := offset / a.GapSeconds
	if i >= int64(len(a.Data)) {
		i = int64(len(a.Data)) - 1
	}
	return a.Data[i] == 1
}
