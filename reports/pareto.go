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
	Front     bool
}

// ParetoChart plots cost against disruption: every candidate, the
// non-dominated front highlighted, the all-on-demand baseline and the
// winner (index into points, -1 for none) marked.
func ParetoChart(points []ParetoPoint, baselineCost float64, winner int) (Chart, error) {
	p := newPlot("Candidates: cost against disruption", "mean policy cost (USD)", "mean disrupted participant-minutes")
	var all, front plotter.XYs
	maxY, minX, maxX := 0.0, baselineCost, baselineCost
	for _, pt := range points {
		xy := plotter.XY{X: pt.Cost, Y: pt.Disrupted}
		all = append(all, xy)
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
	if err := add(all, draw.CircleGlyph{}, color.RGBA{170, 170, 170, 255}, vg.Points(2.5), fmt.Sprintf("candidates (%d)", len(points))); err != nil {
		return Chart{}, err
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
	legendRoom(p, maxY, 4)
	p.Legend.Left = false
	return render("pareto", p.Title.Text, p, chartW, chartH+vg.Inch)
}
