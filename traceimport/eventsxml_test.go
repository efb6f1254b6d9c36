package traceimport

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/scalite/scalite/model"
)

func at(s string) int64 {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.Unix()
}

func TestImportEventsXMLFollowsJoinsAndLeaves(t *testing.T) {
	ms, st, err := ImportEventsXML([]string{"testdata/raw"})
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Meeting{
		{
			ID:    "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678-1772438400000",
			Start: at("2026-03-02T08:00:00Z"), End: at("2026-03-02T08:45:00Z"),
			// 6991 participant-seconds over 2700 s.
			Participants: 3, Moderators: 2, VideoStreams: 2, Recorded: true,
			Curve: []model.SizeStep{
				{At: at("2026-03-02T08:00:00Z"), Participants: 0},
				{At: at("2026-03-02T08:00:09Z"), Participants: 1},
				{At: at("2026-03-02T08:00:40Z"), Participants: 3}, // two joins in one second
				{At: at("2026-03-02T08:10:00Z"), Participants: 2},
				{At: at("2026-03-02T08:12:00Z"), Participants: 3},
				{At: at("2026-03-02T08:30:00Z"), Participants: 2}, // no timestampUTC: the event clock
			},
		},
		{
			ID:    "0f1e2d3c4b5a69788796a5b4c3d2e1f001234567-1772442000000",
			Start: at("2026-03-02T09:00:00Z"), End: at("2026-03-02T09:04:00Z"),
			Participants: 1, Moderators: 1, Recorded: true,
			Curve: []model.SizeStep{
				{At: at("2026-03-02T09:00:00Z"), Participants: 0},
				{At: at("2026-03-02T09:01:00Z"), Participants: 1},
				{At: at("2026-03-02T09:03:00Z"), Participants: 0},
			},
		},
	}
	if !reflect.DeepEqual(ms, want) {
		t.Errorf("got\n%+v\nwant\n%+v", ms, want)
	}
	if ps := ms[0].ParticipantSeconds(); ps != 6991 {
		t.Errorf("participant-seconds %d, want 6991", ps)
	}
	if st != (EventsStats{Files: 3, Meetings: 2, Empty: 1, UnknownLeaves: 1}) {
		t.Errorf("stats %+v", st)
	}
}

func TestImportEventsXMLRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ name, body, want string }{
		{"broken", `<recording meeting_id="x-1"><event timestamp="1"`, "line 1"},
		{"not-events", `<html></html>`, "no <recording> element"},
		{"bad-id", `<recording meeting_id="abc"><meeting id="abc"/></recording>`, "does not end with -<creation time in ms>"},
		{"bad-timestamp", `<recording meeting_id="a-1772438400000"><event timestamp="soon" module="PARTICIPANT" eventname="ParticipantJoinEvent"><userId>u</userId></event></recording>`, "event 1 (ParticipantJoinEvent): field timestamp"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name+".xml")
			if err := os.WriteFile(p, []byte(c.body), 0o644); err != nil {
				t.Fatal(err)
			}
			_, _, err := ImportEventsXML([]string{p})
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("error %v, want one naming %s and saying %q", err, p, c.want)
			}
		})
	}
}
