package timetable

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
)

func utc(s string) int64 {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.Unix()
}

// A hand-made calendar in the shape timetabling exports take (RFC 5545
// section 3.6.1 VEVENT, 3.3.10 RECUR, 3.8.5.1 EXDATE).
const school = "BEGIN:VCALENDAR\r\n" +
	"VERSION:2.0\r\n" +
	"X-SCALITE-DEFAULT-PARTICIPANTS:20\r\n" +
	"BEGIN:VEVENT\r\n" +
	"SUMMARY:Maths 7b\r\n" +
	"DTSTART;TZID=Europe/Berlin:20260323T080000\r\n" +
	"DTEND;TZID=Europe/Berlin:20260323T084500\r\n" +
	"RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20260408T235959Z\r\n" +
	"EXDATE;TZID=Europe/Berlin:20260325T080000\r\n" +
	"X-SCALITE-PARTICIPANTS:28\r\n" +
	"BEGIN:VALARM\r\n" +
	"TRIGGER:-PT5M\r\n" +
	"END:VALARM\r\n" +
	"END:VEVENT\r\n" +
	"BEGIN:VEVENT\r\n" +
	"SUMMARY:Staff meeting\r\n" +
	"DTSTART:20260324T130000Z\r\n" +
	"DURATION:PT1H\r\n" +
	"DESCRIPTION:weekly staff\\nparticipants: 60\r\n" +
	"RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=2\r\n" +
	"END:VEVENT\r\n" +
	"BEGIN:VEVENT\r\n" +
	"SUMMARY:Open day\r\n" +
	"DTSTART:20260326T090000Z\r\n" +
	"DTEND:20260326T1000\r\n" +
	" 00Z\r\n" +
	"END:VEVENT\r\n" +
	"BEGIN:VEVENT\r\n" +
	"SUMMARY:Holiday\r\n" +
	"DTSTART;VALUE=DATE:20260406\r\n" +
	"END:VEVENT\r\n" +
	"END:VCALENDAR\r\n"

func TestSessionsExpandRulesAcrossDST(t *testing.T) {
	cal, err := Parse(strings.NewReader(school), "school.ics", 10)
	if err != nil {
		t.Fatal(err)
	}
	got := cal.Sessions(utc("2026-03-01T00:00:00Z"), utc("2026-05-01T00:00:00Z"))
	want := []model.Session{
		// 08:00 in Berlin is 07:00Z before 29 March (CET), 06:00Z after (CEST).
		{Start: utc("2026-03-23T07:00:00Z"), End: utc("2026-03-23T07:45:00Z"), Participants: 28},
		{Start: utc("2026-03-24T13:00:00Z"), End: utc("2026-03-24T14:00:00Z"), Participants: 60}, // from DESCRIPTION
		// 25 March is an EXDATE.
		{Start: utc("2026-03-26T09:00:00Z"), End: utc("2026-03-26T10:00:00Z"), Participants: 20}, // the calendar's default; folded DTEND
		{Start: utc("2026-03-30T06:00:00Z"), End: utc("2026-03-30T06:45:00Z"), Participants: 28},
		{Start: utc("2026-04-01T06:00:00Z"), End: utc("2026-04-01T06:45:00Z"), Participants: 28},
		{Start: utc("2026-04-06T06:00:00Z"), End: utc("2026-04-06T06:45:00Z"), Participants: 28},
		{Start: utc("2026-04-07T13:00:00Z"), End: utc("2026-04-07T14:00:00Z"), Participants: 60}, // INTERVAL=2, COUNT=2
		{Start: utc("2026-04-08T06:00:00Z"), End: utc("2026-04-08T06:45:00Z"), Participants: 28}, // UNTIL is inclusive
	}
	if len(got) != len(want) {
		t.Fatalf("got %d sessions, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("session %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if cal.SkippedAllDay != 1 {
		t.Errorf("skipped all-day %d, want 1", cal.SkippedAllDay)
	}
	// A window keeps only the sessions overlapping it.
	if n := len(cal.Sessions(utc("2026-03-30T06:30:00Z"), utc("2026-03-30T07:00:00Z"))); n != 1 {
		t.Errorf("sessions overlapping a half hour: %d, want 1", n)
	}
}

func TestParseRejectsBadInput(t *testing.T) {
	ev := func(body string) string {
		return "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n" + body + "END:VEVENT\r\nEND:VCALENDAR\r\n"
	}
	cases := []struct{ name, in, want string }{
		{"not ics", "hello", "no ':'"},
		{"no calendar", "X:1\r\n", "not an iCalendar file"},
		{"no start", ev("DURATION:PT1H\r\n"), "line 2: VEVENT: no DTSTART"},
		{"no end", ev("DTSTART:20260302T080000Z\r\n"), "no DTEND or DURATION"},
		{"monthly", ev("DTSTART:20260302T080000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=MONTHLY\r\n"), "line 5: RRULE: FREQ=MONTHLY is not supported"},
		{"bysetpos", ev("DTSTART:20260302T080000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY;BYSETPOS=1\r\n"), "unsupported RRULE part BYSETPOS"},
		{"bad tz", ev("DTSTART;TZID=Mars/Olympus:20260302T080000\r\nDURATION:PT1H\r\n"), "unknown TZID"},
		{"bad size", ev("DTSTART:20260302T080000Z\r\nDURATION:PT1H\r\nX-SCALITE-PARTICIPANTS:many\r\n"), "X-SCALITE-PARTICIPANTS: bad count"},
		{"backwards", ev("DTSTART:20260302T080000Z\r\nDTEND:20260302T070000Z\r\n"), "ends before it starts"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(c.in), "x.ics", 10)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "x.ics") {
				t.Errorf("error %v, want one starting x.ics and saying %q", err, c.want)
			}
		})
	}
}

// TestFromProfileRoundTrips writes the timetable behind a generated school
// month, reads it back and checks its sessions against the slots.
func TestFromProfileRoundTrips(t *testing.T) {
	p, _ := datasets.Profile("school")
	opt := datasets.TraceGenOptions{Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Days: 28}
	var b bytes.Buffer
	if err := FromProfile(p, opt).Write(&b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "school.ics")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cal, err := Load(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	ss := cal.Sessions(opt.Start.Unix(), opt.Start.AddDate(0, 0, 28).Unix())
	// 20 working days (no holiday in March) times the profile's slots.
	if want := 20 * len(p.Slots); len(ss) != want {
		t.Fatalf("%d sessions, want %d", len(ss), want)
	}
	mean := MeanMeetingSize(p)
	if mean < 23 || mean > 25 {
		t.Errorf("mean school meeting size %.2f, want about 24 (median 24, sigma 0.2)", mean)
	}
	// The 08:00 slot: 230 meetings of about 24 participants.
	first := ss[2]
	if first.Start != utc("2026-03-02T08:00:00Z") || first.End-first.Start != 45*60 {
		t.Errorf("third session %+v, want 08:00-08:45 on 2 March", first)
	}
	if want := int(230*mean + 0.5); first.Participants != want {
		t.Errorf("08:00 session expects %d participants, want %d", first.Participants, want)
	}
	// The summer holidays are exceptions.
	opt.Start = time.Date(2026, 7, 13, 0, 0, 0, 0, time.UTC)
	cal = FromProfile(p, opt)
	n := len(cal.Sessions(utc("2026-07-20T00:00:00Z"), utc("2026-08-01T00:00:00Z")))
	if n != 0 {
		t.Errorf("%d sessions in the summer holidays, want 0", n)
	}
}
