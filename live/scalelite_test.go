package live_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
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

func TestScaleliteServerAPI(t *testing.T) {
	emu := emulate.NewScalelite("lb-secret")
	srv := httptest.NewServer(emu)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := live.NewScalelite(srv.URL, "lb-secret", srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	apiURL, bbbSecret := emu.BBBServer(srv.URL, "i-0001")
	added, err := c.AddServer(ctx, apiURL, bbbSecret, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	if added.State != "disabled" || added.ID == "" {
		t.Fatalf("added %v: Scalelite creates servers disabled", added)
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
	if err := c.SetState(ctx, "nope", "enable"); err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Errorf("unknown server: %v", err)
	}
	// sha1 and sha512 checksums are accepted too.
	for _, algo := range []string{"sha1", "sha512"} {
		c.Algo = algo
		if _, err := c.Servers(ctx); err != nil {
			t.Errorf("%s: %v", algo, err)
		}
	}
	c.Algo = "sha256"

	// BBB API: per server with its own secret, and fleet-wide through Scalelite.
	emu.SetMeetings(apiURL, []live.BBBMeeting{{MeetingID: "m1", ParticipantCount: 20, ModeratorCount: 1, Running: true}, {MeetingID: "m2", ParticipantCount: 5}})
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
	if err := c.DeleteServer(ctx, added.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := c.Servers(ctx); len(list) != 0 {
		t.Errorf("after delete: %v", list)
	}
}

// TestWrongChecksumRejected: a client with the wrong secret is refused by
// both APIs, and its error does not quote any secret.
func TestWrongChecksumRejected(t *testing.T) {
	emu := emulate.NewScalelite("lb-secret")
	srv := httptest.NewServer(emu)
	defer srv.Close()
	ctx := context.Background()
	c, _ := live.NewScalelite(srv.URL, "wrong-secret", srv.Client())
	_, err := c.Servers(ctx)
	var apiErr *live.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 401 || !strings.Contains(apiErr.Message, "checksumError") {
		t.Fatalf("wrong secret: %v", err)
	}
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Error("the error shows the secret")
	}
	bbb, _ := live.NewBBB(srv.URL+"/bigbluebutton/api", "wrong-secret", srv.Client())
	if _, err := bbb.Meetings(ctx); err == nil || !strings.Contains(err.Error(), "checksumError") {
		t.Fatalf("BBB wrong secret: %v", err)
	}
	emu.Allowed = []string{"sha512"}
	good, _ := live.NewScalelite(srv.URL, "lb-secret", srv.Client())
	if _, err := good.Servers(ctx); err == nil {
		t.Error("a sha256 checksum passed although only sha512 is allowed")
	}
}
