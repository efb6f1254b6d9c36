package reports

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ParetoPoint is one candidate of a sweep.
type ParetoPoint struct {
	Cost      float64 // mean USD
	Disrupted float64 // mean disrupted participant-minutes
	// Overloaded is the mean share of demand on overloaded servers (%):
	// the candidates are coloured by it, so that a cheap, undisrupted
	// candidate that overloads its servers shows as such.
	Overloaded float64
	Front      bool
}

// ParetoChart plots cost against disruption: every candidate, coloured by
// its share of demand on overloaded servers (thirds of the candidates),
// the non-dominated front highlighted, the all-on-demand baseline and the
// winner (index into points, -1 for none) marked.
func ParetoChart(points []ParetoPoint, baselineCost float64, winner int) (Chart, error) {
	p := newPlot("Candidates: cost against disruption", "mean policy cost (USD)", "mean disrupted participant-minutes")
	var front plotter.XYs
	// Candidates in three bands of overload: the lowest third of the
	// candidates' overloaded shares, the middle, the highest.
	ov := make([]float64, len(points))
	for i, pt := range points {
		ov[i] = pt.Overloaded
	}
	slices.Sort(ov)
	var cut1, cut2 float64
	if len(ov) > 0 {
		cut1, cut2 = ov[len(ov)/3], ov[2*len(ov)/3]
	}
	var bands [3]plotter.XYs
	maxY, minX, maxX := 0.0, baselineCost, baselineCost
	for _, pt := range points {
		xy := plotter.XY{X: pt.Cost, Y: pt.Disrupted}
		switch {
		case pt.Overloaded < cut1:
			bands[0] = append(bands[0], xy)
		case pt.Overloaded < cut2:
			bands[1] = append(bands[1], xy)
		default:
			bands[2] = append(bands[2], xy)
		}
		if pt.Front {
			front = append(front, xy)
		}
		maxY = math.Max(maxY, pt.Disrupted)
		minX, maxX = math.Min(minX, pt.Cost), math.Max(maxX, pt.Cost)
	}
	slices.SortFunc(front, func(a, b plotter.XY) int { return cmp.Compare(a.X, b.X) })
	add := func(pts plotter.XYs, shape draw.GlyphDrawer, c color.Color, r vg.Length, label string) error {
		if len(pts) == 0 {
			return nil
		}
		s, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		s.GlyphStyle.Shape, s.GlyphStyle.Color, s.GlyphStyle.Radius = shape, c, r
		p.Add(s)
		p.Legend.Add(label, s)
		return nil
	}
	lo, hi := 0.0, 0.0
	if len(ov) > 0 {
		lo, hi = ov[0], ov[len(ov)-1]
	}
	for i, b := range []struct {
		c     color.Color
		label string
	}{
		{color.RGBA{120, 190, 120, 255}, fmt.Sprintf("overloaded %.1f-%.1f%% of demand (%d)", lo, cut1, len(bands[0]))},
		{color.RGBA{240, 170, 60, 255}, fmt.Sprintf("overloaded %.1f-%.1f%% (%d)", cut1, cut2, len(bands[1]))},
		{color.RGBA{200, 60, 60, 255}, fmt.Sprintf("overloaded %.1f-%.1f%% (%d)", cut2, hi, len(bands[2]))},
	} {
		if err := add(bands[i], draw.CircleGlyph{}, b.c, vg.Points(2.5), b.label); err != nil {
			return Chart{}, err
		}
	}
	if len(front) > 1 {
		l, err := plotter.NewLine(front)
		if err != nil {
			return Chart{}, err
		}
		l.StepStyle = plotter.PostStep
		l.Color = color.RGBA{31, 119, 180, 255}
		p.Add(l)
	}
	if err := add(front, draw.CircleGlyph{}, color.RGBA{31, 119, 180, 255}, vg.Points(3.5), fmt.Sprintf("Pareto front (%d)", len(front))); err != nil {
		return Chart{}, err
	}
	if baselineCost > 0 {
		if err := add(plotter.XYs{{X: baselineCost, Y: 0}}, draw.BoxGlyph{}, color.RGBA{214, 39, 40, 255}, vg.Points(5), fmt.Sprintf("all on-demand (%.0f USD)", baselineCost)); err != nil {
			return Chart{}, err
		}
	}
	if winner >= 0 && winner < len(points) {
		w := points[winner]
		if err := add(plotter.XYs{{X: w.Cost, Y: w.Disrupted}}, draw.PyramidGlyph{}, color.RGBA{44, 160, 44, 255}, vg.Points(6), fmt.Sprintf("winner (%.0f USD)", w.Cost)); err != nil {
			return Chart{}, err
		}
	}
	pad := (maxX - minX) * 0.05
	if pad == 0 {
		pad = math.Max(1, maxX*0.05)
	}
	p.X.Min, p.X.Max = minX-pad, maxX+pad
	if maxY == 0 {
		maxY = 1
	}
	legendRoom(p, maxY, 6)
	p.Legend.Left = false
	return render("pareto", p.Title.Text, p, chartW, chartH+vg.Inch)
}
