package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart is one rendered chart.
type Chart struct {
	Name  string // file stem, e.g. "prices"
	Title string
	PNG   []byte
	SVG   []byte
}

var palette = []color.Color{
	color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}, color.RGBA{44, 160, 44, 255},
	color.RGBA{214, 39, 40, 255}, color.RGBA{148, 103, 189, 255}, color.RGBA{140, 86, 75, 255},
	color.RGBA{227, 119, 194, 255}, color.RGBA{127, 127, 127, 255}, color.RGBA{188, 189, 34, 255},
	color.RGBA{23, 190, 207, 255},
}

func col(i int) color.Color { return palette[i%len(palette)] }

// shade lightens a colour step by step, for the zones of one type.
func shade(c color.Color, step int) color.Color {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 {
		f := math.Min(0.6, 0.28*float64(step))
		return uint8(float64(v>>8)*(1-f) + 255*f)
	}
	return color.RGBA{mix(r), mix(g), mix(b), 255}
}

// timeTicker puts ticks on round hours or days, about six to ten of them.
type timeTicker struct{}

func (timeTicker) Ticks(min, max float64) []plot.Tick {
	span := max - min
	steps := []float64{3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if span/s <= 10 {
			step = s
			break
		}
	}
	format := "Jan 02"
	if step < 86400 {
		format = "Jan 02 15:04"
	}
	var ticks []plot.Tick
	for t := math.Ceil(min/step) * step; t <= max; t += step {
		ticks = append(ticks, plot.Tick{Value: t, Label: time.Unix(int64(t), 0).UTC().Format(format)})
	}
	return ticks
}

func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.ThumbnailWidth = 0.5 * vg.Centimeter
	p.Add(plotter.NewGrid())
	return p
}

func timeAxis(p *plot.Plot, from, to int64) {
	p.X.Tick.Marker = timeTicker{}
	p.X.Min, p.X.Max = float64(from), float64(to)
}

// legendRoom raises the y range so that a legend of n rows in the top-left
// corner sits above the data instead of on it.
func legendRoom(p *plot.Plot, dataMax float64, rows int) {
	p.Y.Min = 0
	p.Y.Max = dataMax * (1.08 + 0.07*float64(rows))
	if p.Y.Max <= 0 {
		p.Y.Max = 1
	}
}

// xys is a series as points to draw, thinned to what a chart can show.
// A year of 5-minute samples is 105,000 points against a chart's thousand
// or so pixel columns, and rasterizing the area filled under them took
// seconds; so a long series keeps, in each of chartColumns slices of its
// span, its first, lowest, highest and last sample, in time order: the
// outline drawn is the same at the chart's resolution.
func xys(s Series) plotter.XYs {
	n := len(s.T)
	if n <= 4*chartColumns {
		pts := make(plotter.XYs, n)
		for i := range s.T {
			pts[i] = plotter.XY{X: float64(s.T[i]), Y: s.V[i]}
		}
		return pts
	}
	first, span := s.T[0], s.T[n-1]-s.T[0]
	if span <= 0 {
		span = 0 // all at one time (or out of order): one slice
	}
	pts := make(plotter.XYs, 0, 4*chartColumns)
	column := func(i int) int64 { return (s.T[i] - first) * chartColumns / (span + 1) }
	for i := 0; i < n; {
		j, lo, hi := i, i, i
		for c := column(i); j < n && column(j) == c; j++ {
			if s.V[j] < s.V[lo] {
				lo = j
			}
			if s.V[j] > s.V[hi] {
				hi = j
			}
		}
		keep := []int{i, lo, hi, j - 1}
		slices.Sort(keep)
		for k, x := range keep {
			if k == 0 || x != keep[k-1] {
				pts = append(pts, plotter.XY{X: float64(s.T[x]), Y: s.V[x]})
			}
		}
		i = j
	}
	return pts
}

// chartColumns: slices of a series' span that xys keeps four samples of.
const chartColumns = 2000

func maxOf(vs ...[]float64) float64 {
	m := 0.0
	for _, v := range vs {
		for _, x := range v {
			m = math.Max(m, x)
		}
	}
	return m
}

func render(name, title string, p *plot.Plot, w, h vg.Length) (Chart, error) {
	c := Chart{Name: name, Title: title}
	for _, f := range []struct {
		format string
		dst    *[]byte
	}{{"png", &c.PNG}, {"svg", &c.SVG}} {
		wt, err := p.WriterTo(w, h, f.format)
		if err != nil {
			return c, fmt.Errorf("chart %s: %w", name, err)
		}
		var b bytes.Buffer
		if _, err := wt.WriteTo(&b); err != nil {
			return c, fmt.Errorf("chart %s: %w", name, err)
		}
		*f.dst = b.Bytes()
	}
	return c, nil
}

const chartW, chartH = 9 * vg.Inch, 4.2 * vg.Inch

// Render draws every chart of the data; the runs chart only with 2+ runs.
func Render(d ChartData, from, to int64) ([]Chart, error) {
	var out []Chart
	for _, f := range []func(ChartData, int64, int64) (Chart, error){pricesChart, capacityChart, costChart, dailyChart, runsChart} {
		c, err := f(d, from, to)
		if err != nil {
			return nil, err
		}
		if c.Name != "" {
			out = append(out, c)
		}
	}
	return out, nil
}

func pricesChart(d ChartData, from, to int64) (Chart, error) {
	p := newPlot("Spot price per market, with max price and on-demand", "time (UTC)", "USD per instance-hour")
	timeAxis(p, from, to)
	var all []float64
	typeColor := map[string]int{}
	for i, l := range d.OnDemand {
		typeColor[l.Name] = i
	}
	// Markets of one type share its hue (lighter per zone); its max price
	// is dashed and its on-demand price dotted in the same hue.
	zone := map[string]int{}
	for _, s := range d.Prices {
		typ, _, _ := strings.Cut(s.Name, "/")
		if _, ok := typeColor[typ]; !ok {
			typeColor[typ] = len(typeColor)
		}
		l, err := plotter.NewLine(xys(s))
		if err != nil {
			return Chart{}, err
		}
		l.StepStyle = plotter.PostStep
		l.Color = shade(col(typeColor[typ]), zone[typ])
		zone[typ]++
		l.Width = vg.Points(1.2)
		p.Add(l)
		p.Legend.Add(s.Name, l)
		all = append(all, s.V...)
	}
	for _, group := range []struct {
		levels []Level
		dashes []vg.Length
		label  string
	}{{d.MaxPrices, []vg.Length{vg.Points(6), vg.Points(3)}, "max price"}, {d.OnDemand, []vg.Length{vg.Points(1), vg.Points(3)}, "on-demand"}} {
		for _, lv := range group.levels {
			l, err := plotter.NewLine(plotter.XYs{{X: float64(from), Y: lv.Value}, {X: float64(to), Y: lv.Value}})
			if err != nil {
				return Chart{}, fmt.Errorf("prices chart: %s %s: %w", group.label, lv.Name, err)
			}
			l.Color = col(typeColor[lv.Name])
			l.Dashes = group.dashes
			l.Width = vg.Points(1.5)
			p.Add(l)
			p.Legend.Add(group.label+" "+lv.Name, l)
			all = append(all, lv.Value)
		}
	}
	p.Legend.Top, p.Legend.Left = true, true
	rows := len(d.Prices) + len(d.MaxPrices) + len(d.OnDemand)
	p.Legend.Padding = vg.Points(1)
	legendRoom(p, maxOf(all), min(rows, 6))
	legendColumns(p, rows)
	return render("prices", p.Title.Text, p, chartW, chartH+vg.Inch)
}

// legendColumns keeps a long legend short by shrinking its text.
func legendColumns(p *plot.Plot, rows int) {
	if rows > 6 {
		p.Legend.TextStyle.Font.Size = vg.Points(7)
		p.Legend.YOffs = 0
		p.Y.Max *= 1 + 0.035*float64(rows-6)
	}
}

func capacityChart(d ChartData, from, to int64) (Chart, error) {
	p := newPlot("Demand against enabled capacity", "time (UTC)", "concurrent participants / BBB users")
	timeAxis(p, from, to)
	// Spot stacked on on-demand, summed at every sample before thinning.
	stacked := Series{T: d.CapacityOnDemand.T, V: make([]float64, len(d.CapacityOnDemand.V))}
	for i, v := range d.CapacityOnDemand.V {
		stacked.V[i] = v + d.CapacitySpot.V[i]
	}
	od, total, spotV := xys(d.CapacityOnDemand), xys(stacked), stacked.V
	// Stacked areas: total (spot on top) drawn first, on-demand over it.
	for _, a := range []struct {
		pts   plotter.XYs
		fill  color.Color
		label string
	}{{total, color.RGBA{158, 202, 225, 255}, "spot capacity (stacked)"}, {od, color.RGBA{253, 208, 162, 255}, "on-demand capacity"}} {
		l, err := plotter.NewLine(a.pts)
		if err != nil {
			return Chart{}, err
		}
		l.StepStyle = plotter.PostStep
		l.FillColor = a.fill
		l.LineStyle.Width = 0
		p.Add(l)
		p.Legend.Add(a.label, l)
	}
	dl, err := plotter.NewLine(xys(d.Demand))
	if err != nil {
		return Chart{}, err
	}
	dl.Color = color.Black
	dl.Width = vg.Points(1)
	p.Add(dl)
	p.Legend.Add("demand (participants)", dl)
	top := maxOf(spotV, d.Demand.V)
	legendRoom(p, top, 5)
	for _, kind := range []struct {
		kind  string
		shape draw.GlyphDrawer
		c     color.Color
		label string
	}{{"interruption-notice", draw.TriangleGlyph{}, color.RGBA{214, 39, 40, 255}, "interruption notice"}, {"rebalance", draw.CircleGlyph{}, color.RGBA{255, 127, 14, 255}, "rebalance recommendation"}} {
		var pts plotter.XYs
		for _, m := range d.Marks {
			if m.Kind == kind.kind {
				pts = append(pts, plotter.XY{X: float64(m.T), Y: top * 1.03})
			}
		}
		if len(pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return Chart{}, err
		}
		sc.GlyphStyle.Shape, sc.GlyphStyle.Color, sc.GlyphStyle.Radius = kind.shape, kind.c, vg.Points(3)
		p.Add(sc)
		p.Legend.Add(fmt.Sprintf("%s (%d)", kind.label, len(pts)), sc)
	}
	return render("capacity", p.Title.Text, p, chartW, chartH)
}

func costChart(d ChartData, from, to int64) (Chart, error) {
	p := newPlot("Cumulative cost: policy against all on-demand", "time (UTC)", "USD")
	timeAxis(p, from, to)
	for i, s := range []Series{d.CostBaseline, d.CostPolicy} {
		if len(s.T) == 0 {
			continue
		}
		l, err := plotter.NewLine(xys(s))
		if err != nil {
			return Chart{}, err
		}
		l.Color = []color.Color{color.RGBA{127, 127, 127, 255}, color.RGBA{31, 119, 180, 255}}[i]
		l.Width = vg.Points(2)
		p.Add(l)
		last := s.V[len(s.V)-1]
		p.Legend.Add(fmt.Sprintf("%s: %.2f USD", s.Name, last), l)
	}
	legendRoom(p, maxOf(d.CostBaseline.V, d.CostPolicy.V), 2)
	return render("cost", p.Title.Text, p, chartW, chartH)
}

func dailyChart(d ChartData, from, to int64) (Chart, error) {
	p := newPlot("Disruption per day", "day (UTC)", "participant-minutes / participants")
	if len(d.Days) == 0 {
		return Chart{}, nil
	}
	w := vg.Points(math.Max(2, 300/float64(len(d.Days))))
	for i, b := range []struct {
		v     []float64
		label string
	}{{d.DisruptedMinutes, "disrupted participant-minutes"}, {d.RejectedParticipants, "rejected participants"}} {
		bc, err := plotter.NewBarChart(plotter.Values(b.v), w)
		if err != nil {
			return Chart{}, err
		}
		bc.Color = col(3 + i)
		bc.LineStyle.Width = 0
		bc.Offset = vg.Length(i) * w
		bc.XMin = 0
		p.Add(bc)
		p.Legend.Add(b.label, bc)
	}
	labels := make([]string, len(d.Days))
	step := max(1, len(d.Days)/10)
	for i, day := range d.Days {
		if i%step == 0 {
			labels[i] = time.Unix(day, 0).UTC().Format("Jan 02")
		}
	}
	p.NominalX(labels...)
	legendRoom(p, maxOf(d.DisruptedMinutes, d.RejectedParticipants), 2)
	if maxOf(d.DisruptedMinutes, d.RejectedParticipants) == 0 {
		p.Title.Text += " (none in this run)"
	}
	return render("daily", p.Title.Text, p, chartW, chartH)
}

func runsChart(d ChartData, from, to int64) (Chart, error) {
	if len(d.RunCosts) < 2 {
		return Chart{}, nil
	}
	costs := plot.New()
	costs.Title.Text = fmt.Sprintf("Cost over %d runs", len(d.RunCosts))
	costs.Y.Label.Text = "USD"
	dis := plot.New()
	dis.Title.Text = fmt.Sprintf("Disruption over %d runs", len(d.RunCosts))
	dis.Y.Label.Text = "disrupted participant-minutes"
	for _, b := range []struct {
		p *plot.Plot
		v []float64
		c color.Color
	}{{costs, d.RunCosts, col(0)}, {dis, d.RunDisrupted, col(3)}} {
		bp, err := plotter.NewBoxPlot(vg.Points(40), 0, plotter.Values(b.v))
		if err != nil {
			return Chart{}, err
		}
		bp.FillColor = b.c
		b.p.Add(bp)
		b.p.NominalX("")
		b.p.Add(plotter.NewGrid())
	}
	// Two panels side by side on one canvas.
	return renderTiles("runs", "Distribution over runs", []*plot.Plot{costs, dis}, chartW, chartH)
}

// renderTiles draws plots side by side, as PNG and SVG.
func renderTiles(name, title string, plots []*plot.Plot, w, h vg.Length) (Chart, error) {
	c := Chart{Name: name, Title: title}
	tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 2, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	drawAll := func(dc draw.Canvas) {
		canvases := plot.Align([][]*plot.Plot{plots}, tiles, dc)
		for i, p := range plots {
			p.Draw(canvases[0][i])
		}
	}
	img := vgimg.New(w, h)
	drawAll(draw.New(img))
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&b); err != nil {
		return c, fmt.Errorf("chart %s: %w", name, err)
	}
	c.PNG = append([]byte(nil), b.Bytes()...)
	svg := vgsvg.New(w, h)
	drawAll(draw.New(svg))
	b.Reset()
	if _, err := svg.WriteTo(&b); err != nil {
		return c, fmt.Errorf("chart %s: %w", name, err)
	}
	c.SVG = b.Bytes()
	return c, nil
}
