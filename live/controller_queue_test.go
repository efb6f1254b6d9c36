package live_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"gopkg.in/yaml.v3"

	"github.com/scalite/scalite/emulate"
	"github.com/scalite/scalite/internal/mototest"
	"github.com/scalite/scalite/live"
)

func eventFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/events/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseFleetEventsFromAWSExamples(t *testing.T) {
	for _, tc := range []struct {
		file string
		want live.FleetEvent
	}{
		{"spot-interruption-warning.json", live.FleetEvent{InstanceID: "i-1234567890abcdef0", Kind: live.EventInterruption, Action: "terminate",
			Time: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC), EventID: "12345678-1234-1234-1234-123456789012"}},
		{"rebalance-recommendation.json", live.FleetEvent{InstanceID: "i-1234567890abcdef0", Kind: live.EventRebalance,
			Time: time.Date(2026, 11, 24, 9, 50, 0, 0, time.UTC), EventID: "12345678-1234-1234-1234-123456789012"}},
		{"state-change-pending.json", live.FleetEvent{InstanceID: "i-1234567890abcdef0", Kind: live.EventState, State: "pending",
			Time: time.Date(2021, 11, 11, 21, 29, 54, 0, time.UTC), EventID: "7bf73129-1428-4cd3-a780-95db273d1602"}},
		{"state-change-shutting-down.json", live.FleetEvent{InstanceID: "i-1234567890abcdef0", Kind: live.EventState, State: "shutting-down",
			Time: time.Date(2021, 11, 11, 21, 29, 54, 0, time.UTC), EventID: "7bf73129-1428-4cd3-a780-95db273d1603"}},
		{"health-scheduled-change.json", live.FleetEvent{InstanceID: "i-abcd1111", Kind: live.EventMaintenance, Action: "AWS_EC2_INSTANCE_REBOOT_MAINTENANCE_SCHEDULED",
			Time: time.Date(2023, 2, 10, 13, 0, 0, 0, time.UTC), EventID: "7fb65329-1628-4cf3-a740-95fg457h1402"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := live.ParseFleetEvents([]byte(eventFixture(t, tc.file)))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !got[0].Time.Equal(tc.want.Time) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			got[0].Time = tc.want.Time
			if got[0] != tc.want {
				t.Errorf("got %+v, want %+v", got[0], tc.want)
			}
		})
	}
}

func TestParseFleetEventsRejectsMalformed(t *testing.T) {
	spot := eventFixture(t, "spot-interruption-warning.json")
	health := eventFixture(t, "health-scheduled-change.json")
	for _, tc := range []struct{ name, body, want string }{
		{"not JSON", "hello", "not an EventBridge event"},
		{"not an event", `{"a": 1}`, "no detail-type or source"},
		{"no instance", strings.Replace(spot, `"instance-id": "i-1234567890abcdef0"`, `"instance-id": ""`, 1), "is not an instance ID"},
		{"detail not an object", strings.Replace(eventFixture(t, "rebalance-recommendation.json"), `"detail": {`, `"detail": ["x"], "other": {`, 1), "detail"},
		{"bad start time", strings.Replace(health, "Fri, 10 Feb 2023 13:00:00 GMT", "tomorrow", 1), "detail.startTime"},
		{"bad time", strings.Replace(spot, "2026-11-24T10:00:00Z", "soon", 1), "not an EventBridge event"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := live.ParseFleetEvents([]byte(tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	// Events the queue may carry but the fleet does not act on: none, no error.
	for _, body := range []string{
		strings.Replace(spot, "EC2 Spot Instance Interruption Warning", "EC2 AMI State Change", 1),
		strings.Replace(health, `"service": "EC2"`, `"service": "RDS"`, 1),
		strings.Replace(health, `"scheduledChange"`, `"issue"`, 1),
	} {
		if evs, err := live.ParseFleetEvents([]byte(body)); err != nil || len(evs) != 0 {
			t.Errorf("got %v, %v; want nothing", evs, err)
		}
	}
}

func TestFleetEventNotice(t *testing.T) {
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	n, ok := live.FleetEvent{Kind: live.EventInterruption, Action: "terminate", Time: at}.Notice()
	if !ok || n.Kind != "interruption" || n.Action != "terminate" || !n.Time.Equal(at.Add(2*time.Minute)) {
		t.Errorf("interruption notice = %+v", n)
	}
	if n, ok := (live.FleetEvent{Kind: live.EventRebalance, Time: at}).Notice(); !ok || n.Kind != "rebalance" || !n.Time.Equal(at) {
		t.Errorf("rebalance notice = %+v", n)
	}
	if _, ok := (live.FleetEvent{Kind: live.EventState, State: "terminated"}).Notice(); ok {
		t.Error("a state change is not a notice")
	}
}

// handledEvents records what the handler got.
type handledEvents struct {
	mu     sync.Mutex
	events []string
}

func (h *handledEvents) add(e live.FleetEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, e.Kind+" "+e.InstanceID+" "+e.State)
}

func (h *handledEvents) list() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Sorted(slices.Values(h.events))
}

// drainQueue polls until a poll receives nothing; with the queue's visibility
// timeout 0 a message left undeleted comes straight back, so a consumer
// that fails to delete never drains.
func drainQueue(t *testing.T, q *live.InterruptionQueue, handle func(context.Context, live.FleetEvent) error) {
	t.Helper()
	for range 30 {
		n, err := q.Poll(context.Background(), handle)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("the queue never drained: messages are not deleted")
}

// exerciseQueue sends AWS's examples, a duplicate, a foreign instance's
// event, an event of another type and a malformed message, and checks
// what the consumer hands on.
func exerciseQueue(t *testing.T, c *sqs.Client, url string) {
	ctx := context.Background()
	spot := eventFixture(t, "spot-interruption-warning.json")
	for _, body := range []string{
		spot,
		spot, // EventBridge delivers at least once
		eventFixture(t, "rebalance-recommendation.json"),
		eventFixture(t, "state-change-shutting-down.json"),
		eventFixture(t, "health-scheduled-change.json"),
		strings.ReplaceAll(spot, "i-1234567890abcdef0", "i-0ther0fleet"),
		strings.Replace(spot, "EC2 Spot Instance Interruption Warning", "EC2 AMI State Change", 1),
		`{"detail-type": "EC2 Spot Instance Interruption Warning", "source": "aws.ec2", "detail": {`,
	} {
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}
	fleet := map[string]bool{"i-1234567890abcdef0": true, "i-abcd1111": true}
	malformed := 0
	q := live.NewInterruptionQueue(c, url, func(id string) bool { return fleet[id] }, live.QueueOptions{Malformed: func() { malformed++ }, Wait: time.Second})
	var h handledEvents
	drainQueue(t, q, func(_ context.Context, e live.FleetEvent) error { h.add(e); return nil })
	want := []string{"interruption i-1234567890abcdef0 ", "maintenance i-abcd1111 ", "rebalance i-1234567890abcdef0 ", "state i-1234567890abcdef0 shutting-down"}
	if got := h.list(); !slices.Equal(got, want) {
		t.Errorf("handled %q, want %q", got, want)
	}
	if malformed != 1 {
		t.Errorf("malformed = %d, want 1", malformed)
	}
}

func TestInterruptionQueueAgainstMoto(t *testing.T) {
	endpoint := mototest.Start(t)
	c := sqs.New(sqs.Options{Region: mototest.Region, BaseEndpoint: aws.String(endpoint), Credentials: mototest.Credentials()})
	out, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("scalite-interruptions"),
		Attributes: map[string]string{"VisibilityTimeout": "0"}})
	if err != nil {
		t.Fatal(err)
	}
	exerciseQueue(t, c, aws.ToString(out.QueueUrl))
}

// emulatedQueue serves emulate.SQS on loopback with visibility timeout 0.
func emulatedQueue(t *testing.T) (*emulate.SQS, *sqs.Client, string) {
	s := emulate.NewSQS("scalite-interruptions")
	s.SetVisibilityTimeout("scalite-interruptions", 0)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c := sqs.New(sqs.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), Credentials: credentials.NewStaticCredentialsProvider("x", "x", "")})
	return s, c, s.QueueURL(srv.URL, "scalite-interruptions")
}

func TestInterruptionQueueAgainstEmulator(t *testing.T) {
	_, c, url := emulatedQueue(t)
	exerciseQueue(t, c, url)
}

func TestFailedHandlingIsRetriedThenGivenUp(t *testing.T) {
	s, c, url := emulatedQueue(t)
	if err := s.SendSpotInterruption("i-0abc", time.Now()); err != nil {
		t.Fatal(err)
	}
	calls := 0
	q := live.NewInterruptionQueue(c, url, func(string) bool { return true }, live.QueueOptions{MaxReceives: 3, Wait: time.Second})
	drainQueue(t, q, func(context.Context, live.FleetEvent) error { calls++; return errors.New("EC2 unreachable") })
	if calls != 3 {
		t.Errorf("handled %d times, want 3 (MaxReceives)", calls)
	}
	if n := s.Len("scalite-interruptions"); n != 0 {
		t.Errorf("%d messages left after giving up", n)
	}

	// A handler that fails once is given the event again, and it is then
	// handled once.
	s.SendSpotInterruption("i-0def", time.Now())
	calls = 0
	drainQueue(t, q, func(context.Context, live.FleetEvent) error {
		calls++
		if calls == 1 {
			return errors.New("transient")
		}
		return nil
	})
	if calls != 2 {
		t.Errorf("handled %d times, want 2", calls)
	}
}

func TestMarkSeenDeduplicatesAgentNotices(t *testing.T) {
	s, c, url := emulatedQueue(t)
	q := live.NewInterruptionQueue(c, url, func(string) bool { return true }, live.QueueOptions{Wait: time.Second})
	q.MarkSeen("i-0abc", live.EventInterruption) // the agent reported it first
	s.SendSpotInterruption("i-0abc", time.Now())
	s.SendRebalanceRecommendation("i-0abc", time.Now())
	var h handledEvents
	drainQueue(t, q, func(_ context.Context, e live.FleetEvent) error { h.add(e); return nil })
	if got := h.list(); !slices.Equal(got, []string{"rebalance i-0abc "}) {
		t.Errorf("handled %q, want only the rebalance", got)
	}
	if !q.Seen("i-0abc", live.EventRebalance, "") {
		t.Error("the handled rebalance is not remembered")
	}
}

// flakySQS fails its first ReceiveMessage, as a network blip would.
type flakySQS struct {
	live.QueueAPI
	failed bool
}

func (f *flakySQS) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	if !f.failed {
		f.failed = true
		return nil, errors.New("connection reset")
	}
	return f.QueueAPI.ReceiveMessage(ctx, in, opts...)
}

func TestRunSurvivesErrorsAndMalformedUntilCancelled(t *testing.T) {
	s, c, url := emulatedQueue(t)
	s.SendEvent("EC2 Spot Instance Interruption Warning", "aws.ec2", time.Now(), nil, map[string]string{"instance-id": "nonsense"})
	s.SendSpotInterruption("i-0abc", time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	malformed := 0
	q := live.NewInterruptionQueue(&flakySQS{QueueAPI: c}, url, func(string) bool { return true }, live.QueueOptions{Malformed: func() { malformed++ }, Wait: time.Second})
	var got live.FleetEvent
	err := q.Run(ctx, func(_ context.Context, e live.FleetEvent) error {
		got = e
		cancel() // Run stops only when its context ends
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.InstanceID != "i-0abc" || malformed != 1 {
		t.Errorf("got %+v with %d malformed; want i-0abc after 1 malformed", got, malformed)
	}
}

// TestInterruptionQueueTemplate holds docs/live/interruption-queue.yaml to
// the consumer: its rules route exactly the event types ParseFleetEvents
// reads, and cfn-lint (when installed) finds nothing wrong.
func TestInterruptionQueueTemplate(t *testing.T) {
	const path = "../docs/live/interruption-queue.yaml"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources map[string]struct {
			Type       string `yaml:"Type"`
			Properties struct {
				EventPattern struct {
					Source     []string `yaml:"source"`
					DetailType []string `yaml:"detail-type"`
				} `yaml:"EventPattern"`
			} `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	var routed []string
	for _, r := range tpl.Resources {
		if r.Type == "AWS::Events::Rule" {
			for _, d := range r.Properties.EventPattern.DetailType {
				routed = append(routed, r.Properties.EventPattern.Source[0]+" "+d)
			}
		}
	}
	slices.Sort(routed)
	want := []string{"aws.ec2 EC2 Instance Rebalance Recommendation", "aws.ec2 EC2 Instance State-change Notification",
		"aws.ec2 EC2 Spot Instance Interruption Warning", "aws.health AWS Health Event"}
	if !slices.Equal(routed, want) {
		t.Errorf("the template routes %q, the consumer reads %q", routed, want)
	}
	for _, f := range []string{"spot-interruption-warning.json", "rebalance-recommendation.json", "state-change-shutting-down.json", "health-scheduled-change.json"} {
		if evs, err := live.ParseFleetEvents([]byte(eventFixture(t, f))); err != nil || len(evs) == 0 {
			t.Errorf("%s: the consumer reads nothing from a routed event: %v", f, err)
		}
	}
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		t.Log("cfn-lint is not installed: the template is not linted (pip install cfn-lint)")
		return
	}
	if out, err := exec.Command("cfn-lint", path).CombinedOutput(); err != nil {
		t.Errorf("cfn-lint %s: %v\n%s", path, err, out)
	}
}

// BenchmarkParseFleetEvents is the cost of reading one queue message.
func BenchmarkParseFleetEvents(b *testing.B) {
	raw, err := os.ReadFile("testdata/events/spot-interruption-warning.json")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := live.ParseFleetEvents(raw); err != nil {
			b.Fatal(err)
		}
	}
}
