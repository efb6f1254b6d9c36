package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults for Options left zero.
const (
	DefaultGather      = 15 * time.Second
	DefaultMinInterval = 5 * time.Minute
	DefaultDedupFor    = time.Hour
	DefaultQueueSize   = 64
	DefaultSendTimeout = 10 * time.Second
	// maxLines is how many events one message lists; the rest are counted.
	maxLines = 10
)

// Options configures a Notifier. Only one of WebhookURL and SNSTopicARN is
// needed; with neither, New returns a nil Notifier, which is valid and
// silent.
type Options struct {
	// WebhookURL receives a JSON POST; it is a secret (it carries the
	// receiver's token) and is never logged.
	WebhookURL string
	// Format is the webhook body: FormatText (default) or FormatAdaptiveCard.
	Format string
	// HTTP sends to the webhook; nil means a client with SendTimeout.
	HTTP *http.Client

	SNSTopicARN string
	SNS         Publisher // required with SNSTopicARN

	// Events are the kinds to send; nil means DefaultKinds.
	Events []string
	// Fleet names the fleet in every message (live.fleet).
	Fleet string
	// Secrets are removed from every message wherever they appear.
	Secrets []string

	// Clock drives batching, rate limiting and de-duplication.
	Clock func() time.Time
	// Gather is how long the first event of a kind waits for others of
	// its kind, so that a storm becomes one message with a count.
	Gather time.Duration
	// MinInterval is the least time between two messages of one kind.
	MinInterval time.Duration
	// DedupFor is how long an event for the same kind, server and pool
	// is not reported again.
	DedupFor time.Duration
	// QueueSize bounds the messages waiting for a slow receiver; more are
	// dropped and counted.
	QueueSize int
	// SendTimeout bounds one delivery to one receiver.
	SendTimeout time.Duration

	Log *slog.Logger
	// Registerer, if set, gets the notifier's metrics.
	Registerer prometheus.Registerer
}

// Message is what is delivered: one kind, one or many events.
type Message struct {
	Kind    string
	Count   int
	Subject string
	Text    string
}

// receiver delivers a message somewhere.
type receiver interface {
	name() string
	send(ctx context.Context, m Message) error
}

// Metrics are the notifier's counters.
type Metrics struct {
	// Deliveries by receiver (webhook, sns) and result (sent, failed).
	Deliveries *prometheus.CounterVec
	// Dropped counts messages dropped because the queue was full.
	Dropped prometheus.Counter
	// Suppressed counts events not reported again (de-duplicated).
	Suppressed prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		Deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "scalite_notifications_total", Help: "Notification deliveries by receiver and result."}, []string{"receiver", "result"}),
		Dropped:    prometheus.NewCounter(prometheus.CounterOpts{Name: "scalite_notifications_dropped_total", Help: "Notifications dropped because the receivers were too slow."}),
		Suppressed: prometheus.NewCounter(prometheus.CounterOpts{Name: "scalite_notification_events_deduplicated_total", Help: "Events already reported and not sent again."}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.Deliveries, m.Dropped, m.Suppressed} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("registering notification metrics: %w", err)
			}
		}
	}
	return m, nil
}

// batch gathers the events of one kind until it is due.
type batch struct {
	events       []Event // the first maxLines
	count        int
	meetings     int
	participants int
	due          time.Time
}

// Notifier batches events into messages and delivers them in the
// background. Its methods may be called on a nil *Notifier, which does
// nothing, so callers need not check whether notifications are configured.
type Notifier struct {
	o         Options
	enabled   map[string]bool
	scrub     scrubber
	receivers []receiver
	Metrics   *Metrics

	mu       sync.Mutex
	batches  map[string]*batch
	lastSent map[string]time.Time
	seen     map[string]time.Time
	pruned   time.Time
	closed   bool
	queue    chan Message
	queued   int // messages handed to the sender, for tests

	stopTick  chan struct{}
	closeOnce sync.Once
	done      sync.WaitGroup
}

// New builds a notifier and starts its sender. Close it to flush.
func New(o Options) (*Notifier, error) {
	n, err := newNotifier(o)
	if n == nil || err != nil {
		return n, err
	}
	n.done.Add(1)
	go n.tick(time.Second)
	return n, nil
}

// newNotifier builds a notifier whose batches are pumped by the caller
// (tests, with their own clock) rather than by a ticker.
func newNotifier(o Options) (*Notifier, error) {
	if o.WebhookURL == "" && o.SNSTopicARN == "" {
		return nil, nil
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Gather <= 0 {
		o.Gather = DefaultGather
	}
	if o.MinInterval <= 0 {
		o.MinInterval = DefaultMinInterval
	}
	if o.DedupFor <= 0 {
		o.DedupFor = DefaultDedupFor
	}
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = DefaultSendTimeout
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	events := o.Events
	if events == nil {
		events = DefaultKinds
	}
	enabled := map[string]bool{}
	for _, k := range events {
		if !KnownKind(k) {
			return nil, fmt.Errorf("notifications.events: unknown event %q (known: %s)", k, strings.Join(Kinds, ", "))
		}
		enabled[k] = true
	}
	var recv []receiver
	if o.WebhookURL != "" {
		w, err := newWebhook(o.WebhookURL, o.Format, o.HTTP, o.SendTimeout)
		if err != nil {
			return nil, err
		}
		recv = append(recv, w)
	}
	if o.SNSTopicARN != "" {
		if o.SNS == nil {
			return nil, errors.New("notifications.sns_topic_arn is set but no SNS client was given")
		}
		recv = append(recv, &snsTopic{arn: o.SNSTopicARN, client: o.SNS})
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	n := &Notifier{
		o: o, enabled: enabled, scrub: newScrubber(o.Secrets), receivers: recv, Metrics: m,
		batches: map[string]*batch{}, lastSent: map[string]time.Time{}, seen: map[string]time.Time{},
		queue: make(chan Message, o.QueueSize), stopTick: make(chan struct{}),
	}
	n.done.Add(1)
	go n.sender()
	return n, nil
}

// Notify records an event. It never blocks on a receiver: the event joins
// the batch of its kind, which is delivered when due.
func (n *Notifier) Notify(e Event) {
	if n == nil || !n.enabled[e.Kind] {
		return
	}
	e = n.scrub.event(e)
	now := n.o.Clock()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	if now.Sub(n.pruned) >= time.Minute { // amortised: a storm stays linear
		for k, t := range n.seen {
			if now.Sub(t) >= n.o.DedupFor {
				delete(n.seen, k)
			}
		}
		n.pruned = now
	}
	if t, dup := n.seen[e.key()]; dup && now.Sub(t) < n.o.DedupFor {
		n.Metrics.Suppressed.Inc()
		return
	}
	n.seen[e.key()] = now
	b := n.batches[e.Kind]
	if b == nil {
		due := now.Add(n.o.Gather)
		if last, ok := n.lastSent[e.Kind]; ok && last.Add(n.o.MinInterval).After(due) {
			due = last.Add(n.o.MinInterval)
		}
		b = &batch{due: due}
		n.batches[e.Kind] = b
	}
	b.count++
	b.meetings += e.Meetings
	b.participants += e.Participants
	if len(b.events) < maxLines {
		b.events = append(b.events, e)
	}
}

// pump queues the batches that are due (all of them with all set).
func (n *Notifier) pump(all bool) {
	now := n.o.Clock()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	for _, kind := range Kinds { // a fixed order: messages come out the same way every time
		b := n.batches[kind]
		if b == nil || (!all && b.due.After(now)) {
			continue
		}
		delete(n.batches, kind)
		n.lastSent[kind] = now
		m := n.render(kind, b)
		select {
		case n.queue <- m:
			n.queued++
		default:
			n.Metrics.Dropped.Inc()
			n.o.Log.Warn("notification dropped: receivers too slow", "kind", kind, "events", b.count)
		}
	}
}

func (n *Notifier) tick(every time.Duration) {
	defer n.done.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-n.stopTick:
			return
		case <-t.C:
			n.pump(false)
		}
	}
}

func (n *Notifier) sender() {
	defer n.done.Done()
	for m := range n.queue {
		for _, r := range n.receivers {
			ctx, cancel := context.WithTimeout(context.Background(), n.o.SendTimeout)
			err := r.send(ctx, m)
			cancel()
			if err != nil {
				n.Metrics.Deliveries.WithLabelValues(r.name(), "failed").Inc()
				n.o.Log.Warn("notification not delivered", "receiver", r.name(), "kind", m.Kind, "err", n.scrub.scrub(err.Error()))
				continue
			}
			n.Metrics.Deliveries.WithLabelValues(r.name(), "sent").Inc()
		}
	}
}

// Close delivers what is pending and stops; it waits for the receivers
// until ctx ends.
func (n *Notifier) Close(ctx context.Context) error {
	if n == nil {
		return nil
	}
	n.closeOnce.Do(func() {
		close(n.stopTick)
		n.pump(true)
		n.mu.Lock()
		n.closed = true
		close(n.queue)
		n.mu.Unlock()
	})
	done := make(chan struct{})
	go func() { n.done.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("notifications not all delivered: %w", ctx.Err())
	}
}

// render writes one batch as a message.
func (n *Notifier) render(kind string, b *batch) Message {
	title := titles[kind][0]
	if b.count > 1 {
		title = fmt.Sprintf("%d %s", b.count, titles[kind][1])
	}
	who := "Scalite"
	if n.o.Fleet != "" {
		who = fmt.Sprintf("Scalite (fleet %s)", n.o.Fleet)
	}
	subject := who + ": " + title
	var t strings.Builder
	t.WriteString(subject + "\n")
	for _, e := range b.events {
		t.WriteString("- " + e.line() + "\n")
	}
	if rest := b.count - len(b.events); rest > 0 {
		fmt.Fprintf(&t, "- and %d more.\n", rest)
	}
	if b.count > 1 && (b.meetings > 0 || b.participants > 0) {
		fmt.Fprintf(&t, "In all: %s, %s affected.\n", plural(b.meetings, "meeting"), plural(b.participants, "participant"))
	}
	return Message{Kind: kind, Count: b.count, Subject: n.scrub.scrub(subject), Text: n.scrub.scrub(strings.TrimRight(t.String(), "\n"))}
}
