package main

import (
	"fmt"
	"os"
	"strconv"
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
	"github.com/scalite/scalite/sweep"
)

func sweepCommand() *cli.Command {
	constraintFlags := []cli.Flag{
		&cli.Float64Flag{Name: "max-disrupted-pct", Value: -1, Usage: "winner's mean disrupted participant-minutes, % of demand, at most (-1 = no bound)"},
		&cli.Float64Flag{Name: "max-rejected-pct", Value: -1, Usage: "winner's mean rejected participant-minutes, % of demand, at most (-1 = no bound)"},
		&cli.Float64Flag{Name: "max-overloaded-pct", Value: -1, Usage: "winner's mean participant-minutes on overloaded servers (everyone on them), % of demand, at most (-1 = no bound)"},
		&cli.Float64Flag{Name: "min-availability", Value: -1, Usage: "winner's mean availability_pct at least (-1 = no bound)"},
		&cli.Float64Flag{Name: "max-recordings-lost", Value: -1, Usage: "winner's mean recordings lost at most (-1 = no bound)"},
	}
	common := append(scenarioFlags(),
		// Not Required: urfave/cli would then demand them of `sweep merge`'s parent too.
		&cli.StringFlag{Name: "spec", Usage: "sweep spec `FILE` (YAML): the candidate space (required)"},
		&cli.StringFlag{Name: "out", Usage: "output `DIR` (required)"},
	)
	return &cli.Command{
		Name:  "sweep",
		Usage: "evaluate candidate policies on the same seeds; write sweep.csv, the Pareto front and winner.yaml",
		Flags: append(append(common, constraintFlags...),
			&cli.StringFlag{Name: "search", Value: "grid", Usage: "grid (every candidate) | halving (successive halving over time windows and seeds)"},
			&cli.StringFlag{Name: "shard", Usage: "evaluate shard `i/n` only (candidates with index mod n = i); merge with `sweep merge`"},
			&cli.IntFlag{Name: "shards", Usage: "number of shards, the index taken from AWS_BATCH_JOB_ARRAY_INDEX or JOB_COMPLETION_INDEX"},
			&cli.IntFlag{Name: "workers", Usage: "parallel simulations (default: all cores)"},
		),
		Action: sweepAction,
		Subcommands: []*cli.Command{{
			Name:      "merge",
			Usage:     "join shard directories into the outputs of the whole sweep (same flags as the sweep)",
			ArgsUsage: "SHARD_DIR...",
			Flags:     append(common, constraintFlags...),
			Action:    sweepMerge,
		}},
	}
}

// sweepEnv is what a sweep and its merge share.
type sweepEnv struct {
	cat   *model.Catalog
	base  *config.File
	cands []sweep.Candidate
	sc    *scenario.Scenario
	meta  sweep.Meta
	cons  sweep.Constraints
}

func setupSweep(c *cli.Context) (*sweepEnv, error) {
	if c.String("spec") == "" || c.String("out") == "" {
		return nil, usageErr("%s needs --spec FILE and --out DIR", c.Command.HelpName)
	}
	if c.Int("runs") < 1 {
		return nil, usageErr("--runs must be at least 1")
	}
	cat, base, err := loadCatalogAndConfig(c)
	if err != nil {
		return nil, err
	}
	spec, specBytes, err := sweep.LoadSpec(c.String("spec"))
	if err != nil {
		return nil, err
	}
	cands, err := spec.Candidates(base.Config, cat)
	if err != nil {
		return nil, err
	}
	sc, err := buildScenario(c, base, cat)
	if err != nil {
		return nil, err
	}
	baseYAML, err := config.Marshal(base.Config)
	if err != nil {
		return nil, err
	}
	args := scenarioArgs(c)
	return &sweepEnv{
		cat: cat, base: base, cands: cands, sc: sc,
		meta: sweep.Meta{
			Hash:       sweep.Hash(specBytes, baseYAML, []byte(strings.Join(args, "\x00")), []byte(strconv.Itoa(c.Int("runs")))),
			Candidates: len(cands), Runs: c.Int("runs"), Seed: c.Uint64("seed"), Shard: "all", Args: args,
		},
		cons: sweep.Constraints{MaxDisruptedPct: c.Float64("max-disrupted-pct"), MaxRejectedPct: c.Float64("max-rejected-pct"), MaxOverloadedPct: c.Float64("max-overloaded-pct"),
			MinAvailability: c.Float64("min-availability"), MaxRecordingsLost: c.Float64("max-recordings-lost")},
	}, nil
}

// shardOf reads --shard i/n, or --shards n with the index from the batch
// system's environment.
func shardOf(c *cli.Context) (sweep.Shard, error) {
	if s := c.String("shard"); s != "" {
		sh, err := sweep.ParseShard(s)
		if err != nil {
			return sweep.Shard{}, usageErr("--shard: %v", err)
		}
		return sh, nil
	}
	if n := c.Int("shards"); n > 0 {
		sh, err := sweep.ShardFromEnv(n, os.Getenv)
		if err != nil {
			return sweep.Shard{}, usageErr("--shards %d: %v", n, err)
		}
		return sh, nil
	}
	return sweep.Unsharded, nil
}

func sweepAction(c *cli.Context) error {
	env, err := setupSweep(c)
	if err != nil {
		return err
	}
	shard, err := shardOf(c)
	if err != nil {
		return err
	}
	cands := shard.Select(env.cands)
	env.meta.Shard = shard.String()
	ev := &sweep.Evaluator{Base: env.sc.Options, Catalog: env.cat, MeetingsFor: env.sc.MeetingsFor, Runs: env.meta.Runs, Workers: c.Int("workers")}
	prog := newProgress(c.App.ErrWriter, "sweep", len(cands))
	start := time.Now()
	var rows []sweep.Row
	var rungs []int
	switch c.String("search") {
	case "grid":
		rows, err = ev.Evaluate(cands, prog.update)
	case "halving":
		if shard.Sharded() {
			return usageErr("--search halving cannot be sharded: its rungs depend on every candidate")
		}
		rows, rungs, err = ev.Halving(cands, env.cons, nil, prog.update)
	default:
		return usageErr("--search: want grid or halving, got %q", c.String("search"))
	}
	prog.finish()
	if err != nil {
		return err
	}
	days := float64(env.sc.Options.To-env.sc.Options.From) / 86400
	grid := float64(len(cands)*env.meta.Runs) * days
	fmt.Fprintf(c.App.ErrWriter, "evaluated %d candidates x %d runs x %.1f days in %s (%.1f candidates/s); simulated %.0f candidate-run-days, %.1f%% of the grid's %.0f\n",
		len(cands), env.meta.Runs, days, time.Since(start).Round(time.Millisecond), float64(len(cands))/time.Since(start).Seconds(), ev.Work, 100*ev.Work/grid, grid)
	if rungs != nil {
		fmt.Fprintf(c.App.ErrWriter, "halving: candidates per rung %v; the last rung is the full evaluation\n", rungs)
	}
	files, err := newOutFiles(c.String("out"))
	if err != nil {
		return err
	}
	defer files.Abort()
	if err := writeRows(files, env.meta, rows); err != nil {
		return err
	}
	if shard.Sharded() {
		if err := files.Commit(); err != nil {
			return err
		}
		fmt.Fprintf(c.App.Writer, "shard %s: %d candidates written to %s; join the shards with scalite sweep merge\n", env.meta.Shard, len(rows), strings.Join(files.Paths(), ", "))
		return nil
	}
	out := sweep.NewOutcome(env.meta, rows, env.cons)
	out.Work, out.GridWork = ev.Work, grid
	return finishSweep(c, env, out, files)
}

func sweepMerge(c *cli.Context) error {
	if c.NArg() == 0 {
		return usageErr("sweep merge needs the shard directories")
	}
	env, err := setupSweep(c)
	if err != nil {
		return err
	}
	meta, rows, err := sweep.Merge(c.Args().Slice())
	if err != nil {
		return err
	}
	if meta.Hash != env.meta.Hash {
		return fmt.Errorf("the shards are from sweep %s, but these flags, spec and config make sweep %s: give sweep merge the same inputs as the sweep", meta.Hash, env.meta.Hash)
	}
	files, err := newOutFiles(c.String("out"))
	if err != nil {
		return err
	}
	defer files.Abort()
	if err := writeRows(files, meta, rows); err != nil {
		return err
	}
	return finishSweep(c, env, sweep.NewOutcome(meta, rows, env.cons), files)
}

// finishSweep writes sweep.csv, the Pareto chart, winner.yaml and the
// winner's report; with no feasible candidate it says so and fails.
func finishSweep(c *cli.Context, env *sweepEnv, out *sweep.Outcome, files *atomicfile.Set) error {
	if err := files.WriteFile("sweep.csv", out.CSV()); err != nil {
		return err
	}
	pts := make([]reports.ParetoPoint, len(out.Rows))
	for i := range out.Rows {
		pts[i] = reports.ParetoPoint{Cost: out.Rows[i].Mean("policy_cost_usd"), Disrupted: out.Rows[i].Mean("participant_minutes_disrupted"),
			Overloaded: out.Rows[i].Mean("overloaded_pct"), Front: out.Front[i]}
	}
	baseline := 0.0
	if out.Winner >= 0 {
		baseline = out.Rows[out.Winner].Mean("baseline_on_demand_cost_usd")
	} else if len(out.Rows) > 0 {
		baseline = out.Rows[0].Mean("baseline_on_demand_cost_usd")
	}
	chart, err := reports.ParetoChart(pts, baseline, out.Winner)
	if err != nil {
		return err
	}
	if err := files.WriteFile("pareto.png", chart.PNG); err != nil {
		return err
	}
	if err := files.WriteFile("pareto.svg", chart.SVG); err != nil {
		return err
	}
	front := 0
	for _, f := range out.Front {
		if f {
			front++
		}
	}
	if out.Winner < 0 {
		if err := files.Commit(); err != nil {
			return err
		}
		return fmt.Errorf("no candidate of %d meets the constraints (see infeasible_because in %s/sweep.csv)", len(out.Rows), c.String("out"))
	}
	w := &out.Rows[out.Winner]
	cand := env.cands[w.Index]
	yaml, err := out.WinnerYAML(cand.Config)
	if err != nil {
		return err
	}
	if err := files.WriteFile("winner.yaml", yaml); err != nil {
		return err
	}
	// The winner's report: its first run recorded, all runs for the spread.
	sc := *env.sc
	if sc.Options.Policy, err = cand.Config.Policy(env.cat); err != nil {
		return err
	}
	var run, base results.Collector
	sc.Options.Recorder, sc.Options.BaselineRecorder = &run, &base
	outcomes, err := sim.RunMany(sc.Options, env.meta.Runs, c.Int("workers"), sc.MeetingsFor)
	if err != nil {
		return err
	}
	if err := addReport(files, &sc, cand.Config, outcomes, &run, &base); err != nil {
		return err
	}
	if err := files.Commit(); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "%d candidates, %d on the Pareto front; winner: candidate %d (%s)\n", len(out.Rows), front, w.Index, strings.Join(cand.Params, ", "))
	fmt.Fprintf(c.App.Writer, "  mean cost %.2f USD vs all on-demand %.2f USD (savings %.1f%%), disrupted %.4f%%, rejected %.4f%%, overloaded %.3f%% (all on-demand %.3f%%), availability %.3f%%, recordings lost %.2f\n",
		w.Mean("policy_cost_usd"), w.Mean("baseline_on_demand_cost_usd"), w.Mean("savings_pct"), w.Mean("disrupted_pct"), w.Mean("rejected_pct"), w.Mean("overloaded_pct"), w.Mean("baseline_overloaded_pct"), w.Mean("availability_pct"), w.Mean("recordings_lost"))
	if t := w.Mean("total_cost_usd"); t > 0 {
		fmt.Fprintf(c.App.Writer, "  whole bill %.2f USD (instances %.2f, egress %.2f, EBS %.2f, IPv4 %.2f) vs all on-demand %.2f USD (savings %.1f%%); the winner is the cheapest by it\n",
			t, w.Mean("policy_cost_usd"), w.Mean("egress_cost_usd"), w.Mean("ebs_cost_usd"), w.Mean("ipv4_cost_usd"), w.Mean("baseline_total_cost_usd"), w.Mean("total_savings_pct"))
	}
	fmt.Fprintf(c.App.Writer, "wrote %s\n", strings.Join(files.Paths(), ", "))
	return nil
}

// writeRows writes rows.jsonl, the evaluated rows a merge joins.
func writeRows(files *atomicfile.Set, meta sweep.Meta, rows []sweep.Row) error {
	w, err := files.Create("rows.jsonl")
	if err != nil {
		return err
	}
	return sweep.WriteRows(w, meta, rows)
}
