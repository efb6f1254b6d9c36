package timetable

import (
	"slices"
	"time"

	"github.com/scalite/scalite/model"
)

// maxOccurrences bounds one event's expansion (a daily rule over 30
// years), so a malformed rule cannot loop for ever.
const maxOccurrences = 12000

// Sessions expands every event's occurrences that overlap [from, to)
// (Unix seconds), sorted by start then end. Weekly and daily rules recur
// in the event's own time zone, so sessions keep their wall-clock time
// across daylight-saving changes.
func (c *Calendar) Sessions(from, to int64) []model.Session {
	var out []model.Session
	for i := range c.Events {
		ev := &c.Events[i]
		n := ev.Participants
		if n == 0 {
			n = c.DefaultParticipants
		}
		ev.occurrences(to, func(start time.Time) {
			s, e := start.Unix(), start.Add(ev.Duration).Unix()
			if e > from && s < to {
				out = append(out, model.Session{Start: s, End: e, Participants: n})
			}
		})
	}
	slices.SortFunc(out, func(a, b model.Session) int {
		if a.Start != b.Start {
			return int(a.Start - b.Start)
		}
		return int(a.End - b.End)
	})
	return out
}

// occurrences calls f for each occurrence starting before to, in order.
func (ev *Event) occurrences(to int64, f func(time.Time)) {
	excluded := func(t time.Time) bool {
		return slices.ContainsFunc(ev.Except, func(x time.Time) bool { return x.Equal(t) })
	}
	r := ev.Rule
	if r == nil {
		if ev.Start.Unix() < to && !excluded(ev.Start) {
			f(ev.Start)
		}
		return
	}
	loc := ev.Start.Location()
	y, m, d := ev.Start.Date()
	hh, mm, ss := ev.Start.Clock()
	at := func(dayOffset int) time.Time { return time.Date(y, m, d+dayOffset, hh, mm, ss, 0, loc) }
	count, steps := 0, 0
	emit := func(t time.Time) bool { // false: the rule is exhausted
		// Every step moves forward, but a huge INTERVAL overflows the
		// calendar arithmetic: bound the steps as well as the occurrences.
		if steps++; steps > 8*maxOccurrences {
			return false
		}
		if t.Before(ev.Start) {
			return true
		}
		if !r.Until.IsZero() && t.After(r.Until) || t.Unix() >= to || count >= maxOccurrences {
			return false
		}
		if r.Count > 0 && count >= r.Count {
			return false
		}
		count++
		if !excluded(t) {
			f(t)
		}
		return true
	}
	if !r.Weekly {
		for k := 0; ; k += r.Interval {
			if !emit(at(k)) {
				return
			}
		}
	}
	// Weeks start on Monday (WKST=MO).
	monday := -((int(ev.Start.Weekday()) + 6) % 7)
	days := slices.Clone(r.ByDay)
	slices.SortFunc(days, func(a, b time.Weekday) int { return (int(a)+6)%7 - (int(b)+6)%7 })
	for week := 0; ; week += r.Interval {
		for _, wd := range days {
			if !emit(at(monday + 7*week + (int(wd)+6)%7)) {
				return
			}
		}
	}
}
