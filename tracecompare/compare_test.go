package tracecompare

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
)

func generate(t *testing.T, profile string, seed uint64, scale float64) []model.Meeting {
	t.Helper()
	p, err := datasets.Profile(profile)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := datasets.GenerateTrace(p, datasets.TraceGenOptions{Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Days: 14, Scale: scale}, datasets.NewTraceRand(seed))
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func TestCompareDistances(t *testing.T) {
	school := generate(t, "school", 1, 1)
	cases := []struct {
		name     string
		b        []model.Meeting
		min, max Distances
	}{
		// A trace against itself: every distance is 0.
		{"same trace", school, Distances{}, Distances{}},
		// Another draw of the same profile: small distances only.
		{"same profile, other seed", generate(t, "school", 2, 1), Distances{}, Distances{0.02, 0.02, 0.05, 0.02}},
		// Twice the load at the same times: the shapes match (distances
		// compare shape, not scale).
		{"same profile, twice the load", generate(t, "school", 3, 2), Distances{}, Distances{0.02, 0.02, 0.05, 0.02}},
		// Another profile: lectures of 45-90 minutes from 08 to 18, sizes
		// with a long tail, against school lessons.
		{"university", generate(t, "university", 1, 1), Distances{0.08, 0.08, 0.3, 0.5}, Distances{1, 1, 1, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Compare("school", school, c.name, c.b).Distance
			got := []float64{d.Weekly, d.Arrivals, d.Sizes, d.Durations}
			lo := []float64{c.min.Weekly, c.min.Arrivals, c.min.Sizes, c.min.Durations}
			hi := []float64{c.max.Weekly, c.max.Arrivals, c.max.Sizes, c.max.Durations}
			for i, name := range []string{"weekly", "arrivals", "sizes", "durations"} {
				if math.IsNaN(got[i]) || got[i] < lo[i] || got[i] > hi[i]+1e-12 {
					t.Errorf("%s distance %.4f, want [%.2f, %.2f]", name, got[i], lo[i], hi[i])
				}
			}
		})
	}
}

func TestCompareTextAndChart(t *testing.T) {
	c := Compare("a.csv", generate(t, "school", 1, 1), "b.csv", generate(t, "corporate", 1, 1))
	var b bytes.Buffer
	if err := c.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"A: a.csv", "B: b.csv", "meeting sizes (peak participants)", "arrivals per UTC hour", "weekly profile"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
	png, svg, err := c.Chart()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) || !bytes.Contains(svg, []byte("<svg")) {
		t.Error("chart is not a PNG and an SVG")
	}
}
