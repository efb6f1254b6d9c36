package datasets

import (
	"cmp"
	"slices"
	"time"

	"github.com/scalite/scalite/model"
)

// TraceSummary describes a trace's load in participants (everyone in a
// meeting, as BBB counts them).
type TraceSummary struct {
	Meetings           int
	From, To           int64 // first start, last end
	PeakMeetings       int
	PeakMeetingsAt     int64
	PeakUsers          int
	PeakUsersAt        int64
	ParticipantMinutes float64
	Recorded           int
	LargestMeeting     int
	// Weekly[d][h] is the mean concurrent participants on weekday d (0 = Monday)
	// in hour h (UTC), over the weeks the trace covers.
	Weekly [7][24]float64
}

type loadStep struct {
	t        int64
	users    int
	meetings int
}

// DemandStep is the concurrent participant count from T on.
type DemandStep struct {
	T            int64
	Participants int
}

// Demand is the trace's concurrent participants as a step function,
// one step per change.
func Demand(ms []model.Meeting) []DemandStep {
	steps := loadSteps(ms)
	var out []DemandStep
	users := 0
	for i, st := range steps {
		users += st.users
		if i+1 < len(steps) && steps[i+1].t == st.t {
			continue // one step per instant
		}
		out = append(out, DemandStep{T: st.t, Participants: users})
	}
	return out
}

// loadSteps lists every start, size change and end, ends before starts at
// the same second: a meeting ending at 09:00 and one starting at 09:00 do
// not overlap.
func loadSteps(ms []model.Meeting) []loadStep {
	steps := make([]loadStep, 0, 2*len(ms))
	for i := range ms {
		m := &ms[i]
		size := m.Participants
		steps = append(steps, loadStep{m.Start, size, 1})
		for _, c := range m.Curve {
			if c.At >= m.End {
				break
			}
			if c.At > m.Start {
				steps = append(steps, loadStep{c.At, c.Participants - size, 0})
			} else {
				steps[len(steps)-1].users += c.Participants - size
			}
			size = c.Participants
		}
		steps = append(steps, loadStep{m.End, -size, -1})
	}
	slices.SortStableFunc(steps, func(a, b loadStep) int {
		if c := cmp.Compare(a.t, b.t); c != 0 {
			return c
		}
		return cmp.Compare(a.meetings, b.meetings)
	})
	return steps
}

// SummarizeTrace sweeps the trace once over its start, size-change and end
// events.
func SummarizeTrace(ms []model.Meeting) TraceSummary {
	var s TraceSummary
	s.Meetings = len(ms)
	if len(ms) == 0 {
		return s
	}
	s.From, s.To = ms[0].Start, ms[0].End
	for i := range ms {
		m := &ms[i]
		s.From = min(s.From, m.Start)
		s.To = max(s.To, m.End)
		if m.Recorded {
			s.Recorded++
		}
		s.LargestMeeting = max(s.LargestMeeting, m.PeakParticipants())
		s.ParticipantMinutes += float64(m.ParticipantSeconds()) / 60
	}
	steps := loadSteps(ms)
	var hourSum [7][24]float64
	var users, meetings int
	prev := s.From
	for _, st := range steps {
		if st.t > prev && users > 0 {
			addToHours(&hourSum, prev, st.t, float64(users))
		}
		prev = st.t
		users += st.users
		meetings += st.meetings
		if users > s.PeakUsers {
			s.PeakUsers, s.PeakUsersAt = users, st.t
		}
		if meetings > s.PeakMeetings {
			s.PeakMeetings, s.PeakMeetingsAt = meetings, st.t
		}
	}
	// Each weekday-hour is divided by how many times it occurs in the span.
	for t := s.From - s.From%3600; t < s.To; t += 3600 {
		d, h := weekHour(t)
		s.Weekly[d][h]++
	}
	for d := range 7 {
		for h := range 24 {
			if n := s.Weekly[d][h]; n > 0 {
				s.Weekly[d][h] = hourSum[d][h] / (n * 3600)
			}
		}
	}
	return s
}

// weekHour is the weekday (0 = Monday) and hour of a Unix time in UTC.
func weekHour(t int64) (int, int) {
	tm := time.Unix(t, 0).UTC()
	return (int(tm.Weekday()) + 6) % 7, tm.Hour()
}

// addToHours adds users x seconds over [a, b) to the weekday-hour buckets.
func addToHours(sum *[7][24]float64, a, b int64, users float64) {
	for a < b {
		end := min(b, a-a%3600+3600)
		d, h := weekHour(a)
		sum[d][h] += users * float64(end-a)
		a = end
	}
}

// TraceSpan is the first start and the last end of a trace: what a reader
// that only needs the trace's window asks for, without SummarizeTrace's
// sweep over every change of load.
func TraceSpan(ms []model.Meeting) (from, to int64) {
	if len(ms) == 0 {
		return 0, 0
	}
	from, to = ms[0].Start, ms[0].End
	for i := range ms {
		from = min(from, ms[i].Start)
		to = max(to, ms[i].End)
	}
	return from, to
}
