package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/scalite/scalite/config"
)

// fakeClock is the clock the batching runs on in tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// receiver is a loopback incoming webhook that records the bodies it gets.
type webhookReceiver struct {
	*httptest.Server
	bodies chan []byte
}

func newReceiver(t *testing.T) *webhookReceiver {
	r := &webhookReceiver{bodies: make(chan []byte, 100)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want a JSON POST", http.StatusBadRequest)
			return
		}
		b, _ := io.ReadAll(req.Body)
		r.bodies <- b
		io.WriteString(w, "ok")
	}))
	t.Cleanup(r.Close)
	return r
}

// next waits for the next body; the test fails by its own deadline if none comes.
func (r *webhookReceiver) next(t *testing.T) string {
	t.Helper()
	var m struct{ Text string }
	if err := json.Unmarshal(<-r.bodies, &m); err != nil {
		t.Fatal(err)
	}
	return m.Text
}

func testNotifier(t *testing.T, o Options) (*Notifier, *fakeClock) {
	t.Helper()
	clk := &fakeClock{now: t0}
	o.Clock = clk.Now
	if o.Fleet == "" {
		o.Fleet = "bbb"
	}
	n, err := newNotifier(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close(context.Background()) })
	return n, clk
}

func queued(n *Notifier) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.queued
}

// settle flushes and waits until the sender has delivered everything.
func settle(n *Notifier) {
	n.Close(context.Background())
}

func interruption(i int) Event {
	return Event{Kind: Interruption, Time: t0.Add(2 * time.Minute), Server: fmt.Sprintf("i-%04d", i), Pool: "c5a.4xlarge eu-west-1a spot",
		What: "interruption notice (terminate)", Action: "cordoned in Scalelite; replacement launched", Meetings: 2, Participants: 30}
}

func TestStormBecomesOneMessageWithCount(t *testing.T) {
	r := newReceiver(t)
	n, clk := testNotifier(t, Options{WebhookURL: r.URL})
	for i := range 50 {
		n.Notify(interruption(i))
		clk.Add(100 * time.Millisecond)
	}
	n.pump(false)
	clk.Add(DefaultGather)
	n.pump(false)
	text := r.next(t)
	for _, want := range []string{"Scalite (fleet bbb): 50 spot interruption notices", "- i-0000 (c5a.4xlarge eu-west-1a spot): interruption notice (terminate) at 2026-11-24T10:02:00Z. Scalite: cordoned in Scalelite; replacement launched. Affected: 2 meetings, 30 participants.", "- and 40 more.", "In all: 100 meetings, 1500 participants affected."} {
		if !strings.Contains(text, want) {
			t.Errorf("message lacks %q:\n%s", want, text)
		}
	}
	if got := strings.Count(text, "\n- i-"); got != maxLines {
		t.Errorf("%d events listed, want %d", got, maxLines)
	}
	if q := queued(n); q != 1 {
		t.Errorf("%d messages for the storm, want 1", q)
	}
}

func TestBatchWaitsForGather(t *testing.T) {
	r := newReceiver(t)
	n, clk := testNotifier(t, Options{WebhookURL: r.URL})
	n.Notify(interruption(1))
	clk.Add(DefaultGather - time.Second)
	n.pump(false)
	if q := queued(n); q != 0 {
		t.Fatalf("%d messages queued before the gather time", q)
	}
	clk.Add(time.Second)
	n.pump(false)
	if q := queued(n); q != 1 {
		t.Fatalf("%d messages queued at the gather time, want 1", q)
	}
}

func TestRateLimitOneMessagePerKindPerInterval(t *testing.T) {
	r := newReceiver(t)
	n, clk := testNotifier(t, Options{WebhookURL: r.URL, MinInterval: 5 * time.Minute})
	n.Notify(interruption(1))
	clk.Add(DefaultGather)
	n.pump(false)
	if !strings.Contains(r.next(t), "i-0001") {
		t.Fatal("first message lacks i-0001")
	}
	clk.Add(time.Minute)
	n.Notify(interruption(2))
	n.Notify(interruption(3))
	clk.Add(2 * time.Minute) // gather long passed, interval not
	n.pump(false)
	if q := queued(n); q != 1 {
		t.Fatalf("%d messages queued within the interval, want only the first", q)
	}
	// Another kind is not held back by this one's interval.
	n.Notify(Event{Kind: Halt, What: "Scalelite unreachable", Action: "not acting"})
	clk.Add(DefaultGather)
	n.pump(false)
	if text := r.next(t); !strings.Contains(text, "halt") {
		t.Fatalf("want the halt, got %s", text)
	}
	clk.Add(5 * time.Minute)
	n.pump(false)
	if text := r.next(t); !strings.Contains(text, "2 spot interruption notices") {
		t.Fatalf("want the two held back, got %s", text)
	}
}

func TestDuplicateEventReportedOnce(t *testing.T) {
	r := newReceiver(t)
	n, clk := testNotifier(t, Options{WebhookURL: r.URL, DedupFor: time.Hour})
	n.Notify(interruption(7)) // from the agent
	n.Notify(interruption(7)) // from the queue
	clk.Add(DefaultGather)
	n.pump(false)
	if text := r.next(t); !strings.Contains(text, ": spot interruption notice\n") {
		t.Fatalf("want one notice, got %s", text)
	}
	if got := testutil.ToFloat64(n.Metrics.Suppressed); got != 1 {
		t.Errorf("suppressed = %v, want 1", got)
	}
	clk.Add(time.Hour)
	n.Notify(interruption(7)) // long after: reported again
	clk.Add(DefaultMinInterval)
	n.pump(false)
	if text := r.next(t); !strings.Contains(text, "i-0007") {
		t.Fatalf("want i-0007 again, got %s", text)
	}
}

func TestEventsFilter(t *testing.T) {
	r := newReceiver(t)
	n, clk := testNotifier(t, Options{WebhookURL: r.URL})
	n.Notify(Event{Kind: Maintenance, Server: "i-1"}) // not a default kind
	clk.Add(DefaultGather)
	n.pump(false)
	if q := queued(n); q != 0 {
		t.Fatalf("a maintenance event was sent by default")
	}

	r2 := newReceiver(t)
	n2, clk2 := testNotifier(t, Options{WebhookURL: r2.URL, Events: []string{Maintenance}})
	n2.Notify(Event{Kind: Interruption, Server: "i-1"})
	n2.Notify(Event{Kind: Maintenance, Server: "i-2", What: "AWS_EC2_INSTANCE_REBOOT_MAINTENANCE_SCHEDULED"})
	clk2.Add(DefaultGather)
	n2.pump(false)
	if text := r2.next(t); !strings.Contains(text, "i-2") || strings.Contains(text, "i-1") {
		t.Fatalf("want only the maintenance event, got %s", text)
	}
	if _, err := newNotifier(Options{WebhookURL: r.URL, Events: []string{"tea"}}); err == nil || !strings.Contains(err.Error(), "notifications.events") {
		t.Errorf("unknown event: err = %v", err)
	}
}

func TestMessageNeverCarriesSecretOrChecksum(t *testing.T) {
	const secret, lbSecret = "bbb-shared-secret-9f8e7d", "scalelite-lb-secret-0a1b2c"
	r := newReceiver(t)
	n, clk := testNotifier(t, Options{WebhookURL: r.URL, Secrets: []string{secret, lbSecret}})
	n.Notify(Event{Kind: Halt, Server: "i-1",
		What:   "Scalelite unreachable: Get https://sl.example.org/scalelite/api/getServers?checksum=0123456789abcdef0123: EOF",
		Action: "not acting; secret " + secret + " and " + lbSecret + " were in the error"})
	clk.Add(DefaultGather)
	n.pump(false)
	text := r.next(t)
	for _, leak := range []string{secret, lbSecret, "0123456789abcdef0123"} {
		if strings.Contains(text, leak) {
			t.Errorf("message carries %q:\n%s", leak, text)
		}
	}
	if !strings.Contains(text, "checksum="+Redacted) {
		t.Errorf("checksum not marked redacted:\n%s", text)
	}
}

func TestFailingReceiverNeverBlocksCaller(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer hang.Close()
	defer close(release)
	n, clk := testNotifier(t, Options{WebhookURL: hang.URL, QueueSize: 1, SendTimeout: time.Hour})
	// Every kind becomes a message; the first hangs in the sender, one
	// waits in the queue, the rest must be dropped, not waited for.
	for round := range 3 {
		for _, k := range Kinds {
			n.Notify(Event{Kind: k, Server: fmt.Sprint("i-", round)})
		}
		clk.Add(DefaultMinInterval)
		n.pump(false)
	}
	if got := testutil.ToFloat64(n.Metrics.Dropped); got < 1 {
		t.Errorf("dropped = %v, want some", got)
	}
}

func TestWebhookFailureIsCountedAndDoesNotLeakURL(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	token := "T0000/B0000/XXXXXXXXsecrettoken"
	var logs bytes.Buffer
	var mu sync.Mutex
	n, clk := testNotifier(t, Options{WebhookURL: "http://" + addr + "/services/" + token, Log: slog.New(slog.NewTextHandler(&lockedWriter{&mu, &logs}, nil))})
	n.Notify(interruption(1))
	clk.Add(DefaultGather)
	n.pump(false)
	settle(n)
	if got := testutil.ToFloat64(n.Metrics.Deliveries.WithLabelValues("webhook", "failed")); got != 1 {
		t.Errorf("failed deliveries = %v, want 1", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "notification not delivered") {
		t.Errorf("failure not logged: %s", logs.String())
	}
	if strings.Contains(logs.String(), token) {
		t.Errorf("log carries the webhook URL's token: %s", logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestWebhookRejectionIsCounted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
	}))
	defer srv.Close()
	n, clk := testNotifier(t, Options{WebhookURL: srv.URL})
	n.Notify(interruption(1))
	clk.Add(DefaultGather)
	n.pump(false)
	settle(n)
	if got := testutil.ToFloat64(n.Metrics.Deliveries.WithLabelValues("webhook", "failed")); got != 1 {
		t.Errorf("failed deliveries = %v, want 1", got)
	}
}

func TestWebhookBodies(t *testing.T) {
	m := Message{Kind: Halt, Count: 1, Subject: "Scalite: halt", Text: "Scalite: halt\n- Scalelite unreachable."}
	text, err := newWebhook("https://hooks.example.org/x", "", nil, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := text.body(m)
	if string(b) != `{"text":"Scalite: halt\n- Scalelite unreachable."}` {
		t.Errorf("text body = %s", b)
	}
	card, err := newWebhook("https://example.webhook.office.com/x", FormatAdaptiveCard, nil, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = card.body(m)
	var got struct {
		Type        string
		Attachments []struct {
			ContentType string
			Content     struct {
				Type string
				Body []struct{ Type, Text string }
			}
		}
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Type != "message" || len(got.Attachments) != 1 || got.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" ||
		got.Attachments[0].Content.Type != "AdaptiveCard" || len(got.Attachments[0].Content.Body) != 2 || got.Attachments[0].Content.Body[1].Text != "- Scalelite unreachable." {
		t.Errorf("adaptive card body = %s", b)
	}
	if _, err := newWebhook("https://x/y", "xml", nil, time.Second); err == nil || !strings.Contains(err.Error(), "notifications.format") {
		t.Errorf("bad format: err = %v", err)
	}
	if _, err := newWebhook("hooks.example.org/secret-token", "", nil, time.Second); err == nil || strings.Contains(err.Error(), "secret-token") {
		t.Errorf("bad URL: err = %v (must not repeat the URL)", err)
	}
}

func TestNilNotifierIsSilent(t *testing.T) {
	n, err := New(Options{})
	if err != nil || n != nil {
		t.Fatalf("New with no receiver = %v, %v; want nil, nil", n, err)
	}
	n.Notify(interruption(1))
	if err := n.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestKindsMatchConfig(t *testing.T) {
	if !slices.Equal(Kinds, config.NotificationEvents) {
		t.Errorf("notify.Kinds = %v, config.NotificationEvents = %v", Kinds, config.NotificationEvents)
	}
	if !slices.Equal(DefaultKinds, config.Default().Notifications.Events) {
		t.Errorf("notify.DefaultKinds = %v, config default = %v", DefaultKinds, config.Default().Notifications.Events)
	}
	if !slices.Equal(Formats, config.NotificationFormats) {
		t.Errorf("notify.Formats = %v, config.NotificationFormats = %v", Formats, config.NotificationFormats)
	}
}

func TestSNSSubject(t *testing.T) {
	got := snsSubject("Scalite (fleet bbb): 50 spot interruption notices\n" + strings.Repeat("é", 200))
	if len(got) >= 100 || strings.ContainsAny(got, "\n\r") {
		t.Errorf("subject %q breaks SNS's rule", got)
	}
}

// TestNewDeliversInTheBackground runs the production path: New's own
// ticker finds the batch due and the sender delivers it.
func TestNewDeliversInTheBackground(t *testing.T) {
	r := newReceiver(t)
	n, err := New(Options{WebhookURL: r.URL, Fleet: "bbb", Gather: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close(context.Background())
	n.Notify(Event{Kind: NeverBooted, Server: "i-0abc", Pool: "c5a.4xlarge eu-west-1a spot", What: "BBB never answered", Action: "terminated; replacement launched"})
	if text := r.next(t); !strings.Contains(text, "Scalite (fleet bbb): server that never booted\n- i-0abc (c5a.4xlarge eu-west-1a spot): BBB never answered. Scalite: terminated; replacement launched.") {
		t.Errorf("message = %q", text)
	}
}
