package live

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/scalite/scalite/engine"
)

// ScaleliteServers is what the agent needs of Scalelite.
type ScaleliteServers interface {
	Servers(ctx context.Context) ([]ScaleliteServer, error)
	SetState(ctx context.Context, id, state string) error
}

// MeetingEnder is what the agent needs of its own BBB server.
type MeetingEnder interface {
	Meetings(ctx context.Context) ([]BBBMeeting, error)
	End(ctx context.Context, meetingID string) error
}

// InstanceTagger tags the agent's own instance for the controller.
type InstanceTagger interface {
	Tag(ctx context.Context, id, key, value string) error
}

// ServerActions are the steps a BBB server takes on a spot notice
// (NoticeActions); which of them, and when, engine.ReactToNotice decides.
// Each is safe to repeat, as the agent retries failed steps.
type ServerActions struct {
	Scalelite ScaleliteServers
	// BBBURL is this server's API URL as Scalelite has it.
	BBBURL string
	BBB    MeetingEnder
	Tagger InstanceTagger
	// RecordingsHook runs once per interruption notice, e.g. a script that
	// copies the server's raw recordings to S3. It is given no recording
	// IDs: it handles every recording on the server, and gets
	// SCALITE_INSTANCE_ID and SCALITE_TERMINATION_TIME. A failed run is
	// retried until the termination time, so it must be safe to rerun.
	RecordingsHook []string
	Clock          func() time.Time // default time.Now
}

// hookOutputLimit keeps a chatty hook's output out of the logs.
const hookOutputLimit = 1024

// Cordon stops new meetings on this server in Scalelite; a server already
// cordoned is left as it is.
func (s *ServerActions) Cordon(ctx context.Context) error {
	servers, err := s.Scalelite.Servers(ctx)
	if err != nil {
		return fmt.Errorf("cordon: listing Scalelite servers: %w", err)
	}
	for _, srv := range servers {
		if strings.TrimRight(srv.URL, "/") == strings.TrimRight(s.BBBURL, "/") {
			if srv.State == "cordoned" {
				return nil
			}
			if err := s.Scalelite.SetState(ctx, srv.ID, "cordon"); err != nil {
				return fmt.Errorf("cordon %s: %w", srv.ID, err)
			}
			return nil
		}
	}
	return fmt.Errorf("cordon: %s is not registered in Scalelite", s.BBBURL)
}

// Report tags the instance for the controller: TagInterruption with the
// termination time, or TagRebalance with the notice time. Separate keys, so
// neither notice overwrites the other.
func (s *ServerActions) Report(ctx context.Context, instanceID string, n Notice) error {
	if s.Tagger == nil {
		return errors.New("report: no EC2 tagger")
	}
	key, value := noticeTag(n)
	if err := s.Tagger.Tag(ctx, instanceID, key, value); err != nil {
		return fmt.Errorf("report: tagging %s %s: %w", instanceID, key, err)
	}
	return nil
}

// noticeTag is the tag a notice is reported in, and its value. The agent
// and the interruption queue both write it here, so that one notice from
// both sources is one notice to the controller.
func noticeTag(n Notice) (key, value string) {
	key = TagRebalance
	if n.Kind == engine.InterruptionNotice.String() {
		key = TagInterruption
	}
	return key, n.Time.UTC().Format(time.RFC3339)
}

// EndMeetings ends every meeting on this server and tags the instance
// TagMeetingsEnd, so the controller stops counting them.
func (s *ServerActions) EndMeetings(ctx context.Context, instanceID string) error {
	if s.BBB == nil {
		return errors.New("end meetings: no BBB client")
	}
	ms, err := s.BBB.Meetings(ctx)
	if err != nil {
		return fmt.Errorf("end meetings: listing: %w", err)
	}
	var errs []error
	for _, m := range ms {
		if err := s.BBB.End(ctx, m.MeetingID); err != nil {
			errs = append(errs, fmt.Errorf("end meeting %s: %w", m.MeetingID, err))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if s.Tagger == nil {
		return errors.New("end meetings: no EC2 tagger")
	}
	now := time.Now
	if s.Clock != nil {
		now = s.Clock
	}
	if err := s.Tagger.Tag(ctx, instanceID, TagMeetingsEnd, now().UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("end meetings: tagging %s: %w", instanceID, err)
	}
	return nil
}

// SaveRecordings runs the recordings hook, if there is one; ctx bounds it.
func (s *ServerActions) SaveRecordings(ctx context.Context, instanceID string, n Notice) error {
	if len(s.RecordingsHook) == 0 {
		return nil
	}
	cmd := exec.CommandContext(ctx, s.RecordingsHook[0], s.RecordingsHook[1:]...)
	cmd.Env = append(os.Environ(), "SCALITE_INSTANCE_ID="+instanceID, "SCALITE_TERMINATION_TIME="+n.Time.UTC().Format(time.RFC3339))
	// The hook runs in its own process group, and the whole group is
	// killed when ctx ends (the deadline or shutdown): a copy the hook left
	// running in the background must not outlive the bound.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if len(msg) > hookOutputLimit {
			msg = msg[:hookOutputLimit] + "…"
		}
		return fmt.Errorf("recordings hook %s: %w: %s", s.RecordingsHook[0], err, msg)
	}
	return nil
}
