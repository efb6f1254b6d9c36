package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/model"
)

// QueueAPI is what the interruption queue needs of SQS; *sqs.Client has it.
type QueueAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
}

// Fleet event kinds.
const (
	EventInterruption = "interruption" // EC2 Spot Instance Interruption Warning
	EventRebalance    = "rebalance"    // EC2 Instance Rebalance Recommendation
	EventState        = "state"        // EC2 Instance State-change Notification
	EventMaintenance  = "maintenance"  // AWS Health Event, EC2 scheduledChange
)

// FleetEvent is one instance's event from the queue.
type FleetEvent struct {
	InstanceID string
	Kind       string // EventInterruption, EventRebalance, EventState, EventMaintenance
	// Time is when EventBridge saw the event; for maintenance, when the
	// scheduled change starts. An interruption terminates two minutes after
	// Time (spot-instance-termination-notices: "emits an event two minutes
	// prior to the actual interruption").
	Time time.Time
	// Action is the interruption's instance-action (terminate, stop,
	// hibernate) or the maintenance's eventTypeCode.
	Action string
	// State is the new instance state of a state-change event (pending,
	// running, stopping, stopped, shutting-down, terminated).
	State string
	// EventID is EventBridge's event id.
	EventID string
}

// Notice turns an interruption or rebalance into the notice the agents
// send, so the controller can act on it the same way: an interruption's
// Time is the termination time, as IMDS's instance-action gives it.
func (e FleetEvent) Notice() (Notice, bool) {
	switch e.Kind {
	case EventInterruption:
		return Notice{Kind: engine.InterruptionNotice.String(), Action: e.Action, Time: e.Time.Add(model.InterruptionNoticeSeconds * time.Second)}, true
	case EventRebalance:
		return Notice{Kind: engine.RebalanceRecommendation.String(), Time: e.Time}, true
	}
	return Notice{}, false
}

// key identifies an event for de-duplication: EventBridge delivers at
// least once, and the agent may have reported the same notice.
func (e FleetEvent) key() string {
	if e.Kind == EventState {
		return e.InstanceID + "|state|" + e.State
	}
	return e.InstanceID + "|" + e.Kind
}

// QueueOptions configures an InterruptionQueue; all fields are optional.
type QueueOptions struct {
	Log *slog.Logger
	// Malformed is called for each message that is not an event the queue
	// understands (bad JSON, a known event without its instance); the
	// message is deleted. Pass e.g. a Prometheus counter's Inc.
	Malformed func()
	// MaxReceives is how often a message whose handling failed is
	// received before it is given up (logged and deleted); default 5.
	MaxReceives int
	// Remember is how long a handled event is remembered for
	// de-duplication; default 6h, longer than a rebalance recommendation
	// usually precedes its interruption.
	Remember time.Duration
	// Wait is the long poll's wait, whole seconds up to SQS's maximum of
	// 20, the default.
	Wait  time.Duration
	Clock func() time.Time
}

// InterruptionQueue consumes the SQS queue EventBridge fills with the
// fleet's instance events (docs/live/interruption-queue.yaml).
type InterruptionQueue struct {
	client  QueueAPI
	url     string
	isFleet func(instanceID string) bool
	o       QueueOptions

	mu     sync.Mutex
	seen   map[string]time.Time
	pruned time.Time
}

// NewInterruptionQueue builds a consumer of queueURL. isFleet says whether
// an instance is this fleet's; events for other instances are ignored
// (and deleted: the queue may serve several fleets only if each has its
// own queue, since SQS hands a message to one consumer).
func NewInterruptionQueue(client QueueAPI, queueURL string, isFleet func(instanceID string) bool, o QueueOptions) *InterruptionQueue {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Malformed == nil {
		o.Malformed = func() {}
	}
	if o.MaxReceives <= 0 {
		o.MaxReceives = 5
	}
	if o.Remember <= 0 {
		o.Remember = 6 * time.Hour
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Wait <= 0 || o.Wait > queueWait*time.Second {
		o.Wait = queueWait * time.Second
	}
	return &InterruptionQueue{client: client, url: queueURL, isFleet: isFleet, o: o, seen: map[string]time.Time{}}
}

// Long polling: SQS's maximum wait (ReceiveMessage, WaitTimeSeconds: "An
// integer from 0 to 20 (seconds)"), so an idle queue costs three calls a
// minute and an event arrives at once.
const (
	queueWait      = 20
	queueBatch     = 10 // ReceiveMessage's MaxNumberOfMessages maximum
	queueCallLimit = (queueWait + 10) * time.Second
	queueBackoff   = 30 * time.Second
)

// Run receives until ctx ends, handing each new fleet event to handle.
// handle is called in order, one event at a time; a message is deleted
// once all its events are handled, or when it is malformed, not for this
// fleet, or has failed MaxReceives times. A failed handle leaves the
// message for SQS to deliver again after its visibility timeout. Errors
// from SQS are logged and retried with backoff: Run returns only when
// ctx ends, with nil.
func (q *InterruptionQueue) Run(ctx context.Context, handle func(context.Context, FleetEvent) error) error {
	backoff := time.Second
	for ctx.Err() == nil {
		if _, err := q.Poll(ctx, handle); err != nil {
			if ctx.Err() != nil {
				break
			}
			q.o.Log.Warn("interruption queue", "err", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, queueBackoff)
			continue
		}
		backoff = time.Second
	}
	return nil
}

// Poll receives one batch (waiting up to Wait for it) and handles it. It
// returns how many messages it received, and an error only when SQS could
// not be asked.
func (q *InterruptionQueue) Poll(ctx context.Context, handle func(context.Context, FleetEvent) error) (int, error) {
	cctx, cancel := context.WithTimeout(ctx, queueCallLimit)
	out, err := q.client.ReceiveMessage(cctx, &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(q.url),
		MaxNumberOfMessages:         queueBatch,
		WaitTimeSeconds:             int32(q.o.Wait / time.Second),
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameApproximateReceiveCount},
	})
	cancel()
	if err != nil {
		return 0, fmt.Errorf("receiving from the interruption queue: %w", err)
	}
	for _, m := range out.Messages {
		q.handleMessage(ctx, m, handle)
	}
	return len(out.Messages), nil
}

func (q *InterruptionQueue) handleMessage(ctx context.Context, m sqstypes.Message, handle func(context.Context, FleetEvent) error) {
	id := aws.ToString(m.MessageId)
	events, err := ParseFleetEvents([]byte(aws.ToString(m.Body)))
	if err != nil {
		q.o.Malformed()
		q.o.Log.Warn("malformed message on the interruption queue: deleted", "message", id, "err", err)
		q.delete(ctx, m)
		return
	}
	var failed []error
	for _, ev := range events {
		if !q.isFleet(ev.InstanceID) || q.Seen(ev.InstanceID, ev.Kind, ev.State) {
			continue
		}
		if err := handle(ctx, ev); err != nil {
			failed = append(failed, fmt.Errorf("%s %s: %w", ev.Kind, ev.InstanceID, err))
			continue
		}
		q.markSeen(ev.key())
	}
	if len(failed) > 0 {
		receives, _ := strconv.Atoi(m.Attributes[string(sqstypes.MessageSystemAttributeNameApproximateReceiveCount)])
		if receives < q.o.MaxReceives {
			q.o.Log.Warn("fleet event not handled: SQS will deliver it again", "message", id, "receives", receives, "err", errors.Join(failed...))
			return
		}
		q.o.Log.Error("fleet event not handled, giving up", "message", id, "receives", receives, "err", errors.Join(failed...))
	}
	q.delete(ctx, m)
}

func (q *InterruptionQueue) delete(ctx context.Context, m sqstypes.Message) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := q.client.DeleteMessage(cctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q.url), ReceiptHandle: m.ReceiptHandle}); err != nil {
		// Not fatal: the message comes back and is recognised as seen.
		q.o.Log.Warn("deleting from the interruption queue", "message", aws.ToString(m.MessageId), "err", err)
	}
}

// Seen says whether the event was handled already (state only matters for
// state changes).
func (q *InterruptionQueue) Seen(instanceID, kind, state string) bool {
	key := FleetEvent{InstanceID: instanceID, Kind: kind, State: state}.key()
	q.mu.Lock()
	defer q.mu.Unlock()
	t, ok := q.seen[key]
	return ok && q.o.Clock().Sub(t) < q.o.Remember
}

// MarkSeen records a notice that arrived another way (an agent's tag), so
// the same notice from the queue is not handled twice.
func (q *InterruptionQueue) MarkSeen(instanceID, kind string) {
	q.markSeen(FleetEvent{InstanceID: instanceID, Kind: kind}.key())
}

func (q *InterruptionQueue) markSeen(key string) {
	now := q.o.Clock()
	q.mu.Lock()
	defer q.mu.Unlock()
	if now.Sub(q.pruned) >= time.Minute { // amortised: a storm stays linear
		for k, t := range q.seen {
			if now.Sub(t) >= q.o.Remember {
				delete(q.seen, k)
			}
		}
		q.pruned = now
	}
	q.seen[key] = now
}

// eventBridgeEvent is the envelope every EventBridge event has
// (https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html).
type eventBridgeEvent struct {
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Time       time.Time       `json:"time"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// ParseFleetEvents reads one queue message: an EventBridge event as the
// EC2 and AWS Health documentation shows it (see testdata/events). Events
// of other types yield none and no error; a message that is not an event,
// or a known event without its instance, is an error.
func ParseFleetEvents(body []byte) ([]FleetEvent, error) {
	var e eventBridgeEvent
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("not an EventBridge event: %w", err)
	}
	if e.DetailType == "" || e.Source == "" {
		return nil, errors.New("not an EventBridge event: no detail-type or source")
	}
	switch {
	case e.Source == "aws.ec2" && e.DetailType == "EC2 Spot Instance Interruption Warning":
		// spot-instance-termination-notices: detail.instance-id and
		// detail.instance-action (hibernate, stop or terminate).
		var d struct {
			InstanceID string `json:"instance-id"`
			Action     string `json:"instance-action"`
		}
		if err := decodeDetail(e, &d); err != nil {
			return nil, err
		}
		if err := needInstance(e, d.InstanceID); err != nil {
			return nil, err
		}
		return []FleetEvent{{InstanceID: d.InstanceID, Kind: EventInterruption, Time: e.Time, Action: d.Action, EventID: e.ID}}, nil
	case e.Source == "aws.ec2" && e.DetailType == "EC2 Instance Rebalance Recommendation":
		// rebalance-recommendations: detail.instance-id.
		var d struct {
			InstanceID string `json:"instance-id"`
		}
		if err := decodeDetail(e, &d); err != nil {
			return nil, err
		}
		if err := needInstance(e, d.InstanceID); err != nil {
			return nil, err
		}
		return []FleetEvent{{InstanceID: d.InstanceID, Kind: EventRebalance, Time: e.Time, EventID: e.ID}}, nil
	case e.Source == "aws.ec2" && e.DetailType == "EC2 Instance State-change Notification":
		// monitoring-instance-state-changes: detail.instance-id, detail.state.
		var d struct {
			InstanceID string `json:"instance-id"`
			State      string `json:"state"`
		}
		if err := decodeDetail(e, &d); err != nil {
			return nil, err
		}
		if err := needInstance(e, d.InstanceID); err != nil {
			return nil, err
		}
		if d.State == "" {
			return nil, fmt.Errorf("%s %s: no detail.state", e.DetailType, e.ID)
		}
		return []FleetEvent{{InstanceID: d.InstanceID, Kind: EventState, Time: e.Time, State: d.State, EventID: e.ID}}, nil
	case e.Source == "aws.health" && e.DetailType == "AWS Health Event":
		return healthEvents(e)
	}
	return nil, nil
}

// healthEvents reads an AWS Health event (aws-health-events-eventbridge-schema):
// only EC2 scheduled changes concern the fleet; each affected entity that
// is an instance is one maintenance event, starting at detail.startTime.
func healthEvents(e eventBridgeEvent) ([]FleetEvent, error) {
	var d struct {
		Service           string `json:"service"`
		EventTypeCode     string `json:"eventTypeCode"`
		EventTypeCategory string `json:"eventTypeCategory"`
		StartTime         string `json:"startTime"`
		AffectedEntities  []struct {
			EntityValue string `json:"entityValue"`
		} `json:"affectedEntities"`
	}
	if err := decodeDetail(e, &d); err != nil {
		return nil, err
	}
	if d.Service != "EC2" || d.EventTypeCategory != "scheduledChange" {
		return nil, nil
	}
	start := e.Time
	if d.StartTime != "" {
		t, err := time.Parse(time.RFC1123, d.StartTime)
		if err != nil {
			return nil, fmt.Errorf("%s %s: detail.startTime %q: want an RFC 1123 date such as \"Fri, 10 Feb 2023 13:00:00 GMT\"", e.DetailType, e.ID, d.StartTime)
		}
		start = t.UTC()
	}
	var out []FleetEvent
	for _, ent := range d.AffectedEntities {
		if strings.HasPrefix(ent.EntityValue, "i-") {
			out = append(out, FleetEvent{InstanceID: ent.EntityValue, Kind: EventMaintenance, Time: start, Action: d.EventTypeCode, EventID: e.ID})
		}
	}
	return out, nil
}

func decodeDetail(e eventBridgeEvent, v any) error {
	if len(e.Detail) == 0 {
		return fmt.Errorf("%s %s: no detail", e.DetailType, e.ID)
	}
	if err := json.Unmarshal(e.Detail, v); err != nil {
		return fmt.Errorf("%s %s: detail: %w", e.DetailType, e.ID, err)
	}
	return nil
}

func needInstance(e eventBridgeEvent, id string) error {
	if !strings.HasPrefix(id, "i-") {
		return fmt.Errorf("%s %s: detail.instance-id %q is not an instance ID", e.DetailType, e.ID, id)
	}
	return nil
}
