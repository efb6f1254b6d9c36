package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// MetadataAPI is the one IMDS call the agent makes; imds.Client has it.
type MetadataAPI interface {
	GetMetadata(ctx context.Context, in *imds.GetMetadataInput, opts ...func(*imds.Options)) (*imds.GetMetadataOutput, error)
}

// PollInterval is AWS's advice for watching spot notices.
const PollInterval = 5 * time.Second

// Notice is a spot notice read from IMDS.
type Notice struct {
	Kind   string // "rebalance" or "interruption"
	Action string // terminate, stop or hibernate (interruptions)
	Time   time.Time
}

// NoticeHandler acts on notices: cordon, tell the controller, end meetings
// before termination, save recordings.
type NoticeHandler interface {
	Notice(ctx context.Context, instanceID string, n Notice) error
}

// Agent watches one instance's metadata for spot notices. Each notice is
// handled once per instance and kind: the metadata service recomputes the
// notice times on every request, so the body cannot identify a notice.
type Agent struct {
	md      MetadataAPI
	handler NoticeHandler
	log     *slog.Logger
	id      string
	seen    map[string]bool
}

// NewAgent builds an agent; it reads the instance ID at once.
func NewAgent(ctx context.Context, md MetadataAPI, h NoticeHandler, log *slog.Logger) (*Agent, error) {
	id, err := getText(ctx, md, "instance-id")
	if err != nil {
		return nil, fmt.Errorf("reading instance-id from IMDS: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Agent{md: md, handler: h, log: log, id: id, seen: map[string]bool{}}, nil
}

// InstanceID is the instance the agent runs on.
func (a *Agent) InstanceID() string { return a.id }

var errNotFound = errors.New("not found")

func getText(ctx context.Context, md MetadataAPI, path string) (string, error) {
	out, err := md.GetMetadata(ctx, &imds.GetMetadataInput{Path: path})
	if err != nil {
		var re *smithyhttp.ResponseError
		if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
			return "", errNotFound
		}
		return "", err
	}
	defer out.Content.Close()
	b, err := io.ReadAll(io.LimitReader(out.Content, 1<<16))
	return string(b), err
}

// Poll reads both notices once and hands new ones to the handler.
func (a *Agent) Poll(ctx context.Context) error {
	var errs []error
	if body, err := getText(ctx, a.md, "events/recommendations/rebalance"); err == nil {
		var r struct {
			NoticeTime time.Time `json:"noticeTime"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			errs = append(errs, fmt.Errorf("rebalance notice %q: %w", body, err))
		} else {
			errs = append(errs, a.handle(ctx, Notice{Kind: "rebalance", Time: r.NoticeTime}, "rebalance"))
		}
	} else if !errors.Is(err, errNotFound) {
		errs = append(errs, fmt.Errorf("IMDS rebalance: %w", err))
	}
	if body, err := getText(ctx, a.md, "spot/instance-action"); err == nil {
		var r struct {
			Action string    `json:"action"`
			Time   time.Time `json:"time"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			errs = append(errs, fmt.Errorf("instance-action %q: %w", body, err))
		} else {
			errs = append(errs, a.handle(ctx, Notice{Kind: "interruption", Action: r.Action, Time: r.Time}, "interruption:"+r.Action))
		}
	} else if !errors.Is(err, errNotFound) {
		errs = append(errs, fmt.Errorf("IMDS instance-action: %w", err))
	}
	return errors.Join(errs...)
}

func (a *Agent) handle(ctx context.Context, n Notice, key string) error {
	key = a.id + "|" + key
	if a.seen[key] {
		return nil
	}
	a.log.Info("spot notice", "instance", a.id, "kind", n.Kind, "action", n.Action, "time", n.Time)
	if err := a.handler.Notice(ctx, a.id, n); err != nil {
		return fmt.Errorf("handling %s notice: %w", n.Kind, err)
	}
	a.seen[key] = true // only once handled: a failed attempt is retried next poll
	return nil
}

// Run polls every interval until ctx ends.
func (a *Agent) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := a.Poll(ctx); err != nil {
			a.log.Warn("poll", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
