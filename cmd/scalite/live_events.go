package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/interruptions"
	"github.com/scalite/scalite/live"
	"github.com/scalite/scalite/notify"
)

// newNotifier builds the notifications: section's receivers (nil when
// none is set). Secrets are scrubbed from every message.
func newNotifier(ctx context.Context, cfg config.Config, endpoint string, secrets []string, log *slog.Logger, reg prometheus.Registerer) (*notify.Notifier, error) {
	n := cfg.Notifications
	o := notify.Options{WebhookURL: n.WebhookURL, Format: n.Format, SNSTopicARN: n.SNSTopicARN, Events: n.Events,
		Fleet: cfg.Live.Fleet, Secrets: secrets, Log: log, Registerer: reg}
	if n.SNSTopicARN != "" {
		awsCfg, err := awsConfig(ctx, cfg.Region, endpoint)
		if err != nil {
			return nil, err
		}
		// SNS's endpoint comes from the standard configuration
		// (AWS_ENDPOINT_URL_SNS); --endpoint-url is EC2's.
		o.SNS = sns.NewFromConfig(awsCfg)
	}
	return notify.New(o)
}

// alertTo hands the controller's alerts to the notifier.
func alertTo(n *notify.Notifier) func(live.Alert) {
	if n == nil {
		return nil
	}
	return func(a live.Alert) {
		n.Notify(notify.Event{Kind: a.Kind, Time: time.Now(), Server: a.Server, Pool: a.Pool, What: a.What, Action: a.Action,
			Meetings: a.Meetings, Participants: a.Participants})
	}
}

// startQueue consumes live.interruption_queue_url, when set: notices reach
// the controller at once, even for servers whose agent is dead.
func startQueue(ctx context.Context, cfg config.Config, endpoint string, ctrl *live.Controller, log *slog.Logger, reg prometheus.Registerer) error {
	url := cfg.Live.InterruptionQueueURL
	if url == "" {
		return nil
	}
	awsCfg, err := awsConfig(ctx, cfg.Region, endpoint)
	if err != nil {
		return err
	}
	// The SDK sends SQS calls to its own endpoint, not the queue URL's
	// host: an emulator on --endpoint-url serves both EC2 and the queue.
	client := sqs.NewFromConfig(awsCfg, func(o *sqs.Options) {
		if endpoint != "" {
			o.BaseEndpoint = &endpoint
		}
	})
	malformed := prometheus.NewCounter(prometheus.CounterOpts{Name: "scalite_queue_malformed_total", Help: "Interruption-queue messages that were not an event Scalite reads (logged and deleted)."})
	reg.MustRegister(malformed)
	q := live.NewInterruptionQueue(client, url, ctrl.Owns, live.QueueOptions{Log: log, Malformed: malformed.Inc})
	go func() {
		if err := q.Run(ctx, ctrl.HandleFleetEvent); err != nil {
			log.Error("interruption queue", "err", err)
		}
	}()
	log.Info("interruption queue", "url", url)
	return nil
}

// openEventLog appends the fleet's history to live.event_log (with
// --apply; a dry run changes nothing worth recording).
func openEventLog(cfg config.Config, apply bool, log *slog.Logger) (func(live.FleetRecord), func(), error) {
	if !apply || cfg.Live.EventLog == "" {
		return nil, func() {}, nil
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Live.EventLog), 0o750); err != nil {
		return nil, nil, fmt.Errorf("live.event_log: %w", err)
	}
	el, err := interruptions.OpenEventLog(cfg.Live.EventLog)
	if err != nil {
		return nil, nil, fmt.Errorf("live.event_log: %w", err)
	}
	rec := func(r live.FleetRecord) {
		market := interruptions.MarketOnDemand
		if r.Spot {
			market = interruptions.MarketSpot
		}
		if err := el.Append(interruptions.Event{Time: r.Time, Kind: interruptions.Kind(r.Kind), Instance: r.Instance,
			InstanceType: r.Type, AZ: r.AZ, Market: market}); err != nil {
			log.Warn("event log", "err", err)
		}
	}
	return rec, func() {
		if err := el.Close(); err != nil {
			log.Warn("closing the event log", "err", err)
		}
	}, nil
}

// everyOrKicked runs fn at once, then every interval, and at once when
// kicked, until ctx ends.
func everyOrKicked(ctx context.Context, interval time.Duration, kicks <-chan struct{}, fn func(context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		fn(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-kicks:
			t.Reset(interval)
		}
	}
}
