package engine

// weekSeconds and the bucket width of the learned weekly profile.
const (
	weekSeconds   = 7 * 86400
	bucketSeconds = 900
	weekBuckets   = weekSeconds / bucketSeconds
	// mondayEpoch is 1970-01-05 00:00 UTC, the first Monday: weeks start
	// on Monday, as timetables do.
	mondayEpoch = 4 * 86400
)

// State is what the engine remembers between calls. It is plain data: the
// live controller can rebuild it after a restart by replaying demand
// history through Learn, and idle timers simply start again.
type State struct {
	// IdleSince maps a cordoned, empty server to when it became so.
	IdleSince map[string]int64
	// LastScaleOut is when capacity was last added.
	LastScaleOut int64
	// Profile is the weekly demand profile learned for pre-warming.
	Profile WeeklyProfile

	scratch scratch
}

// NewState returns an empty state for a policy learning weeks of history.
func NewState(weeks int) *State {
	return &State{IdleSince: map[string]int64{}, LastScaleOut: -1 << 62, Profile: NewWeeklyProfile(weeks)}
}

// WeeklyProfile keeps, for each 15-minute bucket of the week, the peak
// demand of each of the last few weeks. Lectures recur weekly, so the peak
// seen in the same bucket in recent weeks predicts the next one.
type WeeklyProfile struct {
	// Peaks[w][b]: peak participants of bucket b in the week Weeks[w].
	Peaks [][weekBuckets]int32
	Weeks []int64 // week number held by each slot; -1 = empty
}

// NewWeeklyProfile keeps the given number of weeks.
func NewWeeklyProfile(weeks int) WeeklyProfile {
	if weeks < 1 {
		weeks = 1
	}
	p := WeeklyProfile{Peaks: make([][weekBuckets]int32, weeks), Weeks: make([]int64, weeks)}
	for i := range p.Weeks {
		p.Weeks[i] = -1
	}
	return p
}

func weekAndBucket(t int64) (int64, int) {
	rel := t - mondayEpoch
	week := rel / weekSeconds
	if rel < 0 && rel%weekSeconds != 0 {
		week--
	}
	return week, int((rel - week*weekSeconds) / bucketSeconds)
}

// Learn records demand observed at t.
func (p *WeeklyProfile) Learn(t int64, participants int) {
	week, b := weekAndBucket(t)
	slot := int(week % int64(len(p.Weeks)))
	if slot < 0 {
		slot += len(p.Weeks)
	}
	if p.Weeks[slot] != week {
		if p.Weeks[slot] > week {
			return // older than what the slot holds: out of the window
		}
		p.Peaks[slot] = [weekBuckets]int32{}
		p.Weeks[slot] = week
	}
	if v := int32(participants); v > p.Peaks[slot][b] {
		p.Peaks[slot][b] = v
	}
}

// Predict is the largest peak any remembered earlier week saw in the
// buckets covering [from, to] of the week.
func (p *WeeklyProfile) Predict(from, to int64) int {
	cur, _ := weekAndBucket(from)
	best := int32(0)
	for t := from - (from-mondayEpoch)%bucketSeconds; t <= to; t += bucketSeconds {
		_, b := weekAndBucket(t)
		for s, w := range p.Weeks {
			if w >= 0 && w < cur && p.Peaks[s][b] > best {
				best = p.Peaks[s][b]
			}
		}
	}
	return int(best)
}

// LearnLevel records a demand that held over [from, to): every bucket it
// touches sees it. Replaying a recorded trace this way rebuilds the profile
// of a restarted controller.
func (p *WeeklyProfile) LearnLevel(from, to int64, participants int) {
	if to <= from {
		return
	}
	p.Learn(from, participants)
	for t := from - (from-mondayEpoch)%bucketSeconds + bucketSeconds; t < to; t += bucketSeconds {
		p.Learn(t, participants)
	}
}
