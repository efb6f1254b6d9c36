package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/internal/atomicfile"
	"github.com/scalite/scalite/tracecompare"
	"github.com/scalite/scalite/tracefit"
)

// traceCompareCommand is `scalite trace compare A B`.
func traceCompareCommand() *cli.Command {
	return &cli.Command{
		Name:      "compare",
		Usage:     "set two traces side by side: weekly profile, arrivals per hour, sizes and durations, with Kolmogorov-Smirnov distances",
		ArgsUsage: "A B",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "samples-a", Usage: "samples CSV `FILE` of trace A"},
			&cli.StringFlag{Name: "samples-b", Usage: "samples CSV `FILE` of trace B"},
			&cli.StringFlag{Name: "out", Usage: "also write the chart (compare.png, compare.svg) into `DIR`"},
		},
		Action: traceCompare,
	}
}

func traceCompare(c *cli.Context) error {
	if c.NArg() != 2 {
		return usageErr("trace compare takes two traces A B, got %d", c.NArg())
	}
	pa, pb := c.Args().Get(0), c.Args().Get(1)
	a, _, err := datasets.ReadTrace(pa, c.String("samples-a"))
	if err != nil {
		return err
	}
	b, _, err := datasets.ReadTrace(pb, c.String("samples-b"))
	if err != nil {
		return err
	}
	cmp := tracecompare.Compare(pa, a, pb, b)
	if dir := c.String("out"); dir != "" {
		png, svg, err := cmp.Chart()
		if err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", dir, err)
		}
		for _, f := range []struct {
			name string
			data []byte
		}{{"compare.png", png}, {"compare.svg", svg}} {
			path := filepath.Join(dir, f.name)
			if err := atomicfile.Write(path, func(w io.Writer) error { _, err := w.Write(f.data); return err }); err != nil {
				return err
			}
		}
	}
	return cmp.WriteText(c.App.Writer)
}

// traceGenerateExtraFlags are `trace generate`'s flags for fitting a profile to a trace.
func traceGenerateExtraFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "fit", Usage: "fit the profile's parameters to this trace `FILE` (--profile gives the holidays)"},
		&cli.StringFlag{Name: "fit-samples", Usage: "samples CSV `FILE` of the --fit trace"},
		timetableFlag,
	}
}

// generateProfile is the profile `trace generate` draws from: the named
// one, or with --fit, that one fitted to a trace (its parameters are
// printed to stderr).
func generateProfile(c *cli.Context) (datasets.TraceProfile, error) {
	p, err := datasets.Profile(c.String("profile"))
	if err != nil {
		return p, usageErr("--profile: %v", err)
	}
	path := c.String("fit")
	if path == "" {
		return p, nil
	}
	ms, _, err := datasets.ReadTrace(path, c.String("fit-samples"))
	if err != nil {
		return p, err
	}
	fit, rep, err := tracefit.Fit(ms, p)
	if err != nil {
		return p, fmt.Errorf("fitting %s: %w", path, err)
	}
	fmt.Fprintf(c.App.ErrWriter, "fitted to %s: %d meetings, %d working days, %d weekend days, %d holidays\n", path, len(ms), rep.WorkingDays, rep.WeekendDays, rep.HolidayDays)
	if err := tracefit.WriteProfile(c.App.ErrWriter, fit); err != nil {
		return p, err
	}
	return fit, nil
}
