package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/urfave/cli/v2"

	"github.com/scalite/scalite/live"
	"github.com/scalite/scalite/notify"
)

func agentCommand() *cli.Command {
	return &cli.Command{
		Name:  "agent",
		Usage: "watch this BBB server's spot notices (IMDSv2 only, every 5 s): cordon, tell the controller, end meetings before termination, save recordings; each step once",
		Flags: []cli.Flag{
			configFlag, catalogFlag, endpointFlag, logFormatFlag,
			&cli.StringFlag{Name: "imds-endpoint", Usage: "instance metadata `URL` (a mock); default: the real one"},
			&cli.DurationFlag{Name: "interval", Value: live.PollInterval, Usage: "poll interval"},
			&cli.BoolFlag{Name: "once", Usage: "poll once, wait for the steps it started, and exit"},
		},
		Action: func(c *cli.Context) error {
			env, err := setupLive(c)
			if err != nil {
				return err
			}
			cfg, sl, bbbSecret := env.cfg, env.sl, env.bbbSecret
			pol, err := cfg.Policy(env.cat)
			if err != nil {
				return err
			}
			log := newLogger(c)
			// IMDSv2 only: no tokenless request, ever.
			md := live.NewMetadataClient(c.String("imds-endpoint"))
			// Fail closed: an agent that cannot tell the controller is no
			// agent at all.
			client, err := agentEC2Client(c.Context, cfg.Region, c.String("endpoint-url"), c.String("imds-endpoint"))
			if err != nil {
				return err
			}
			fleet, err := live.NewFleet(client, cfg.Live.Fleet, "")
			if err != nil {
				return err
			}
			actions := &live.ServerActions{Scalelite: sl, RecordingsHook: cfg.Live.RecordingsHook, Tagger: fleet}
			// The agent notifies too (same keys), for fleets without the
			// controller; with both, the receivers hear the notice twice.
			notifier, err := newNotifier(c.Context, cfg, c.String("endpoint-url"), []string{env.slSecret, bbbSecret}, log, prometheus.NewRegistry())
			if err != nil {
				return err
			}
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := notifier.Close(ctx); err != nil {
					log.Warn("notifications not all sent", "err", err)
				}
			}()
			agent, err := live.NewAgent(c.Context, md, actions, live.AgentOptions{Policy: &pol, Log: log, OnNotice: noticeNotifier(notifier)})
			if err != nil {
				return err
			}
			dns, err := localHostname(c.Context, md)
			if err != nil && strings.Contains(cfg.Live.BBBURL, "{private_dns}") {
				return fmt.Errorf("live.bbb_url needs {private_dns}: %w", err)
			}
			actions.BBBURL = bbbURLFor(cfg.Live.BBBURL, live.Instance{ID: agent.InstanceID(), PrivateDNS: dns})
			bbb, err := live.NewBBB(actions.BBBURL, bbbSecret, live.NewHTTPClient(live.DefaultCallTimeout))
			if err != nil {
				return err
			}
			bbb.Algo = cfg.Live.ChecksumAlgorithm
			actions.BBB = bbb
			log.Info("scalite agent", "instance", agent.InstanceID(), "bbb", actions.BBBURL, "interval", c.Duration("interval"),
				"on_rebalance", cfg.Drain.OnRebalance, "on_interruption", cfg.Drain.OnInterruption)
			ctx, stop := stopContext(c.Context, 0)
			defer stop()
			if c.Bool("once") {
				// One attempt at each step due now: a failed one is an
				// error, as nothing will retry it.
				err := agent.Poll(ctx)
				agent.Wait()
				if left := agent.Unfinished(); err == nil && len(left) > 0 {
					err = fmt.Errorf("agent --once: steps not done: %s", strings.Join(left, ", "))
				}
				return err
			}
			return agent.Run(ctx, c.Duration("interval"))
		},
	}
}

// agentEC2Client uses the standard AWS configuration, except that the
// instance-profile credentials, too, are read from IMDS with IMDSv2 tokens
// only (the SDK's default would fall back to IMDSv1 when the token PUT
// fails). endpoint points EC2 at a test double, imdsEndpoint IMDS.
// noticeNotifier tells the people on call of the agent's notices.
func noticeNotifier(n *notify.Notifier) func(string, live.Notice, []string) {
	if n == nil {
		return nil
	}
	return func(id string, ntc live.Notice, steps []string) {
		what := "rebalance recommendation: elevated risk of interruption"
		if ntc.Kind == "interruption" {
			what = "spot interruption notice (AWS terminates it at " + ntc.Time.UTC().Format("15:04:05Z") + ")"
		}
		action := "agent: none (drain.on_rebalance: ignore)"
		if len(steps) > 0 {
			action = "agent: " + strings.Join(steps, ", ")
		}
		n.Notify(notify.Event{Kind: ntc.Kind, Time: time.Now(), Server: id, What: what, Action: action})
	}
}

func agentEC2Client(ctx context.Context, region, endpoint, imdsEndpoint string) (*ec2.Client, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region),
		awsconfig.WithEC2RoleCredentialOptions(func(o *ec2rolecreds.Options) { o.Client = live.NewMetadataClient(imdsEndpoint) }))
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	return ec2.NewFromConfig(cfg, func(o *ec2.Options) {
		if endpoint != "" {
			o.BaseEndpoint = &endpoint
		}
	}), nil
}

// localHostname reads the instance's private DNS name from IMDS.
func localHostname(ctx context.Context, md live.MetadataAPI) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := md.GetMetadata(ctx, &imds.GetMetadataInput{Path: "local-hostname"})
	if err != nil {
		return "", fmt.Errorf("reading local-hostname from IMDS: %w", err)
	}
	defer out.Content.Close()
	b, err := io.ReadAll(io.LimitReader(out.Content, 1024))
	return strings.TrimSpace(string(b)), err
}
