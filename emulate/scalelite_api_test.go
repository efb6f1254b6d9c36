package emulate

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestGetServersEmptyIs404(t *testing.T) {
	h := newLB(t)
	status, b := h.api("getServers", "", nil)
	if status != http.StatusNotFound || strings.TrimSpace(string(b)) != `{"error":"No servers are configured"}` {
		t.Fatalf("got %d %s", status, b)
	}
}

func TestChecksumErrorIsHTTP200Failed(t *testing.T) {
	h := newLB(t)
	for _, path := range []string{
		"/scalelite/api/getServers?checksum=" + strings.Repeat("0", 64),
		"/scalelite/api/getServers",
		"/scalelite/api/getServers?" + Sign("SHA256", "getServers", "", "wrong-secret"),
		"/bigbluebutton/api/getMeetings?" + Sign("SHA1", "getMeetings", "", "wrong-secret"),
	} {
		resp, b := h.do(http.MethodGet, path, "", nil)
		f := wantFailed(t, resp.StatusCode, b, "checksumError")
		if f.Message != "You did not pass the checksum security check" {
			t.Fatalf("%s: message %q", path, f.Message)
		}
	}
}

func TestChecksumAlgorithmFromLength(t *testing.T) {
	h := newLB(t)
	for _, tc := range []struct {
		allowed []string
		algo    string
		ok      bool
	}{
		{nil, "SHA1", true}, {nil, "SHA256", true}, {nil, "SHA512", true},
		{nil, "SHA384", false}, // 96 characters: no Scalelite algorithm
		{[]string{"SHA512"}, "SHA256", false},
		{[]string{"SHA512"}, "SHA512", true},
		{[]string{"sha1"}, "SHA1", true},
	} {
		h.sl.Allowed = tc.allowed
		resp, b := h.do(http.MethodGet, "/scalelite/api/getServers?"+Sign(tc.algo, "getServers", "", lbSecret), "", nil)
		rejected := resp.StatusCode == http.StatusOK && strings.Contains(string(b), "checksumError")
		if rejected == tc.ok {
			t.Errorf("allowed %v, %s: got %d %s", tc.allowed, tc.algo, resp.StatusCode, b)
		}
	}
}

func TestContentTypeErrorIsHTTP200Failed(t *testing.T) {
	h := newLB(t)
	path := "/scalelite/api/addServer?" + Sign("SHA256", "addServer", "", lbSecret)
	resp, b := h.do(http.MethodPost, path, "application/x-www-form-urlencoded", []byte("server[url]=x"))
	wantFailed(t, resp.StatusCode, b, "unsupportedContentType")
	resp, b = h.do(http.MethodPost, "/bigbluebutton/api/getMeetings?"+Sign("SHA256", "getMeetings", "", lbSecret), "application/json", []byte("{}"))
	wantFailed(t, resp.StatusCode, b, "unsupportedContentType")
}

func TestMissingParameterIsHTTP200Failed(t *testing.T) {
	h := newLB(t)
	// addServer with no body: params.require(:server) raises ParameterMissing.
	resp, b := h.do(http.MethodPost, "/scalelite/api/addServer?"+Sign("SHA256", "addServer", "", lbSecret), "", nil)
	f := wantFailed(t, resp.StatusCode, b, "internalError")
	if !strings.Contains(f.Message, "param is missing") {
		t.Fatalf("message %q", f.Message)
	}
	resp, b = h.bbb("create", "name=x")
	wantFailed(t, resp.StatusCode, b, "missingParamMeetingID")
	resp, b = h.bbb("getMeetingInfo", "")
	wantFailed(t, resp.StatusCode, b, "missingParamMeetingID")
}

func TestWrongMethodIsUnsupportedRequest(t *testing.T) {
	h := newLB(t)
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/scalelite/api/addServer?" + Sign("SHA256", "addServer", "", lbSecret)},
		{http.MethodPost, "/scalelite/api/getServers?" + Sign("SHA256", "getServers", "", lbSecret)},
		{http.MethodPost, "/bigbluebutton/api/join?" + Sign("SHA256", "join", "meetingID=m", lbSecret)},
		{http.MethodGet, "/scalelite/api/nosuchAction"},
		{http.MethodDelete, "/bigbluebutton/api/create"},
	} {
		resp, b := h.do(tc.method, tc.path, "", nil)
		wantFailed(t, resp.StatusCode, b, "unsupportedRequest")
	}
}

func TestAddServerCreatesDisabledOffline(t *testing.T) {
	h := newLB(t)
	apiURL, secret := h.sl.BBBServer(h.url, "one")
	status, b := h.api("addServer", "", map[string]any{"server": map[string]any{"url": apiURL, "secret": secret, "load_multiplier": "2.5", "tag": "big"}})
	if status != http.StatusCreated {
		t.Fatalf("status %d %s", status, b)
	}
	var j map[string]any
	json.Unmarshal(b, &j)
	if j["state"] != "disabled" || j["online"] != "offline" || j["load"] != "unavailable" || j["load_multiplier"] != "2.5" || j["tag"] != "big" || j["bbb_version"] != "" {
		t.Fatalf("new server: %s", b)
	}
	if h.sl.LoadMultiplier(apiURL) != 2.5 || h.sl.Online(apiURL) {
		t.Fatalf("stored: %+v", must(h.sl.Server(apiURL)))
	}
	// Without a multiplier (or with zero) it is 1.0.
	_, b = h.api("addServer", "", map[string]any{"server": map[string]any{"url": apiURL + "2", "secret": "s", "load_multiplier": 0}})
	json.Unmarshal(b, &j)
	if j["load_multiplier"] != "1.0" || j["tag"] != "" {
		t.Fatalf("defaults: %s", b)
	}
}

func must(v ServerView, _ bool) ServerView { return v }

func TestAddServerNeedsURLAndSecret(t *testing.T) {
	h := newLB(t)
	status, b := h.api("addServer", "", map[string]any{"server": map[string]any{"url": "https://bbb.example.org/bigbluebutton/api"}})
	if status != http.StatusBadRequest || strings.TrimSpace(string(b)) != `{"error":"Server needs a URL and a secret"}` {
		t.Fatalf("got %d %s", status, b)
	}
}

func TestServerToJSONFields(t *testing.T) {
	h := newLB(t)
	_, apiURL := h.server("one", 1, "")
	h.sl.Poll()
	status, b := h.api("getServers", "", nil)
	if status != http.StatusOK {
		t.Fatalf("%d %s", status, b)
	}
	// Keys in server_to_json's order; load a number once polled.
	want := `[{"id":"00000000-0000-4000-8000-000000000001","url":"` + apiURL + `","secret":"bbb-secret-one","tag":"","bbb_version":"3.0.4","state":"enabled","load":0.0,"load_multiplier":"1.0","online":"online"}]`
	if strings.TrimSpace(string(b)) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}

func TestUpdateServerAnswers(t *testing.T) {
	h := newLB(t)
	id, apiURL := h.server("one", 1, "")
	for _, tc := range []struct {
		body   map[string]any
		status int
		want   string
	}{
		{map[string]any{"id": id, "server": map[string]any{"state": "cordon"}}, 200, `"state":"cordoned"`},
		{map[string]any{"id": id, "server": map[string]any{"state": "drain"}}, 400, `{"error":"Invalid state parameter: drain"}`},
		{map[string]any{"id": id, "server": map[string]any{"load_multiplier": 0}}, 400, `{"error":"Load-multiplier must be a non-zero number"}`},
		{map[string]any{"id": id, "server": map[string]any{"load_multiplier": 3, "tag": "x"}}, 200, `"load_multiplier":"3.0"`},
		// No "server" key: ParamsWrapper wraps the body under it.
		{map[string]any{"id": id, "state": "enable"}, 200, `"state":"enabled"`},
		{map[string]any{"id": "nope", "server": map[string]any{"state": "enable"}}, 404, `{"error":"Couldn't find server with id=nope"}`},
	} {
		status, b := h.api("updateServer", "", tc.body)
		if status != tc.status || !strings.Contains(string(b), tc.want) {
			t.Errorf("%v: got %d %s, want %d %s", tc.body, status, b, tc.status, tc.want)
		}
	}
	if v := must(h.sl.Server(apiURL)); v.Tag != "x" || v.LoadMultiplier != 3 {
		t.Fatalf("stored %+v", v)
	}
	// A rejected update changes nothing (ServerUpdateService raises before save!).
	h.api("updateServer", "", map[string]any{"id": id, "server": map[string]any{"state": "disable", "load_multiplier": "0"}})
	if h.sl.State(apiURL) != "enabled" {
		t.Fatalf("half-applied update: %s", h.sl.State(apiURL))
	}
}

func TestDeleteServerAnswer(t *testing.T) {
	h := newLB(t)
	id, apiURL := h.server("one", 1, "")
	status, b := h.api("deleteServer", "", map[string]any{"id": id})
	if status != 200 || strings.TrimSpace(string(b)) != `{"success":"Server id=`+id+` was destroyed"}` {
		t.Fatalf("got %d %s", status, b)
	}
	if h.sl.State(apiURL) != "" {
		t.Fatal("server still there")
	}
	status, b = h.api("deleteServer", "", map[string]any{"id": id})
	if status != 404 {
		t.Fatalf("again: %d %s", status, b)
	}
}

func TestPanicServerEndsMeetingsKeepStateTopLevel(t *testing.T) {
	h := newLB(t)
	id, apiURL := h.server("one", 1, "")
	h.sl.Poll()
	h.mustCreate("m1", "")
	h.mustCreate("m2", "")
	// keep_state inside "server" is not read: the state goes to disabled.
	status, b := h.api("panicServer", "", map[string]any{"id": id, "server": map[string]any{"keep_state": true}})
	if status != 200 || strings.TrimSpace(string(b)) != `{"success":"Server id=`+id+` has been disabled and the meetings have been destroyed"}` {
		t.Fatalf("got %d %s", status, b)
	}
	if len(h.sl.Meetings(apiURL)) != 0 || len(h.sl.Ended()) != 2 || h.sl.State(apiURL) != "disabled" {
		t.Fatalf("after panic: %d meetings, ended %v, state %s", len(h.sl.Meetings(apiURL)), h.sl.Ended(), h.sl.State(apiURL))
	}
	if _, ok := h.sl.MeetingServer("m1"); ok {
		t.Fatal("Scalelite still holds m1")
	}
	// Top-level keep_state keeps the state.
	h.api("updateServer", "", map[string]any{"id": id, "server": map[string]any{"state": "enable"}})
	h.sl.Poll()
	h.mustCreate("m3", "")
	h.api("panicServer", "", map[string]any{"id": id, "keep_state": true})
	if h.sl.State(apiURL) != "enabled" || len(h.sl.Meetings(apiURL)) != 0 {
		t.Fatalf("keep_state: %s, %d meetings", h.sl.State(apiURL), len(h.sl.Meetings(apiURL)))
	}
}

func TestPanicServerFailsWhenEndFails(t *testing.T) {
	h := newLB(t)
	id, apiURL := h.server("one", 1, "")
	h.sl.Poll()
	h.mustCreate("m1", "")
	// The meeting ended on the server; Scalelite still holds it. end
	// answers notFound, and panic_server's one rescue answers 400.
	h.sl.SetMeetings(apiURL, nil)
	status, b := h.api("panicServer", "", map[string]any{"id": id})
	if status != 400 || strings.TrimSpace(string(b)) != `{"error":"Couldn't disable server id=`+id+`"}` {
		t.Fatalf("got %d %s", status, b)
	}
	if h.sl.State(apiURL) != "enabled" {
		t.Fatalf("state %s", h.sl.State(apiURL))
	}
}
