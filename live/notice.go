package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
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

// ServerActions is what a BBB server does on a spot notice: cordon itself
// in Scalelite at once (no new meetings; for a rebalance recommendation only
// when the policy says so), tell the controller through a tag on its
// instance, and on an interruption end its meetings shortly before
// the termination time, so users rejoin a healthy server at once instead of
// waiting for their clients to time out, and hand its recordings to a hook.
type ServerActions struct {
	Scalelite ScaleliteServers
	// BBBURL is this server's API URL as Scalelite has it.
	BBBURL    string
	BBB       MeetingEnder
	Tagger    InstanceTagger
	EndBefore time.Duration // 0 = do not end meetings
	// CordonOnRebalance follows drain.on_rebalance: cordon, as the engine
	// does; with replace or ignore the server keeps taking meetings.
	CordonOnRebalance bool
	// RecordingsHook runs on an interruption, e.g. a script that copies raw
	// recordings to S3; it gets SCALITE_INSTANCE_ID and SCALITE_TERMINATION_TIME.
	RecordingsHook []string
	Log            *slog.Logger

	wg sync.WaitGroup
}

// Notice implements NoticeHandler.
func (s *ServerActions) Notice(ctx context.Context, instanceID string, n Notice) error {
	var errs []error
	if n.Kind == "interruption" || s.CordonOnRebalance {
		if err := s.cordon(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if s.Tagger != nil {
		if err := s.Tagger.Tag(ctx, instanceID, TagNotice, n.Kind+"@"+n.Time.UTC().Format(time.RFC3339)); err != nil {
			errs = append(errs, err)
		}
	}
	if n.Kind == "interruption" {
		if s.EndBefore > 0 && s.BBB != nil {
			s.wg.Add(1)
			go s.endMeetingsAt(instanceID, n.Time.Add(-s.EndBefore))
		}
		if len(s.RecordingsHook) > 0 {
			if err := s.runHook(ctx, instanceID, n); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Wait waits for scheduled meeting ends, for tests and shutdown.
func (s *ServerActions) Wait() { s.wg.Wait() }

func (s *ServerActions) cordon(ctx context.Context) error {
	servers, err := s.Scalelite.Servers(ctx)
	if err != nil {
		return fmt.Errorf("cordon: %w", err)
	}
	for _, srv := range servers {
		if strings.TrimRight(srv.URL, "/") == strings.TrimRight(s.BBBURL, "/") {
			if srv.State == "cordoned" {
				return nil
			}
			return s.Scalelite.SetState(ctx, srv.ID, "cordon")
		}
	}
	return fmt.Errorf("cordon: %s is not registered in Scalelite", s.BBBURL)
}

func (s *ServerActions) endMeetingsAt(instanceID string, at time.Time) {
	defer s.wg.Done()
	if d := time.Until(at); d > 0 {
		time.Sleep(d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ms, err := s.BBB.Meetings(ctx)
	if err != nil {
		s.log().Error("ending meetings before termination", "instance", instanceID, "err", err)
		return
	}
	for _, m := range ms {
		if err := s.BBB.End(ctx, m.MeetingID); err != nil {
			s.log().Error("ending meeting", "instance", instanceID, "meeting", m.MeetingID, "err", err)
		}
	}
	if s.Tagger != nil {
		s.Tagger.Tag(ctx, instanceID, TagMeetingsEnd, time.Now().UTC().Format(time.RFC3339))
	}
	s.log().Info("ended meetings before termination", "instance", instanceID, "meetings", len(ms))
}

func (s *ServerActions) runHook(ctx context.Context, instanceID string, n Notice) error {
	cmd := exec.CommandContext(ctx, s.RecordingsHook[0], s.RecordingsHook[1:]...)
	cmd.Env = append(os.Environ(), "SCALITE_INSTANCE_ID="+instanceID, "SCALITE_TERMINATION_TIME="+n.Time.UTC().Format(time.RFC3339))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("recordings hook %s: %w: %s", s.RecordingsHook[0], err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (s *ServerActions) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}
