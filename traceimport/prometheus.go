package traceimport

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	pmodel "github.com/prometheus/common/model"
)

// RangeQuerier is the one call of the Prometheus HTTP API the importers
// make (v1.API satisfies it).
type RangeQuerier interface {
	QueryRange(ctx context.Context, query string, r v1.Range, opts ...v1.Option) (pmodel.Value, v1.Warnings, v1.Infos, error)
}

// NewPrometheusClient connects to a Prometheus server's HTTP API. Every
// request is bounded by timeout.
func NewPrometheusClient(url string, timeout time.Duration) (RangeQuerier, error) {
	if url == "" {
		return nil, errors.New("prometheus URL is empty")
	}
	c, err := api.NewClient(api.Config{Address: url, Client: &http.Client{Timeout: timeout}})
	if err != nil {
		return nil, fmt.Errorf("prometheus client for %s: %w", url, err)
	}
	return v1.NewAPI(c), nil
}

// Window says which samples to import: evaluation instants From, From+Step,
// ... up to To, restricted to the series matching Match.
type Window struct {
	From, To time.Time
	Step     time.Duration
	// Match holds extra label matchers, e.g. `job="bbb"` or `{job="bbb"}`.
	Match string
	// QueryTimeout bounds each range query (default 60s).
	QueryTimeout time.Duration
}

// maxPointsPerQuery keeps each range query under Prometheus's limit of
// 11,000 points per series (web/api/v1/api.go, "exceeded maximum resolution
// of 11,000 points per timeseries").
const maxPointsPerQuery = 10000

func (w Window) validate() error {
	if w.Step < time.Second {
		return fmt.Errorf("step %s is below one second", w.Step)
	}
	if w.Step%time.Second != 0 {
		return fmt.Errorf("step %s is not a whole number of seconds", w.Step)
	}
	if !w.To.After(w.From) {
		return fmt.Errorf("window end %s is not after its start %s", w.To.UTC().Format(time.RFC3339), w.From.UTC().Format(time.RFC3339))
	}
	if strings.ContainsAny(w.matchers(), "{}") {
		return fmt.Errorf("match %q: want label matchers such as job=\"bbb\"", w.Match)
	}
	return nil
}

// grid lists the evaluation instants in Unix seconds.
func (w Window) grid() []int64 {
	step := int64(w.Step / time.Second)
	var out []int64
	for t := w.From.Unix(); t <= w.To.Unix(); t += step {
		out = append(out, t)
	}
	return out
}

func (w Window) matchers() string {
	m := strings.TrimSpace(w.Match)
	m = strings.TrimPrefix(m, "{")
	m = strings.TrimSuffix(m, "}")
	return strings.TrimSpace(m)
}

// selector is a series selector for a metric name (or a name regex when
// the name starts with "~") and the window's matchers.
func (w Window) selector(name string) string {
	var nm string
	if rest, ok := strings.CutPrefix(name, "~"); ok {
		nm = fmt.Sprintf("__name__=~%q", rest)
	} else {
		nm = fmt.Sprintf("__name__=%q", name)
	}
	if m := w.matchers(); m != "" {
		return "{" + nm + "," + m + "}"
	}
	return "{" + nm + "}"
}

// series is one time series on the window's grid, sparse: the grid steps
// where Prometheus returned a value (a sample within its lookback), in
// order. Sparse because per-meeting series (b3scale) live an hour of a
// month: dense, a month of them would take gigabytes.
type series struct {
	labels pmodel.Metric
	at     []int // grid indices, ascending
	val    []float64
}

// dense is the series on the whole grid of n steps, NaN where it has no
// value.
func (s *series) dense(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
	}
	for k, i := range s.at {
		out[i] = s.val[k]
	}
	return out
}

// fetch runs query over the window in chunks and returns its series on the
// grid, keyed by their label set's fingerprint and sorted by it.
func fetch(ctx context.Context, q RangeQuerier, w Window, query string) ([]*series, error) {
	grid := w.grid()
	index := make(map[int64]int, len(grid))
	for i, t := range grid {
		index[t] = i
	}
	byFP := map[pmodel.Fingerprint]*series{}
	timeout := w.QueryTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	for lo := 0; lo < len(grid); lo += maxPointsPerQuery {
		hi := min(lo+maxPointsPerQuery, len(grid)) - 1
		r := v1.Range{Start: time.Unix(grid[lo], 0), End: time.Unix(grid[hi], 0), Step: w.Step}
		qctx, cancel := context.WithTimeout(ctx, timeout)
		val, _, _, err := q.QueryRange(qctx, query, r)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("query_range %s from %s to %s: %w", query, r.Start.UTC().Format(time.RFC3339), r.End.UTC().Format(time.RFC3339), err)
		}
		mat, ok := val.(pmodel.Matrix)
		if !ok {
			return nil, fmt.Errorf("query_range %s: got a %s, want a matrix", query, val.Type())
		}
		for _, ss := range mat {
			fp := ss.Metric.Fingerprint()
			s := byFP[fp]
			if s == nil {
				s = &series{labels: ss.Metric}
				byFP[fp] = s
			}
			for _, p := range ss.Values {
				if i, ok := index[p.Timestamp.Unix()]; ok && (len(s.at) == 0 || i > s.at[len(s.at)-1]) {
					s.at = append(s.at, i)
					s.val = append(s.val, float64(p.Value))
				}
			}
		}
	}
	out := make([]*series, 0, len(byFP))
	for _, s := range byFP {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].labels.String() < out[j].labels.String() })
	return out, nil
}
