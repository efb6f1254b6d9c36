package emulate

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SQSAccount is the account in emulated queue URLs and ARNs (the one AWS's
// documentation uses).
const SQSAccount = "123456789012"

// SQS emulates Amazon SQS for the calls Scalite's interruption queue makes,
// in the protocol aws-sdk-go-v2's SQS client speaks: AWS JSON 1.0, a POST
// to / with X-Amz-Target "AmazonSQS.<Operation>" and Content-Type
// application/x-amz-json-1.0 (service/sqs/api_client.go: awsjson.New10;
// request_snapshot/ReceiveMessage.request.snap). Operations: ReceiveMessage
// (long polling, visibility timeout, ApproximateReceiveCount), DeleteMessage,
// SendMessage and GetQueueUrl, as the SQS API Reference describes them
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/).
// It also publishes EventBridge-shaped EC2 events into its queue, as an
// EventBridge rule with an SQS target would.
type SQS struct {
	// Clock is the emulator's time (default time.Now): visibility
	// timeouts and timestamps.
	Clock func() time.Time
	// Region names the region in events and ARNs.
	Region string
	// MaxWait caps long polls, so tests need not wait SQS's 20 seconds for
	// an empty answer; 0 = honour WaitTimeSeconds.
	MaxWait time.Duration

	mu      sync.Mutex
	queues  map[string]*sqsQueue
	first   string
	next    int
	arrived chan struct{} // closed and replaced on every send: wakes long polls
	waiting int           // long polls waiting now
}

// polling is how many long polls are waiting, for tests.
func (s *SQS) polling() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waiting
}

type sqsQueue struct {
	visibility time.Duration
	msgs       []*sqsMessage
}

type sqsMessage struct {
	id, body       string
	sent           time.Time
	firstReceive   time.Time
	receives       int
	handle         string // the latest receipt handle
	invisibleUntil time.Time
}

// DefaultVisibilityTimeout is SQS's default (CreateQueue, VisibilityTimeout:
// "The default for this attribute is 30").
const DefaultVisibilityTimeout = 30 * time.Second

// NewSQS returns an emulator with the named queues; the first is the one
// the Send* event methods publish to.
func NewSQS(queues ...string) *SQS {
	s := &SQS{Clock: time.Now, Region: "eu-west-1", queues: map[string]*sqsQueue{}, arrived: make(chan struct{})}
	for _, q := range queues {
		s.queues[q] = &sqsQueue{visibility: DefaultVisibilityTimeout}
		if s.first == "" {
			s.first = q
		}
	}
	return s
}

// QueueURL is the URL of a queue when the emulator is served at base
// (e.g. "http://127.0.0.1:4566"), as GetQueueUrl answers it.
func (s *SQS) QueueURL(base, name string) string {
	return strings.TrimRight(base, "/") + "/" + SQSAccount + "/" + name
}

// SetVisibilityTimeout sets a queue's VisibilityTimeout attribute.
func (s *SQS) SetVisibilityTimeout(name string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.queues[name]; q != nil {
		q.visibility = d
	}
}

// Len is how many messages a queue holds, in flight or not.
func (s *SQS) Len(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.queues[name]; q != nil {
		return len(q.msgs)
	}
	return 0
}

// sqsError is the AWS JSON 1.0 error body: __type is the error shape
// (response_snapshot/QueueDoesNotExist.error.snap: {"__type":
// "QueueDoesNotExist","message":...}); the SDK takes the part after '#'.
func sqsError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + code, "message": msg})
}

func sqsOK(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	json.NewEncoder(w).Encode(v)
}

func (s *SQS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
	if r.Method != http.MethodPost || !ok {
		sqsError(w, http.StatusBadRequest, "UnknownOperationException", "want a POST with X-Amz-Target: AmazonSQS.<Operation>")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		sqsError(w, http.StatusBadRequest, "InvalidParameterValue", err.Error())
		return
	}
	var in struct {
		QueueUrl, QueueName, ReceiptHandle, MessageBody string
		MaxNumberOfMessages, WaitTimeSeconds            *int
		VisibilityTimeout                               *int
		AttributeNames, MessageSystemAttributeNames     []string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		sqsError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	switch op {
	case "GetQueueUrl":
		s.mu.Lock()
		_, ok := s.queues[in.QueueName]
		s.mu.Unlock()
		if !ok {
			sqsError(w, http.StatusBadRequest, "QueueDoesNotExist", "The specified queue does not exist.")
			return
		}
		sqsOK(w, map[string]string{"QueueUrl": s.QueueURL("http://"+r.Host, in.QueueName)})
	case "SendMessage":
		id, err := s.send(queueName(in.QueueUrl), in.MessageBody)
		if err != nil {
			sqsError(w, http.StatusBadRequest, err.code, err.msg)
			return
		}
		sqsOK(w, map[string]string{"MessageId": id, "MD5OfMessageBody": md5Hex(in.MessageBody)})
	case "ReceiveMessage":
		s.receive(w, r, queueName(in.QueueUrl), in.MaxNumberOfMessages, in.WaitTimeSeconds, in.VisibilityTimeout, append(in.AttributeNames, in.MessageSystemAttributeNames...))
	case "DeleteMessage":
		if err := s.delete(queueName(in.QueueUrl), in.ReceiptHandle); err != nil {
			sqsError(w, http.StatusBadRequest, err.code, err.msg)
			return
		}
		sqsOK(w, struct{}{})
	default:
		sqsError(w, http.StatusBadRequest, "UnsupportedOperation", op+" is not emulated")
	}
}

// queueName is the last path element of a queue URL
// (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME).
func queueName(url string) string {
	return url[strings.LastIndexByte(url, '/')+1:]
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

type sqsErr struct{ code, msg string }

// maxBody is SendMessage's limit ("The minimum size is one character. The
// maximum size is 256 KiB.").
const maxBody = 256 << 10

func (s *SQS) send(name, body string) (string, *sqsErr) {
	if body == "" || len(body) > maxBody {
		return "", &sqsErr{"InvalidParameterValue", "The message body must be between 1 character and 256 KiB."}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[name]
	if q == nil {
		return "", &sqsErr{"QueueDoesNotExist", "The specified queue does not exist."}
	}
	s.next++
	id := fmt.Sprintf("%08x-0000-4000-8000-%012x", s.next, s.next)
	q.msgs = append(q.msgs, &sqsMessage{id: id, body: body, sent: s.Clock()})
	close(s.arrived)
	s.arrived = make(chan struct{})
	return id, nil
}

func (s *SQS) receive(w http.ResponseWriter, r *http.Request, name string, maxN, wait, vis *int, attrs []string) {
	n := 1 // MaxNumberOfMessages: "Valid values: 1 to 10. Default: 1."
	if maxN != nil {
		n = *maxN
	}
	if n < 1 || n > 10 {
		sqsError(w, http.StatusBadRequest, "InvalidParameterValue", "Value for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10.")
		return
	}
	waitFor := time.Duration(0)
	if wait != nil {
		if *wait < 0 || *wait > 20 { // WaitTimeSeconds: 0 to 20
			sqsError(w, http.StatusBadRequest, "InvalidParameterValue", "Value for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20.")
			return
		}
		waitFor = time.Duration(*wait) * time.Second
	}
	if s.MaxWait > 0 && waitFor > s.MaxWait {
		waitFor = s.MaxWait
	}
	deadline := time.Now().Add(waitFor)
	for {
		s.mu.Lock()
		q := s.queues[name]
		if q == nil {
			s.mu.Unlock()
			sqsError(w, http.StatusBadRequest, "QueueDoesNotExist", "The specified queue does not exist.")
			return
		}
		visibility := q.visibility
		if vis != nil {
			visibility = time.Duration(*vis) * time.Second
		}
		now := s.Clock()
		var out []map[string]any
		for _, m := range q.msgs {
			if len(out) == n {
				break
			}
			if now.Before(m.invisibleUntil) {
				continue
			}
			m.receives++
			if m.firstReceive.IsZero() {
				m.firstReceive = now
			}
			// "If you receive a message more than once, each time you
			// receive it, you get a different receipt handle."
			m.handle = fmt.Sprintf("rh-%s-%d", m.id, m.receives)
			m.invisibleUntil = now.Add(visibility)
			msg := map[string]any{"MessageId": m.id, "ReceiptHandle": m.handle, "MD5OfBody": md5Hex(m.body), "Body": m.body}
			if a := messageAttributes(m, attrs); len(a) > 0 {
				msg["Attributes"] = a
			}
			out = append(out, msg)
		}
		arrived := s.arrived
		s.mu.Unlock()
		left := time.Until(deadline)
		if len(out) > 0 || left <= 0 {
			if out == nil {
				out = []map[string]any{}
			}
			sqsOK(w, map[string]any{"Messages": out})
			return
		}
		// Long polling: answer as soon as a message arrives or a received
		// one becomes visible again, at the latest when the wait is over.
		s.mu.Lock()
		s.waiting++
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-r.Context().Done():
		case <-time.After(min(left, time.Second)):
		}
		s.mu.Lock()
		s.waiting--
		s.mu.Unlock()
		if r.Context().Err() != nil {
			return
		}
	}
}

// messageAttributes are the system attributes asked for ("All" or names).
func messageAttributes(m *sqsMessage, names []string) map[string]string {
	all := map[string]string{
		"ApproximateReceiveCount":          strconv.Itoa(m.receives),
		"SentTimestamp":                    strconv.FormatInt(m.sent.UnixMilli(), 10),
		"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.firstReceive.UnixMilli(), 10),
	}
	out := map[string]string{}
	for _, n := range names {
		if n == "All" {
			return all
		}
		if v, ok := all[n]; ok {
			out[n] = v
		}
	}
	return out
}

func (s *SQS) delete(name, handle string) *sqsErr {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[name]
	if q == nil {
		return &sqsErr{"QueueDoesNotExist", "The specified queue does not exist."}
	}
	for i, m := range q.msgs {
		if m.handle != "" && m.handle == handle {
			q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
			return nil
		}
	}
	// DeleteMessage errors: ReceiptHandleIsInvalid, "The specified receipt
	// handle isn't valid." A deleted message's handle no longer is. This
	// emulator also refuses a handle superseded by a later receive, where
	// SQS answers success and may leave the message ("If you use an old
	// ReceiptHandle, the request will succeed, but the message might not
	// be deleted", API Reference, DeleteMessage): stricter than SQS, so a
	// consumer that deletes with an old handle shows up in tests.
	return &sqsErr{"ReceiptHandleIsInvalid", "The specified receipt handle isn't valid."}
}

// SendEvent publishes an EventBridge event to the first queue as an SQS
// target receives it: the event's JSON as the message body.
func (s *SQS) SendEvent(detailType, source string, at time.Time, resources []string, detail any) error {
	s.mu.Lock()
	s.next++
	id := fmt.Sprintf("%08x-1111-4000-8000-%012x", s.next, s.next)
	name := s.first
	s.mu.Unlock()
	body, err := json.Marshal(map[string]any{
		"version": "0", "id": id, "detail-type": detailType, "source": source, "account": SQSAccount,
		"time": at.UTC().Format(time.RFC3339), "region": s.Region, "resources": resources, "detail": detail,
	})
	if err != nil {
		return err
	}
	if _, e := s.send(name, string(body)); e != nil {
		return fmt.Errorf("%s: %s", e.code, e.msg)
	}
	return nil
}

func (s *SQS) instanceARN(id string) []string {
	return []string{fmt.Sprintf("arn:aws:ec2:%s:%s:instance/%s", s.Region, SQSAccount, id)}
}

// SendSpotInterruption publishes "EC2 Spot Instance Interruption Warning"
// for an instance, seen at `at`, two minutes before it is terminated
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-instance-termination-notices.html).
func (s *SQS) SendSpotInterruption(instanceID string, at time.Time) error {
	return s.SendEvent("EC2 Spot Instance Interruption Warning", "aws.ec2", at, s.instanceARN(instanceID),
		map[string]string{"instance-id": instanceID, "instance-action": "terminate"})
}

// SendRebalanceRecommendation publishes "EC2 Instance Rebalance Recommendation"
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/rebalance-recommendations.html).
func (s *SQS) SendRebalanceRecommendation(instanceID string, at time.Time) error {
	return s.SendEvent("EC2 Instance Rebalance Recommendation", "aws.ec2", at, s.instanceARN(instanceID),
		map[string]string{"instance-id": instanceID})
}

// SendStateChange publishes "EC2 Instance State-change Notification"
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-instance-state-changes.html).
func (s *SQS) SendStateChange(instanceID, state string, at time.Time) error {
	return s.SendEvent("EC2 Instance State-change Notification", "aws.ec2", at, s.instanceARN(instanceID),
		map[string]string{"instance-id": instanceID, "state": state})
}

// SendScheduledMaintenance publishes an "AWS Health Event" for an EC2
// scheduled change affecting the instance, starting at start
// (https://docs.aws.amazon.com/health/latest/ug/aws-health-events-eventbridge-schema.html).
func (s *SQS) SendScheduledMaintenance(instanceID, eventTypeCode string, start, at time.Time) error {
	gmt := func(t time.Time) string { return t.UTC().Format(time.RFC1123) }
	return s.SendEvent("AWS Health Event", "aws.health", at, []string{instanceID}, map[string]any{
		"eventArn":          fmt.Sprintf("arn:aws:health:%s::event/EC2/%s/%s_%d", s.Region, eventTypeCode, eventTypeCode, start.Unix()),
		"service":           "EC2",
		"eventTypeCode":     eventTypeCode,
		"eventTypeCategory": "scheduledChange",
		"eventScopeCode":    "ACCOUNT_SPECIFIC",
		"startTime":         gmt(start),
		"lastUpdatedTime":   gmt(at),
		"statusCode":        "upcoming",
		"eventRegion":       s.Region,
		"eventDescription":  []map[string]string{{"language": "en_US", "latestDescription": "Scheduled maintenance (emulated)."}},
		"affectedEntities":  []map[string]string{{"entityValue": instanceID}},
		"affectedAccount":   SQSAccount,
	})
}

// Beside serves SQS's requests with s and all others with other, so that
// one loopback endpoint (`scalite live --endpoint-url`) reaches the emulated
// EC2 and SQS alike. The protocols tell them apart: SQS's AWS JSON 1.0
// requests carry X-Amz-Target "AmazonSQS.<Operation>", EC2's Query protocol
// requests an Action form field and no X-Amz-Target.
func (s *SQS) Beside(other http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.") {
			s.ServeHTTP(w, r)
			return
		}
		other.ServeHTTP(w, r)
	})
}
