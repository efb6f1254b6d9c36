package capacityfit

import (
	"math"
	"os"
	"strings"
	"testing"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
)

func readFixture(t *testing.T) []datasets.CapacitySample {
	t.Helper()
	f, err := os.Open("testdata/loadtest.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ss, err := datasets.ReadCapacitySamples(f, "testdata/loadtest.csv")
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

// TestFitRecoversKnownCoefficients: the fixture's CPU was drawn from known
// idle CPU and capacity per type (see its header), with ±0.3 points of
// noise; the fit must find them again.
func TestFitRecoversKnownCoefficients(t *testing.T) {
	lm := model.DefaultLoadModel()
	fits, err := FitSamples(readFixture(t), lm, DefaultCeilingPct)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ idle, capacity float64 }{"c5a.2xlarge": {4, 7600}, "c5a.4xlarge": {2, 18000}}
	if len(fits) != len(want) {
		t.Fatalf("%d fits, want %d", len(fits), len(want))
	}
	for _, f := range fits {
		w := want[f.InstanceType]
		if math.Abs(f.IdlePct-w.idle) > 0.3 {
			t.Errorf("%s: idle %.2f%%, want %v", f.InstanceType, f.IdlePct, w.idle)
		}
		if math.Abs(float64(f.CapacityLoad)-w.capacity) > 0.01*w.capacity {
			t.Errorf("%s: capacity %d LU at 80%%, want %v within 1%%", f.InstanceType, f.CapacityLoad, w.capacity)
		}
		if f.R2 < 0.99 {
			t.Errorf("%s: R² %.4f for data drawn from the model", f.InstanceType, f.R2)
		}
		// The free fit finds the model's weights (the fixture follows them).
		if len(f.Components) != 4 {
			t.Fatalf("%s: free fit %v (%s)", f.InstanceType, f.Components, f.FreeFitNote)
		}
		for _, c := range f.Components {
			if math.Abs(c.LU-c.ModelLU) > 0.15*c.ModelLU+0.5 {
				t.Errorf("%s: %s costs %.2f LU by the free fit, the model says %v", f.InstanceType, c.Name, c.LU, c.ModelLU)
			}
		}
	}
}

func TestFitCapacityFollowsTheCeiling(t *testing.T) {
	lm := model.DefaultLoadModel()
	ss := readFixture(t)
	at80, _ := FitSamples(ss, lm, 80)
	at60, _ := FitSamples(ss, lm, 60)
	for i := range at80 {
		// (60 − idle) / (80 − idle) of the capacity.
		want := float64(at80[i].CapacityLoad) * (60 - at80[i].IdlePct) / (80 - at80[i].IdlePct)
		if math.Abs(float64(at60[i].CapacityLoad)-want) > 2 {
			t.Errorf("%s: %d LU at 60%%, want %.0f", at80[i].InstanceType, at60[i].CapacityLoad, want)
		}
	}
	if _, err := FitSamples(ss, lm, 120); err == nil {
		t.Error("a ceiling above 100% accepted")
	}
}

func TestFitRefusesSamplesThatCannotDetermineIt(t *testing.T) {
	lm := model.DefaultLoadModel()
	flat := "time,instance_type,cpu_pct,participants,voice,webcams,screenshare\n"
	for range 6 {
		flat += "2026-03-02T08:00:00Z,c5a.2xlarge,30,20,2,2,0\n"
	}
	ss, err := datasets.ReadCapacitySamples(strings.NewReader(flat), "flat.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FitSamples(ss, lm, 80); err == nil || !strings.Contains(err.Error(), "c5a.2xlarge") {
		t.Errorf("samples at one load: error %v, want one naming the type", err)
	}
	if _, err := FitSamples(ss[:3], lm, 80); err == nil || !strings.Contains(err.Error(), "at least") {
		t.Errorf("3 samples: error %v", err)
	}
	falling := "time,instance_type,cpu_pct,participants,voice,webcams,screenshare\n"
	for i := range 6 {
		falling += "2026-03-02T08:00:00Z,c5a.2xlarge," + []string{"60", "50", "40", "30", "20", "10"}[i] + "," + []string{"5", "10", "15", "20", "25", "30"}[i] + ",1,0,0\n"
	}
	ss, _ = datasets.ReadCapacitySamples(strings.NewReader(falling), "falling.csv")
	if _, err := FitSamples(ss, lm, 80); err == nil || !strings.Contains(err.Error(), "does not rise") {
		t.Errorf("CPU falling with load: error %v", err)
	}
}

func TestFreeFitLeavesOutKindsTheTestDidNotMeasure(t *testing.T) {
	lm := model.DefaultLoadModel()
	var ss []datasets.CapacitySample
	for _, s := range readFixture(t) {
		if s.Screenshares == 0 {
			ss = append(ss, s)
		}
	}
	fits, err := FitSamples(ss, lm, 80)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fits {
		for _, c := range f.Components {
			if strings.HasPrefix(c.Name, "screenshare") {
				t.Errorf("%s: screenshare fitted from samples without any", f.InstanceType)
			}
		}
	}
}

func TestCapacitySamplesBadInputNamesLineAndField(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"time,instance_type,cpu_pct,participants,voice,webcams,screenshare\n2026-03-02T08:00:00Z,c5a.2xlarge,130,20,2,2,0\n", "f.csv: line 2: field cpu_pct"},
		{"time,instance_type,cpu_pct,participants,voice,webcams,screenshare\n2026-03-02T08:00:00Z,c5a.2xlarge,30,20,25,2,0\n", "f.csv: line 2: field voice"},
		{"time,instance_type,cpu_pct,participants,voice,webcams\n", "f.csv: line 1: field screenshare: header lacks this column"},
		{"time,instance_type,cpu_pct,participants,voice,webcams,screenshare,cams\n", "field cams: unknown column"},
		{"time,instance_type,cpu_pct,participants,voice,webcams,screenshare\n2026-03-02,c5a.2xlarge,30,20,2,2,0\n", "f.csv: line 2: field time"},
	} {
		_, err := datasets.ReadCapacitySamples(strings.NewReader(tc.in), "f.csv")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
}
