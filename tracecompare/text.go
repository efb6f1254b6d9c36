package tracecompare

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

var weekdays = [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

func fmtTime(t int64) string { return time.Unix(t, 0).UTC().Format("2006-01-02 15:04Z") }

func fmtKS(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return fmt.Sprintf("%.3f", x)
}

// sideNames label the two traces' rows.
var sideNames = [2]string{"A", "B"}

// hourTable prints title and starts a right-aligned table whose header is
// leading empty cells (one per row label) and then the 24 UTC hours.
func hourTable(w io.Writer, title string, leading int) *tabwriter.Writer {
	fmt.Fprintln(w, title)
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, strings.Repeat("\t", leading))
	for h := range 24 {
		fmt.Fprintf(tw, "%02d\t", h)
	}
	fmt.Fprintln(tw)
	return tw
}

// WriteText prints the comparison as aligned tables.
func (c Comparison) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	a, b := &c.A, &c.B
	fmt.Fprintf(tw, "\tA: %s\tB: %s\n", a.Name, b.Name)
	fmt.Fprintf(tw, "meetings\t%d\t%d\n", a.Summary.Meetings, b.Summary.Meetings)
	fmt.Fprintf(tw, "span\t%s .. %s\t%s .. %s\n", fmtTime(a.Summary.From), fmtTime(a.Summary.To), fmtTime(b.Summary.From), fmtTime(b.Summary.To))
	fmt.Fprintf(tw, "peak concurrent participants\t%d\t%d\n", a.Summary.PeakUsers, b.Summary.PeakUsers)
	fmt.Fprintf(tw, "peak concurrent meetings\t%d\t%d\n", a.Summary.PeakMeetings, b.Summary.PeakMeetings)
	fmt.Fprintf(tw, "participant-minutes per day\t%.0f\t%.0f\n", a.Summary.ParticipantMinutes/math.Max(a.Days, 1), b.Summary.ParticipantMinutes/math.Max(b.Days, 1))
	fmt.Fprintf(tw, "recorded\t%d\t%d\n", a.Summary.Recorded, b.Summary.Recorded)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nKolmogorov-Smirnov distance (0 = same distribution, 1 = disjoint):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  weekly profile (participant-minutes over the week's hours)\t%s\n", fmtKS(c.Distance.Weekly))
	fmt.Fprintf(tw, "  arrivals (start times over the week)\t%s\n", fmtKS(c.Distance.Arrivals))
	fmt.Fprintf(tw, "  meeting sizes (peak participants)\t%s\n", fmtKS(c.Distance.Sizes))
	fmt.Fprintf(tw, "  meeting durations\t%s\n", fmtKS(c.Distance.Durations))
	if err := tw.Flush(); err != nil {
		return err
	}
	tw = tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)
	for _, d := range []struct {
		title string
		a, b  []float64
	}{{"meeting sizes (participants)", a.Sizes, b.Sizes}, {"meeting durations (minutes)", a.Durations, b.Durations}} {
		fmt.Fprintf(tw, "\n%s\tp10\tp50\tp90\tp99\tmax\t\n", d.title)
		for _, s := range []struct {
			name string
			v    []float64
		}{{"A", d.a}, {"B", d.b}} {
			q := Quantiles(s.v)
			fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t\n", s.name, q[0], q[1], q[2], q[3], q[4])
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	tw = hourTable(w, "\narrivals per UTC hour (meetings starting, mean per day):", 1)
	for i, s := range []*Side{a, b} {
		fmt.Fprintf(tw, "%s\t", sideNames[i])
		for h := range 24 {
			fmt.Fprintf(tw, "%.1f\t", s.ArrivalsPerHour[h])
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	tw = hourTable(w, "\nweekly profile, mean concurrent participants by UTC hour (A over B):", 2)
	for d := range 7 {
		for i, s := range []*Side{a, b} {
			day := weekdays[d]
			if i == 1 {
				day = ""
			}
			fmt.Fprintf(tw, "%s\t%s\t", day, sideNames[i])
			for h := range 24 {
				fmt.Fprintf(tw, "%.0f\t", s.Summary.Weekly[d][h])
			}
			fmt.Fprintln(tw)
		}
	}
	return tw.Flush()
}
