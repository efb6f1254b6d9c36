package sim

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
