package live_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/emulate"
	"github.com/scalite/scalite/live"
)

// TestTraceRecordResumes: polls through Scalelite's getMeetings become a
// trace the simulator reads; a restart loses and duplicates nothing.
func TestTraceRecordResumes(t *testing.T) {
	emu := emulate.NewScalelite("lb-secret")
	srv := httptest.NewServer(emu)
	defer srv.Close()
	ctx := context.Background()
	api, sec := emu.BBBServer(srv.URL, "s1")
	// Fleet-wide getMeetings lists only enabled, online servers' meetings
	// (bigbluebutton_api_controller.rb): a polled, enabled server.
	emu.Register(api, sec, "enabled", "")
	fleet, _ := live.NewBBB(srv.URL+"/bigbluebutton/api", "lb-secret", srv.Client())
	dir := t.TempDir()
	trace, samples, polls := filepath.Join(dir, "t.csv"), filepath.Join(dir, "t.samples.csv"), filepath.Join(dir, "t.polls.csv")
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	create := t0.UnixMilli()
	emu.SetMeetings(api, []emulate.Meeting{{MeetingID: "lec", InternalMeetingID: "lec-1", CreateTime: create, ParticipantCount: 10, ModeratorCount: 1, Recording: true}})

	rec, err := live.NewTraceRecorder(fleet, trace, samples, polls)
	if err != nil {
		t.Fatal(err)
	}
	rec.Poll(ctx, t0.Add(time.Minute))
	emu.SetMeetings(api, []emulate.Meeting{{MeetingID: "lec", InternalMeetingID: "lec-1", CreateTime: create, ParticipantCount: 30, ModeratorCount: 1, Recording: true},
		{MeetingID: "sem", InternalMeetingID: "sem-1", CreateTime: t0.Add(90 * time.Second).UnixMilli(), ParticipantCount: 5}})
	rec.Poll(ctx, t0.Add(2*time.Minute))

	// Restart: a new recorder resumes from the poll log; a poll at an
	// instant already recorded writes nothing.
	rec2, err := live.NewTraceRecorder(fleet, trace, samples, polls)
	if err != nil {
		t.Fatal(err)
	}
	if !rec2.Resumed().Equal(t0.Add(2*time.Minute)) || rec2.Meetings() != 2 {
		t.Fatalf("resumed at %v with %d meetings", rec2.Resumed(), rec2.Meetings())
	}
	if n, _ := rec2.Poll(ctx, t0.Add(2*time.Minute)); n != 0 {
		t.Fatalf("re-recorded %d samples of a recorded instant", n)
	}
	emu.SetMeetings(api, []emulate.Meeting{{MeetingID: "sem", InternalMeetingID: "sem-1", CreateTime: t0.Add(90 * time.Second).UnixMilli(), ParticipantCount: 6}})
	rec2.Poll(ctx, t0.Add(3*time.Minute))

	b, _ := os.ReadFile(polls)
	if lines := strings.Count(string(b), "\n"); lines != 1+1+2+1 {
		t.Fatalf("poll log has %d lines:\n%s", lines, b)
	}
	ms, st, err := datasets.ReadTrace(trace, samples)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].ID != "lec-1" || ms[0].Start != t0.Unix() || ms[0].End != t0.Add(3*time.Minute).Unix() || !ms[0].Recorded || ms[0].PeakParticipants() != 30 {
		t.Fatalf("meetings %+v (samples %+v)", ms, st)
	}
	if ms[1].ID != "sem-1" || ms[1].End != t0.Add(4*time.Minute).Unix() || st.SamplesOutside != 0 {
		t.Fatalf("second meeting %+v", ms[1])
	}
}

// TestTraceRecorderRefusesCorruptPollLog: a poll log that does not read
// back stops the resume with the line and field, instead of resuming from
// zeros.
func TestTraceRecorderRefusesCorruptPollLog(t *testing.T) {
	dir := t.TempDir()
	polls := filepath.Join(dir, "t.polls.csv")
	os.WriteFile(polls, []byte("time,meeting_id,create_time_ms,participants,moderators,video_streams,recording\n"+
		"2026-03-02T08:00:00Z,lec-1,1772438400000,ten,1,0,true\n"), 0o644)
	_, err := live.NewTraceRecorder(nil, filepath.Join(dir, "t.csv"), filepath.Join(dir, "t.samples.csv"), polls)
	if err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "participants") {
		t.Fatalf("corrupt poll log: %v", err)
	}
}
