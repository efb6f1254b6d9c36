package benchscenario

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/scenario"
	"github.com/scalite/scalite/sim"
)

// SameWorkAsSimPy is the work the independent SimPy model in
// ../shared/peers/simpy does in its README's side-by-side: one year from
// 2022-03-10, 24 markets of the real 90-day eu-west-1 prices (holding at
// the last record after their end), the trace its gen_trace.py draws with
// seed 1 (199,926 meetings), and its scalite-peer.yaml. The trace is drawn
// by that very script, once per process, with Debian's python3. It skips
// when shared/ or python3 is absent. It returns the options, and the
// configuration and catalog they came from (a sweep's base).
func SameWorkAsSimPy(tb testing.TB) (sim.Options, config.Config, *model.Catalog) {
	tb.Helper()
	shared := sharedDir()
	peer := filepath.Join(shared, "peers", "simpy")
	prices := filepath.Join(shared, "data", "spot-prices", "eu-west-1_2022-03-09_2022-06-07.json")
	for _, p := range []string{peer, prices} {
		if _, err := os.Stat(p); err != nil {
			tb.Skipf("shared data %s is absent: skipping the side-by-side with the SimPy model", p)
		}
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		tb.Skip("python3 is absent: it draws the SimPy model's trace (gen_trace.py)")
	}
	trace := filepath.Join(os.TempDir(), "scalite-bench-simpy-year-seed1.csv")
	if _, err := os.Stat(trace); err != nil {
		tmp := trace + ".part"
		cmd := exec.Command(python, filepath.Join(peer, "gen_trace.py"), "--start", "2022-03-10", "--days", "365", "--seed", "1", "--out", tmp)
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("gen_trace.py: %v\n%s", err, out)
		}
		if err := os.Rename(tmp, trace); err != nil {
			tb.Fatal(err)
		}
	}
	cat := datasets.DefaultCatalog()
	f, err := config.LoadAndValidate(filepath.Join(peer, "scalite-peer.yaml"), cat)
	if err != nil {
		tb.Fatal(err)
	}
	sc, err := scenario.Build(scenario.Inputs{Config: f, Catalog: cat, PricePaths: []string{prices}, TracePath: trace,
		From: time.Date(2022, 3, 10, 0, 0, 0, 0, time.UTC), To: time.Date(2023, 3, 10, 0, 0, 0, 0, time.UTC), Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	return sc.Options, f.Config, cat
}

// sharedDir is ../shared beside the repository, found from this file.
func sharedDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "shared")
}
