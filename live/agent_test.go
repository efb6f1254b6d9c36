package live_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"

	"github.com/scalite/scalite/emulate"
	"github.com/scalite/scalite/live"
)

type memTagger struct {
	mu   sync.Mutex
	tags map[string]string
}

func (m *memTagger) Tag(_ context.Context, id, k, v string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tags[id+"/"+k] = v
	return nil
}

func (m *memTagger) get(k string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for key, v := range m.tags {
		if strings.HasSuffix(key, "/"+k) {
			return v
		}
	}
	return ""
}

func metadataMock(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("ec2-metadata-mock")
	if err != nil {
		if home, _ := os.UserHomeDir(); home != "" {
			if p := filepath.Join(home, "go", "bin", "ec2-metadata-mock"); fileExists(p) {
				bin = p
			}
		}
	}
	if bin == "" {
		t.Skip("ec2-metadata-mock is not installed: go install github.com/aws/amazon-ec2-metadata-mock/cmd/ec2-metadata-mock@v1.13.0")
	}
	return bin
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestAgentAgainstMetadataMock: AWS's IMDS mock raises a rebalance
// recommendation after 2 s and an interruption notice after 5 s; the agent,
// polling every second, cordons its server in Scalelite within one poll of
// the first, tags its instance, ends its meetings and runs the recordings
// hook for the second, and handles each notice once.
func TestAgentAgainstMetadataMock(t *testing.T) {
	bin := metadataMock(t)
	port := freePort(t)
	start := time.Now()
	startProcess(t, port, bin, "spot", "-n", "127.0.0.1", "-p", fmt.Sprint(port), "-I", "-d", "5", "--rebalance-delay-sec", "2")

	emu := emulate.NewScalelite("lb-secret")
	srv := httptest.NewServer(emu)
	defer srv.Close()
	sl, _ := live.NewScalelite(srv.URL, "lb-secret", srv.Client())
	apiURL, bbbSecret := emu.BBBServer(srv.URL, "me")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	added, err := sl.AddServer(ctx, apiURL, bbbSecret, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	sl.SetState(ctx, added.ID, "enable")
	emu.SetMeetings(apiURL, []live.BBBMeeting{{MeetingID: "lecture", ParticipantCount: 30}})
	bbb, _ := live.NewBBB(apiURL, bbbSecret, srv.Client())

	hookOut := filepath.Join(t.TempDir(), "hook.txt")
	tags := &memTagger{tags: map[string]string{}}
	actions := &live.ServerActions{Scalelite: sl, BBBURL: apiURL, BBB: bbb, Tagger: tags, EndBefore: 2 * time.Minute, CordonOnRebalance: true,
		RecordingsHook: []string{"sh", "-c", `echo "$SCALITE_INSTANCE_ID $SCALITE_TERMINATION_TIME" >> ` + hookOut}}
	md := imds.New(imds.Options{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port)})
	agent, err := live.NewAgent(ctx, md, actions, nil)
	if err != nil {
		t.Fatal(err)
	}
	const interval = time.Second
	var cordonedAt time.Time
	for time.Since(start) < 12*time.Second {
		if err := agent.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		if cordonedAt.IsZero() && emu.State(apiURL) == "cordoned" {
			cordonedAt = time.Now()
		}
		time.Sleep(interval)
	}
	actions.Wait()
	// The rebalance recommendation appears 2 s after the mock started.
	if cordonedAt.IsZero() || cordonedAt.Sub(start) > 2*time.Second+interval+time.Second {
		t.Fatalf("cordoned %v after the mock started; want within one poll of the notice at 2 s", cordonedAt.Sub(start))
	}
	if v := tags.get(live.TagNotice); !strings.HasPrefix(v, "interruption@") {
		t.Errorf("notice tag %q", v)
	}
	if ended := emu.Ended(); len(ended) != 1 || ended[0] != "lecture" {
		t.Errorf("ended %v", ended)
	}
	b, _ := os.ReadFile(hookOut)
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], agent.InstanceID()+" ") {
		t.Errorf("recordings hook ran %q: want once, for %s", b, agent.InstanceID())
	}
}

// TestRebalanceFollowsPolicy: with drain.on_rebalance other than cordon the
// server keeps taking meetings (as in the simulator), but the controller is
// told; an interruption always cordons.
func TestRebalanceFollowsPolicy(t *testing.T) {
	emu := emulate.NewScalelite("lb")
	srv := httptest.NewServer(emu)
	defer srv.Close()
	sl, _ := live.NewScalelite(srv.URL, "lb", srv.Client())
	api, sec := emu.BBBServer(srv.URL, "me")
	ctx := context.Background()
	added, _ := sl.AddServer(ctx, api, sec, 1, "")
	sl.SetState(ctx, added.ID, "enable")
	tags := &memTagger{tags: map[string]string{}}
	a := &live.ServerActions{Scalelite: sl, BBBURL: api, Tagger: tags}
	if err := a.Notice(ctx, "i-1", live.Notice{Kind: "rebalance", Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if emu.State(api) != "enabled" || !strings.HasPrefix(tags.get(live.TagNotice), "rebalance@") {
		t.Fatalf("rebalance with replace: state %s, tag %q", emu.State(api), tags.get(live.TagNotice))
	}
	if err := a.Notice(ctx, "i-1", live.Notice{Kind: "interruption", Action: "terminate", Time: time.Now().Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if emu.State(api) != "cordoned" {
		t.Fatalf("interruption: state %s", emu.State(api))
	}
}
