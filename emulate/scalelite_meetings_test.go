package emulate

import (
	"slices"
	"testing"
	"time"
)

// TestCreateMeetingPlacesLikeCreate: a meeting created meeting by meeting
// goes where the create call would (the lowest load, +1 × multiplier for
// the create), joins add to the load until the next poll, and a meeting
// its users leave is gone from BBB and, after a poll, from Scalelite.
func TestCreateMeetingPlacesLikeCreate(t *testing.T) {
	h := newLB(t)
	_, busyURL := h.server("busy", 1, "")
	_, idleURL := h.server("idle", 2, "")
	h.sl.Poll()
	h.sl.SetMeetings(busyURL, []Meeting{{MeetingID: "old", CreateTime: h.now.Add(-time.Hour).UnixMilli(), ParticipantCount: 30}})
	h.sl.Poll() // busy: 30; idle: 0

	url, err := h.sl.CreateMeeting("class", 40, 2)
	if err != nil {
		t.Fatal(err)
	}
	if url != idleURL {
		t.Fatalf("placed on %s, want the idle server %s", url, idleURL)
	}
	if got := h.load(idleURL); got != 2 { // the create: 1 × multiplier 2
		t.Fatalf("load after the create %v, want 2", got)
	}
	h.sl.Join("class", 40)
	if got := h.load(idleURL); got != 2+80 {
		t.Fatalf("load after 40 joins %v, want 82", got)
	}
	if !h.sl.MeetingRunning(idleURL, "class") {
		t.Fatal("the meeting does not run on its server")
	}
	ms := h.sl.Meetings(idleURL)
	if len(ms) != 1 || ms[0].ParticipantCount != 40 || ms[0].ModeratorCount != 2 || !ms[0].Running {
		t.Fatalf("BBB lists %+v", ms)
	}
	h.sl.ResizeMeeting(idleURL, "class", 25)
	if ms := h.sl.Meetings(idleURL); ms[0].ParticipantCount != 25 {
		t.Fatalf("after the resize BBB lists %+v", ms)
	}
	// The poll replaces the counted joins with what BBB reports: 25 + 2
	// moderators (the join buffer's minimum of 15 is exceeded), × 2.
	h.sl.Poll()
	if got := h.load(idleURL); got != 54 {
		t.Fatalf("load after the poll %v, want 54", got)
	}
	h.sl.LeaveMeeting(idleURL, "class")
	if h.sl.MeetingRunning(idleURL, "class") || slices.Contains(h.sl.Ended(), "class") {
		t.Fatal("a meeting its users left still runs, or counts as ended by an end call")
	}
	h.sl.Poll()
	if _, ok := h.sl.MeetingServer("class"); ok {
		t.Fatal("Scalelite still knows the meeting after a poll")
	}
	// A join to a meeting Scalelite does not know adds nothing.
	h.sl.Join("class", 10)
	if got := h.load(idleURL); got != 0 {
		t.Fatalf("load %v after a join to an unknown meeting, want 0", got)
	}
}

// TestCreateMeetingWithoutServer: with no available server the create
// fails as Scalelite's does.
func TestCreateMeetingWithoutServer(t *testing.T) {
	h := newLB(t)
	if _, err := h.sl.CreateMeeting("class", 10, 1); err == nil {
		t.Fatal("created a meeting with no server")
	}
}
