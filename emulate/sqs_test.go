package emulate

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// sqsClient serves the emulator on loopback and returns the real SDK's
// client for it and the queue's URL.
func sqsClient(t *testing.T, s *SQS) (*sqs.Client, string) {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c := sqs.New(sqs.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", "")})
	out, err := c.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String("scalite-interruptions")})
	if err != nil {
		t.Fatal(err)
	}
	return c, aws.ToString(out.QueueUrl)
}

func TestSQSRoundTripWithSDK(t *testing.T) {
	ctx := context.Background()
	c, url := sqsClient(t, NewSQS("scalite-interruptions"))
	// SendMessage's answer carries the body's MD5, which the SDK checks.
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(`{"hello":"queue"}`)}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 1 || aws.ToString(out.Messages[0].Body) != `{"hello":"queue"}` || out.Messages[0].Attributes["ApproximateReceiveCount"] != "1" {
		t.Fatalf("received %+v", out.Messages)
	}
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	again, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
	if err != nil || len(again.Messages) != 0 {
		t.Fatalf("after delete: %v, %v", again, err)
	}
}

func TestSQSVisibilityTimeout(t *testing.T) {
	ctx := context.Background()
	clk := &testClock{now: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
	s := NewSQS("scalite-interruptions")
	s.Clock = clk.Now
	c, url := sqsClient(t, s)
	c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("m")})
	recv := func() []types.Message {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Messages
	}
	first := recv()
	if len(first) != 1 {
		t.Fatalf("first receive: %v", first)
	}
	clk.Add(DefaultVisibilityTimeout - time.Second)
	if m := recv(); len(m) != 0 {
		t.Fatalf("received again within the visibility timeout: %v", m)
	}
	clk.Add(time.Second)
	second := recv()
	if len(second) != 1 || second[0].Attributes["ApproximateReceiveCount"] != "2" || aws.ToString(second[0].ReceiptHandle) == aws.ToString(first[0].ReceiptHandle) {
		t.Fatalf("second receive: %+v", second)
	}
	_, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: first[0].ReceiptHandle})
	var invalid *types.ReceiptHandleIsInvalid
	if !errors.As(err, &invalid) {
		t.Fatalf("delete with a superseded handle: %v", err)
	}
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: second[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
}

func TestSQSLongPollWakesOnSend(t *testing.T) {
	ctx := context.Background()
	s := NewSQS("scalite-interruptions")
	c, url := sqsClient(t, s)
	got := make(chan []types.Message, 1)
	go func() {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 20})
		if err != nil {
			t.Error(err)
		}
		got <- out.Messages
	}()
	for s.polling() == 0 { // the receive is waiting: a send must wake it
		time.Sleep(time.Millisecond)
	}
	if err := s.SendSpotInterruption("i-0abc", time.Now()); err != nil {
		t.Fatal(err)
	}
	if m := <-got; len(m) != 1 {
		t.Fatalf("long poll got %v", m)
	}
}

func TestSQSErrors(t *testing.T) {
	ctx := context.Background()
	c, url := sqsClient(t, NewSQS("scalite-interruptions"))
	_, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("nope")})
	var missing *types.QueueDoesNotExist
	if !errors.As(err, &missing) {
		t.Errorf("unknown queue: %v", err)
	}
	if _, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 11}); err == nil {
		t.Error("MaxNumberOfMessages 11 accepted")
	}
	if _, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 21}); err == nil {
		t.Error("WaitTimeSeconds 21 accepted")
	}
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String("made-up")}); err == nil {
		t.Error("made-up receipt handle accepted")
	}
}

// TestSQSEventsAreEventBridgeShaped compares the events the emulator
// publishes with AWS's documented examples (live/testdata/events): the
// same members at the top and in detail.
func TestSQSEventsAreEventBridgeShaped(t *testing.T) {
	ctx := context.Background()
	s := NewSQS("scalite-interruptions")
	c, url := sqsClient(t, s)
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		fixture string
		send    func() error
	}{
		{"spot-interruption-warning.json", func() error { return s.SendSpotInterruption("i-0abc", at) }},
		{"rebalance-recommendation.json", func() error { return s.SendRebalanceRecommendation("i-0abc", at) }},
		{"state-change-shutting-down.json", func() error { return s.SendStateChange("i-0abc", "shutting-down", at) }},
		{"health-scheduled-change.json", func() error {
			return s.SendScheduledMaintenance("i-0abc", "AWS_EC2_INSTANCE_REBOOT_MAINTENANCE_SCHEDULED", at.Add(14*24*time.Hour), at)
		}},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			if err := tc.send(); err != nil {
				t.Fatal(err)
			}
			out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
			if err != nil || len(out.Messages) != 1 {
				t.Fatalf("%v %v", out, err)
			}
			c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: out.Messages[0].ReceiptHandle})
			raw, err := os.ReadFile("../live/testdata/events/" + tc.fixture)
			if err != nil {
				t.Fatal(err)
			}
			var doc, got map[string]any
			json.Unmarshal(raw, &doc)
			if err := json.Unmarshal([]byte(aws.ToString(out.Messages[0].Body)), &got); err != nil {
				t.Fatal(err)
			}
			delete(doc, "version") // the state-change example omits it; EventBridge sends "0"
			delete(got, "version")
			if k, w := slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(doc)); !slices.Equal(k, w) {
				t.Errorf("members %v, AWS's example has %v", k, w)
			}
			if got["detail-type"] != doc["detail-type"] || got["source"] != doc["source"] {
				t.Errorf("detail-type/source %v/%v, want %v/%v", got["detail-type"], got["source"], doc["detail-type"], doc["source"])
			}
			gd, dd := got["detail"].(map[string]any), doc["detail"].(map[string]any)
			for k := range dd {
				if _, ok := gd[k]; !ok && k != "endTime" && k != "communicationId" && k != "page" && k != "totalPages" {
					t.Errorf("detail lacks %q that AWS's example has", k)
				}
			}
		})
	}
}

// TestSQSBesideAnotherService: the SDK's SQS calls reach the queue, other
// requests (EC2's Query protocol) the other handler.
func TestSQSBesideAnotherService(t *testing.T) {
	s := NewSQS("scalite-interruptions")
	other := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ec2") })
	srv := httptest.NewServer(s.Beside(other))
	defer srv.Close()
	c := sqs.New(sqs.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), Credentials: credentials.NewStaticCredentialsProvider("x", "x", "")})
	out, err := c.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String("scalite-interruptions")})
	if err != nil || aws.ToString(out.QueueUrl) != s.QueueURL(srv.URL, "scalite-interruptions") {
		t.Fatalf("GetQueueUrl = %v, %v", out, err)
	}
	resp, err := http.PostForm(srv.URL, url.Values{"Action": {"DescribeInstances"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); string(b) != "ec2" {
		t.Errorf("a Query-protocol request reached %q", b)
	}
}
