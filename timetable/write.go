package timetable

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/scalite/scalite/datasets"
)

// FromProfile is the timetable behind a generated trace: one weekly event
// per slot of the profile, Monday to Friday, from the first working day
// of the span to its last day, with the holidays as exceptions. A
// session's expected size is the slot's mean meetings times the mean
// meeting size, times the scale; it lasts the profile's mean duration.
// Background meetings are not scheduled, so they are not in it.
func FromProfile(p datasets.TraceProfile, opt datasets.TraceGenOptions) *Calendar {
	scale := opt.Scale
	if scale <= 0 {
		scale = 1
	}
	day0 := time.Date(opt.Start.Year(), opt.Start.Month(), opt.Start.Day(), 0, 0, 0, 0, time.UTC)
	last := day0.AddDate(0, 0, opt.Days-1)
	mean := MeanMeetingSize(p)
	dur := time.Duration((p.DurationMin+p.DurationMax)/2) * time.Minute
	cal := &Calendar{Name: p.Name}
	var holidays []time.Time
	for d := day0; !d.After(last); d = d.AddDate(0, 0, 1) {
		if p.IsHoliday(d) {
			holidays = append(holidays, d)
		}
	}
	for _, s := range p.Slots {
		// The first Monday-to-Friday on or after the first day.
		first := day0
		for first.Weekday() == time.Saturday || first.Weekday() == time.Sunday {
			first = first.AddDate(0, 0, 1)
		}
		start := first.Add(time.Duration(s.Hour)*time.Hour + time.Duration(s.Minute)*time.Minute)
		ev := Event{
			Summary:      fmt.Sprintf("%s %02d:%02d (%.0f meetings)", p.Name, s.Hour, s.Minute, s.Meetings*scale),
			Start:        start,
			Duration:     dur,
			Participants: int(math.Round(s.Meetings * scale * mean)),
			Rule: &Rule{Weekly: true, Interval: 1, Until: last.Add(24*time.Hour - time.Second),
				ByDay: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}},
		}
		for _, h := range holidays {
			if wd := h.Weekday(); wd != time.Saturday && wd != time.Sunday {
				ev.Except = append(ev.Except, h.Add(start.Sub(first)))
			}
		}
		cal.Events = append(cal.Events, ev)
	}
	return cal
}

// MeanMeetingSize is the mean of the profile's clamped, rounded lognormal
// meeting size, by quadrature over 2,000 quantiles.
func MeanMeetingSize(p datasets.TraceProfile) float64 {
	d := distuv.LogNormal{Mu: math.Log(p.SizeMedian), Sigma: p.SizeSigma}
	const n = 2000
	sum := 0.0
	for i := range n {
		x := math.Round(d.Quantile((float64(i) + 0.5) / n))
		sum += min(max(x, float64(p.SizeMin)), float64(p.SizeMax))
	}
	return sum / n
}

// Write writes the calendar as iCalendar, times in UTC.
func (c *Calendar) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	const ts = "20060102T150405Z"
	line := func(format string, args ...any) { fmt.Fprintf(bw, format+"\r\n", args...) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Scalite//timetable//EN")
	line("X-WR-CALNAME:%s", c.Name)
	if c.DefaultParticipants > 0 {
		line("X-SCALITE-DEFAULT-PARTICIPANTS:%d", c.DefaultParticipants)
	}
	for i, ev := range c.Events {
		line("BEGIN:VEVENT")
		line("UID:%s-%03d@scalite", c.Name, i+1)
		line("DTSTAMP:%s", ev.Start.UTC().Format(ts))
		line("SUMMARY:%s", ev.Summary)
		line("DTSTART:%s", ev.Start.UTC().Format(ts))
		line("DURATION:PT%dM", int(ev.Duration/time.Minute))
		if r := ev.Rule; r != nil {
			rule := "FREQ=DAILY"
			if r.Weekly {
				rule = "FREQ=WEEKLY"
			}
			if r.Interval > 1 {
				rule += fmt.Sprintf(";INTERVAL=%d", r.Interval)
			}
			if len(r.ByDay) > 0 {
				rule += ";BYDAY="
				for j, d := range r.ByDay {
					if j > 0 {
						rule += ","
					}
					rule += strings.ToUpper(d.String()[:2]) // MO, TU, ...
				}
			}
			if !r.Until.IsZero() {
				rule += ";UNTIL=" + r.Until.UTC().Format(ts)
			}
			if r.Count > 0 {
				rule += fmt.Sprintf(";COUNT=%d", r.Count)
			}
			line("RRULE:%s", rule)
		}
		for _, x := range ev.Except {
			line("EXDATE:%s", x.UTC().Format(ts))
		}
		line("X-SCALITE-PARTICIPANTS:%d", ev.Participants)
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return bw.Flush()
}
