package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/internal/atomicfile"
	"github.com/scalite/scalite/model"
)

var productFlag = &cli.StringFlag{Name: "product", Value: datasets.DefaultProduct, Usage: "keep only this ProductDescription (* = all)"}

func pricesCommand() *cli.Command {
	return &cli.Command{
		Name:  "prices",
		Usage: "inspect and generate spot-price history",
		Subcommands: []*cli.Command{
			{
				Name:      "inspect",
				Usage:     "summarise price files per market (AWS CLI JSON, JSON Lines, CSV/TSV, .gz, directories)",
				ArgsUsage: "PATH...",
				Flags:     []cli.Flag{productFlag, &cli.StringFlag{Name: "format", Value: "text", Usage: "text | json"}},
				Action:    pricesInspect,
			},
			{
				Name:  "generate",
				Usage: "write a synthetic price history in the AWS CLI JSON shape from the calibrated seeded model",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "region", Value: "eu-west-1", Usage: "AWS `REGION` (on-demand prices and advisor figures from the catalog)"},
					&cli.StringSliceFlag{Name: "instance-types", Value: cli.NewStringSlice("c5a.4xlarge", "c6i.4xlarge", "m5.4xlarge"), Usage: "instance types"},
					&cli.StringSliceFlag{Name: "availability-zones", Usage: "zones (default: the region's zones in the catalog)"},
					&cli.StringFlag{Name: "start", Value: "2026-03-02", Usage: "first day, YYYY-MM-DD (UTC)"},
					&cli.IntFlag{Name: "days", Value: 28, Usage: "number of days"},
					&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed"},
					catalogFlag,
					&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "-", Usage: "output `FILE` (- = stdout)"},
				},
				Action: pricesGenerate,
			},
			pricesFetchCommand(),
		},
	}
}

func pricesInspect(c *cli.Context) error {
	if c.NArg() == 0 {
		return usageErr("prices inspect needs at least one PATH")
	}
	h, err := datasets.ReadPrices(c.Args().Slice(), datasets.PriceReadOptions{Product: c.String("product")})
	if err != nil {
		return err
	}
	stats := h.MarketStats()
	w := c.App.Writer
	switch c.String("format") {
	case "json":
		return writeJSON(w, map[string]any{"read": h.Stats, "markets": stats})
	case "text":
	default:
		return usageErr("--format: want text or json, got %q", c.String("format"))
	}
	printPriceReadStats(w, h)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "market\trecords\tfirst\tlast\tmin $/h\tmedian $/h\tmax $/h\tchanges\tper day\tlongest gap\t")
	for _, s := range stats {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%.4f\t%.4f\t%.4f\t%d\t%.2f\t%s\t\n", s.Market, s.Records, fmtTime(s.First), fmtTime(s.Last), s.Min, s.Median, s.Max, s.Changes, s.ChangesPerDay, fmtDur(s.LongestGapSeconds))
	}
	return tw.Flush()
}

func printPriceReadStats(w io.Writer, h *datasets.PriceHistory) {
	st := h.Stats
	from, to := h.Span()
	fmt.Fprintf(w, "%d files, %d records read, %d markets, %d change points kept, from %s to %s\n", st.Files, st.Records, len(h.Series), st.Kept, fmtTime(from), fmtTime(to))
	if st.Duplicates > 0 || st.Conflicts > 0 {
		fmt.Fprintf(w, "dropped %d duplicate records; %d conflicting records at the same time (higher price kept)\n", st.Duplicates, st.Conflicts)
	}
	if n := st.Skipped(); n > 0 {
		var parts []string
		for p, c := range st.SkippedByProduct {
			parts = append(parts, fmt.Sprintf("%d %q", c, p))
		}
		sort.Strings(parts)
		fmt.Fprintf(w, "skipped %d records of other products: %s\n", n, strings.Join(parts, ", "))
	}
}

func pricesGenerate(c *cli.Context) error {
	cat, err := loadCatalog(c)
	if err != nil {
		return err
	}
	rc, err := cat.Region(c.String("region"))
	if err != nil {
		return err
	}
	var types []model.InstanceType
	for _, n := range splitList(c.StringSlice("instance-types")) {
		t, err := rc.Type(n)
		if err != nil {
			return err
		}
		types = append(types, t)
	}
	azs := splitList(c.StringSlice("availability-zones"))
	if len(azs) == 0 {
		azs = rc.AZs
	}
	for _, az := range azs {
		if err := rc.CheckAZ(az); err != nil {
			return err
		}
	}
	start, err := parseDay(c.String("start"), "start")
	if err != nil {
		return err
	}
	seed := c.Uint64("seed")
	recs, err := datasets.GeneratePrices(datasets.DefaultPriceModel(), datasets.PriceGenOptions{Types: types, AZs: azs, Start: start, Days: c.Int("days")}, datasets.NewPriceRand(seed))
	if err != nil {
		return err
	}
	if err := atomicfile.Write(c.String("output"), func(w io.Writer) error { return datasets.WritePricesCLIJSON(w, recs) }); err != nil {
		return err
	}
	if out := c.String("output"); out != "-" {
		fmt.Fprintf(c.App.ErrWriter, "wrote %d records for %d markets to %s (synthetic, seed %d)\n", len(recs), len(types)*len(azs), out, seed)
	}
	return nil
}

// splitList accepts both repeated flags and comma-separated values.
func splitList(in []string) []string {
	var out []string
	for _, s := range in {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
