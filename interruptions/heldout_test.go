package interruptions

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// pooledHoldout is a set of pools' held-out prediction summed: the
// predicted and observed counts of capacity crunches in the second part,
// and the interval of the sum at the confidence.
type pooledHoldout struct {
	pools, inside      int
	predicted, sd      float64
	observed           int
	low, high          float64
	fitHours, allHours float64
}

func (p pooledHoldout) contains() bool {
	return float64(p.observed) >= p.low && float64(p.observed) <= p.high
}

func (p pooledHoldout) ratio() float64 { return float64(p.observed) / p.predicted }

// poolHoldouts fits each trace on its first fraction (HoldoutTrace) and
// sums. The sum's variance is the sum of the pools' (pools fitted
// independently), each computed here afresh as HoldoutTrace's interval
// describes it: the count's Poisson variance mu plus the fitted crunch
// rate's, mu^2 ((d/(u+d))^2/n_u + (u/(u+d))^2/n_d) (delta method).
func poolHoldouts(t *testing.T, traces []*Trace, fraction, confidence float64) pooledHoldout {
	t.Helper()
	var p pooledHoldout
	variance := 0.0
	for _, tr := range traces {
		h, err := HoldoutTrace(tr, fraction, confidence)
		if err != nil {
			t.Fatal(err)
		}
		cut := int(float64(len(tr.Up)) * fraction)
		ts, err := FitTwoState(tr.Up[:cut], tr.GapSeconds, confidence)
		if err != nil {
			t.Fatal(err)
		}
		mu := h.Predicted
		if mu > 0 {
			u, d := ts.Up.PerHour, ts.Down.PerHour
			nu, nd := float64(max(ts.Up.Events, 1)), float64(max(ts.Down.Events, 1))
			variance += mu + mu*mu*(math.Pow(d/(u+d), 2)/nu+math.Pow(u/(u+d), 2)/nd)
		}
		p.pools++
		if h.Inside() {
			p.inside++
		}
		p.predicted += mu
		p.observed += h.Observed
		p.fitHours += h.FitHours
		p.allHours += h.FitHours + h.TestHours
	}
	z := distuv.UnitNormal.Quantile(1 - (1-confidence)/2)
	p.sd = math.Sqrt(variance)
	p.low, p.high = math.Max(p.predicted-z*p.sd, 0), p.predicted+z*p.sd
	return p
}

// realTraceSet is one directory of SkyPilot's public traces
// (github.com/skypilot-org/spot-traces, README "Data Description").
type realTraceSet struct {
	dir  string
	what string
	// pooled: the set on which the summed count must stay inside its
	// pooled 95% interval (docs/interruption-validation.md says why these).
	pooled bool
}

// The AWS sets. availability/: one value per tick, the number of instances
// that could be had. preemption/: whether the instance held survived, so
// an up -> down transition is a preemption of it.
// Multi-node sets count instances of 4 or 16; read as up while at least
// one is there, they see only whole-cluster losses.
var realTraceSets = []realTraceSet{
	{"availability/1-node/aws-02-15-2023", "p3.2xlarge availability", true},
	{"availability/1-node/aws-10-26-2022", "p2/p3 (1 and 8 GPUs) availability", false},
	{"availability/16-node/aws-08-27-2023", "p3.2xlarge availability, 16 nodes", false},
	{"preemption/1-node/aws-04-19-2023", "r5.16xlarge preemption", true},
	{"preemption/1-node/aws-04-22-2023", "p3.2xlarge preemption", true},
	{"preemption/4-node/aws-08-03-2023", "p3.2xlarge preemption, 4 nodes", false},
}

// maxRatio bounds observed / predicted (and its inverse) on every set:
// the choice the fitted model replaces is between the two readings of the
// advisor's band, which differ about 49 times for a scaling fleet's
// servers; a model that is within a factor of 2 of held-out weeks on
// every public AWS set is worth using instead, and one beyond it is not.
const maxRatio = 2.0

// spotTracesDir finds a checkout of skypilot-org/spot-traces: the
// SCALITE_SPOT_TRACES environment variable, else ../shared/data/spot-traces
// beside the repository.
func spotTracesDir() (string, string) {
	if d := os.Getenv("SCALITE_SPOT_TRACES"); d != "" {
		return d, "SCALITE_SPOT_TRACES"
	}
	return filepath.Join("..", "..", "shared", "data", "spot-traces"), "../shared/data/spot-traces"
}

// TestHeldOutHalfOnSkyPilotTraces fits each of SkyPilot's public AWS trace
// sets on the first half of every trace and predicts the second half's
// count of interruptions (available -> unavailable, or the held instance
// preempted). Two bounds, neither tuned to pass:
//   - on every set, observed / predicted within [1/maxRatio, maxRatio];
//   - on the longest 1-node availability set and the two 1-node
//     preemption sets, the summed count inside the 95% interval of the
//     summed prediction: the method's own claim (Poisson count plus the
//     fitted rates' uncertainty, pools independent), which
//     TestPooledHoldoutIntervalCoverage shows holds on stationary pools.
//     The other 1-node set (aws-10-26-2022) breaks it, its K80 pools
//     losing capacity between halves, and the multi-node sets measure
//     whole-cluster losses only: docs/interruption-validation.md.
//
// The test prints the document's table rows.
func TestHeldOutHalfOnSkyPilotTraces(t *testing.T) {
	root, from := spotTracesDir()
	if st, err := os.Stat(root); err != nil || !st.IsDir() {
		t.Skipf("SkyPilot's spot traces are not at %s (%s): clone github.com/skypilot-org/spot-traces and set SCALITE_SPOT_TRACES to it", root, from)
	}
	t.Log("| trace set | what | pools | hours per pool | predicted | observed | observed / predicted | pooled 95% interval | pools inside their own 95% interval |")
	t.Log("|---|---|---|---|---|---|---|---|---|")
	checked := 0
	for _, set := range realTraceSets {
		traces, err := ReadTraces(filepath.Join(root, filepath.FromSlash(set.dir)))
		if err != nil {
			t.Errorf("%s: %v", set.dir, err)
			continue
		}
		p := poolHoldouts(t, traces, 0.5, DefaultConfidence)
		mark := "inside"
		if !p.contains() {
			mark = "outside"
		}
		t.Logf("| `%s` | %s | %d | %.0f | %.1f | %d | %.2f | [%.0f, %.0f], %s | %d of %d (%.0f%%) |", set.dir, set.what, p.pools, p.allHours/float64(p.pools),
			p.predicted, p.observed, p.ratio(), p.low, p.high, mark, p.inside, p.pools, 100*float64(p.inside)/float64(p.pools))
		if r := p.ratio(); !(r >= 1/maxRatio && r <= maxRatio) {
			t.Errorf("%s: observed %d interruptions in the second halves, %.2f times the %.1f predicted (bound: a factor of %g)",
				set.dir, p.observed, r, p.predicted, maxRatio)
		}
		if set.pooled {
			checked++
			if !p.contains() {
				t.Errorf("%s: %d interruptions observed in the second halves, outside the pooled 95%% interval [%.0f, %.0f] of the %.1f predicted from the first halves",
					set.dir, p.observed, p.low, p.high, p.predicted)
			}
		}
	}
	if checked == 0 {
		t.Error("no trace set checked against its pooled interval")
	}
}

// The pooled interval is calibrated: over many draws of nine stationary
// pools of SkyPilot's published fit (14 days each, 5-minute ticks) the
// second halves' summed count lies inside it at least as often as it
// claims (it errs wide: an alternating renewal count varies less than a
// Poisson one). A sum of mis-scaled variances covers far less often.
func TestPooledHoldoutIntervalCoverage(t *testing.T) {
	const runs = 200
	hit := 0
	for s := range runs {
		var traces []*Trace
		for i := range 9 {
			rng := rand.New(rand.NewPCG(uint64(s), uint64(100+i)))
			traces = append(traces, &Trace{GapSeconds: 300, Up: Generate(skyUpRate, skyDownRate, 14*288, 300, rng)})
		}
		if poolHoldouts(t, traces, 0.5, DefaultConfidence).contains() {
			hit++
		}
	}
	cov := float64(hit) / runs
	t.Logf("pooled holdout interval held the summed count in %.1f%% of %d runs", 100*cov, runs)
	if cov < 0.93 {
		t.Errorf("pooled holdout interval held the summed count in %.1f%% of %d runs, want >= 93%%", 100*cov, runs)
	}
}

// The pooled bound can fail: nine pools that all get four times busier in
// the second half are flagged, though each pool alone may still be inside.
func TestPooledHoldoutFlagsASetWideRegimeChange(t *testing.T) {
	var traces []*Trace
	for i := range 9 {
		rng := rand.New(rand.NewPCG(7, uint64(i)))
		calm := Generate(skyUpRate, skyDownRate, 14*288, 300, rng)
		busy := Generate(4*skyUpRate, skyDownRate, 14*288, 300, rng)
		traces = append(traces, &Trace{Pool: Pool{"c5a.4xlarge", fmt.Sprintf("eu-west-1%c", 'a'+i)}, GapSeconds: 300, Up: append(calm, busy...)})
	}
	p := poolHoldouts(t, traces, 0.5, DefaultConfidence)
	if p.contains() {
		t.Errorf("a set-wide regime change passed: observed %d inside [%.0f, %.0f] (predicted %.1f)", p.observed, p.low, p.high, p.predicted)
	}
	// The long-run crunch rate u*d/(u+d) rises 2.5 times with u x4.
	if p.ratio() < 1.5 {
		t.Errorf("busy halves observed %d crunches, only %.2f times the %.1f predicted", p.observed, p.ratio(), p.predicted)
	}
}
