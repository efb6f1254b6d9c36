package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// Webhook body formats.
const (
	// FormatText is {"text": "..."}, the body Slack's incoming webhooks
	// take (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks:
	// curl -d '{"text":"Hello, World!"}'), that Mattermost's take
	// (https://developers.mattermost.com/integrate/webhooks/incoming/:
	// "text" is the message, Slack-compatible), and that Microsoft Teams'
	// Office 365 connector incoming webhooks take (a legacy MessageCard
	// needs only "text" or "summary": "Summary or Text is required").
	FormatText = "text"
	// FormatAdaptiveCard is the message with one Adaptive Card attachment
	// that Teams incoming webhooks made with Workflows require
	// (learn.microsoft.com, "Create Incoming Webhooks", "Send Adaptive
	// Cards using an Incoming Webhook": type "message", attachments with
	// contentType application/vnd.microsoft.card.adaptive).
	FormatAdaptiveCard = "adaptive-card"
)

// Formats lists the webhook formats.
var Formats = []string{FormatText, FormatAdaptiveCard}

type webhook struct {
	url    string
	format string
	client *http.Client
}

func newWebhook(raw, format string, client *http.Client, timeout time.Duration) (*webhook, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		// The URL is a secret: the error does not repeat it.
		return nil, errors.New("notifications.webhook_url: want an http(s) URL with a host")
	}
	switch format {
	case "":
		format = FormatText
	case FormatText, FormatAdaptiveCard:
	default:
		return nil, fmt.Errorf("notifications.format: unknown format %q (want %s)", format, strings.Join(Formats, " or "))
	}
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	return &webhook{url: raw, format: format, client: client}, nil
}

func (w *webhook) name() string { return "webhook" }

// body is the JSON the receiver gets.
func (w *webhook) body(m Message) ([]byte, error) {
	if w.format == FormatAdaptiveCard {
		type textBlock struct {
			Type string `json:"type"`
			Text string `json:"text"`
			Wrap bool   `json:"wrap"`
		}
		var blocks []textBlock
		for _, line := range strings.Split(m.Text, "\n") {
			blocks = append(blocks, textBlock{Type: "TextBlock", Text: line, Wrap: true})
		}
		return json.Marshal(map[string]any{
			"type": "message",
			"attachments": []any{map[string]any{
				"contentType": "application/vnd.microsoft.card.adaptive",
				"content": map[string]any{
					"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
					"type":    "AdaptiveCard",
					"version": "1.2",
					"body":    blocks,
				},
			}},
		})
	}
	return json.Marshal(map[string]string{"text": m.Text})
}

func (w *webhook) send(ctx context.Context, m Message) error {
	body, err := w.body(m)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return errors.New("webhook: bad URL")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		// *url.Error repeats the URL, which holds the receiver's token.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}

// Publisher is the SNS call the notifier makes; *sns.Client has it.
type Publisher interface {
	Publish(ctx context.Context, in *sns.PublishInput, opts ...func(*sns.Options)) (*sns.PublishOutput, error)
}

type snsTopic struct {
	arn    string
	client Publisher
}

func (s *snsTopic) name() string { return "sns" }

func (s *snsTopic) send(ctx context.Context, m Message) error {
	_, err := s.client.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(s.arn),
		Subject:  aws.String(snsSubject(m.Subject)),
		Message:  aws.String(m.Text),
	})
	if err != nil {
		return fmt.Errorf("sns publish: %w", err)
	}
	return nil
}

// snsSubject fits the SNS API reference's rule for Publish's Subject (used
// by email subscriptions): ASCII, no line breaks or control characters,
// fewer than 100 characters.
func snsSubject(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			r = ' '
		}
		b.WriteRune(r)
	}
	out := strings.TrimSpace(b.String())
	if len(out) > 99 {
		out = out[:96] + "..."
	}
	return out
}
