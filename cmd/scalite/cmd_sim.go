package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/internal/atomicfile"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/reports"
	"github.com/scalite/scalite/results"
	"github.com/scalite/scalite/scenario"
	"github.com/scalite/scalite/sim"
)

func simCommand() *cli.Command {
	return &cli.Command{
		Name:  "sim",
		Usage: "simulate a policy on spot-price history and a meeting trace: cost, savings, disruption",
		Flags: append(scenarioFlags(),
			&cli.StringFlag{Name: "format", Value: "text", Usage: "text | json"},
			&cli.StringFlag{Name: "out", Usage: "write summary.json, timeseries.csv, events.jsonl, report.html and charts to `DIR`"},
		),
		Action: simAction,
	}
}

func simAction(c *cli.Context) error {
	format := c.String("format")
	if format != "text" && format != "json" {
		return usageErr("--format: want text or json, got %q", format)
	}
	if c.Int("runs") < 1 {
		return usageErr("--runs must be at least 1")
	}
	cat, cf, err := loadCatalogAndConfig(c)
	if err != nil {
		return err
	}
	sc, err := buildScenario(c, cf, cat)
	if err != nil {
		return err
	}
	var rec *results.FileRecorder
	var files *atomicfile.Set
	var run, baseline results.Collector
	if dir := c.String("out"); dir != "" {
		if files, err = newOutFiles(dir); err != nil {
			return err
		}
		defer files.Abort()
		ts, err := files.Create("timeseries.csv")
		if err != nil {
			return err
		}
		ev, err := files.Create("events.jsonl")
		if err != nil {
			return err
		}
		rec = results.NewFileRecorder(ts, ev, sc.Options.Policy.SpotMarkets())
		sc.Options.Recorder = results.Tee{rec, &run}
		sc.Options.BaselineRecorder = &baseline
	}
	runs := c.Int("runs")
	// The other reading of the advisor band, as a sensitivity band.
	sc.Options.Sensitivity = true
	outcomes, err := sim.RunMany(sc.Options, runs, 0, sc.MeetingsFor)
	if err != nil {
		return err
	}
	var doc any = outcomes[0]
	if runs > 1 {
		doc = map[string]any{"runs": outcomes, "aggregate": results.Aggregate(outcomes)}
	}
	if files != nil {
		if err := rec.Flush(); err != nil {
			return err
		}
		summary, err := files.Create("summary.json")
		if err != nil {
			return err
		}
		if err := writeJSON(summary, doc); err != nil {
			return err
		}
		if err := addReport(files, sc, cf.Config, outcomes, &run, &baseline); err != nil {
			return err
		}
		if err := files.Commit(); err != nil {
			return err
		}
	}
	if format == "json" {
		return writeJSON(c.App.Writer, doc)
	}
	printSimText(c.App.Writer, sc, outcomes)
	if files != nil {
		fmt.Fprintf(c.App.Writer, "wrote %s\n", strings.Join(files.Paths(), ", "))
	}
	return nil
}

// addReport renders the report of a recorded run into the output files.
func addReport(files *atomicfile.Set, sc *scenario.Scenario, cfg config.Config, outcomes []results.Result, run, baseline *results.Collector) error {
	yaml, err := config.Marshal(cfg)
	if err != nil {
		return err
	}
	rep := &reports.Report{
		PricesLabel: sc.PricesLabel, TraceLabel: sc.TraceLabel, From: sc.Options.From, To: sc.Options.To,
		Meetings: outcomes[0].MeetingsTotal, Seed: sc.Options.Seed, Policy: sc.Options.Policy,
		PolicyYAML: string(yaml), Prices: sc.Options.Prices, Run: run, Baseline: baseline, Runs: outcomes, Model: sim.ModelVersion,
		LoadMinUserCount: sc.Options.LoadMinUserCount,
	}
	rfiles, err := rep.Files()
	if err != nil {
		return err
	}
	for _, f := range rfiles {
		if err := files.WriteFile(f.Name, f.Data); err != nil {
			return err
		}
	}
	return nil
}

// scenarioFlags are the inputs of a simulation, shared by sim and sweep.
func scenarioFlags() []cli.Flag {
	return []cli.Flag{
		configFlag,
		&cli.StringSliceFlag{Name: "prices", Usage: "spot-price `PATH` (file or directory; repeatable); default: embedded synthetic prices"},
		productFlag,
		&cli.StringFlag{Name: "trace", Usage: "meeting trace CSV `FILE`; default: a trace generated for the price window"},
		&cli.StringFlag{Name: "samples", Usage: "samples CSV `FILE` for --trace"},
		&cli.StringFlag{Name: "profile", Value: "university", Usage: "profile of the generated trace"},
		&cli.Float64Flag{Name: "scale", Value: 1, Usage: "meeting-rate multiplier of the generated trace"},
		catalogFlag,
		&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed (runs use seed, seed+1, ...)"},
		&cli.IntFlag{Name: "runs", Value: 1, Usage: "number of runs (seeds), spread over all cores"},
		&cli.StringFlag{Name: "from", Usage: "window start, RFC 3339 or YYYY-MM-DD"},
		&cli.StringFlag{Name: "to", Usage: "window end, RFC 3339 or YYYY-MM-DD"},
	}
}

// scenarioArgs lists the scenario flags as given, to identify a sweep.
func scenarioArgs(c *cli.Context) []string {
	var out []string
	for _, n := range []string{"prices", "product", "trace", "samples", "profile", "scale", "catalog", "seed", "runs", "from", "to"} {
		if c.IsSet(n) {
			out = append(out, "--"+n+"="+fmt.Sprint(c.Value(n)))
		}
	}
	return out
}

func buildScenario(c *cli.Context, cf *config.File, cat *model.Catalog) (*scenario.Scenario, error) {
	in := scenario.Inputs{
		Config: cf, Catalog: cat, PricePaths: splitList(c.StringSlice("prices")), Product: c.String("product"),
		TracePath: c.String("trace"), SamplesPath: c.String("samples"), Profile: c.String("profile"),
		Scale: c.Float64("scale"), Seed: c.Uint64("seed"),
	}
	var err error
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &in.From}, {"to", &in.To}} {
		if s := c.String(f.name); s != "" {
			if *f.dst, err = parseDay(s, f.name); err != nil {
				return nil, err
			}
		}
	}
	sc, err := scenario.Build(in)
	if err != nil {
		return nil, err
	}
	// Said on stderr, so that it shows whatever the output format.
	for _, n := range sc.Notes {
		fmt.Fprintf(c.App.ErrWriter, "scalite: note: %s\n", n)
	}
	return sc, nil
}

func printSimText(w io.Writer, sc *scenario.Scenario, outcomes []results.Result) {
	o := &sc.Options
	p := &o.Policy
	fmt.Fprintf(w, "window      %s to %s (%.1f days)\n", fmtTime(o.From), fmtTime(o.To), float64(o.To-o.From)/86400)
	if len(outcomes) > 1 {
		fmt.Fprintf(w, "            %s (seed %d)\n", startText(outcomes[0]), outcomes[0].Seed)
	} else {
		fmt.Fprintf(w, "            %s\n", startText(outcomes[0]))
	}
	fmt.Fprintf(w, "prices      %s\n", sc.PricesLabel)
	fmt.Fprintf(w, "trace       %s\n", sc.TraceLabel)
	spot := "off"
	if p.SpotEnabled {
		spot = fmt.Sprintf("%d pools, %s, max price %s", len(p.SpotMarkets()), p.Strategy, maxPriceText(p.MaxPrice))
	}
	fmt.Fprintf(w, "policy      spot %s; on-demand %s base %d; fleet %d-%d, headroom %.0f%%\n", spot, p.OnDemandType.Name, p.OnDemandBase, p.Min, p.Max, p.Headroom*100)
	if len(outcomes) > 1 {
		agg := results.Aggregate(outcomes)
		fmt.Fprintf(w, "\n%d runs (seeds %d..%d): mean [p5 .. p95]\n", len(outcomes), o.Seed, o.Seed+uint64(len(outcomes))-1)
		for _, k := range []string{"policy_cost_usd", "baseline_on_demand_cost_usd", "savings_pct", "total_cost_usd", "egress_cost_usd", "ebs_cost_usd", "ipv4_cost_usd", "total_savings_pct", "interruptions", "meetings_disrupted", "participant_minutes_disrupted", "participants_rejected", "overloaded_participant_minutes", "disrupted_pct", "rejected_pct", "overloaded_pct", "baseline_disrupted_pct", "baseline_rejected_pct", "baseline_overloaded_pct", "availability_pct", "recordings_lost", "peak_servers",
			"other_reading_interruptions", "other_reading_disrupted_pct", "other_reading_availability_pct", "other_reading_policy_cost_usd"} {
			if strings.HasPrefix(k, "other_reading") && outcomes[0].OtherReading == "" {
				continue
			}
			s, ok := agg[k]
			if !ok {
				continue // the bill's, of an unpriced run
			}
			if strings.HasSuffix(k, "_pct") && k != "savings_pct" && k != "total_savings_pct" {
				// Shares of demand: small ones need the digits.
				fmt.Fprintf(w, "  %-31s %12.4f  [%.4f .. %.4f]\n", k, s.Mean, s.P5, s.P95)
				continue
			}
			fmt.Fprintf(w, "  %-31s %12.2f  [%.2f .. %.2f]\n", k, s.Mean, s.P5, s.P95)
		}
		return
	}
	r := outcomes[0]
	fmt.Fprintf(w, "\ncost        %.2f USD (spot %.2f, on-demand %.2f); all on-demand %.2f USD; savings %.1f%%\n", r.PolicyCostUSD, r.SpotCostUSD, r.OnDemandCostUSD, r.BaselineOnDemandCostUSD, r.SavingsPct)
	if r.Priced() {
		fmt.Fprintf(w, "bill        %.2f USD: instances %.2f, data transfer out %.2f (%.0f GB), EBS %.2f, public IPv4 %.2f; all on-demand %.2f USD; savings %.1f%%\n",
			r.TotalCostUSD, r.PolicyCostUSD, r.EgressCostUSD, r.EgressGB, r.EBSCostUSD, r.IPv4CostUSD, r.BaselineTotalCostUSD, r.TotalSavingsPct)
	}
	fmt.Fprintf(w, "servers     peak %d; %.0f spot and %.0f on-demand instance-hours; %d launches, %d failed for capacity\n", r.PeakServers, r.InstanceHoursSpot, r.InstanceHoursOnDemand, r.Launches, r.LaunchFailures)
	fmt.Fprintf(w, "spot risk   %d interruptions (%d price, %d capacity), %d rebalance recommendations\n", r.Interruptions, r.PriceInterruptions, r.CapacityInterruptions, r.RebalanceRecommendations)
	if r.AdvisorReading != "" {
		reading := "the advisor band read per instance over a %.1f h mean lifetime"
		if r.AdvisorReading == "instance-hours" {
			reading = "the advisor band read per instance-hour of a 730-hour month"
		}
		fmt.Fprintf(w, "            "+reading+"\n", r.LifetimeHours)
	}
	if r.OtherReading != "" {
		fmt.Fprintf(w, "            read per %s instead: %.0f interruptions, disrupted %.3f%%, availability %.3f%%, cost %.2f USD\n",
			strings.TrimPrefix(strings.Replace(r.OtherReading, "instance-hours", "instance-hour", 1), "per-"), r.OtherReadingInterruptions, r.OtherReadingDisruptedPct, r.OtherReadingAvailabilityPct, r.OtherReadingPolicyCostUSD)
	}
	fmt.Fprintf(w, "meetings    %d, %d disrupted (%d participants); %d participants rejected; %d recordings lost\n", r.MeetingsTotal, r.MeetingsDisrupted, r.ParticipantsDisrupted, r.ParticipantsRejected, r.RecordingsLost)
	fmt.Fprintf(w, "minutes     %.0f participant-minutes: %.0f disrupted, %.0f rejected, %.0f on overloaded servers; availability %.3f%%\n", r.ParticipantMinutesTotal, r.ParticipantMinutesDisrupted, r.ParticipantMinutesRejected, r.ParticipantMinutesOverloaded, r.AvailabilityPct)
	fmt.Fprintf(w, "unserved    %% of demand   disrupted  rejected  overloaded\n")
	fmt.Fprintf(w, "              policy       %8.3f  %8.3f  %10.3f\n", r.DisruptedPct, r.RejectedPct, r.OverloadedPct)
	fmt.Fprintf(w, "              on-demand    %8.3f  %8.3f  %10.3f\n", r.BaselineDisruptedPct, r.BaselineRejectedPct, r.BaselineOverloadedPct)
	fmt.Fprintf(w, "seed        %d, %d events\n", r.Seed, r.Events)
}

// startText says how the window started: warm (simulation.warm_start),
// with the fleet and the meetings in progress then, or cold.
func startText(r results.Result) string {
	if !r.WarmStart {
		return "started cold: an empty fleet, the meetings in progress at the start left out"
	}
	return fmt.Sprintf("started warm: %d servers, %d meetings in progress", r.WarmStartServers, r.WarmStartMeetings)
}

func maxPriceText(m map[string]float64) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %.4f", n, m[n])
	}
	return strings.Join(parts, ", ") + " $/h"
}

// newOutFiles prepares the files of --out DIR, written together or not
// at all.
func newOutFiles(dir string) (*atomicfile.Set, error) {
	files, err := atomicfile.NewSet(dir)
	if err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	return files, nil
}
