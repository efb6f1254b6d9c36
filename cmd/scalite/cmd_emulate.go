package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/emulate"
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
	fmt.Fprintf(w, "rehearse with:\n  AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x scalite live --config %s --endpoint-url %s --apply\n",
		filepath.Join(dir, "scalite.conf"), ecURL)
	ctx, stop := stopContext(c.Context, c.Duration("duration"))
	defer stop()
	every(ctx, time.Second, func(context.Context) { sl.Demand(c.Int("demand"), 25) })
	return nil
}
