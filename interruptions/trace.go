package interruptions

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/internal/atomicfile"
)

// Trace is one pool's availability trace in the SkyPilot format
// (github.com/skypilot-org/spot-traces, README "Data Description"):
// {"metadata":{"gap_seconds":N},"data":[...]}, one value per tick, the
// number of instances that could be had. A tick with at least one counts
// as available.
type Trace struct {
	Pool       Pool
	Path       string
	GapSeconds int64
	Up         []bool
}

// Hours is the trace's length.
func (t *Trace) Hours() float64 { return float64(int64(len(t.Up))*t.GapSeconds) / 3600 }

// ParseTrace reads one trace (datasets.ParseSkyPilotTrace); name is used
// in errors.
func ParseTrace(data []byte, name string) (*Trace, error) {
	raw, err := datasets.ParseSkyPilotTrace(data, name)
	if err != nil {
		return nil, err
	}
	t := &Trace{Path: name, GapSeconds: raw.GapSeconds, Up: make([]bool, len(raw.Values))}
	for i := range raw.Values {
		t.Up[i] = raw.Up(i)
	}
	return t, nil
}

// azPattern matches an AWS availability zone name (us-east-1a) or ID
// (use1-az1), or a GCP zone (us-central1-c), as in SkyPilot's
// preemption/1-node/gcp-04-30-2023/us-central1-c_c3-88.json.
var azPattern = regexp.MustCompile(`^([a-z]{2}(-gov)?-[a-z]+-\d+[a-z]|[a-z]{3,4}\d+-az\d+|[a-z]+-[a-z]+\d+-[a-z])$`)

// poolFromName reads the pool from a trace's file name: Scalite's
// TYPE_AZ.json (c5a.4xlarge_eu-west-1a.json), or SkyPilot's own
// AZ_ACCELERATOR_COUNT.json (us-east-1a_v100_1.json), told apart by which
// side is a zone.
func poolFromName(base string) (Pool, bool) {
	first, rest, ok := strings.Cut(base, "_")
	if !ok || first == "" || rest == "" {
		return Pool{}, false
	}
	if azPattern.MatchString(first) {
		return Pool{InstanceType: rest, AZ: first}, true
	}
	i := strings.LastIndex(base, "_")
	return Pool{InstanceType: base[:i], AZ: base[i+1:]}, true
}

// ReadTraces reads the traces at paths: files, or directories whose
// *.json files are read (not recursively). Traces come back sorted by
// pool; two files for the same pool are an error.
func ReadTraces(paths ...string) ([]*Trace, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("availability traces: %w", err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("availability traces: %w", err)
		}
		n := 0
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") {
				files = append(files, filepath.Join(p, e.Name()))
				n++
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("availability traces: no TYPE_AZ.json files in %s", p)
		}
	}
	if len(files) == 0 {
		return nil, errors.New("availability traces: no files given")
	}
	seen := map[Pool]string{}
	var out []*Trace
	for _, f := range files {
		pool, ok := poolFromName(strings.TrimSuffix(filepath.Base(f), ".json"))
		if !ok {
			return nil, fmt.Errorf("availability trace %s: want a name like c5a.4xlarge_eu-west-1a.json", f)
		}
		if prev, dup := seen[pool]; dup {
			return nil, fmt.Errorf("availability trace %s: pool %s also in %s", f, pool, prev)
		}
		seen[pool] = f
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("availability trace: %w", err)
		}
		t, err := ParseTrace(data, f)
		if err != nil {
			return nil, err
		}
		t.Pool = pool
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Pool, out[j].Pool
		if a.InstanceType != b.InstanceType {
			return a.InstanceType < b.InstanceType
		}
		return a.AZ < b.AZ
	})
	return out, nil
}

// WriteTrace writes a trace in the SkyPilot format, 0 or 1 per tick.
func WriteTrace(path string, gapSeconds int64, up []bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, `{"metadata": {"gap_seconds": %d}, "data": [`, gapSeconds)
	for i, u := range up {
		if i > 0 {
			b.WriteString(", ")
		}
		if u {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	b.WriteString("]}\n")
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := io.WriteString(w, b.String())
		return err
	})
}
