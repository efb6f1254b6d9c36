package main

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/scalite/scalite/interruptions"
)

// interruptionsCommand is `scalite interruptions`.
func interruptionsCommand() *cli.Command {
	return &cli.Command{
		Name:  "interruptions",
		Usage: "fit the spot interruption model to availability traces or to the live controller's event log",
		Subcommands: []*cli.Command{{
			Name:      "fit",
			Usage:     "fit each pool's interruption model, print it with confidence intervals and goodness of fit, and write it for the simulator",
			ArgsUsage: "PATH...",
			Description: "PATH is an availability trace in the SkyPilot format (TYPE_AZ.json, " +
				"{\"metadata\":{\"gap_seconds\":N},\"data\":[...]}), a directory of them, or with " +
				"--source event-log the live controller's event log (JSON Lines). Files ending .jsonl are read as event logs.",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the fitted model to `MODEL.yaml` (simulation.capacity_interruptions: model:MODEL.yaml)"},
				&cli.StringFlag{Name: "source", Value: "auto", Usage: "`KIND` of input: traces, event-log, or auto (.jsonl files are event logs)"},
				&cli.Float64Flag{Name: "confidence", Value: interruptions.DefaultConfidence, Usage: "confidence `LEVEL` of the intervals"},
				&cli.Float64Flag{Name: "holdout", Usage: "also fit each trace on its first `FRACTION` (e.g. 0.5) and compare the predicted count of capacity crunches in the rest with the observed"},
			},
			Action: interruptionsFit,
		}},
	}
}

func interruptionsFit(c *cli.Context) error {
	if c.NArg() == 0 {
		return usageErr("interruptions fit takes one or more trace files, directories or event logs")
	}
	conf := c.Float64("confidence")
	if !(conf > 0 && conf < 1) {
		return usageErr("--confidence must be in (0, 1), got %v", conf)
	}
	paths := c.Args().Slice()
	source := c.String("source")
	if source == "auto" {
		source = "traces"
		for _, p := range paths {
			if strings.HasSuffix(p, ".jsonl") {
				source = "event-log"
			}
		}
	}
	var m *interruptions.Model
	var traces []*interruptions.Trace
	switch source {
	case "traces":
		var err error
		if traces, err = interruptions.ReadTraces(paths...); err != nil {
			return err
		}
		if m, err = interruptions.FitTraces(traces, conf); err != nil {
			return err
		}
	case "event-log":
		var events []interruptions.Event
		for _, p := range paths {
			evs, err := interruptions.ReadEventLog(p)
			if err != nil {
				return err
			}
			if n := len(events); n > 0 && evs[0].Time.Before(events[n-1].Time) {
				return fmt.Errorf("%s: starts before the previous log ends: give logs in time order", p)
			}
			events = append(events, evs...)
		}
		var err error
		if m, err = interruptions.FitEventLog(events, conf); err != nil {
			return err
		}
	default:
		return usageErr("--source: want traces, event-log or auto, got %q", source)
	}
	if h := c.Float64("holdout"); h != 0 && source != "traces" {
		return usageErr("--holdout works on traces")
	}
	w := c.App.Writer
	printModel(w, m)
	if h := c.Float64("holdout"); h != 0 {
		if err := printHoldout(w, traces, h, conf); err != nil {
			return err
		}
	}
	if out := c.String("output"); out != "" {
		if err := interruptions.WriteModel(out, m); err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote %s (%d pools)\n", out, len(m.Pools))
	}
	return nil
}

func fmtRate(r interruptions.Rate) string {
	if r.ExposureHours <= 0 {
		return "not observed"
	}
	mean := "inf"
	if r.PerHour > 0 {
		mean = fmt.Sprintf("%.3g h", 1/r.PerHour)
	}
	return fmt.Sprintf("%.4g/h [%.4g, %.4g] (%d in %.1f h, mean %s)", r.PerHour, r.Lower, r.Upper, r.Events, r.ExposureHours, mean)
}

func fmtFit(f interruptions.Fit) string {
	if math.IsNaN(f.KS) {
		return fmt.Sprintf("n=%d, no fit", f.N)
	}
	return fmt.Sprintf("KS %.3f, p=%.3g, n=%d", f.KS, f.PValue, f.N)
}

func printModel(w io.Writer, m *interruptions.Model) {
	fmt.Fprintf(w, "interruption model from %s, %.0f%% intervals\n", m.Source, 100*m.Confidence)
	for _, p := range m.Pools {
		fmt.Fprintf(w, "%s  (%.1f h observed)\n", p.Pool, p.ObservedHours)
		if a := p.Availability; a != nil {
			fmt.Fprintf(w, "  available -> unavailable  %s\n", fmtRate(a.Up))
			fmt.Fprintf(w, "    holding times vs exponential: %s\n", fmtFit(a.UpFit))
			fmt.Fprintf(w, "  unavailable -> available  %s\n", fmtRate(a.Down))
			fmt.Fprintf(w, "    holding times vs exponential: %s\n", fmtFit(a.DownFit))
			fmt.Fprintf(w, "  available %.1f%% of the time, %.3g capacity crunches a day\n", 100*a.AvailableShare(), 24*a.CrunchesPerHour())
		}
		if h := p.InstanceHazard; h != nil {
			fmt.Fprintf(w, "  interruptions per spot instance-hour  %s\n", fmtRate(*h))
			fmt.Fprintf(w, "    interruption times vs Poisson (time rescaling): %s\n", fmtFit(*p.HazardFit))
			fmt.Fprintf(w, "    co-interrupted (within %s of another): %.0f%%\n", interruptions.CoInterruptionWindow, 100*p.CoInterruptedShare)
			fmt.Fprintf(w, "  launches refused for capacity: %d of %d\n", p.LaunchFailures, p.LaunchAttempts)
			fmt.Fprintf(w, "  rebalance recommendations: %d, %d then a notice (median lead %.0f s), %d false alarms\n",
				p.Rebalances, p.RebalancesBeforeNotice, p.RebalanceLeadSeconds, p.RebalanceFalseAlarms)
		}
	}
}

func printHoldout(w io.Writer, traces []*interruptions.Trace, fraction, conf float64) error {
	fmt.Fprintf(w, "holdout: fitted on the first %.0f%% of each trace, capacity crunches predicted in the rest\n", 100*fraction)
	inside, pred, obs := 0, 0.0, 0
	for _, t := range traces {
		h, err := interruptions.HoldoutTrace(t, fraction, conf)
		if err != nil {
			return err
		}
		mark := "inside"
		if !h.Inside() {
			mark = "OUTSIDE"
		} else {
			inside++
		}
		fmt.Fprintf(w, "  %-28s predicted %6.1f [%d, %d], observed %4d  %s\n", h.Pool, h.Predicted, h.Low, h.High, h.Observed, mark)
		pred += h.Predicted
		obs += h.Observed
	}
	fmt.Fprintf(w, "  %d of %d pools inside the %.0f%% interval; all pools: predicted %.1f, observed %d\n", inside, len(traces), 100*conf, pred, obs)
	return nil
}
