package timetable

import (
	"strings"
	"testing"
)

// FuzzParse: any input either fails with an error naming the file or
// gives a calendar whose sessions are sorted, non-empty intervals.
func FuzzParse(f *testing.F) {
	f.Add(school)
	f.Add("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260302T080000Z\nDURATION:PT45M\nRRULE:FREQ=DAILY;INTERVAL=999999999\nEND:VEVENT\nEND:VCALENDAR\n")
	f.Add("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260302T080000Z\nDURATION:P1W\nRRULE:FREQ=WEEKLY;BYDAY=SU,MO;COUNT=3\nEND:VEVENT\nEND:VCALENDAR\n")
	f.Fuzz(func(t *testing.T, in string) {
		cal, err := Parse(strings.NewReader(in), "f.ics", 5)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.ics") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		ss := cal.Sessions(utc("2026-01-01T00:00:00Z"), utc("2027-01-01T00:00:00Z"))
		for i, s := range ss {
			if s.End <= s.Start || (i > 0 && s.Start < ss[i-1].Start) {
				t.Fatalf("session %d %+v out of order or empty", i, s)
			}
		}
	})
}
