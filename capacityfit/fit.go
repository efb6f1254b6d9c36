// Package capacityfit fits what a BBB server of each instance type holds,
// in the load model's units, from measured CPU: a load test's or a
// production server's samples of CPU against participants, microphones,
// webcams and screenshares, by least squares.
package capacityfit

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
)

// DefaultCeilingPct is the CPU at which a server counts as full: BBB's docs
// say "once the CPU reaches 80%, the audio starts to degrade".
const DefaultCeilingPct = 80

// Fit is one instance type's fitted capacity.
type Fit struct {
	InstanceType string
	Samples      int
	// IdlePct and PctPerLU: CPU% = IdlePct + PctPerLU × load (LU by the
	// load model), fitted by least squares.
	IdlePct  float64
	PctPerLU float64
	// R2 is the share of the CPU's variance the fit explains.
	R2 float64
	// RMSEPct is the root mean square residual, CPU percentage points.
	RMSEPct    float64
	CeilingPct float64
	// CapacityLoad is the load at the ceiling: (CeilingPct − IdlePct) /
	// PctPerLU, LU; what `load_capacity.TYPE` takes.
	CapacityLoad int
	// Components is the free fit, each media kind its own coefficient: a
	// check of the model's weights on this hardware. Nil when the samples
	// do not tell the kinds apart (too few, or kinds moving together).
	Components []Component
	// FreeFitNote says why Components is nil.
	FreeFitNote string
}

// Component is one media kind's measured cost.
type Component struct {
	Name string
	// PctPer is CPU percentage points per unit (participant, microphone,
	// webcam viewer, screenshare viewer).
	PctPer float64
	// LU is PctPer in load units (PctPer / PctPerLU), ModelLU what the
	// load model assumes.
	LU, ModelLU float64
}

// features are one sample's regressors for the free fit, and what the load
// model makes of each.
type features struct {
	participants, audio, voice, webcamViewers, screenViewers float64
}

func sampleFeatures(s *datasets.CapacitySample) features {
	perMeeting := s.Participants / max(s.Meetings, 1)
	viewers := max(perMeeting-1, 0)
	audio := s.Participants
	if s.Listeners >= 0 {
		audio = s.Voice + s.Listeners
	}
	return features{s.Participants, audio, s.Voice, s.Webcams * viewers, s.Screenshares * viewers}
}

// SampleLoad is a sample's load in LU by the load model.
func SampleLoad(lm model.LoadModel, s *datasets.CapacitySample) float64 {
	f := sampleFeatures(s)
	return f.participants*lm.Session + f.audio*lm.Audio + f.voice*lm.Voice + f.webcamViewers*lm.Webcam + f.screenViewers*lm.Screenshare
}

// FitSamples fits every instance type in the samples, sorted by type.
func FitSamples(samples []datasets.CapacitySample, lm model.LoadModel, ceilingPct float64) ([]Fit, error) {
	if ceilingPct <= 0 || ceilingPct > 100 {
		return nil, fmt.Errorf("CPU ceiling %v%%: want a share in (0, 100]", ceilingPct)
	}
	byType := map[string][]*datasets.CapacitySample{}
	for i := range samples {
		byType[samples[i].InstanceType] = append(byType[samples[i].InstanceType], &samples[i])
	}
	names := make([]string, 0, len(byType))
	for n := range byType {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]Fit, 0, len(names))
	for _, n := range names {
		f, err := fitType(n, byType[n], lm, ceilingPct)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// minSamples is the fewest samples a type's fit takes: two coefficients
// and enough left over to see the noise.
const minSamples = 5

func fitType(name string, ss []*datasets.CapacitySample, lm model.LoadModel, ceiling float64) (Fit, error) {
	if len(ss) < minSamples {
		return Fit{}, fmt.Errorf("%s: %d samples; the fit needs at least %d at different loads", name, len(ss), minSamples)
	}
	y := make([]float64, len(ss))
	load := make([]float64, len(ss))
	for i, s := range ss {
		y[i], load[i] = s.CPUPct, SampleLoad(lm, s)
	}
	beta, err := leastSquares([][]float64{load}, y)
	if err != nil {
		return Fit{}, fmt.Errorf("%s: the samples do not vary in load (line %d on): %w", name, ss[0].Line, err)
	}
	f := Fit{InstanceType: name, Samples: len(ss), IdlePct: beta[0], PctPerLU: beta[1], CeilingPct: ceiling}
	if f.PctPerLU <= 0 {
		return Fit{}, fmt.Errorf("%s: CPU does not rise with load (%.3g %% per 1000 LU): check the samples", name, 1000*f.PctPerLU)
	}
	if f.IdlePct >= ceiling {
		return Fit{}, fmt.Errorf("%s: fitted idle CPU %.1f%% is at or above the %.0f%% ceiling", name, f.IdlePct, ceiling)
	}
	f.R2, f.RMSEPct = goodness(y, func(i int) float64 { return f.IdlePct + f.PctPerLU*load[i] })
	f.CapacityLoad = int(math.Floor((ceiling - f.IdlePct) / f.PctPerLU))
	f.Components, f.FreeFitNote = freeFit(ss, y, lm, f.PctPerLU)
	return f, nil
}

// freeFit gives each media kind its own coefficient. A kind that never
// varies in the samples is left out (the load test did not measure it).
func freeFit(ss []*datasets.CapacitySample, y []float64, lm model.LoadModel, pctPerLU float64) ([]Component, string) {
	type column struct {
		name    string
		modelLU float64
		get     func(features) float64
	}
	all := []column{
		{"participant (session and audio)", lm.Session + lm.Audio, func(f features) float64 { return f.participants }},
		{"microphone", lm.Voice, func(f features) float64 { return f.voice }},
		{"webcam viewer", lm.Webcam, func(f features) float64 { return f.webcamViewers }},
		{"screenshare viewer", lm.Screenshare, func(f features) float64 { return f.screenViewers }},
	}
	var cols []column
	var xs [][]float64
	for _, c := range all {
		x := make([]float64, len(ss))
		for i, s := range ss {
			x[i] = c.get(sampleFeatures(s))
		}
		if variance(x) > 0 {
			cols, xs = append(cols, c), append(xs, x)
		}
	}
	if len(ss) < 2*(len(cols)+1) {
		return nil, fmt.Sprintf("%d samples are too few to fit %d media kinds apart", len(ss), len(cols))
	}
	beta, err := leastSquares(xs, y)
	if err != nil {
		return nil, "the media kinds move together in these samples: " + err.Error()
	}
	out := make([]Component, len(cols))
	for i, c := range cols {
		out[i] = Component{Name: c.name, PctPer: beta[i+1], LU: beta[i+1] / pctPerLU, ModelLU: c.modelLU}
	}
	return out, ""
}

// leastSquares fits y = b0 + Σ bj·xs[j] by QR least squares; the result is
// [b0, b1, ...]. It fails when the columns do not determine the fit.
func leastSquares(xs [][]float64, y []float64) ([]float64, error) {
	n, p := len(y), len(xs)+1
	if n < p {
		return nil, fmt.Errorf("%d samples for %d coefficients", n, p)
	}
	a := mat.NewDense(n, p, nil)
	for i := range n {
		a.Set(i, 0, 1)
		for j, x := range xs {
			a.Set(i, j+1, x[i])
		}
	}
	var qr mat.QR
	qr.Factorize(a)
	// A column the others explain leaves a zero on R's diagonal: its
	// coefficient is not determined.
	var r mat.Dense
	qr.RTo(&r)
	scale := 0.0
	for j := range p {
		scale = max(scale, math.Abs(r.At(j, j)))
	}
	for j := range p {
		if math.Abs(r.At(j, j)) <= 1e-9*scale {
			return nil, fmt.Errorf("coefficient %d is not determined (columns depend on each other)", j)
		}
	}
	var b mat.Dense
	if err := qr.SolveTo(&b, false, mat.NewDense(n, 1, y)); err != nil {
		return nil, err
	}
	out := make([]float64, p)
	for j := range p {
		out[j] = b.At(j, 0)
	}
	return out, nil
}

func goodness(y []float64, pred func(int) float64) (r2, rmse float64) {
	mean := 0.0
	for _, v := range y {
		mean += v
	}
	mean /= float64(len(y))
	var ssRes, ssTot float64
	for i, v := range y {
		d := v - pred(i)
		ssRes += d * d
		ssTot += (v - mean) * (v - mean)
	}
	if ssTot > 0 {
		r2 = 1 - ssRes/ssTot
	}
	return r2, math.Sqrt(ssRes / float64(len(y)))
}

func variance(x []float64) float64 {
	mean := 0.0
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	s := 0.0
	for _, v := range x {
		s += (v - mean) * (v - mean)
	}
	return s / float64(len(x))
}
