package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/urfave/cli/v2"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/internal/atomicfile"
	"github.com/scalite/scalite/live"
	"github.com/scalite/scalite/model"
)

var endpointFlag = &cli.StringFlag{Name: "endpoint-url", Usage: "EC2 endpoint `URL` (an emulator, moto); default: AWS"}
var logFormatFlag = &cli.StringFlag{Name: "log-format", Value: "text", Usage: "text | json"}

func newLogger(c *cli.Context) *slog.Logger {
	if c.String("log-format") == "json" {
		return slog.New(slog.NewJSONHandler(c.App.ErrWriter, nil))
	}
	return slog.New(slog.NewTextHandler(c.App.ErrWriter, nil))
}

// readSecret reads a secret file; the secret itself never reaches a log.
func readSecret(path, what string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading the %s secret file: %w", what, err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("the %s secret file %s is empty", what, path)
	}
	return s, nil
}

// awsConfig loads the standard AWS configuration: the region from the
// argument, else AWS_REGION or the shared config, as the AWS CLI does; the
// standard credential chain. An endpoint on loopback is an emulator: it
// checks no signature, so it gets placeholder credentials and the SDK does
// not probe the instance metadata service for real ones (a dry run against
// `scalite emulate` works on a machine without AWS credentials).
func awsConfig(ctx context.Context, region, endpoint string) (aws.Config, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	if loopbackURL(endpoint) {
		opts = append(opts, awsconfig.WithEC2IMDSClientEnableState(imds.ClientDisabled),
			awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("emulated", "emulated", "")))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, usageErr("no AWS region: give --region, set AWS_REGION, or set a region in the shared AWS config")
	}
	return cfg, nil
}

// loopbackURL: the URL names a loopback host.
func loopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// ec2Client uses awsConfig; --endpoint-url points it at a test double.
func ec2Client(ctx context.Context, region, endpoint string) (*ec2.Client, error) {
	cfg, err := awsConfig(ctx, region, endpoint)
	if err != nil {
		return nil, err
	}
	return ec2.NewFromConfig(cfg, func(o *ec2.Options) {
		if endpoint != "" {
			o.BaseEndpoint = &endpoint
		}
	}), nil
}

// stopContext ends on SIGINT or SIGTERM, or after d (0 = never).
func stopContext(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	if d <= 0 {
		return ctx, stop
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, func() { cancel(); stop() }
}

// every runs fn at once and then every interval until ctx ends.
func every(ctx context.Context, interval time.Duration, fn func(context.Context)) {
	everyOrKicked(ctx, interval, nil, fn) // a nil channel never kicks
}

func parseAWSTime(s, flag string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usageErr("--%s: bad time %q (want e.g. 2023-04-01T00:00:00Z)", flag, s)
}

func pricesFetchCommand() *cli.Command {
	return &cli.Command{
		Name:  "fetch",
		Usage: "fetch spot-price history from EC2 (describe-spot-price-history, every page) into the AWS CLI JSON shape",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "region", Usage: "AWS `REGION` (default: AWS_REGION, then the shared AWS config)"},
			&cli.StringSliceFlag{Name: "instance-types", Usage: "instance types, comma- or space-separated as the AWS CLI takes them"},
			&cli.StringFlag{Name: "availability-zone", Usage: "one availability zone"},
			&cli.StringFlag{Name: "start-time", Usage: "e.g. 2023-04-01T00:00:00Z"},
			&cli.StringFlag{Name: "end-time", Usage: "e.g. 2023-04-30T23:59:59Z"},
			&cli.StringSliceFlag{Name: "product-description", Aliases: []string{"product-descriptions"}, Value: cli.NewStringSlice(datasets.DefaultProduct), Usage: "product descriptions"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "-", Usage: "output `FILE`, written atomically (- = stdout)"},
			endpointFlag,
		},
		Action: func(c *cli.Context) error {
			start, err := parseAWSTime(c.String("start-time"), "start-time")
			if err != nil {
				return err
			}
			end, err := parseAWSTime(c.String("end-time"), "end-time")
			if err != nil {
				return err
			}
			client, err := ec2Client(c.Context, c.String("region"), c.String("endpoint-url"))
			if err != nil {
				return err
			}
			recs, err := live.FetchPrices(c.Context, client, live.PriceQuery{InstanceTypes: splitList(c.StringSlice("instance-types")),
				AvailabilityZone: c.String("availability-zone"), ProductDescriptions: splitList(c.StringSlice("product-description")), Start: start, End: end})
			if err != nil {
				return err
			}
			if err := atomicfile.Write(c.String("output"), func(w io.Writer) error { return datasets.WritePricesCLIJSON(w, recs) }); err != nil {
				return err
			}
			fmt.Fprintf(c.App.ErrWriter, "fetched %d records\n", len(recs))
			return nil
		},
	}
}

func traceRecordCommand() *cli.Command {
	return &cli.Command{
		Name:  "record",
		Usage: "poll getMeetings through Scalelite and write a trace (and samples) the simulator replays; resumes after a restart",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "scalelite", Required: true, Usage: "Scalelite `URL`"},
			&cli.StringFlag{Name: "secret-file", Required: true, Usage: "`FILE` holding Scalelite's LOADBALANCER_SECRET"},
			&cli.DurationFlag{Name: "interval", Value: time.Minute, Usage: "poll interval"},
			&cli.DurationFlag{Name: "duration", Usage: "stop after this long (default: until interrupted)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Required: true, Usage: "trace `FILE`; FILE.samples.csv and FILE.polls.csv (the resume point) go beside it"},
		},
		Action: func(c *cli.Context) error {
			secret, err := readSecret(c.String("secret-file"), "Scalelite")
			if err != nil {
				return err
			}
			bbb, err := live.NewBBB(strings.TrimRight(c.String("scalelite"), "/")+"/bigbluebutton/api", secret, nil)
			if err != nil {
				return err
			}
			out := c.String("output")
			base := strings.TrimSuffix(out, filepath.Ext(out))
			rec, err := live.NewTraceRecorder(bbb, out, base+".samples.csv", base+".polls.csv")
			if err != nil {
				return err
			}
			rec.Interval = c.Duration("interval")
			log := newLogger(c)
			if !rec.Resumed().IsZero() {
				log.Info("resuming", "last_poll", rec.Resumed(), "meetings", rec.Meetings())
			}
			ctx, stop := stopContext(c.Context, c.Duration("duration"))
			defer stop()
			every(ctx, rec.Interval, func(ctx context.Context) {
				if n, err := rec.Poll(ctx, time.Now().Truncate(time.Second)); err != nil {
					log.Warn("poll failed", "err", err)
				} else {
					log.Info("poll", "meetings", n, "recorded", rec.Meetings())
				}
			})
			return nil
		},
	}
}

// bbbURLFor fills the BBB URL template from an instance.
func bbbURLFor(tmpl string, in live.Instance) string {
	return strings.NewReplacer("{private_dns}", in.PrivateDNS, "{instance_id}", in.ID).Replace(tmpl)
}

func liveCommand() *cli.Command {
	return &cli.Command{
		Name:  "live",
		Usage: "run the policy on the real fleet with the simulator's engine (dry run unless --apply)",
		Flags: []cli.Flag{
			configFlag, catalogFlag, endpointFlag, logFormatFlag,
			&cli.BoolFlag{Name: "apply", Usage: "act: launch, enable, cordon, terminate (default: only print the plan)"},
			&cli.BoolFlag{Name: "once", Usage: "reconcile once and exit"},
			&cli.DurationFlag{Name: "interval", Usage: "reconcile interval (default: fleet.reconcile_interval)"},
			&cli.StringFlag{Name: "learn-from", Usage: "recorded trace `FILE` (scalite trace record) replayed into the pre-warming profile at start"},
			&cli.StringFlag{Name: "learn-samples", Usage: "its samples `FILE`"},
		},
		Action: liveAction,
	}
}

// liveEnv is what the controller and the agent both start from.
type liveEnv struct {
	cat       *model.Catalog
	cfg       config.Config
	sl        *live.Scalelite
	bbbSecret string
	slSecret  string // kept only to scrub it from notifications
}

func setupLive(c *cli.Context) (*liveEnv, error) {
	cat, cf, err := loadCatalogAndConfig(c)
	if err != nil {
		return nil, err
	}
	cfg := cf.Config
	slSecret, err := readSecret(cfg.Live.ScaleliteSecretFile, "Scalelite")
	if err != nil {
		return nil, err
	}
	bbbSecret, err := readSecret(cfg.Live.BBBSecretFile, "BBB")
	if err != nil {
		return nil, err
	}
	sl, err := live.NewScalelite(cfg.Live.ScaleliteURL, slSecret, nil)
	if err != nil {
		return nil, err
	}
	sl.Algo = cfg.Live.ChecksumAlgorithm
	return &liveEnv{cat: cat, cfg: cfg, sl: sl, bbbSecret: bbbSecret, slSecret: slSecret}, nil
}

func liveAction(c *cli.Context) error {
	env, err := setupLive(c)
	if err != nil {
		return err
	}
	cfg, sl, bbbSecret := env.cfg, env.sl, env.bbbSecret
	pol, err := cfg.Policy(env.cat)
	if err != nil {
		return err
	}
	if err := liveTimetable(&pol, cfg.PreWarm, time.Now()); err != nil {
		return err
	}
	planner, err := engine.New(pol)
	if err != nil {
		return err
	}
	client, err := ec2Client(c.Context, cfg.Region, c.String("endpoint-url"))
	if err != nil {
		return err
	}
	fleet, err := live.NewFleet(client, cfg.Live.Fleet, cfg.Live.LaunchTemplate)
	if err != nil {
		return err
	}
	log := newLogger(c)
	// One controller acts at a time (live.lock_file, or the DynamoDB lease
	// live.lock_table), taken before anything is read or done; a dry run
	// changes nothing and takes no lock. A lost lock ends lockCtx.
	lockCtx, releaseLock, err := holdControllerLock(c.Context, cfg, c.Bool("apply"), log)
	if err != nil {
		return err
	}
	defer releaseLock()
	reg := prometheus.NewRegistry()
	interval := c.Duration("interval")
	if interval == 0 {
		interval = cfg.Fleet.ReconcileInterval.Duration
	}
	// A dry run launches nothing, so it keeps no journal.
	journalPath := ""
	if c.Bool("apply") {
		journalPath = cfg.Live.LaunchJournal
		if err := os.MkdirAll(filepath.Dir(journalPath), 0o750); err != nil {
			return fmt.Errorf("live.launch_journal: %w", err)
		}
	}
	journal, err := live.OpenLaunchJournal(journalPath, nil)
	if err != nil {
		return err
	}
	region, err := env.cat.Region(cfg.Region)
	if err != nil {
		return err
	}
	// The catalog's types with the configuration's capacity overrides.
	types, err := cfg.InstanceTypes(region)
	if err != nil {
		return err
	}
	httpClient := live.NewHTTPClient(live.DefaultCallTimeout)
	ctrl := &live.Controller{
		Fleet: fleet, Scalelite: sl, Planner: planner, State: engine.NewState(pol.PreWarmWeeks), Journal: journal,
		Types: func(name string) (model.InstanceType, bool) { t, ok := types[name]; return t, ok },
		// Each reconcile ends well before the next is due.
		ReconcileTimeout: max(interval*4/5, 5*time.Second),
		BBB: func(url, secret string) (live.MeetingEnder, error) {
			b, err := live.NewBBB(url, secret, httpClient)
			if err == nil {
				b.Algo = cfg.Live.ChecksumAlgorithm
			}
			return b, err
		},
		Prices: func(ctx context.Context, m []model.MarketKey, now time.Time) (map[model.MarketKey]float64, error) {
			return live.CurrentPrices(ctx, client, m, now)
		},
		BBBURL:    func(in live.Instance) string { return bbbURLFor(cfg.Live.BBBURL, in) },
		BBBSecret: bbbSecret, Apply: c.Bool("apply"), Clock: time.Now, Log: log, Metrics: live.NewMetrics(reg),
	}
	if cfg.UsesLoadModel() {
		lm := model.DefaultLoadModel()
		ctrl.Load = &lm
	}
	if f := c.String("learn-from"); f != "" {
		ms, _, err := datasets.ReadTrace(f, c.String("learn-samples"))
		if err != nil {
			return err
		}
		log.Info("pre-warming profile rebuilt", "trace", f, "meetings", len(ms), "steps", live.LearnFromTrace(ctrl.State, ms))
	}
	mode := "dry run (add --apply to act)"
	if ctrl.Apply {
		mode = "APPLY"
	}
	log.Info("scalite live", "fleet", cfg.Live.Fleet, "region", cfg.Region, "mode", mode, "interval", interval)
	once := func(ctx context.Context) error {
		rep, err := ctrl.Reconcile(ctx)
		if err != nil {
			return err
		}
		w := c.App.Writer
		verb := "would"
		if rep.Applied {
			verb = "did"
		}
		fmt.Fprintf(w, "%s: %d servers, %d participants; %d actions\n", rep.Time.UTC().Format(time.RFC3339), rep.Servers, rep.Demand, len(rep.Actions))
		for _, a := range rep.Actions {
			fmt.Fprintf(w, "  %s %s\n", verb, a)
		}
		for _, n := range rep.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
		return nil
	}
	notifier, err := newNotifier(c.Context, cfg, c.String("endpoint-url"), []string{env.slSecret, bbbSecret}, log, reg)
	if err != nil {
		return err
	}
	ctrl.Alert = alertTo(notifier)
	record, closeLog, err := openEventLog(cfg, ctrl.Apply, log)
	if err != nil {
		return err
	}
	defer closeLog()
	ctrl.Record = record
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := notifier.Close(ctx); err != nil {
			log.Warn("notifications not all sent", "err", err)
		}
	}()
	if c.Bool("once") {
		return once(lockCtx)
	}
	ctx, stop := stopContext(lockCtx, 0)
	defer stop()
	if err := startQueue(ctx, cfg, c.String("endpoint-url"), ctrl, log, reg); err != nil {
		return err
	}
	if addr := cfg.Live.MetricsListen; addr != "" {
		mux := metricsHandler(reg, func() bool { return ctrl.Healthy(3 * interval) })
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("live.metrics_listen: %w", err)
		}
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
		log.Info("metrics", "listen", ln.Addr().String())
	}
	// SIGTERM ends ctx: the reconcile under way finishes its current call
	// (bounded by its timeouts), abandons the rest, and launches in flight
	// stay in the launch journal for the next start.
	wd := newServiceWatchdog(log)
	defer wd.stopping()
	everyOrKicked(ctx, interval, ctrl.Kicks(), func(ctx context.Context) {
		if err := once(ctx); err != nil {
			log.Error("reconcile", "err", err)
			return
		}
		wd.alive()
	})
	log.Info("stopped")
	return lockLost(lockCtx)
}

// metricsHandler serves Prometheus metrics and a health check that fails
// when no reconcile succeeded recently.
func metricsHandler(reg *prometheus.Registry, healthy func() bool) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if !healthy() {
			http.Error(w, "no successful reconcile recently", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	return mux
}
