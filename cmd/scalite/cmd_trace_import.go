package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/internal/atomicfile"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/traceimport"
)

// traceImportCommand is `scalite trace import`: traces from what operators
// already record.
func traceImportCommand() *cli.Command {
	outFlags := []cli.Flag{
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Required: true, Usage: "trace CSV `FILE` to write (- = stdout)"},
		&cli.StringFlag{Name: "samples", Usage: "also write the meetings' sizes over time to this samples CSV `FILE`"},
	}
	promFlags := append([]cli.Flag{
		&cli.StringFlag{Name: "url", Required: true, Usage: "Prometheus server `URL`, e.g. http://127.0.0.1:9090"},
		&cli.StringFlag{Name: "from", Required: true, Usage: "window start, YYYY-MM-DD or RFC 3339 (UTC)"},
		&cli.StringFlag{Name: "to", Required: true, Usage: "window end, YYYY-MM-DD or RFC 3339 (UTC)"},
		&cli.DurationFlag{Name: "step", Value: time.Minute, Usage: "query resolution; the exporter's scrape interval or more"},
		&cli.StringFlag{Name: "match", Usage: "extra label matchers, e.g. 'job=\"bbb\"'"},
		&cli.DurationFlag{Name: "timeout", Value: time.Minute, Usage: "bound on each query"},
	}, outFlags...)
	return &cli.Command{
		Name:  "import",
		Usage: "write a trace from what BBB operators record: Prometheus (bigbluebutton-exporter, b3scale) or events.xml",
		Subcommands: []*cli.Command{
			{
				Name:   "prometheus",
				Usage:  "reconstruct meetings per server from greenstatic/bigbluebutton-exporter series (no meeting IDs: sizes and durations inferred)",
				Flags:  promFlags,
				Action: traceImportPrometheus,
			},
			{
				Name:   "b3scale",
				Usage:  "read b3scale's per-meeting series (b3scale_meeting_attendees, b3scale_meeting_durations)",
				Flags:  promFlags,
				Action: traceImportB3Scale,
			},
			{
				Name:      "events-xml",
				Usage:     "read BBB raw recording events.xml files (directories are searched for events.xml)",
				ArgsUsage: "PATH...",
				Flags:     outFlags,
				Action:    traceImportEventsXML,
			},
		},
	}
}

// traceExposeCommand is `scalite trace expose`: what the exporters would
// have shown for a trace, for promtool tsdb create-blocks-from openmetrics.
func traceExposeCommand() *cli.Command {
	return &cli.Command{
		Name:      "expose",
		Usage:     "write what bigbluebutton-exporter or b3scale would have exported for a trace, as OpenMetrics for promtool backfilling",
		ArgsUsage: "TRACE",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "samples", Usage: "samples CSV `FILE` of the trace"},
			&cli.StringFlag{Name: "as", Value: "bbb-exporter", Usage: "bbb-exporter | b3scale"},
			&cli.IntFlag{Name: "servers", Value: 4, Usage: "BBB servers to spread the meetings over (least loaded first)"},
			&cli.DurationFlag{Name: "interval", Value: time.Minute, Usage: "scrape interval"},
			&cli.StringFlag{Name: "job", Value: "bbb", Usage: "job label"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "-", Usage: "OpenMetrics `FILE` (- = stdout)"},
		},
		Action: traceExpose,
	}
}

func importWindow(c *cli.Context) (traceimport.RangeQuerier, traceimport.Window, error) {
	from, err := parseDay(c.String("from"), "from")
	if err != nil {
		return nil, traceimport.Window{}, err
	}
	to, err := parseDay(c.String("to"), "to")
	if err != nil {
		return nil, traceimport.Window{}, err
	}
	if !to.After(from) {
		return nil, traceimport.Window{}, usageErr("--to %s is not after --from %s", c.String("to"), c.String("from"))
	}
	step := c.Duration("step")
	if step < time.Second || step%time.Second != 0 {
		return nil, traceimport.Window{}, usageErr("--step %s: want whole seconds, at least 1s", step)
	}
	// The last evaluation falls one step before --to: --to is exclusive.
	w := traceimport.Window{From: from, To: to.Add(-step), Step: step, Match: c.String("match"), QueryTimeout: c.Duration("timeout")}
	if !w.To.After(w.From) {
		return nil, traceimport.Window{}, usageErr("the window from --from to --to holds less than two steps of %s", step)
	}
	q, err := traceimport.NewPrometheusClient(c.String("url"), c.Duration("timeout"))
	if err != nil {
		return nil, w, usageErr("--url: %v", err)
	}
	return q, w, nil
}

// signalContext is cancelled by Ctrl-C, so a long import stops cleanly.
func signalContext(c *cli.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(c.Context, os.Interrupt)
}

func traceImportPrometheus(c *cli.Context) error {
	q, w, err := importWindow(c)
	if err != nil {
		return err
	}
	ctx, cancel := signalContext(c)
	defer cancel()
	ms, rep, err := traceimport.ImportBBBExporter(ctx, q, w)
	if err != nil {
		return fmt.Errorf("importing from %s: %w", c.String("url"), err)
	}
	e := c.App.ErrWriter
	fmt.Fprintf(e, "%d meetings reconstructed on %d servers (%s) over %d steps of %s\n", rep.Meetings, len(rep.Servers), strings.Join(rep.Servers, ", "), rep.Steps, w.Step)
	if rep.Unseen+rep.GapSteps+rep.CounterShort+rep.Mismatch > 0 {
		fmt.Fprintf(e, "inferred around: %d meetings between two samples (not in the trace), %d gaps, %d steps with more meetings than counted, %d steps with sizes off the histogram\n", rep.Unseen, rep.GapSteps, rep.CounterShort, rep.Mismatch)
	}
	for _, x := range []struct {
		what string
		s    []string
	}{{"bbb_room_participants histogram", rep.NoHistogram}, {"bbb_unique_meetings counter", rep.NoCounter}, {"bbb_meetings_participants_max", rep.NoMax}} {
		if len(x.s) > 0 {
			fmt.Fprintf(e, "warning: no %s on %s: sizes and starts rest on fewer series\n", x.what, strings.Join(x.s, ", "))
		}
	}
	return writeImported(c, ms)
}

func traceImportB3Scale(c *cli.Context) error {
	q, w, err := importWindow(c)
	if err != nil {
		return err
	}
	ctx, cancel := signalContext(c)
	defer cancel()
	ms, rep, err := traceimport.ImportB3Scale(ctx, q, w)
	if err != nil {
		return fmt.Errorf("importing from %s: %w", c.String("url"), err)
	}
	fmt.Fprintf(c.App.ErrWriter, "%d meetings on %d backends over %d steps of %s (%d reused meeting IDs, %d never seen running)\n", rep.Meetings, len(rep.Backends), rep.Steps, w.Step, rep.Reused, rep.NoDuration)
	return writeImported(c, ms)
}

func traceImportEventsXML(c *cli.Context) error {
	if c.NArg() == 0 {
		return usageErr("trace import events-xml takes one or more events.xml files or directories")
	}
	ms, st, err := traceimport.ImportEventsXML(c.Args().Slice())
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "%d meetings from %d events.xml files (%d without participants skipped, %d leaves of unknown users ignored)\n", st.Meetings, st.Files, st.Empty, st.UnknownLeaves)
	return writeImported(c, ms)
}

// writeImported writes the trace and, with --samples, the size curves;
// a trace without its samples keeps each meeting's mean size.
func writeImported(c *cli.Context, ms []model.Meeting) error {
	out, samples := c.String("output"), c.String("samples")
	if samples != "" {
		if samples == out {
			return usageErr("--samples and --output name the same file %s", out)
		}
		if err := atomicfile.Write(samples, func(w io.Writer) error { return datasets.WriteSamples(w, ms) }); err != nil {
			return err
		}
	}
	if err := atomicfile.Write(out, func(w io.Writer) error { return datasets.WriteTrace(w, ms) }); err != nil {
		if samples != "" {
			os.Remove(samples) // no half result
		}
		return err
	}
	if out != "-" {
		fmt.Fprintf(c.App.ErrWriter, "wrote %d meetings to %s", len(ms), out)
		if samples != "" {
			fmt.Fprintf(c.App.ErrWriter, " and their sizes to %s", samples)
		}
		fmt.Fprintln(c.App.ErrWriter)
	}
	return nil
}

func traceExpose(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageErr("trace expose takes one TRACE, got %d", c.NArg())
	}
	if c.Int("servers") < 1 {
		return usageErr("--servers must be at least 1")
	}
	iv := c.Duration("interval")
	if iv < time.Second || iv%time.Second != 0 {
		return usageErr("--interval %s: want whole seconds, at least 1s", iv)
	}
	ms, _, err := datasets.ReadTrace(c.Args().First(), c.String("samples"))
	if err != nil {
		return err
	}
	s := datasets.SummarizeTrace(ms)
	o := traceimport.ExposeOptions{Interval: int64(iv / time.Second), Job: c.String("job"), Frontend: "scalite"}
	o.From = s.From - s.From%o.Interval
	o.To = s.To + o.Interval
	servers, loads := traceimport.AssignServers(ms, c.Int("servers"))
	var write func(io.Writer) error
	switch c.String("as") {
	case "bbb-exporter":
		write = func(w io.Writer) error { return traceimport.WriteExporterOpenMetrics(w, servers, loads, o) }
	case "b3scale":
		write = func(w io.Writer) error { return traceimport.WriteB3ScaleOpenMetrics(w, servers, loads, o) }
	default:
		return usageErr("--as %q: want bbb-exporter or b3scale", c.String("as"))
	}
	if err := atomicfile.Write(c.String("output"), write); err != nil {
		return err
	}
	if out := c.String("output"); out != "-" {
		fmt.Fprintf(c.App.ErrWriter, "wrote %s series of %d meetings on %d servers, scraped every %s, to %s\n", c.String("as"), len(ms), len(servers), iv, out)
	}
	return nil
}
