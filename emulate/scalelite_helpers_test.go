package emulate

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const lbSecret = "lb-secret"

// lb is a Scalelite emulator on a loopback server with a fake clock,
// spoken to with plain HTTP as any client would.
type lb struct {
	t   *testing.T
	sl  *Scalelite
	url string
	now time.Time
}

func newLB(t *testing.T) *lb {
	t.Helper()
	h := &lb{t: t, sl: NewScalelite(lbSecret), now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	h.sl.Clock = func() time.Time { return h.now }
	h.sl.ResponseTimeout = 200 * time.Millisecond
	srv := httptest.NewServer(h.sl)
	t.Cleanup(srv.Close)
	h.url = srv.URL
	return h
}

var noRedirect = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (h *lb) do(method, path, contentType string, body []byte) (*http.Response, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.url+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// api calls the server API signed with SHA-256, a JSON body for POST.
func (h *lb) api(action, query string, body any) (int, []byte) {
	h.t.Helper()
	path := "/scalelite/api/" + action + "?" + Sign("SHA256", action, query, lbSecret)
	if body == nil {
		resp, b := h.do(http.MethodGet, path, "", nil)
		return resp.StatusCode, b
	}
	js, _ := json.Marshal(body)
	resp, b := h.do(http.MethodPost, path, "application/json", js)
	return resp.StatusCode, b
}

// bbb calls BigBlueButton's API through the load balancer.
func (h *lb) bbb(call, query string) (*http.Response, []byte) {
	h.t.Helper()
	return h.do(http.MethodGet, "/bigbluebutton/api/"+call+"?"+Sign("SHA256", call, query, lbSecret), "", nil)
}

type failure struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	MessageKey string   `xml:"messageKey"`
	Message    string   `xml:"message"`
}

func parseFailure(t *testing.T, b []byte) failure {
	t.Helper()
	var f failure
	if err := xml.Unmarshal(b, &f); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b)
	}
	return f
}

// wantFailed checks an HTTP 200 XML FAILED answer with the messageKey.
func wantFailed(t *testing.T, status int, b []byte, key string) failure {
	t.Helper()
	f := parseFailure(t, b)
	if status != http.StatusOK || f.ReturnCode != "FAILED" || f.MessageKey != key {
		t.Fatalf("want HTTP 200 FAILED %s, got %d %+v\n%s", key, status, f, b)
	}
	return f
}

// server adds a BBB server through the API, enables it and polls once.
func (h *lb) server(name string, mult float64, tag string) (id, apiURL string) {
	h.t.Helper()
	apiURL, secret := h.sl.BBBServer(h.url, name)
	status, b := h.api("addServer", "", map[string]any{"server": map[string]any{"url": apiURL, "secret": secret, "load_multiplier": mult, "tag": tag}})
	if status != http.StatusCreated {
		h.t.Fatalf("addServer: %d %s", status, b)
	}
	var j map[string]any
	json.Unmarshal(b, &j)
	id = j["id"].(string)
	if status, b := h.api("updateServer", "", map[string]any{"id": id, "server": map[string]any{"state": "enable"}}); status != http.StatusOK {
		h.t.Fatalf("enable: %d %s", status, b)
	}
	return id, apiURL
}

func (h *lb) load(apiURL string) float64 {
	h.t.Helper()
	v, ok := h.sl.Server(apiURL)
	if !ok || v.Load == nil {
		h.t.Fatalf("%s: no load (%+v)", apiURL, v)
	}
	return *v.Load
}

func (h *lb) create(id, query string) (*http.Response, []byte) {
	h.t.Helper()
	q := "meetingID=" + id
	if query != "" {
		q += "&" + query
	}
	return h.bbb("create", q)
}

func mustSucceed(t *testing.T, resp *http.Response, b []byte) {
	t.Helper()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "<returncode>SUCCESS</returncode>") {
		t.Fatalf("want SUCCESS, got %d\n%s", resp.StatusCode, b)
	}
}

func (h *lb) mustCreate(id, query string) {
	h.t.Helper()
	resp, b := h.create(id, query)
	mustSucceed(h.t, resp, b)
}
