// Package timetable reads and writes iCalendar (RFC 5545) timetables, the
// format timetabling systems and calendar-driven BBB autoscalers (e.g.
// arawa/divims) export, and expands them into the scheduled sessions the
// engine pre-warms for (model.Session).
//
// Supported: VEVENTs with DTSTART and DTEND or DURATION, in UTC, with a
// TZID (DST-aware, from the system's zoneinfo) or floating (read in the
// calendar's X-WR-TIMEZONE, else UTC); RRULE with FREQ=WEEKLY or DAILY,
// INTERVAL, COUNT, UNTIL and BYDAY (weekly); EXDATE. All-day events
// (VALUE=DATE) are not sessions and are skipped. A session's expected
// size is the event's X-SCALITE-PARTICIPANTS, else a "participants: N"
// in its DESCRIPTION, else the calendar's X-SCALITE-DEFAULT-PARTICIPANTS,
// else the default the caller gives.
package timetable

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Event is one VEVENT: a first occurrence and its recurrence.
type Event struct {
	Line         int // where it begins, for errors
	Summary      string
	Start        time.Time // first occurrence, in its location
	Duration     time.Duration
	Participants int // 0 = the calendar's default
	Rule         *Rule
	Except       []time.Time
}

// Rule is the supported subset of an RRULE.
type Rule struct {
	Weekly   bool // else daily
	Interval int
	Count    int       // 0 = no limit
	Until    time.Time // zero = no limit
	ByDay    []time.Weekday
}

// Calendar is a parsed timetable.
type Calendar struct {
	Name string // file name, for messages
	// DefaultParticipants is the size of a session whose event gives none.
	DefaultParticipants int
	Events              []Event
	// SkippedAllDay counts all-day events (not sessions).
	SkippedAllDay int
}

// Load reads an .ics file; defaultParticipants applies when neither the
// event nor the calendar gives a size.
func Load(path string, defaultParticipants int) (*Calendar, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading timetable: %w", err)
	}
	defer f.Close()
	return Parse(f, path, defaultParticipants)
}

type contentLine struct {
	line   int
	name   string
	params map[string]string
	value  string
}

// unfold joins RFC 5545 folded lines (a continuation starts with a space or
// a tab) and splits each into name, parameters and value.
func unfold(r io.Reader, name string) ([]contentLine, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var raw []struct {
		line int
		text string
	}
	n := 0
	for sc.Scan() {
		n++
		t := strings.TrimRight(sc.Text(), "\r")
		if n == 1 {
			t = strings.TrimPrefix(t, "\ufeff")
		}
		if t == "" {
			continue
		}
		if (t[0] == ' ' || t[0] == '\t') && len(raw) > 0 {
			raw[len(raw)-1].text += t[1:]
			continue
		}
		raw = append(raw, struct {
			line int
			text string
		}{n, t})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	out := make([]contentLine, 0, len(raw))
	for _, r := range raw {
		colon := indexUnquoted(r.text, ':')
		if colon < 0 {
			return nil, fmt.Errorf("%s: line %d: no ':' in %q", name, r.line, r.text)
		}
		head, value := r.text[:colon], r.text[colon+1:]
		parts := strings.Split(head, ";")
		cl := contentLine{line: r.line, name: strings.ToUpper(parts[0]), params: map[string]string{}, value: value}
		for _, p := range parts[1:] {
			k, v, _ := strings.Cut(p, "=")
			cl.params[strings.ToUpper(k)] = strings.Trim(v, `"`)
		}
		out = append(out, cl)
	}
	return out, nil
}

func indexUnquoted(s string, c byte) int {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			quoted = !quoted
		case s[i] == c && !quoted:
			return i
		}
	}
	return -1
}

var descParticipants = regexp.MustCompile(`(?i)participants\s*[:=]\s*(\d+)`)

// Parse reads an iCalendar stream; name is used in errors.
func Parse(r io.Reader, name string, defaultParticipants int) (*Calendar, error) {
	lines, err := unfold(r, name)
	if err != nil {
		return nil, err
	}
	cal := &Calendar{Name: name, DefaultParticipants: defaultParticipants}
	calLoc := time.UTC
	fail := func(l contentLine, format string, args ...any) error {
		return fmt.Errorf("%s: line %d: %s: %s", name, l.line, l.name, fmt.Sprintf(format, args...))
	}
	sawCalendar := false
	var ev *Event
	var evLines []contentLine
	depth := 0 // nested components inside a VEVENT (VALARM)
	for _, l := range lines {
		switch {
		case l.name == "BEGIN" && strings.EqualFold(l.value, "VCALENDAR"):
			sawCalendar = true
		case l.name == "BEGIN" && strings.EqualFold(l.value, "VEVENT"):
			if ev != nil {
				return nil, fail(l, "a VEVENT inside a VEVENT")
			}
			ev = &Event{Line: l.line}
			evLines = evLines[:0]
		case l.name == "BEGIN" && ev != nil:
			depth++
		case l.name == "END" && ev != nil && depth > 0:
			depth--
		case l.name == "END" && strings.EqualFold(l.value, "VEVENT"):
			if ev == nil {
				return nil, fail(l, "END:VEVENT without BEGIN")
			}
			keep, err := buildEvent(ev, evLines, calLoc, fail)
			if err != nil {
				return nil, err
			}
			if keep {
				cal.Events = append(cal.Events, *ev)
			} else {
				cal.SkippedAllDay++
			}
			ev = nil
		case ev != nil && depth == 0:
			evLines = append(evLines, l)
		case ev == nil && l.name == "X-SCALITE-DEFAULT-PARTICIPANTS":
			n, err := strconv.Atoi(strings.TrimSpace(l.value))
			if err != nil || n < 0 {
				return nil, fail(l, "bad count %q (want a whole number >= 0)", l.value)
			}
			cal.DefaultParticipants = n
		case ev == nil && l.name == "X-WR-TIMEZONE":
			loc, err := time.LoadLocation(strings.TrimSpace(l.value))
			if err != nil {
				return nil, fail(l, "unknown time zone %q", l.value)
			}
			calLoc = loc
		}
	}
	if !sawCalendar {
		return nil, fmt.Errorf("%s: no BEGIN:VCALENDAR: not an iCalendar file", name)
	}
	if ev != nil {
		return nil, fmt.Errorf("%s: line %d: VEVENT not closed", name, ev.Line)
	}
	if len(cal.Events) == 0 {
		return nil, fmt.Errorf("%s: no timed VEVENT", name)
	}
	return cal, nil
}

// buildEvent fills an event from its lines; false for an all-day event.
func buildEvent(ev *Event, lines []contentLine, calLoc *time.Location, fail func(contentLine, string, ...any) error) (bool, error) {
	var end time.Time
	var haveStart, haveEnd, haveDur bool
	var desc string
	for _, l := range lines {
		switch l.name {
		case "DTSTART":
			if strings.EqualFold(l.params["VALUE"], "DATE") {
				return false, nil
			}
			t, err := parseDateTime(l, calLoc)
			if err != nil {
				return false, fail(l, "%v", err)
			}
			ev.Start, haveStart = t, true
		case "DTEND":
			t, err := parseDateTime(l, calLoc)
			if err != nil {
				return false, fail(l, "%v", err)
			}
			end, haveEnd = t, true
		case "DURATION":
			d, err := parseDuration(l.value)
			if err != nil {
				return false, fail(l, "%v", err)
			}
			ev.Duration, haveDur = d, true
		case "SUMMARY":
			ev.Summary = l.value
		case "DESCRIPTION":
			desc = l.value
		case "X-SCALITE-PARTICIPANTS":
			n, err := strconv.Atoi(strings.TrimSpace(l.value))
			if err != nil || n < 0 {
				return false, fail(l, "bad count %q (want a whole number >= 0)", l.value)
			}
			ev.Participants = n
		case "RRULE":
			r, err := parseRule(l.value, calLoc)
			if err != nil {
				return false, fail(l, "%v", err)
			}
			ev.Rule = r
		case "EXDATE":
			for _, v := range strings.Split(l.value, ",") {
				t, err := parseDateTime(contentLine{params: l.params, value: v}, calLoc)
				if err != nil {
					return false, fail(l, "%v", err)
				}
				ev.Except = append(ev.Except, t)
			}
		}
	}
	start := contentLine{line: ev.Line, name: "VEVENT"}
	if !haveStart {
		return false, fail(start, "no DTSTART")
	}
	if haveEnd {
		ev.Duration = end.Sub(ev.Start)
	}
	if !haveEnd && !haveDur {
		return false, fail(start, "no DTEND or DURATION")
	}
	if ev.Duration <= 0 {
		return false, fail(start, "ends before it starts")
	}
	if ev.Participants == 0 {
		if m := descParticipants.FindStringSubmatch(strings.ReplaceAll(desc, `\n`, "\n")); m != nil {
			ev.Participants, _ = strconv.Atoi(m[1])
		}
	}
	if ev.Rule != nil && ev.Rule.Weekly && len(ev.Rule.ByDay) == 0 {
		ev.Rule.ByDay = []time.Weekday{ev.Start.Weekday()}
	}
	return true, nil
}

func parseDateTime(l contentLine, calLoc *time.Location) (time.Time, error) {
	v := strings.TrimSpace(l.value)
	if strings.EqualFold(l.params["VALUE"], "DATE") || len(v) == 8 {
		return time.Time{}, fmt.Errorf("date %q without a time: all-day values are not supported here", v)
	}
	loc := calLoc
	if tz := l.params["TZID"]; tz != "" {
		var err error
		if loc, err = time.LoadLocation(tz); err != nil {
			return time.Time{}, fmt.Errorf("unknown TZID %q", tz)
		}
	}
	if strings.HasSuffix(v, "Z") {
		t, err := time.Parse("20060102T150405Z", v)
		if err != nil {
			return time.Time{}, fmt.Errorf("bad date-time %q (want YYYYMMDDTHHMMSS[Z])", v)
		}
		return t, nil
	}
	t, err := time.ParseInLocation("20060102T150405", v, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad date-time %q (want YYYYMMDDTHHMMSS[Z])", v)
	}
	return t, nil
}

var durationRE = regexp.MustCompile(`^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)

func parseDuration(s string) (time.Duration, error) {
	m := durationRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil || s == "P" || s == "PT" {
		return 0, fmt.Errorf("bad duration %q (want e.g. PT45M)", s)
	}
	units := []time.Duration{7 * 24 * time.Hour, 24 * time.Hour, time.Hour, time.Minute, time.Second}
	var d time.Duration
	for i, u := range units {
		if m[i+1] != "" {
			n, _ := strconv.Atoi(m[i+1])
			d += time.Duration(n) * u
		}
	}
	return d, nil
}

var weekdayCodes = map[string]time.Weekday{"MO": time.Monday, "TU": time.Tuesday, "WE": time.Wednesday, "TH": time.Thursday, "FR": time.Friday, "SA": time.Saturday, "SU": time.Sunday}

func parseRule(s string, calLoc *time.Location) (*Rule, error) {
	r := &Rule{Interval: 1}
	freq := ""
	for _, part := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("bad RRULE part %q", part)
		}
		switch strings.ToUpper(k) {
		case "FREQ":
			freq = strings.ToUpper(v)
		case "INTERVAL":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("bad INTERVAL %q", v)
			}
			r.Interval = n
		case "COUNT":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("bad COUNT %q", v)
			}
			r.Count = n
		case "UNTIL":
			var t time.Time
			var err error
			if len(v) == 8 {
				t, err = time.ParseInLocation("20060102", v, calLoc)
				t = t.Add(24*time.Hour - time.Second) // the whole day
			} else {
				t, err = parseDateTime(contentLine{params: map[string]string{}, value: v}, calLoc)
			}
			if err != nil {
				return nil, fmt.Errorf("bad UNTIL %q", v)
			}
			r.Until = t
		case "BYDAY":
			for _, d := range strings.Split(strings.ToUpper(v), ",") {
				wd, ok := weekdayCodes[d]
				if !ok {
					return nil, fmt.Errorf("BYDAY %q: want MO,TU,...,SU without ordinals", d)
				}
				r.ByDay = append(r.ByDay, wd)
			}
		case "WKST":
			if strings.ToUpper(v) != "MO" {
				return nil, errors.New("only WKST=MO is supported")
			}
		default:
			return nil, fmt.Errorf("unsupported RRULE part %s (supported: FREQ, INTERVAL, COUNT, UNTIL, BYDAY, WKST)", k)
		}
	}
	switch freq {
	case "WEEKLY":
		r.Weekly = true
	case "DAILY":
		if len(r.ByDay) > 0 {
			return nil, errors.New("BYDAY with FREQ=DAILY is not supported")
		}
	default:
		return nil, fmt.Errorf("FREQ=%s is not supported (want WEEKLY or DAILY)", freq)
	}
	if r.Count > 0 && !r.Until.IsZero() {
		return nil, errors.New("COUNT and UNTIL together are not allowed (RFC 5545)")
	}
	return r, nil
}
