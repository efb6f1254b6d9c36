package emulate

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestCreatePlacesOnLowestLoad(t *testing.T) {
	h := newLB(t)
	_, a := h.server("a", 1, "")
	_, b := h.server("b", 1, "")
	_, c := h.server("c", 1, "")
	h.sl.SetMeetings(a, []Meeting{{MeetingID: "busy", ParticipantCount: 40}})
	h.sl.SetMeetings(c, []Meeting{{MeetingID: "half", ParticipantCount: 10}})
	h.sl.Poll()
	h.mustCreate("new", "")
	if got := h.sl.Meetings(b); len(got) != 1 || got[0].MeetingID != "new" {
		t.Fatalf("b holds %+v", got)
	}
	if sid, _ := h.sl.MeetingServer("new"); sid != must(h.sl.Server(b)).ID {
		t.Fatalf("Scalelite placed it on %s", sid)
	}
}

func TestCreateIncrementsLoadBetweenPolls(t *testing.T) {
	h := newLB(t)
	_, a := h.server("a", 1.5, "")
	_, b := h.server("b", 1, "")
	h.sl.Poll()
	// Equal loads: the lower ID (a) first; each create adds 1 × multiplier,
	// so the next goes to b, then to b again (1.5 > 1), then a.
	for _, id := range []string{"m1", "m2", "m3", "m4"} {
		h.mustCreate(id, "")
	}
	if h.load(a) != 3 || h.load(b) != 2 {
		t.Fatalf("loads a=%v b=%v", h.load(a), h.load(b))
	}
	// Re-creating a known meeting goes to its server and adds nothing.
	h.mustCreate("m1", "")
	if h.load(a) != 3 {
		t.Fatalf("re-create changed the load: %v", h.load(a))
	}
}

func TestServerTagRouting(t *testing.T) {
	h := newLB(t)
	_, plain := h.server("plain", 1, "")
	_, big := h.server("big", 1, "big")
	h.sl.Poll()
	for _, tc := range []struct {
		tag, want, failKey string
	}{
		{"", plain, ""},      // no tag: untagged servers only
		{"big", big, ""},     // a matching tag
		{"small", plain, ""}, // no match, not required: untagged
		{"small!", "", "serverTagUnavailable"},
		{"none", plain, ""},
		{"small;big!", big, ""},
	} {
		id := "m-" + strings.NewReplacer("!", "x", ";", "-").Replace(tc.tag)
		q := ""
		if tc.tag != "" {
			q = "meta_server-tag=" + url.QueryEscape(tc.tag)
		}
		resp, b := h.create(id, q)
		if tc.failKey != "" {
			wantFailed(t, resp.StatusCode, b, tc.failKey)
			continue
		}
		mustSucceed(t, resp, b)
		if sid, _ := h.sl.MeetingServer(id); sid != must(h.sl.Server(tc.want)).ID {
			t.Errorf("tag %q: placed on %s", tc.tag, sid)
		}
		// The server's tag is passed to BBB as meta_server-tag, or none.
		for _, m := range h.sl.Meetings(tc.want) {
			if m.MeetingID == id && m.Metadata["server-tag"] != must(h.sl.Server(tc.want)).Tag {
				t.Errorf("tag %q: metadata %v", tc.tag, m.Metadata)
			}
		}
	}
}

func TestJoinRedirectsToMeetingServer(t *testing.T) {
	h := newLB(t)
	_, a := h.server("a", 1, "")
	h.sl.Poll()
	h.mustCreate("m", "")
	before := h.load(a)
	resp, _ := h.bbb("join", "meetingID=m&fullName=Ada&role=VIEWER")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("join: %d", resp.StatusCode)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if !strings.HasPrefix(loc.String(), a+"/join?") {
		t.Fatalf("redirect to %s", loc)
	}
	// Signed with the server's own secret, SHA-256 by default.
	sum := loc.Query().Get("checksum")
	if q := queryRemoveChecksum(loc.RawQuery, sum); Checksum("SHA256", "join", q, "bbb-secret-a") != sum {
		t.Fatalf("redirect checksum does not verify: %s", loc.RawQuery)
	}
	if h.load(a) != before+1 {
		t.Fatalf("load %v after join, was %v", h.load(a), before)
	}
	// Following the redirect joins the meeting on its server.
	resp, _ = h.do(http.MethodGet, strings.TrimPrefix(loc.String(), h.url), "", nil)
	if resp.StatusCode != http.StatusFound || h.sl.Meetings(a)[0].ParticipantCount != 1 {
		t.Fatalf("following the join: %d, %+v", resp.StatusCode, h.sl.Meetings(a))
	}
}

func TestJoinOnOfflineServerIs500(t *testing.T) {
	h := newLB(t)
	id, _ := h.server("a", 1, "")
	h.sl.Poll()
	h.mustCreate("m", "")
	h.api("panicServer", "", map[string]any{"id": id, "keep_state": true})
	h.mustCreate("m2", "") // panic kept the state: still placeable
	h.api("updateServer", "", map[string]any{"id": id, "server": map[string]any{"state": "disable"}})
	resp, _ := h.bbb("join", "meetingID=m2&fullName=Ada")
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("join on a disabled server: %d", resp.StatusCode)
	}
	resp, b := h.bbb("join", "meetingID=unknown&fullName=Ada")
	wantFailed(t, resp.StatusCode, b, "notFound")
}

type meetingsAnswer struct {
	ReturnCode string    `xml:"returncode"`
	MessageKey string    `xml:"messageKey"`
	Meetings   []Meeting `xml:"meetings>meeting"`
}

func (h *lb) getMeetings() meetingsAnswer {
	h.t.Helper()
	resp, b := h.bbb("getMeetings", "")
	var a meetingsAnswer
	if err := xml.Unmarshal(b, &a); err != nil || resp.StatusCode != 200 {
		h.t.Fatalf("getMeetings: %d %v\n%s", resp.StatusCode, err, b)
	}
	return a
}

func TestGetMeetingsSkipsOfflineAndDisabled(t *testing.T) {
	h := newLB(t)
	_, a := h.server("a", 1, "")
	idB, b := h.server("b", 1, "")
	h.sl.SetMeetings(a, []Meeting{{MeetingID: "on-a", ParticipantCount: 5}})
	h.sl.SetMeetings(b, []Meeting{{MeetingID: "on-b", ParticipantCount: 5}})
	h.sl.Poll()
	_, c := h.server("c", 1, "") // never polled: offline
	h.sl.SetMeetings(c, []Meeting{{MeetingID: "on-c", ParticipantCount: 5}})
	h.sl.SetFault(c, BBBDown) // it would fail the call if asked
	h.api("updateServer", "", map[string]any{"id": idB, "server": map[string]any{"state": "disable"}})
	a1 := h.getMeetings()
	if a1.ReturnCode != "SUCCESS" || len(a1.Meetings) != 1 || a1.Meetings[0].MeetingID != "on-a" {
		t.Fatalf("got %+v", a1)
	}
}

func TestGetMeetingsFailsWhenServerUnreachable(t *testing.T) {
	h := newLB(t)
	_, a := h.server("a", 1, "")
	_, b := h.server("b", 1, "")
	h.sl.SetMeetings(a, []Meeting{{MeetingID: "on-a", ParticipantCount: 5}})
	h.sl.Poll()
	h.sl.SetFault(b, BBBDown) // still online until two polls fail
	resp, body := h.bbb("getMeetings", "")
	if f := wantFailed(t, resp.StatusCode, body, "internalError"); f.Message != "Unable to access server." {
		t.Fatalf("message %q", f.Message)
	}
	// A FAILED answer is passed on as it is.
	h.sl.SetFault(b, BBBFailing)
	resp, body = h.bbb("getMeetings", "")
	wantFailed(t, resp.StatusCode, body, "internalError")
	// nginx's 502 page has no returncode.
	h.sl.SetFault(b, BBBBadGateway)
	resp, body = h.bbb("getMeetings", "")
	if f := wantFailed(t, resp.StatusCode, body, "internalError"); f.Message != "Response did not include returncode" {
		t.Fatalf("message %q", f.Message)
	}
}

func TestGetMeetingsAPIDisabled(t *testing.T) {
	h := newLB(t)
	_, a := h.server("a", 1, "")
	h.sl.SetMeetings(a, []Meeting{{MeetingID: "on-a", ParticipantCount: 5}})
	h.sl.Poll()
	h.sl.GetMeetingsAPIDisabled = true
	resp, b := h.do(http.MethodGet, "/bigbluebutton/api/getMeetings", "", nil) // no checksum needed
	var ans meetingsAnswer
	xml.Unmarshal(b, &ans)
	if resp.StatusCode != 200 || ans.ReturnCode != "SUCCESS" || ans.MessageKey != "noMeetings" || len(ans.Meetings) != 0 {
		t.Fatalf("got %d %s", resp.StatusCode, b)
	}
}

func TestMeetingCallsPassedToMeetingServer(t *testing.T) {
	h := newLB(t)
	_, a := h.server("a", 1, "")
	h.sl.Poll()
	resp, b := h.bbb("isMeetingRunning", "meetingID=m")
	if !strings.Contains(string(b), "<running>false</running>") || resp.StatusCode != 200 {
		t.Fatalf("unknown meeting: %s", b)
	}
	resp, b = h.bbb("getMeetingInfo", "meetingID=m")
	wantFailed(t, resp.StatusCode, b, "notFound")
	resp, b = h.bbb("end", "meetingID=m")
	wantFailed(t, resp.StatusCode, b, "notFound")
	h.mustCreate("m", "name=Physics&meta_bbb-origin=lms")
	h.bbb("join", "meetingID=m&fullName=Ada") // redirect only; nobody follows
	resp, b = h.bbb("getMeetingInfo", "meetingID=m")
	mustSucceed(t, resp, b)
	var info struct {
		Meeting
	}
	xml.Unmarshal(b, &info)
	if info.MeetingName != "Physics" || info.Metadata["bbb-origin"] != "lms" || info.CreateTime != h.now.UnixMilli() {
		t.Fatalf("info %+v", info.Meeting)
	}
	resp, b = h.bbb("end", "meetingID=m&password="+info.ModeratorPW)
	mustSucceed(t, resp, b)
	if len(h.sl.Meetings(a)) != 0 || h.sl.Ended()[0] != "m" {
		t.Fatalf("end did not reach the server: %+v", h.sl.Meetings(a))
	}
	resp, b = h.bbb("end", "meetingID=m")
	wantFailed(t, resp.StatusCode, b, "notFound")
}

func TestMeetingXMLFields(t *testing.T) {
	h := newLB(t)
	_, a := h.server("a", 1, "")
	h.sl.SetMeetings(a, []Meeting{{MeetingID: "m", MeetingName: "Maths", ParticipantCount: 2, ModeratorCount: 1,
		Attendees: Attendees{{UserID: "u1", FullName: "Ada", Role: "MODERATOR"}}, Metadata: Metadata{"bbb-origin": "lms"}}})
	h.sl.Poll()
	_, b := h.bbb("getMeetings", "")
	for _, el := range []string{"meetingID", "meetingName", "internalMeetingID", "createTime", "startTime", "running", "participantCount",
		"listenerCount", "voiceParticipantCount", "videoCount", "moderatorCount", "maxUsers", "recording", "isBreakout", "metadata", "attendees"} {
		if !strings.Contains(string(b), "<"+el+">") {
			t.Errorf("getMeetings lacks <%s>:\n%s", el, b)
		}
	}
	ans := h.getMeetings()
	if m := ans.Meetings[0]; m.MeetingName != "Maths" || len(m.Attendees) != 1 || m.Attendees[0].FullName != "Ada" || m.Metadata["bbb-origin"] != "lms" {
		t.Fatalf("round trip: %+v", m)
	}
}

func TestCreateOnUnreachableServer(t *testing.T) {
	h := newLB(t)
	_, a := h.server("a", 1, "")
	h.sl.Poll()
	h.sl.SetFault(a, BBBDown)
	resp, b := h.create("m", "")
	if f := wantFailed(t, resp.StatusCode, b, "internalError"); f.Message != "Unable to create meeting on server." {
		t.Fatalf("message %q", f.Message)
	}
}

func TestDemandPlacesThroughScalelite(t *testing.T) {
	h := newLB(t)
	_, a := h.server("a", 1, "")
	_, b := h.server("b", 1, "")
	h.sl.Demand(100, 25) // nothing polled: no meetings anywhere
	if len(h.sl.Meetings(a))+len(h.sl.Meetings(b)) != 0 {
		t.Fatal("meetings placed before the first poll")
	}
	h.sl.Poll()
	h.sl.Demand(100, 25)
	if len(h.sl.Meetings(a)) != 2 || len(h.sl.Meetings(b)) != 2 {
		t.Fatalf("a %d, b %d", len(h.sl.Meetings(a)), len(h.sl.Meetings(b)))
	}
	h.sl.Demand(50, 25)
	if n := len(h.sl.Meetings(a)) + len(h.sl.Meetings(b)); n != 2 {
		t.Fatalf("%d meetings after demand fell", n)
	}
}

// Meeting.allocate_voice_bridge (app/models/meeting.rb): VOICE_BRIDGE_LEN
// (9) digits, the first not 0, one number per meeting, the request's own
// voiceBridge ignored (USE_EXTERNAL_VOICE_BRIDGE=false).
func TestCreateAllocatesVoiceBridgeOfVoiceBridgeLenDigits(t *testing.T) {
	h := newLB(t)
	_, a := h.server("a", 1, "")
	h.sl.Poll()
	h.mustCreate("m1", "voiceBridge=12345")
	h.mustCreate("m2", "")
	seen := map[string]bool{}
	for _, m := range h.sl.Meetings(a) {
		vb := m.VoiceBridge
		if len(vb) != 9 || vb[0] < '1' || vb[0] > '9' || strings.Trim(vb, "0123456789") != "" {
			t.Errorf("%s: voiceBridge %q, want 9 digits, the first not 0", m.MeetingID, vb)
		}
		if seen[vb] {
			t.Errorf("%s: voiceBridge %q given twice", m.MeetingID, vb)
		}
		seen[vb] = true
	}
	if len(seen) != 2 {
		t.Fatalf("meetings on a: %+v", h.sl.Meetings(a))
	}
}

// end destroys Scalelite's record of the meeting before it asks the
// meeting's server (bigbluebutton_api_controller.rb end: meeting.destroy!,
// then get_post_req), so the record is gone even when the server cannot
// be reached.
func TestEndForgetsMeetingBeforeAskingServer(t *testing.T) {
	h := newLB(t)
	_, a := h.server("a", 1, "")
	h.sl.Poll()
	h.mustCreate("m", "")
	h.sl.SetFault(a, BBBDown)
	resp, b := h.bbb("end", "meetingID=m")
	if f := wantFailed(t, resp.StatusCode, b, "internalError"); f.Message != "Unable to access meeting on server." {
		t.Fatalf("message %q", f.Message)
	}
	if _, ok := h.sl.MeetingServer("m"); ok {
		t.Fatal("Scalelite still holds the meeting after end")
	}
}
