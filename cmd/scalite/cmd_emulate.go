package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/emulate"
	"github.com/scalite/scalite/live"
	"github.com/scalite/scalite/model"
)

func emulateCommand() *cli.Command {
	return &cli.Command{
		Name:  "emulate",
		Usage: "serve an emulated EC2 region, its interruption queue (SQS) and Scalelite on loopback, to rehearse `scalite live --apply` without an AWS account",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "ec2-listen", Value: "127.0.0.1:0", Usage: "EC2 (Query protocol) and SQS (JSON protocol) `ADDR`"},
			&cli.StringFlag{Name: "scalelite-listen", Value: "127.0.0.1:0", Usage: "Scalelite `ADDR`"},
			&cli.StringFlag{Name: "dir", Value: "emulated", Usage: "`DIR` for the secrets and a config to use with scalite live"},
			&cli.IntFlag{Name: "demand", Value: 600, Usage: "participants kept in meetings on the enabled servers"},
			&cli.DurationFlag{Name: "boot", Value: time.Minute, Usage: "how long an emulated BBB takes to answer after running"},
			&cli.DurationFlag{Name: "poll", Value: 5 * time.Second, Usage: "Scalelite's poll interval (POLL_INTERVAL): a new server is online, with a load, after its first poll"},
			&cli.DurationFlag{Name: "reclaim-every", Usage: "AWS reclaims the oldest spot instance this often: an EventBridge interruption warning on the queue, then termination two minutes later (0 = never)"},
			&cli.DurationFlag{Name: "duration", Usage: "stop after this long (default: until interrupted)"},
		},
		Action: emulateAction,
	}
}

func emulateAction(c *cli.Context) error {
	for _, flag := range []string{"ec2-listen", "scalelite-listen"} {
		host, _, err := net.SplitHostPort(c.String(flag))
		if err != nil || !net.ParseIP(host).IsLoopback() {
			return usageErr("--%s must be a loopback address, got %q", flag, c.String(flag))
		}
	}
	prices, err := datasets.DefaultPrices()
	if err != nil {
		return err
	}
	start := time.Now()
	// The emulated market is the embedded one, replayed from now.
	offset := start.Unix() - datasets.DefaultStart.Unix()
	shifted := map[model.MarketKey]*model.PriceSeries{}
	for k, s := range prices.Series {
		ts := make([]int64, s.Len())
		ps := make([]float64, s.Len())
		for i := range s.Len() {
			t, p := s.Point(i)
			ts[i], ps[i] = t+offset-3600, p
		}
		if shifted[k], err = model.NewPriceSeries(ts, ps); err != nil {
			return err
		}
	}
	ec := emulate.NewEC2()
	ec.Prices, ec.RunningAfter = shifted, 30*time.Second
	sl := emulate.NewScalelite("emulated-lb-secret")
	sl.BBBSecret = "emulated-bbb-secret"
	boot := c.Duration("boot")
	sl.BBBReady = func(id string) bool {
		since, ok := ec.RunningSince(id)
		return ok && time.Since(since) >= boot
	}
	listen := func(addr string, h http.Handler) (string, func(), error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return "", nil, err
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
	}
	// The interruption queue shares EC2's endpoint, so the one
	// --endpoint-url reaches both (the requests' protocols differ).
	queue := emulate.NewSQS("scalite-interruptions")
	ecURL, stopEC, err := listen(c.String("ec2-listen"), queue.Beside(ec))
	if err != nil {
		return err
	}
	defer stopEC()
	slURL, stopSL, err := listen(c.String("scalelite-listen"), sl)
	if err != nil {
		return err
	}
	defer stopSL()
	dir, err := filepath.Abs(c.String("dir"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	cfg := config.Default()
	cfg.Live.ScaleliteURL = slURL
	cfg.Live.ScaleliteSecretFile = filepath.Join(dir, "scalelite.secret")
	cfg.Live.BBBSecretFile = filepath.Join(dir, "bbb.secret")
	cfg.Live.BBBURL = slURL + "/bbb/{instance_id}/bigbluebutton/api"
	cfg.Live.MetricsListen = "127.0.0.1:0"
	cfg.Live.LockFile = filepath.Join(dir, "controller.lock") // no /run/scalite needed to rehearse
	cfg.Live.LaunchJournal = filepath.Join(dir, "launches.json")
	cfg.Live.EventLog = filepath.Join(dir, "events.jsonl")
	cfg.Live.InterruptionQueueURL = queue.QueueURL(ecURL, "scalite-interruptions")
	cfg.Fleet.ReconcileInterval = config.Duration{Duration: 10 * time.Second}
	yaml, err := config.Marshal(cfg)
	if err != nil {
		return err
	}
	for name, data := range map[string]string{"scalelite.secret": "emulated-lb-secret\n", "bbb.secret": "emulated-bbb-secret\n", "scalite.conf": string(yaml)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			return err
		}
	}
	w := c.App.Writer
	fmt.Fprintf(w, "emulated EC2 (eu-west-1) at %s\nemulated SQS interruption queue at %s\nemulated Scalelite at %s\n", ecURL, cfg.Live.InterruptionQueueURL, slURL)
	fmt.Fprintf(w, "rehearse with (no AWS account or credentials needed):\n  scalite live --config %s --endpoint-url %s --apply\n",
		filepath.Join(dir, "scalite.conf"), ecURL)
	ctx, stop := stopContext(c.Context, c.Duration("duration"))
	defer stop()
	// Scalelite's poller, as `rake poll` runs it (lib/tasks/poll.rake).
	go sl.RunPoller(ctx, c.Duration("poll"))
	if every := c.Duration("reclaim-every"); every > 0 {
		go reclaimLoop(ctx, every, ec, queue, c.App.Writer)
	}
	every(ctx, time.Second, func(context.Context) { sl.Demand(c.Int("demand"), 25) })
	return nil
}

// reclaimLoop plays AWS reclaiming spot capacity: the oldest running spot
// instance gets EventBridge's "EC2 Spot Instance Interruption Warning" on
// the queue, and two minutes later is terminated, with its state-change
// event (spot-instance-termination-notices: the warning comes two minutes
// before the interruption).
func reclaimLoop(ctx context.Context, every time.Duration, ec *emulate.EC2, queue *emulate.SQS, w io.Writer) {
	t := time.NewTicker(every)
	defer t.Stop()
	warned := map[string]bool{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		victim := ""
		for _, id := range ec.Live() {
			if ec.State(id) == "running" && ec.Tags(id)[live.TagKind] == "spot" && !warned[id] {
				victim = id
				break
			}
		}
		if victim == "" {
			continue
		}
		warned[victim] = true
		now := time.Now()
		if err := queue.SendSpotInterruption(victim, now); err != nil {
			fmt.Fprintf(w, "emulate: %v\n", err)
			continue
		}
		fmt.Fprintf(w, "emulate: AWS reclaims %s at %s (interruption warning on the queue)\n", victim, now.Add(2*time.Minute).UTC().Format(time.RFC3339))
		go func() {
			select {
			case <-ctx.Done():
				return
			case <-time.After(2 * time.Minute):
			}
			ec.Interrupt(victim)
			queue.SendStateChange(victim, "shutting-down", time.Now())
		}()
	}
}
