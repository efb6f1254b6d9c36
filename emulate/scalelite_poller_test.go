package emulate

import (
	"net/http"
	"testing"
	"time"
)

func TestPollerBringsNewServerOnline(t *testing.T) {
	h := newLB(t)
	_, apiURL := h.server("one", 1, "")
	// Enabled but never polled: offline, no load, no meetings.
	if v := must(h.sl.Server(apiURL)); v.Online || v.Load != nil || v.State != "enabled" {
		t.Fatalf("before a poll: %+v", v)
	}
	resp, b := h.create("early", "")
	if f := wantFailed(t, resp.StatusCode, b, "internalError"); f.Message != "Could not find any available servers." {
		t.Fatalf("message %q", f.Message)
	}
	h.sl.Poll()
	if v := must(h.sl.Server(apiURL)); !v.Online || v.Load == nil || *v.Load != 0 || v.BBBVersion != defaultBBBVersion {
		t.Fatalf("after a poll: %+v", v)
	}
	h.mustCreate("m", "")
}

func TestPollerHealthyThreshold(t *testing.T) {
	h := newLB(t)
	h.sl.HealthyThreshold = 2
	_, apiURL := h.server("one", 1, "")
	h.sl.Poll()
	if h.sl.Online(apiURL) {
		t.Fatal("online after one successful poll with SERVER_HEALTHY_THRESHOLD=2")
	}
	h.sl.Poll()
	if !h.sl.Online(apiURL) {
		t.Fatal("offline after two successful polls")
	}
}

func TestPollerLoad(t *testing.T) {
	h := newLB(t)
	_, apiURL := h.server("one", 2, "")
	h.sl.Poll()
	ms := h.now.UnixMilli()
	old := h.now.Add(-time.Hour).UnixMilli()
	h.sl.SetMeetings(apiURL, []Meeting{
		{MeetingID: "young-small", CreateTime: ms - 60_000, ParticipantCount: 3, ModeratorCount: 1}, // counts 15 (join buffer)
		{MeetingID: "young-big", CreateTime: ms - 60_000, ParticipantCount: 20, ModeratorCount: 1},  // 21
		{MeetingID: "old-small", CreateTime: old, ParticipantCount: 3, ModeratorCount: 1},           // 4
		{MeetingID: "breakout", CreateTime: old, ParticipantCount: 9, IsBreakout: true},             // 0
	})
	h.sl.Poll()
	if got, want := h.load(apiURL), float64(15+21+4)*2; got != want {
		t.Fatalf("load %v, want %v", got, want)
	}
	// After the buffer the young small meeting counts what it has.
	h.now = h.now.Add(16 * time.Minute)
	h.sl.Poll()
	if got, want := h.load(apiURL), float64(4+21+4)*2; got != want {
		t.Fatalf("load %v, want %v", got, want)
	}
	if v := must(h.sl.Server(apiURL)); v.Meetings != 4 || v.Users != 35 || v.LargestMeeting != 20 {
		t.Fatalf("counts %+v", v)
	}
}

func TestPollerDisablesEmptyCordoned(t *testing.T) {
	h := newLB(t)
	id, apiURL := h.server("one", 1, "")
	h.sl.Poll()
	h.mustCreate("m", "")
	h.api("updateServer", "", map[string]any{"id": id, "server": map[string]any{"state": "cordon"}})
	h.sl.Poll() // the meeting is young: load 15, still cordoned
	if h.sl.State(apiURL) != "cordoned" {
		t.Fatalf("state %s with a meeting", h.sl.State(apiURL))
	}
	h.sl.SetMeetings(apiURL, nil)
	h.sl.Poll()
	if v := must(h.sl.Server(apiURL)); v.State != "disabled" || v.Load != nil || !v.Online {
		t.Fatalf("empty cordoned server after a poll: %+v", v)
	}
}

func TestPollerPanicsUnreachableServer(t *testing.T) {
	h := newLB(t)
	_, apiURL := h.server("one", 1, "")
	h.sl.Poll()
	h.mustCreate("m", "")
	h.sl.SetFault(apiURL, BBBDown)
	h.sl.Poll()
	if !h.sl.Online(apiURL) {
		t.Fatal("offline after one failed poll (SERVER_UNHEALTHY_THRESHOLD is 2)")
	}
	h.sl.Poll()
	v := must(h.sl.Server(apiURL))
	if v.Online || v.Load != nil || v.State != "enabled" {
		t.Fatalf("after two failed polls: %+v", v)
	}
	if _, ok := h.sl.MeetingServer("m"); ok {
		t.Fatal("the panicked server's meeting is still in Scalelite")
	}
	// It comes back at the next successful poll and takes meetings again.
	h.sl.SetFault(apiURL, BBBHealthy)
	h.sl.Poll()
	if !h.sl.Online(apiURL) {
		t.Fatal("still offline after a successful poll")
	}
}

func TestBBBFaultsFailPolls(t *testing.T) {
	for _, f := range []BBBFault{BBBBadGateway, BBBHang, BBBFailing, BBBDown} {
		h := newLB(t)
		h.sl.ResponseTimeout = 50 * time.Millisecond
		_, apiURL := h.server("one", 1, "")
		h.sl.Poll()
		h.sl.SetFault(apiURL, f)
		h.sl.Poll()
		h.sl.Poll()
		if h.sl.Online(apiURL) {
			t.Errorf("fault %d: still online after two polls", f)
		}
	}
}

func TestBBBNeverBootsStaysOffline(t *testing.T) {
	h := newLB(t)
	h.sl.BBBSecret = "bbb"
	h.sl.BBBReady = func(name string) bool { return name != "i-never" }
	apiURL := h.url + "/bbb/i-never/bigbluebutton/api"
	h.api("addServer", "", map[string]any{"server": map[string]any{"url": apiURL, "secret": "bbb"}})
	h.sl.Poll()
	h.sl.Poll()
	if h.sl.Online(apiURL) {
		t.Fatal("a BBB that never booted is online")
	}
	resp, _ := h.do(http.MethodGet, "/bbb/i-never/bigbluebutton/api/getMeetings?"+Sign("SHA1", "getMeetings", "", "bbb"), "", nil)
	if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("unbooted BBB answered %d", resp.StatusCode)
	}
}

func TestRegisterIsOnlineWithState(t *testing.T) {
	h := newLB(t)
	apiURL, secret := h.sl.BBBServer(h.url, "one")
	h.sl.SetMeetings(apiURL, []Meeting{{MeetingID: "a", ParticipantCount: 30, ModeratorCount: 1}})
	h.sl.Register(apiURL, secret, "cordoned", "")
	v := must(h.sl.Server(apiURL))
	if !v.Online || v.State != "cordoned" || v.Load == nil || *v.Load != 31 {
		t.Fatalf("registered: %+v", v)
	}
	if _, ok := h.sl.MeetingServer("a"); !ok {
		t.Fatal("its meeting is not Scalelite's")
	}
}

func TestRakeTasks(t *testing.T) {
	h := newLB(t)
	id, apiURL := h.server("one", 1, "")
	h.sl.Poll()
	h.mustCreate("m", "")
	steps := []struct {
		task  string
		args  []string
		state string
	}{
		{"servers:cordon", []string{id}, "cordoned"},
		{"servers:enable", []string{id}, "enabled"},
		{"servers:disable", []string{id}, "enabled"}, // load > 0 and no "yes": nothing happens
		{"servers:disable", []string{id, "yes"}, "disabled"},
		{"servers:enable", []string{id}, "enabled"},
		{"servers:panic", []string{id, "false"}, "enabled"}, // a given keep_state is truthy
		{"servers:panic", []string{id}, "disabled"},
	}
	for _, st := range steps {
		if err := h.sl.Rake(st.task, st.args...); err != nil {
			t.Fatalf("%s: %v", st.task, err)
		}
		if got := h.sl.State(apiURL); got != st.state {
			t.Fatalf("%s%v: state %s, want %s", st.task, st.args, got, st.state)
		}
	}
	if len(h.sl.Ended()) != 1 || h.sl.Ended()[0] != "m" {
		t.Fatalf("ended %v", h.sl.Ended())
	}
	if err := h.sl.Rake("servers:remove", id); err != nil || h.sl.State(apiURL) != "" {
		t.Fatalf("remove: %v", err)
	}
	if err := h.sl.Rake("servers:cordon", id); err == nil {
		t.Fatal("cordon of a removed server succeeded")
	}
	if err := h.sl.Rake("servers:add", apiURL, "s", "2", "t"); err != nil || h.sl.State(apiURL) != "disabled" || h.sl.LoadMultiplier(apiURL) != 2 {
		t.Fatalf("add: %v %+v", err, must(h.sl.Server(apiURL)))
	}
}

// poll.rake resets the unhealthy counter on every answered poll "so that
// only consecutive unhealthy calls are counted".
func TestPollerCountsOnlyConsecutiveFailedPolls(t *testing.T) {
	h := newLB(t)
	_, apiURL := h.server("one", 1, "")
	h.sl.Poll()
	for _, f := range []BBBFault{BBBDown, BBBHealthy, BBBDown} {
		h.sl.SetFault(apiURL, f)
		h.sl.Poll()
	}
	if !h.sl.Online(apiURL) {
		t.Fatal("offline after two failed polls with an answered one between (SERVER_UNHEALTHY_THRESHOLD is 2)")
	}
}

// poll.rake resets the healthy counter on every failed poll "so that only
// consecutive healthy calls are counted".
func TestPollerCountsOnlyConsecutiveSuccessfulPolls(t *testing.T) {
	h := newLB(t)
	h.sl.HealthyThreshold = 2
	_, apiURL := h.server("one", 1, "")
	for _, f := range []BBBFault{BBBHealthy, BBBDown, BBBHealthy} {
		h.sl.SetFault(apiURL, f)
		h.sl.Poll()
	}
	if h.sl.Online(apiURL) {
		t.Fatal("online after two successful polls with a failed one between (SERVER_HEALTHY_THRESHOLD=2)")
	}
}
