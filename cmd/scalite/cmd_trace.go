package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/internal/atomicfile"
)

func traceCommand() *cli.Command {
	return &cli.Command{
		Name:  "trace",
		Usage: "inspect and generate meeting load traces",
		Subcommands: []*cli.Command{
			{
				Name:      "inspect",
				Usage:     "summarise a trace: meetings, peaks, weekly profile",
				ArgsUsage: "FILE",
				Flags:     []cli.Flag{&cli.StringFlag{Name: "samples", Usage: "samples CSV `FILE` (time,meeting_id,participants)"}},
				Action:    traceInspect,
			},
			{
				Name:  "generate",
				Usage: "write a synthetic meeting trace from a documented profile",
				Flags: append([]cli.Flag{
					&cli.StringFlag{Name: "profile", Value: "university", Usage: strings.Join(datasets.Profiles(), " | ")},
					&cli.IntFlag{Name: "days", Value: 28, Usage: "number of days"},
					&cli.StringFlag{Name: "start", Value: "2026-03-02", Usage: "first day, YYYY-MM-DD (UTC)"},
					&cli.Float64Flag{Name: "scale", Value: 1, Usage: "multiply every meeting rate"},
					&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed"},
					&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "-", Usage: "output `FILE` (- = stdout)"},
					&cli.BoolFlag{Name: "media", Usage: "also draw each meeting's microphones, listeners and screenshare from the profile's mix (the media columns; the meetings stay the same)"},
				}, traceGenerateExtraFlags()...),
				Action: traceGenerate,
			},
			traceRecordCommand(),
			traceImportCommand(),
			traceExposeCommand(),
			traceCompareCommand(),
		},
	}
}

var weekdays = [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

func traceInspect(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageErr("trace inspect takes one FILE, got %d", c.NArg())
	}
	ms, st, err := datasets.ReadTrace(c.Args().First(), c.String("samples"))
	if err != nil {
		return err
	}
	s := datasets.SummarizeTrace(ms)
	w := c.App.Writer
	fmt.Fprintf(w, "%d meetings from %s to %s (%d recorded, largest %d participants)\n", s.Meetings, fmtTime(s.From), fmtTime(s.To), s.Recorded, s.LargestMeeting)
	if c.String("samples") != "" {
		fmt.Fprintf(w, "%d samples applied, %d outside their meeting skipped\n", st.Samples, st.SamplesOutside)
	}
	fmt.Fprintf(w, "peak concurrent meetings: %d at %s\n", s.PeakMeetings, fmtTime(s.PeakMeetingsAt))
	if s.PeakUsers == 0 {
		// No peak to date: every meeting is empty (created, nobody joined).
		fmt.Fprintln(w, "peak concurrent participants: 0 (no meeting has any participant)")
		fmt.Fprintln(w, "participant-minutes: 0")
		return nil
	}
	fmt.Fprintf(w, "peak concurrent participants: %d at %s\n", s.PeakUsers, fmtTime(s.PeakUsersAt))
	fmt.Fprintf(w, "participant-minutes: %.0f\n", s.ParticipantMinutes)
	fmt.Fprintln(w, "weekly profile, mean concurrent participants by UTC hour:")
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "\t")
	for h := range 24 {
		fmt.Fprintf(tw, "%02d\t", h)
	}
	fmt.Fprintln(tw)
	for d := range 7 {
		fmt.Fprintf(tw, "%s\t", weekdays[d])
		for h := range 24 {
			fmt.Fprintf(tw, "%.0f\t", s.Weekly[d][h])
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

func traceGenerate(c *cli.Context) error {
	p, err := generateProfile(c)
	if err != nil {
		return err
	}
	start, err := parseDay(c.String("start"), "start")
	if err != nil {
		return err
	}
	if c.Float64("scale") <= 0 {
		return usageErr("--scale must be positive")
	}
	seed := c.Uint64("seed")
	opt := datasets.TraceGenOptions{Start: start, Days: c.Int("days"), Scale: c.Float64("scale"), Media: c.Bool("media")}
	ms, err := datasets.GenerateTrace(p, opt, datasets.NewTraceRand(seed))
	if err != nil {
		return err
	}
	if err := atomicfile.Write(c.String("output"), func(w io.Writer) error { return datasets.WriteTrace(w, ms) }); err != nil {
		return err
	}
	if out := c.String("output"); out != "-" {
		fmt.Fprintf(c.App.ErrWriter, "wrote %d meetings (%s profile, %d days, seed %d) to %s\n", len(ms), p.Name, c.Int("days"), seed, out)
	}
	return writeGeneratedTimetable(c, p, opt)
}
