package datasets

import (
	"bytes"
	"strings"
	"testing"
)

func TestReadTraceWithSamples(t *testing.T) {
	ms, st, err := ReadTrace("testdata/trace.csv", "testdata/samples.csv")
	if err != nil {
		t.Fatal(err)
	}
	if st.Meetings != 3 || st.Samples != 2 || st.SamplesOutside != 1 {
		t.Errorf("stats = %+v", st)
	}
	l1 := ms[0]
	if l1.ID != "lecture-1" || !l1.Recorded || l1.Moderators != 1 || len(l1.Curve) != 2 {
		t.Fatalf("lecture-1 = %+v", l1)
	}
	if got := l1.ParticipantsAt(l1.Start + 700); got != 60 {
		t.Errorf("participants at 08:11:40 = %d, want 60", got)
	}
	// 10 min at 40, 30 at 60, 50 at 80.
	if got := l1.ParticipantSeconds(); got != (10*40+30*60+50*80)*60 {
		t.Errorf("participant-seconds = %d", got)
	}
	if ms[2].Tag != "ondemand" {
		t.Errorf("tag = %q", ms[2].Tag)
	}
	s := SummarizeTrace(ms)
	// From 08:40 to 08:45 lecture-1 has 80 and lecture-2 12.
	if s.PeakUsers != 92 || s.PeakMeetings != 2 || s.PeakUsersAt != l1.Start+40*60 {
		t.Errorf("peak users %d at %d, meetings %d; want 92 at 08:40 and 2", s.PeakUsers, s.PeakUsersAt, s.PeakMeetings)
	}
}

func TestParseTraceErrors(t *testing.T) {
	const h = "meeting_id,start,end,participants\n"
	for _, tc := range []struct{ name, in, want string }{
		{"unknown column", "meeting_id,start,end,participants,colour\n", "t.csv: line 1: field colour: unknown column"},
		{"missing column", "meeting_id,start,end\n", "t.csv: line 1: field participants: header lacks this column"},
		{"bad start", h + "a,2026-03-02T08:00:00Z,2026-03-02T09:00:00Z,3\nb,noon,2026-03-02T09:00:00Z,3\n", "t.csv: line 3: field start: bad time \"noon\""},
		{"end before start", h + "a,2026-03-02T08:00:00Z,2026-03-02T07:00:00Z,3\n", "t.csv: line 2: field end: 2026-03-02T07:00:00Z is not after start"},
		{"negative participants", h + "a,2026-03-02T08:00:00Z,2026-03-02T09:00:00Z,-3\n", "t.csv: line 2: field participants: bad count \"-3\""},
		{"duplicate id", h + "a,2026-03-02T08:00:00Z,2026-03-02T09:00:00Z,3\na,2026-03-02T08:00:00Z,2026-03-02T09:00:00Z,3\n", "t.csv: line 3: field meeting_id: \"a\" already used on line 2"},
		{"no meetings", h, "t.csv: no meetings"},
		{"ragged row", h + "a,2026-03-02T08:00:00Z\n", "t.csv: line 2: record on line 2: wrong number of fields"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTrace(strings.NewReader(tc.in), "t.csv")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestSamplesUnknownMeeting(t *testing.T) {
	ms, _, _ := ReadTrace("testdata/trace.csv", "")
	_, _, err := ApplySamples(ms, strings.NewReader("time,meeting_id,participants\n2026-03-02T08:10:00Z,ghost,3\n"), "s.csv")
	if err == nil || !strings.Contains(err.Error(), `s.csv: line 2: field meeting_id: meeting "ghost" is not in the trace`) {
		t.Fatalf("error = %v", err)
	}
}

func TestTraceRoundTripGolden(t *testing.T) {
	ms, _, err := ReadTrace("testdata/trace.csv", "testdata/samples.csv")
	if err != nil {
		t.Fatal(err)
	}
	var tr, sm bytes.Buffer
	if err := WriteTrace(&tr, ms); err != nil {
		t.Fatal(err)
	}
	if err := WriteSamples(&sm, ms); err != nil {
		t.Fatal(err)
	}
	golden(t, "trace-roundtrip.golden.csv", tr.Bytes())
	back, err := ParseTrace(bytes.NewReader(tr.Bytes()), "back")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ApplySamples(back, bytes.NewReader(sm.Bytes()), "back-samples"); err != nil {
		t.Fatal(err)
	}
	for i := range ms {
		if ms[i].ParticipantSeconds() != back[i].ParticipantSeconds() || ms[i].ID != back[i].ID {
			t.Errorf("meeting %d changed in the round trip", i)
		}
	}
}
