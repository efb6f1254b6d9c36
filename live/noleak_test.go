package live_test

import (
	"bytes"
	"context"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scalite/scalite/live"
)

const (
	lbSecret  = "lb-secret-0123456789abcdef"
	bbbSecret = "bbb-secret-fedcba9876543210"
)

// hexChecksum matches what a SHA-1/256/512 checksum looks like.
var hexChecksum = regexp.MustCompile(`[0-9a-f]{40,128}`)

func assertNoCredential(t *testing.T, where, text string) {
	t.Helper()
	for _, bad := range []string{lbSecret, bbbSecret} {
		if strings.Contains(text, bad) {
			t.Fatalf("%s carries a secret: %s", where, text)
		}
	}
	if m := hexChecksum.FindString(text); m != "" {
		t.Fatalf("%s carries a checksum %s: %s", where, m, text)
	}
	if strings.Contains(text, "checksum=") && !strings.Contains(text, "checksum=[redacted]") {
		t.Fatalf("%s carries a checksum parameter: %s", where, text)
	}
}

// failingServers are the ways a call can fail: refused, 5xx, a hang past
// the timeout, a TLS certificate nobody trusts, an HTML error page that
// quotes the request URL back.
func failingServers(t *testing.T) map[string]string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()
	fiveXX := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream failed", http.StatusBadGateway)
	}))
	stop := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	tlsSrv.StartTLS()
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("<html>Not found: " + r.URL.String() + "</html>"))
	}))
	t.Cleanup(func() { close(stop); fiveXX.Close(); hang.Close(); tlsSrv.Close(); echo.Close() })
	return map[string]string{"refused": refused, "5xx": fiveXX.URL, "hang": hang.URL, "tls": tlsSrv.URL, "echo": echo.URL}
}

// TestNoCredentialInErrors: no error of the Scalelite or BBB client, under
// any failure, carries a checksum or a secret: a checksum over an empty
// query (getServers, getMeetings) is a constant per secret, a replayable
// credential.
func TestNoCredentialInErrors(t *testing.T) {
	for name, base := range failingServers(t) {
		t.Run(name, func(t *testing.T) {
			client := live.NewHTTPClient(300 * time.Millisecond)
			sl, err := live.NewScalelite(base, lbSecret, client)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err = sl.Servers(ctx)
			if err == nil {
				t.Fatal("getServers succeeded against a failing server")
			}
			assertNoCredential(t, "getServers error", err.Error())
			err = sl.SetState(ctx, "id", "cordon")
			if err == nil {
				t.Fatal("updateServer succeeded against a failing server")
			}
			assertNoCredential(t, "updateServer error", err.Error())
			bbb, _ := live.NewBBB(base+"/bigbluebutton/api", bbbSecret, client)
			_, err = bbb.Meetings(ctx)
			if err == nil {
				t.Fatal("getMeetings succeeded against a failing server")
			}
			assertNoCredential(t, "getMeetings error", err.Error())
		})
	}
}

// TestNoCredentialInControllerLogs: a reconcile whose BBB servers fail in
// every way logs the failures without a checksum or a secret.
func TestNoCredentialInControllerLogs(t *testing.T) {
	servers := failingServers(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	var list []live.ScaleliteServer
	for name, base := range servers {
		list = append(list, live.ScaleliteServer{ID: name, URL: base + "/bigbluebutton/api", Secret: bbbSecret, State: "enabled", Online: "online"})
	}
	c := newStubController(t, list, log)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rep, err := c.Reconcile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range rep.Notes {
		assertNoCredential(t, "report note", n)
	}
	if !strings.Contains(logs.String(), "unreadable") {
		t.Fatalf("the failures were not logged: %s", logs.String())
	}
	assertNoCredential(t, "log", logs.String())
}
