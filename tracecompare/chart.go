package tracecompare

import (
	"bytes"
	"fmt"
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

var colA, colB = color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}

// Chart draws the comparison as four panels (weekly profile, arrivals per
// hour, size and duration distributions), as PNG and SVG.
func (c Comparison) Chart() (png, svg []byte, err error) {
	var weekA, weekB plotter.XYs
	for d := range 7 {
		for h := range 24 {
			x := float64(d*24 + h)
			weekA = append(weekA, plotter.XY{X: x, Y: c.A.Summary.Weekly[d][h]})
			weekB = append(weekB, plotter.XY{X: x, Y: c.B.Summary.Weekly[d][h]})
		}
	}
	weekly, err := linePlot(fmt.Sprintf("Weekly profile (KS %s)", fmtKS(c.Distance.Weekly)), "hour of the week (Mon 00 = 0, UTC)", "mean concurrent participants", c, weekA, weekB)
	if err != nil {
		return nil, nil, err
	}
	var arrA, arrB plotter.XYs
	for h := range 24 {
		arrA = append(arrA, plotter.XY{X: float64(h), Y: c.A.ArrivalsPerHour[h]})
		arrB = append(arrB, plotter.XY{X: float64(h), Y: c.B.ArrivalsPerHour[h]})
	}
	arrivals, err := linePlot(fmt.Sprintf("Arrivals (KS %s)", fmtKS(c.Distance.Arrivals)), "UTC hour", "meetings starting per day", c, arrA, arrB)
	if err != nil {
		return nil, nil, err
	}
	sizes, err := linePlot(fmt.Sprintf("Meeting sizes (KS %s)", fmtKS(c.Distance.Sizes)), "peak participants", "share of meetings at or below", c, ecdf(c.A.Sizes), ecdf(c.B.Sizes))
	if err != nil {
		return nil, nil, err
	}
	durations, err := linePlot(fmt.Sprintf("Meeting durations (KS %s)", fmtKS(c.Distance.Durations)), "minutes", "share of meetings at or below", c, ecdf(c.A.Durations), ecdf(c.B.Durations))
	if err != nil {
		return nil, nil, err
	}
	plots := [][]*plot.Plot{{weekly, arrivals}, {sizes, durations}}
	w, h := 12*vg.Inch, 8*vg.Inch
	tiles := draw.Tiles{Rows: 2, Cols: 2, PadX: vg.Millimeter * 6, PadY: vg.Millimeter * 6,
		PadTop: vg.Millimeter * 3, PadBottom: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 3}
	drawAll := func(dc draw.Canvas) {
		canvases := plot.Align(plots, tiles, dc)
		for r := range plots {
			for i, p := range plots[r] {
				p.Draw(canvases[r][i])
			}
		}
	}
	img := vgimg.New(w, h)
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	drawAll(dc)
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&b); err != nil {
		return nil, nil, fmt.Errorf("comparison chart: %w", err)
	}
	png = append([]byte(nil), b.Bytes()...)
	sv := vgsvg.New(w, h)
	drawAll(draw.New(sv))
	b.Reset()
	if _, err := sv.WriteTo(&b); err != nil {
		return nil, nil, fmt.Errorf("comparison chart: %w", err)
	}
	return png, b.Bytes(), nil
}

func linePlot(title, xlabel, ylabel string, c Comparison, a, b plotter.XYs) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Legend.Top = true
	// A distribution rises to the right: its legend goes top left.
	p.Legend.Left = strings.HasPrefix(ylabel, "share")
	for _, s := range []struct {
		name string
		xy   plotter.XYs
		col  color.Color
	}{{"A: " + c.A.Name, a, colA}, {"B: " + c.B.Name, b, colB}} {
		if len(s.xy) == 0 {
			continue
		}
		l, err := plotter.NewLine(s.xy)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", title, err)
		}
		l.Color = s.col
		l.Width = vg.Points(1.2)
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	return p, nil
}

// ecdf is the empirical distribution of sorted values as a step line.
func ecdf(sorted []float64) plotter.XYs {
	n := float64(len(sorted))
	var xy plotter.XYs
	for i := 0; i < len(sorted); {
		j := i
		for j < len(sorted) && sorted[j] == sorted[i] {
			j++
		}
		prev := float64(i) / n
		xy = append(xy, plotter.XY{X: sorted[i], Y: prev}, plotter.XY{X: sorted[i], Y: float64(j) / n})
		i = j
	}
	return xy
}
