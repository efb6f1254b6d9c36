package live_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scalite/scalite/emulate"
	"github.com/scalite/scalite/live"
)

// The example in BBB's API documentation.
func TestChecksumKnownAnswer(t *testing.T) {
	got := live.Checksum("sha1", "create", "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444", "639259d4-9dd8-4b25-bf01-95f9567eaf4b")
	if got != "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17" {
		t.Fatalf("checksum %s", got)
	}
	for _, n := range []struct {
		algo string
		len  int
	}{{"sha1", 40}, {"sha256", 64}, {"sha512", 128}} {
		if s := live.Checksum(n.algo, "x", "", "s"); len(s) != n.len || live.ChecksumAlgo(s) != n.algo {
			t.Errorf("%s: %d chars", n.algo, len(s))
		}
	}
}

func emulatedScalelite(t *testing.T, secret string) (*emulate.Scalelite, *httptest.Server, *live.Scalelite) {
	t.Helper()
	emu := emulate.NewScalelite("lb-secret")
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	c, err := live.NewScalelite(srv.URL, secret, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return emu, srv, c
}

func TestScaleliteServerAPI(t *testing.T) {
	emu, srv, c := emulatedScalelite(t, "lb-secret")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	apiURL, bbbSecret := emu.BBBServer(srv.URL, "i-0001")
	added, err := c.AddServer(ctx, apiURL, bbbSecret, 1.5, "")
	if err != nil {
		t.Fatal(err)
	}
	if added.State != "disabled" || added.ID == "" || added.IsOnline() {
		t.Fatalf("added %v: Scalelite creates servers disabled and offline", added)
	}
	if added.Multiplier() != 1.5 {
		t.Fatalf("load_multiplier %s", added.LoadMultiplier)
	}
	if _, ok := added.LoadValue(); ok {
		t.Fatalf("a new server has no load until its first poll, got %s", added.Load)
	}
	for _, st := range []struct{ set, want string }{{"enable", "enabled"}, {"cordon", "cordoned"}, {"disable", "disabled"}} {
		if err := c.SetState(ctx, added.ID, st.set); err != nil {
			t.Fatal(err)
		}
		list, err := c.Servers(ctx)
		if err != nil || len(list) != 1 || list[0].State != st.want {
			t.Fatalf("after %s: %v %v", st.set, list, err)
		}
	}
	var apiErr *live.APIError
	if err := c.SetState(ctx, "nope", "enable"); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("unknown server: %v", err)
	}
	emu.Poll()
	list, _ := c.Servers(ctx)
	if !list[0].IsOnline() {
		t.Fatalf("after the first poll the server is online: %v", list[0])
	}
	if err := c.DeleteServer(ctx, added.ID); err != nil {
		t.Fatal(err)
	}
	if list, err := c.Servers(ctx); err != nil || len(list) != 0 {
		t.Errorf("after delete: %v %v", list, err)
	}
}

// TestEmptyServerListIsNotAnError: getServers answers 404 "No servers are
// configured" on an empty Scalelite (servers_controller.rb).
func TestEmptyServerListIsNotAnError(t *testing.T) {
	_, _, c := emulatedScalelite(t, "lb-secret")
	list, err := c.Servers(context.Background())
	if err != nil || list == nil || len(list) != 0 {
		t.Fatalf("empty Scalelite: %v %v", list, err)
	}
}

// TestFailedAnswersAreErrors: Scalelite answers checksum errors with HTTP
// 200 and an XML FAILED body; every write and read must report it, naming
// the messageKey, and a checksumError says what to fix.
func TestFailedAnswersAreErrors(t *testing.T) {
	emu, srv, bad := emulatedScalelite(t, "wrong-secret")
	good, _ := live.NewScalelite(srv.URL, "lb-secret", srv.Client())
	ctx := context.Background()
	apiURL, bbbSecret := emu.BBBServer(srv.URL, "s1")
	added, err := good.AddServer(ctx, apiURL, bbbSecret, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]error{}
	_, calls["getServers"] = bad.Servers(ctx)
	calls["updateServer"] = bad.SetState(ctx, added.ID, "cordon")
	calls["deleteServer"] = bad.DeleteServer(ctx, added.ID)
	_, calls["addServer"] = bad.AddServer(ctx, apiURL, bbbSecret, 1, "")
	for call, err := range calls {
		var apiErr *live.APIError
		if !errors.As(err, &apiErr) || apiErr.MessageKey != "checksumError" || !strings.Contains(err.Error(), "shared secret") {
			t.Errorf("%s with a wrong secret: %v", call, err)
		}
		if err != nil && strings.Contains(err.Error(), "wrong-secret") {
			t.Errorf("%s: the error shows the secret", call)
		}
	}
	if list, _ := good.Servers(ctx); len(list) != 1 || list[0].State != "disabled" {
		t.Fatalf("a refused write changed Scalelite: %v", list)
	}
	badBBB, _ := live.NewBBB(srv.URL+"/bigbluebutton/api", "wrong-secret", srv.Client())
	if _, err := badBBB.Meetings(ctx); err == nil || !strings.Contains(err.Error(), "checksumError") {
		t.Fatalf("BBB wrong secret: %v", err)
	}
}

// TestBBBThroughScalelite: per server with its own secret, and fleet-wide
// through Scalelite; breakout rooms listed but not counted.
func TestBBBThroughScalelite(t *testing.T) {
	emu, srv, _ := emulatedScalelite(t, "lb-secret")
	ctx := context.Background()
	apiURL, bbbSecret := emu.BBBServer(srv.URL, "s1")
	emu.Register(apiURL, bbbSecret, "enabled", "")
	emu.SetMeetings(apiURL, []emulate.Meeting{{MeetingID: "m1", ParticipantCount: 20, ModeratorCount: 1, Running: true}, {MeetingID: "m2", ParticipantCount: 5}})
	bbb, _ := live.NewBBB(apiURL, bbbSecret, srv.Client())
	ms, err := bbb.Meetings(ctx)
	if err != nil || len(ms) != 2 || ms[0].ParticipantCount != 20 {
		t.Fatalf("meetings %v %v", ms, err)
	}
	fleet, _ := live.NewBBB(srv.URL+"/bigbluebutton/api", "lb-secret", srv.Client())
	if ms, err := fleet.Meetings(ctx); err != nil || len(ms) != 2 {
		t.Fatalf("fleet meetings %v %v", ms, err)
	}
	if err := bbb.End(ctx, "m1"); err != nil {
		t.Fatal(err)
	}
	if ended := emu.Ended(); len(ended) != 1 || ended[0] != "m1" {
		t.Errorf("ended %v", ended)
	}
	if err := bbb.End(ctx, "no-such-meeting"); err == nil {
		t.Error("ending an unknown meeting must fail (notFound)")
	}
}

// TestReadsAreRetriedWritesAreNot: a 502 on a read is retried with
// backoff; a write is sent once (a retried write may act twice).
func TestReadsAreRetriedWritesAreNot(t *testing.T) {
	emu := emulate.NewScalelite("lb-secret")
	var calls, fail atomic.Int32
	fail.Store(1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if fail.Add(-1) >= 0 {
			// A proxy in front of Scalelite answering while it restarts.
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		}
		emu.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c, _ := live.NewScalelite(srv.URL, "lb-secret", srv.Client())
	ctx := context.Background()
	if _, err := c.Servers(ctx); err != nil || calls.Load() != 2 {
		t.Fatalf("read after one 502: %v after %d calls", err, calls.Load())
	}
	calls.Store(0)
	fail.Store(1)
	if err := c.SetState(ctx, "x", "cordon"); err == nil || calls.Load() != 1 {
		t.Fatalf("write: %v after %d calls, want one call and its error", err, calls.Load())
	}
}
