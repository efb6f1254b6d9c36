package main

import (
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/urfave/cli/v2"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/live"
)

func agentCommand() *cli.Command {
	return &cli.Command{
		Name:  "agent",
		Usage: "watch this BBB server's spot notices (IMDSv2, every 5 s): cordon, tell the controller, end meetings before termination, save recordings",
		Flags: []cli.Flag{
			configFlag, catalogFlag, endpointFlag, logFormatFlag,
			&cli.StringFlag{Name: "imds-endpoint", Usage: "instance metadata `URL` (a mock); default: the real one"},
			&cli.DurationFlag{Name: "interval", Value: live.PollInterval, Usage: "poll interval"},
			&cli.BoolFlag{Name: "once", Usage: "poll once and exit"},
		},
		Action: func(c *cli.Context) error {
			env, err := setupLive(c)
			if err != nil {
				return err
			}
			cfg, sl, bbbSecret := env.cfg, env.sl, env.bbbSecret
			md := imds.New(imds.Options{Endpoint: c.String("imds-endpoint")})
			log := newLogger(c)
			actions := &live.ServerActions{Scalelite: sl, RecordingsHook: cfg.Live.RecordingsHook, Log: log,
				CordonOnRebalance: cfg.Drain.OnRebalance == config.DrainCordon}
			agent, err := live.NewAgent(c.Context, md, actions, log)
			if err != nil {
				return err
			}
			host, _ := md.GetMetadata(c.Context, &imds.GetMetadataInput{Path: "local-hostname"})
			dns := ""
			if host != nil {
				b, _ := io.ReadAll(host.Content)
				host.Content.Close()
				dns = strings.TrimSpace(string(b))
			}
			actions.BBBURL = bbbURLFor(cfg.Live.BBBURL, live.Instance{ID: agent.InstanceID(), PrivateDNS: dns})
			if actions.BBB, err = live.NewBBB(actions.BBBURL, bbbSecret, nil); err != nil {
				return err
			}
			if cfg.Drain.OnInterruption == config.DrainEndMeetings {
				actions.EndBefore = cfg.Drain.EndMeetingsBefore.Duration
			}
			if client, err := ec2Client(c.Context, cfg.Region, c.String("endpoint-url")); err == nil {
				if fleet, err := live.NewFleet(client, cfg.Live.Fleet, ""); err == nil {
					actions.Tagger = fleet
				}
			}
			log.Info("scalite agent", "instance", agent.InstanceID(), "bbb", actions.BBBURL, "interval", c.Duration("interval"))
			if c.Bool("once") {
				err := agent.Poll(c.Context)
				actions.Wait()
				return err
			}
			ctx, stop := stopContext(c.Context, 0)
			defer stop()
			err = agent.Run(ctx, c.Duration("interval"))
			actions.Wait()
			return err
		},
	}
}
