package notify

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/scalite/scalite/internal/mototest"
)

// TestSNSPublishAgainstMoto publishes through the real SDK to moto's SNS
// and reads the message back from an SQS queue subscribed to the topic,
// as an email or chat subscription would get it.
func TestSNSPublishAgainstMoto(t *testing.T) {
	endpoint := mototest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	snsc := sns.New(sns.Options{Region: mototest.Region, BaseEndpoint: aws.String(endpoint), Credentials: mototest.Credentials()})
	sqsc := sqs.New(sqs.Options{Region: mototest.Region, BaseEndpoint: aws.String(endpoint), Credentials: mototest.Credentials()})
	topic, err := snsc.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("scalite-oncall")})
	if err != nil {
		t.Fatal(err)
	}
	q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("oncall-inbox")})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := sqsc.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snsc.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(attrs.Attributes["QueueArn"])}); err != nil {
		t.Fatal(err)
	}

	const secret = "bbb-shared-secret-1234567"
	n, clk := testNotifier(t, Options{SNSTopicARN: *topic.TopicArn, SNS: snsc, Secrets: []string{secret}})
	n.Notify(interruption(1))
	n.Notify(Event{Kind: Interruption, Server: "i-0002", What: "interruption notice; checksum=abcdef0123 " + secret})
	clk.Add(DefaultGather)
	n.pump(false)
	settle(n)
	if got := testutil.ToFloat64(n.Metrics.Deliveries.WithLabelValues("sns", "sent")); got != 1 {
		t.Fatalf("sns deliveries = %v, want 1", got)
	}

	out, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 1 {
		t.Fatalf("%d messages on the subscribed queue, want 1", len(out.Messages))
	}
	var env struct{ Type, TopicArn, Subject, Message string }
	if err := json.Unmarshal([]byte(aws.ToString(out.Messages[0].Body)), &env); err != nil {
		t.Fatal(err)
	}
	if env.Type != "Notification" || env.TopicArn != *topic.TopicArn || env.Subject != "Scalite (fleet bbb): 2 spot interruption notices" {
		t.Errorf("SNS envelope = %+v", env)
	}
	if !strings.Contains(env.Message, "- i-0001 (c5a.4xlarge eu-west-1a spot)") || !strings.Contains(env.Message, "- i-0002: ") {
		t.Errorf("message = %s", env.Message)
	}
	if strings.Contains(env.Message, secret) || strings.Contains(env.Message, "abcdef0123") {
		t.Errorf("message carries a secret or checksum: %s", env.Message)
	}
}
