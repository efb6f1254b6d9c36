package live_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/scalite/scalite/live"
)

func counterTokens() func() string {
	n := 0
	return func() string { n++; return fmt.Sprintf("scalite-test-%d", n) }
}

func TestEveryLaunchIntentGetsANewToken(t *testing.T) {
	j, err := live.OpenLaunchJournal("", nil)
	if err != nil {
		t.Fatal(err)
	}
	req := live.LaunchRequest{Type: "c5a.4xlarge", AZ: "eu-west-1a", Spot: true, Count: 1}
	now := time.Unix(1_700_000_000, 0)
	seen := map[string]bool{}
	// The same request from the same fleet state, again and again (an
	// evening scale-in, then the next morning's scale-out): never the same
	// token, or EC2 answers with the old, terminated instances.
	for i := range 100 {
		in, err := j.Begin(req, now)
		if err != nil {
			t.Fatal(err)
		}
		if seen[in.Token] || len(in.Token) > 64 || in.Request.ClientToken != in.Token {
			t.Fatalf("intent %d: token %q reused, too long or not on the request", i, in.Token)
		}
		seen[in.Token] = true
	}
}

func TestLaunchJournalSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "launches.json")
	j, err := live.OpenLaunchJournal(path, counterTokens())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	lost, _ := j.Begin(live.LaunchRequest{Type: "c5a.4xlarge", AZ: "eu-west-1a", Count: 1}, now)
	done, _ := j.Begin(live.LaunchRequest{Type: "m5.4xlarge", AZ: "eu-west-1b", Spot: true, Count: 2}, now)
	if err := j.Launched(done.Token, []string{"i-1", "i-2"}); err != nil {
		t.Fatal(err)
	}
	// A new controller process reads the same file.
	j2, err := live.OpenLaunchJournal(path, counterTokens())
	if err != nil {
		t.Fatal(err)
	}
	un, err := j2.Unresolved(now.Add(time.Minute))
	if err != nil || len(un) != 1 || un[0].Token != lost.Token || un[0].Request.ClientToken != lost.Token {
		t.Fatalf("the launch whose answer was lost must be retried with its own token: %+v %v", un, err)
	}
	fly, err := j2.InFlight(map[string]bool{"i-1": true}, now.Add(time.Minute))
	if err != nil || len(fly) != 1 || len(fly[0].IDs) != 1 || fly[0].IDs[0] != "i-2" {
		t.Fatalf("i-2 is launched but not listed yet: it must count as in flight: %+v %v", fly, err)
	}
	if fly, _ := j2.InFlight(map[string]bool{"i-1": true, "i-2": true}, now.Add(2*time.Minute)); len(fly) != 0 {
		t.Fatalf("once listed, nothing is in flight: %+v", fly)
	}
	if un, _ := j2.Unresolved(now.Add(live.ResolveWindow + time.Minute)); len(un) != 0 {
		t.Fatalf("an intent older than the resolve window is dropped: %+v", un)
	}
	if j2.Len() != 0 {
		t.Fatalf("journal keeps %d intents", j2.Len())
	}
}

func TestLaunchJournalForgetsInvisibleAfterWindow(t *testing.T) {
	j, _ := live.OpenLaunchJournal("", counterTokens())
	now := time.Unix(1_700_000_000, 0)
	in, _ := j.Begin(live.LaunchRequest{Type: "c5a.4xlarge", AZ: "eu-west-1a", Count: 1}, now)
	j.Launched(in.Token, []string{"i-9"})
	if fly, _ := j.InFlight(nil, now.Add(live.VisibilityWindow)); len(fly) != 1 {
		t.Fatalf("within the window an unlisted launch is in flight: %+v", fly)
	}
	if fly, _ := j.InFlight(nil, now.Add(live.VisibilityWindow+time.Second)); len(fly) != 0 {
		t.Fatalf("past the window it is forgotten: %+v", fly)
	}
}

func TestLaunchJournalRefusesCorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "launches.json")
	os.WriteFile(path, []byte("[{\"token\":\"\"}]"), 0o600)
	if _, err := live.OpenLaunchJournal(path, nil); err == nil {
		t.Fatal("a journal record without a token must not be taken")
	}
	os.WriteFile(path, []byte("{not json"), 0o600)
	if _, err := live.OpenLaunchJournal(path, nil); err == nil {
		t.Fatal("a corrupt journal must not be read as empty")
	}
}

func TestLaunchIsNotSentWhenJournalCannotRecordIt(t *testing.T) {
	dir := t.TempDir()
	j, err := live.OpenLaunchJournal(filepath.Join(dir, "sub", "launches.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Begin(live.LaunchRequest{Type: "c5a.4xlarge", AZ: "eu-west-1a", Count: 1}, time.Now()); err == nil {
		t.Fatal("an intent that could not be written must fail: a crash would forget the launch")
	}
	if j.Len() != 0 {
		t.Fatal("the unrecorded intent is kept")
	}
}
