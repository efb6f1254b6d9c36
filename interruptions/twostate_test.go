package interruptions

import (
	"flag"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata fixtures")

// SkyPilot's published two-state fit (simulator README: --alive-scale
// 24.4920 --wait-scale 6.4126984, hours available / unavailable).
const (
	skyUpRate   = 1 / 24.4920
	skyDownRate = 1 / 6.4126984
)

func TestFitRecoversKnownRatesWithinInterval(t *testing.T) {
	cases := []struct {
		name           string
		upRate, downRt float64
		days           int
		gap            int64
	}{
		{"skypilot published fit, 5-minute ticks", skyUpRate, skyDownRate, 120, 300},
		{"bursty pool, minute ticks", 1 / 0.8, 1 / 0.5, 10, 60},
		{"calm pool, 10-minute ticks", 1 / 200.0, 1 / 2.0, 365, 600},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// One draw per case; a 95% interval misses 1 in 20 draws,
			// which TestIntervalCoverageIsNominal measures over many.
			rng := rand.New(rand.NewPCG(uint64(i), 8))
			n := c.days * 86400 / int(c.gap)
			up := Generate(c.upRate, c.downRt, n, c.gap, rng)
			ts, err := FitTwoState(up, c.gap, DefaultConfidence)
			if err != nil {
				t.Fatal(err)
			}
			if !ts.Up.Contains(c.upRate) {
				t.Errorf("available->unavailable: true %.4g/h outside fitted %v", c.upRate, ts.Up)
			}
			if !ts.Down.Contains(c.downRt) {
				t.Errorf("unavailable->available: true %.4g/h outside fitted %v", c.downRt, ts.Down)
			}
			if ts.UpFit.PValue < 0.01 || ts.DownFit.PValue < 0.01 {
				t.Errorf("exponential data rejected by KS: up %+v down %+v", ts.UpFit, ts.DownFit)
			}
		})
	}
}

// The intervals hold the true rate about as often as they claim: a
// mis-scaled interval (e.g. a chi-square with the wrong degrees of
// freedom) covers far more or far less often than 95%.
func TestIntervalCoverageIsNominal(t *testing.T) {
	const runs = 300
	hit := 0
	for s := range runs {
		rng := rand.New(rand.NewPCG(uint64(s), 11))
		up := Generate(skyUpRate, skyDownRate, 30*288, 300, rng)
		ts, err := FitTwoState(up, 300, DefaultConfidence)
		if err != nil {
			t.Fatal(err)
		}
		if ts.Up.Contains(skyUpRate) {
			hit++
		}
	}
	cov := float64(hit) / runs
	if cov < 0.90 || cov > 0.99 {
		t.Errorf("95%% interval covered the true rate in %.1f%% of %d runs", 100*cov, runs)
	}
}

func TestEstimateRateZeroEventsAndExposure(t *testing.T) {
	r := EstimateRate(0, 100, 0.95)
	// With no event in T hours the 95% upper bound is -ln(0.025)/T.
	if r.Lower != 0 || math.Abs(r.Upper-(-math.Log(0.025)/100)) > 1e-9 {
		t.Errorf("zero events: %+v", r)
	}
	r = EstimateRate(0, 0, 0.95)
	if r.PerHour != 0 || !math.IsInf(r.Upper, 1) {
		t.Errorf("zero exposure: %+v", r)
	}
}

// Spells of a fixed length are not exponential: the KS check must say so.
func TestGoodnessOfFitRejectsPeriodicSpells(t *testing.T) {
	var up []bool
	for range 200 {
		for range 24 {
			up = append(up, true)
		}
		for range 6 {
			up = append(up, false)
		}
	}
	ts, err := FitTwoState(up, 600, DefaultConfidence)
	if err != nil {
		t.Fatal(err)
	}
	if ts.UpFit.PValue > 1e-6 || ts.DownFit.PValue > 1e-6 {
		t.Errorf("fixed-length spells passed as exponential: up %+v down %+v", ts.UpFit, ts.DownFit)
	}
}

func TestSplitSpellsCensorsTheLastSpell(t *testing.T) {
	up := []bool{true, true, false, true, true, true}
	ups, downs := splitSpells(up, 1)
	if len(ups.Complete) != 1 || ups.Complete[0] != 2 || ups.ExposureHours != 5 {
		t.Errorf("ups = %+v, want one complete spell of 2 h and 5 h exposure", ups)
	}
	if len(downs.Complete) != 1 || downs.ExposureHours != 1 {
		t.Errorf("downs = %+v", downs)
	}
}

// Fixtures in the SkyPilot file format, drawn from known parameters:
// reading them back through ReadTraces recovers the parameters.
var fixtures = []struct {
	file             string
	upRate, downRate float64
	days             int
	gap              int64
	seed             uint64
}{
	{"c5a.4xlarge_eu-west-1a.json", skyUpRate, skyDownRate, 60, 300, 1},
	{"us-east-1a_p3.2xlarge.json", 1 / 1.5, 1 / 0.6, 14, 300, 2},
}

func TestFitOnSkyPilotFormatFixtures(t *testing.T) {
	dir := filepath.Join("testdata", "traces")
	if *update {
		for _, f := range fixtures {
			rng := rand.New(rand.NewPCG(f.seed, 3))
			up := Generate(f.upRate, f.downRate, f.days*86400/int(f.gap), f.gap, rng)
			if err := WriteTrace(filepath.Join(dir, f.file), f.gap, up); err != nil {
				t.Fatal(err)
			}
		}
	}
	traces, err := ReadTraces(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := FitTraces(traces, DefaultConfidence)
	if err != nil {
		t.Fatal(err)
	}
	want := map[Pool][2]float64{
		{"c5a.4xlarge", "eu-west-1a"}: {fixtures[0].upRate, fixtures[0].downRate},
		{"p3.2xlarge", "us-east-1a"}:  {fixtures[1].upRate, fixtures[1].downRate},
	}
	if len(m.Pools) != len(want) {
		t.Fatalf("fitted %d pools, want %d", len(m.Pools), len(want))
	}
	for _, p := range m.Pools {
		w, ok := want[p.Pool]
		if !ok {
			t.Fatalf("unexpected pool %s (file name read wrong)", p.Pool)
		}
		if !p.Availability.Up.Contains(w[0]) || !p.Availability.Down.Contains(w[1]) {
			t.Errorf("%s: true rates %.4g, %.4g outside %v, %v", p.Pool, w[0], w[1], p.Availability.Up, p.Availability.Down)
		}
	}
}

// The first half of a trace predicts the second half's count of capacity
// crunches within the Poisson interval.
func TestFirstHalfPredictsSecondHalf(t *testing.T) {
	traces, err := ReadTraces(filepath.Join("testdata", "traces"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range traces {
		h, err := HoldoutTrace(tr, 0.5, DefaultConfidence)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: predicted %.1f [%d, %d], observed %d", h.Pool, h.Predicted, h.Low, h.High, h.Observed)
		if !h.Inside() {
			t.Errorf("%s: observed %d outside predicted [%d, %d] (%.1f)", h.Pool, h.Observed, h.Low, h.High, h.Predicted)
		}
	}
}

// A pool that changes regime halfway is not predicted: the check can fail.
func TestHoldoutFlagsARegimeChange(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	calm := Generate(1/100.0, 1/1.0, 30*288, 300, rng)
	busy := Generate(1/1.0, 1/1.0, 30*288, 300, rng)
	tr := &Trace{Pool: Pool{"m5.4xlarge", "eu-west-1b"}, GapSeconds: 300, Up: append(calm, busy...)}
	h, err := HoldoutTrace(tr, 0.5, DefaultConfidence)
	if err != nil {
		t.Fatal(err)
	}
	if h.Inside() {
		t.Errorf("regime change not flagged: predicted %.1f [%d, %d], observed %d", h.Predicted, h.Low, h.High, h.Observed)
	}
}

func TestPoissonInterval(t *testing.T) {
	for _, c := range []struct {
		mu     float64
		lo, hi int
	}{{10, 4, 17}, {0.5, 0, 2}, {100, 81, 120}} {
		lo, hi := PoissonInterval(c.mu, 0.95)
		if lo != c.lo || hi != c.hi {
			t.Errorf("PoissonInterval(%v) = [%d, %d], want [%d, %d]", c.mu, lo, hi, c.lo, c.hi)
		}
	}
}

// Over many draws the holdout interval holds the second half's count at
// least as often as it claims (it errs wide by design).
func TestHoldoutIntervalCoverage(t *testing.T) {
	const runs = 200
	hit := 0
	for s := range runs {
		rng := rand.New(rand.NewPCG(uint64(s), 13))
		tr := &Trace{GapSeconds: 300, Up: Generate(1/1.5, 1/0.6, 14*288, 300, rng)}
		h, err := HoldoutTrace(tr, 0.5, DefaultConfidence)
		if err != nil {
			t.Fatal(err)
		}
		if h.Inside() {
			hit++
		}
	}
	if cov := float64(hit) / runs; cov < 0.93 {
		t.Errorf("holdout interval held the observed count in %.1f%% of %d runs, want >= 93%%", 100*cov, runs)
	} else {
		t.Logf("holdout coverage %.1f%% of %d runs", 100*cov, runs)
	}
}
