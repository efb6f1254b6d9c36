package sweep

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/scalite/scalite/config"
)

// Meta identifies a sweep: shards of one sweep share it.
type Meta struct {
	Hash       string   `json:"sweep"`
	Candidates int      `json:"candidates"`
	Runs       int      `json:"runs"`
	Seed       uint64   `json:"seed"`
	Shard      string   `json:"shard"` // "i/n", or "all"
	Args       []string `json:"args"`  // the scenario flags, to rebuild it when merging
}

// Outcome is a finished sweep.
type Outcome struct {
	Meta        Meta
	Rows        []Row // by candidate index
	Front       []bool
	Winner      int // row position; -1 when none is feasible
	Constraints Constraints
	// Work and GridWork are simulated candidate-run-days.
	Work, GridWork float64
}

// NewOutcome sorts rows by index, finds the front and the winner.
func NewOutcome(meta Meta, rows []Row, c Constraints) *Outcome {
	rows = slices.Clone(rows)
	slices.SortFunc(rows, func(a, b Row) int { return a.Index - b.Index })
	o := &Outcome{Meta: meta, Rows: rows, Front: Pareto(rows), Constraints: c}
	o.Winner, _ = Select(rows, c)
	return o
}

// metricColumns are the metrics written to sweep.csv, each as mean, p5,
// p50 and p95.
var metricColumns = []string{"policy_cost_usd", "baseline_on_demand_cost_usd", "savings_pct", "interruptions",
	"rebalance_recommendations", "meetings_disrupted", "participant_minutes_disrupted", "disrupted_pct",
	"participants_rejected", "rejected_pct", "overloaded_participant_minutes", "overloaded_pct",
	"baseline_disrupted_pct", "baseline_rejected_pct", "baseline_overloaded_pct", "availability_pct", "recordings_lost",
	"instance_hours_spot", "instance_hours_on_demand", "peak_servers",
	"total_cost_usd", "egress_cost_usd", "ebs_cost_usd", "ipv4_cost_usd", "total_savings_pct", "load_per_participant"}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// CSV is sweep.csv: one row per candidate.
func (o *Outcome) CSV() []byte {
	var b bytes.Buffer
	// csv.Writer's errors are its writer's, and a bytes.Buffer takes every
	// write: the Write and Flush results below carry nothing to handle.
	w := csv.NewWriter(&b)
	header := append([]string{"index"}, ParamNames...)
	for _, m := range metricColumns {
		header = append(header, m+"_mean", m+"_p5", m+"_p50", m+"_p95")
	}
	w.Write(append(header, "feasible", "pareto", "winner", "infeasible_because"))
	for i := range o.Rows {
		r := &o.Rows[i]
		rec := append([]string{strconv.Itoa(r.Index)}, r.Params...)
		for _, m := range metricColumns {
			s := r.Stats[m]
			rec = append(rec, num(s.Mean), num(s.P5), num(s.P50), num(s.P95))
		}
		ok, why := o.Constraints.Feasible(r)
		rec = append(rec, strconv.FormatBool(ok), strconv.FormatBool(o.Front[i]), strconv.FormatBool(i == o.Winner), why)
		w.Write(rec)
	}
	w.Flush()
	return b.Bytes()
}

// WriteRows writes rows.jsonl: the meta line, then one row per line in
// candidate order, however the rows were gathered.
func WriteRows(w io.Writer, meta Meta, rows []Row) error {
	rows = slices.Clone(rows)
	slices.SortFunc(rows, func(a, b Row) int { return a.Index - b.Index })
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(meta); err != nil {
		return err
	}
	for i := range rows {
		if err := enc.Encode(&rows[i]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ReadRows reads a rows.jsonl file.
func ReadRows(path string) (Meta, []Row, error) {
	f, err := os.Open(path)
	if err != nil {
		return Meta{}, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	var meta Meta
	var rows []Row
	line := 0
	for sc.Scan() {
		line++
		if line == 1 {
			if err := json.Unmarshal(sc.Bytes(), &meta); err != nil || meta.Hash == "" {
				return Meta{}, nil, fmt.Errorf("%s: line 1: not a sweep rows file (%v)", path, err)
			}
			continue
		}
		var r Row
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return Meta{}, nil, fmt.Errorf("%s: line %d: %w", path, line, err)
		}
		rows = append(rows, r)
	}
	return meta, rows, sc.Err()
}

// Merge joins shards' rows; they must come from one sweep and cover every
// candidate exactly once.
func Merge(dirs []string) (Meta, []Row, error) {
	var meta Meta
	var rows []Row
	seen := map[int]string{}
	for i, d := range dirs {
		path := filepath.Join(d, "rows.jsonl")
		m, rs, err := ReadRows(path)
		if err != nil {
			return Meta{}, nil, err
		}
		if i == 0 {
			meta = m
		} else if m.Hash != meta.Hash || m.Candidates != meta.Candidates || m.Runs != meta.Runs {
			return Meta{}, nil, fmt.Errorf("%s is from another sweep (%s, %d candidates) than %s (%s, %d)", path, m.Hash, m.Candidates, dirs[0], meta.Hash, meta.Candidates)
		}
		for _, r := range rs {
			if prev, dup := seen[r.Index]; dup {
				return Meta{}, nil, fmt.Errorf("candidate %d is in both %s and %s", r.Index, prev, path)
			}
			seen[r.Index] = path
			rows = append(rows, r)
		}
	}
	if len(rows) != meta.Candidates {
		var missing []int
		for k := 0; k < meta.Candidates && len(missing) < 10; k++ {
			if _, ok := seen[k]; !ok {
				missing = append(missing, k)
			}
		}
		return Meta{}, nil, fmt.Errorf("the shards hold %d of %d candidates (missing e.g. %v)", len(rows), meta.Candidates, missing)
	}
	meta.Shard = "all"
	return meta, rows, nil
}

// WinnerYAML is a complete configuration for the winner, with its figures
// as comments; `scalite config validate` accepts it as it is.
func (o *Outcome) WinnerYAML(cfg config.Config) ([]byte, error) {
	body, err := config.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	r := &o.Rows[o.Winner]
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Winner of sweep %s: candidate %d of %d, %d runs from seed %d.\n", o.Meta.Hash, r.Index, o.Meta.Candidates, o.Meta.Runs, o.Meta.Seed)
	fmt.Fprintf(&b, "# Mean cost %.2f USD (all on-demand %.2f USD, savings %.1f%%); disrupted %.4f%% of participant-minutes;\n",
		r.Mean("policy_cost_usd"), r.Mean("baseline_on_demand_cost_usd"), r.Mean("savings_pct"), r.Mean("disrupted_pct"))
	fmt.Fprintf(&b, "# rejected %.4f%%, on overloaded servers %.3f%% (all on-demand %.3f%%);\n", r.Mean("rejected_pct"), r.Mean("overloaded_pct"), r.Mean("baseline_overloaded_pct"))
	if t := r.Mean("total_cost_usd"); t > 0 {
		fmt.Fprintf(&b, "# whole bill %.2f USD (egress %.2f, EBS %.2f, IPv4 %.2f; all on-demand %.2f USD, savings %.1f%%);\n",
			t, r.Mean("egress_cost_usd"), r.Mean("ebs_cost_usd"), r.Mean("ipv4_cost_usd"), r.Mean("baseline_total_cost_usd"), r.Mean("total_savings_pct"))
	}
	fmt.Fprintf(&b, "# availability %.3f%%; %.2f recordings lost. Reproduce with scalite sim --config THIS --runs %d --seed %d and the sweep's inputs.\n",
		r.Mean("availability_pct"), r.Mean("recordings_lost"), o.Meta.Runs, o.Meta.Seed)
	b.Write(body)
	return b.Bytes(), nil
}
