// Package tracefit fits the documented parameters of a synthetic trace
// profile (datasets.TraceProfile) to a real trace, so that a year of
// synthetic load can be drawn that looks like an operator's month.
//
// What is fitted, and how (every estimate is robust to a few odd meetings):
//
//   - Slots: the mean number of meetings starting per working day in each
//     5-minute bin of the day, less the background rate, is the slots'
//     excess; runs of bins with a clear excess (at least 0.5 meetings a
//     day and twice the background) become one slot, at the 5th
//     percentile of the run's starts rounded to 5 minutes, with the run's
//     excess as its mean meeting count.
//   - Background: the median per-bin start rate over the bins between the
//     first and the last hour with starts, outside slots, as meetings per
//     hour; its hours are the first and last such hour.
//   - StartJitterMinutes: the generator delays starts by an exponential
//     with mean jitter/3 (capped at jitter), so three times the mean delay
//     of a slot's starts after its slot time.
//   - WeekendFactor: starts per weekend day over starts per working day.
//     Working days are Monday to Friday with at least a tenth of the
//     median working day's starts (the others are holidays).
//   - Durations: minimum and maximum are the 1st and 99th percentiles; the
//     step is the largest of 30, 15, 10, 5 minutes on whose grid (from the
//     minimum) nine in ten durations lie, within 2 minutes.
//   - Sizes: lognormal, median the sample median, sigma from the
//     interquartile range of the log sizes (IQR/1.349, unaffected by the
//     clamping), clamped to the smallest and largest meeting.
//   - Moderators (median), RecordedShare, VideoPerMeeting (mean).
//
// Not fitted: holidays (a month does not show a year's), which come from
// the base profile.
package tracefit

import (
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
)

const binMinutes = 5

// Report says what the fit saw.
type Report struct {
	WorkingDays, WeekendDays, HolidayDays int
}

// Fit estimates a profile from meetings; base gives the name and holidays.
func Fit(ms []model.Meeting, base datasets.TraceProfile) (datasets.TraceProfile, Report, error) {
	var rep Report
	if len(ms) < 20 {
		return base, rep, fmt.Errorf("fitting needs at least 20 meetings, the trace has %d", len(ms))
	}
	p := base
	p.Name = base.Name + "-fit"
	// Days of the span and their kind.
	first := dayOf(ms[0].Start)
	last := first
	for i := range ms {
		first = min(first, dayOf(ms[i].Start))
		last = max(last, dayOf(ms[i].Start))
	}
	nDays := int((last-first)/86400) + 1
	startsPerDay := make([]int, nDays)
	for i := range ms {
		startsPerDay[(dayOf(ms[i].Start)-first)/86400]++
	}
	var weekdayCounts []float64
	for d := range nDays {
		if !isWeekend(first + int64(d)*86400) {
			weekdayCounts = append(weekdayCounts, float64(startsPerDay[d]))
		}
	}
	if len(weekdayCounts) == 0 {
		return base, rep, fmt.Errorf("the trace holds no working day (Monday to Friday)")
	}
	slices.Sort(weekdayCounts)
	medianWorking := stat.Quantile(0.5, stat.Empirical, weekdayCounts, nil)
	working := make([]bool, nDays)
	weekendStarts := 0
	for d := range nDays {
		switch {
		case isWeekend(first + int64(d)*86400):
			rep.WeekendDays++
			weekendStarts += startsPerDay[d]
		case float64(startsPerDay[d]) >= medianWorking/10:
			working[d] = true
			rep.WorkingDays++
		default:
			rep.HolidayDays++
		}
	}
	if rep.WorkingDays == 0 {
		return base, rep, fmt.Errorf("the trace holds no working day with meetings")
	}
	// Starts per working day by 5-minute bin.
	const bins = 24 * 60 / binMinutes
	var rate [bins]float64
	var workingStarts []int64
	for i := range ms {
		d := (dayOf(ms[i].Start) - first) / 86400
		if !working[d] {
			continue
		}
		sod := ms[i].Start - dayOf(ms[i].Start)
		rate[sod/(binMinutes*60)]++
		workingStarts = append(workingStarts, sod)
	}
	for b := range rate {
		rate[b] /= float64(rep.WorkingDays)
	}
	perWorkingDay := float64(len(workingStarts)) / float64(rep.WorkingDays)
	if rep.WeekendDays > 0 && perWorkingDay > 0 {
		p.WeekendFactor = float64(weekendStarts) / float64(rep.WeekendDays) / perWorkingDay
	} else {
		p.WeekendFactor = 0
	}
	// Background: the median bin rate over the active hours, outside the
	// bins that stand out.
	firstBin, lastBin := -1, -1
	for b, r := range rate {
		if r > 0 {
			if firstBin < 0 {
				firstBin = b
			}
			lastBin = b
		}
	}
	active := slices.Clone(rate[firstBin : lastBin+1])
	slices.Sort(active)
	bg := stat.Quantile(0.5, stat.Empirical, active, nil)
	p.BackgroundPerHour = bg * 60 / binMinutes
	p.BackgroundFrom = firstBin * binMinutes / 60
	p.BackgroundTo = min(24, lastBin*binMinutes/60+1)
	// Slots: runs of bins well above the background.
	p.Slots = nil
	type run struct{ from, to int64 } // seconds of the day
	var runs []run
	for b := 0; b < bins; {
		if !standsOut(rate[b], bg) {
			b++
			continue
		}
		start := b
		excess := 0.0
		for b < bins && standsOut(rate[b], bg) {
			excess += rate[b] - bg
			b++
		}
		runs = append(runs, run{int64(start * binMinutes * 60), int64(b * binMinutes * 60)})
		p.Slots = append(p.Slots, datasets.Slot{Meetings: round2(excess)})
	}
	// A slot's time: its early starts (the 5th percentile) to the nearest
	// 5 minutes, so that starts recorded a little early (an import places
	// them half a step before they were seen) do not move it a bin back.
	for i, r := range runs {
		var in []float64
		for _, sod := range workingStarts {
			if sod >= r.from && sod < r.to {
				in = append(in, float64(sod))
			}
		}
		slices.Sort(in)
		at := r.from
		if len(in) > 0 {
			step := float64(binMinutes * 60)
			at = int64(math.Round(stat.Quantile(0.05, stat.Empirical, in, nil)/step) * step)
		}
		runs[i].from = at
		p.Slots[i].Hour, p.Slots[i].Minute = int(at/3600), int(at%3600/60)
	}
	// The mean delay of the starts in a slot after its time.
	var delay, inSlots float64
	for _, sod := range workingStarts {
		for _, r := range runs {
			if sod >= r.from-binMinutes*60 && sod < r.to {
				delay += float64(max(0, sod-r.from))
				inSlots++
			}
		}
	}
	p.StartJitterMinutes = 0
	if inSlots > 0 {
		p.StartJitterMinutes = max(1, int(math.Round(3*delay/inSlots/60)))
	}
	// Durations, sizes and the rest.
	durs := make([]float64, len(ms))
	logSizes := make([]float64, 0, len(ms))
	sizes := make([]float64, len(ms))
	mods := make([]float64, len(ms))
	var recorded, video float64
	for i := range ms {
		durs[i] = float64(ms[i].End-ms[i].Start) / 60
		n := ms[i].PeakParticipants()
		sizes[i] = float64(n)
		if n > 0 {
			logSizes = append(logSizes, math.Log(float64(n)))
		}
		mods[i] = float64(ms[i].Moderators)
		if ms[i].Recorded {
			recorded++
		}
		video += float64(ms[i].VideoStreams)
	}
	slices.Sort(durs)
	slices.Sort(sizes)
	slices.Sort(logSizes)
	slices.Sort(mods)
	p.DurationMin = max(1, int(math.Round(stat.Quantile(0.01, stat.Empirical, durs, nil))))
	p.DurationMax = max(p.DurationMin, int(math.Round(stat.Quantile(0.99, stat.Empirical, durs, nil))))
	p.DurationStep = durationStep(durs, p.DurationMin)
	p.DurationMax = p.DurationMin + (p.DurationMax-p.DurationMin)/p.DurationStep*p.DurationStep
	if len(logSizes) > 0 {
		p.SizeMedian = math.Exp(stat.Quantile(0.5, stat.Empirical, logSizes, nil))
		iqr := stat.Quantile(0.75, stat.Empirical, logSizes, nil) - stat.Quantile(0.25, stat.Empirical, logSizes, nil)
		p.SizeSigma = round2(math.Max(iqr/1.349, 0.01))
		p.SizeMedian = round2(p.SizeMedian)
	}
	p.SizeMin = int(sizes[0])
	p.SizeMax = int(sizes[len(sizes)-1])
	p.Moderators = int(stat.Quantile(0.5, stat.Empirical, mods, nil))
	p.RecordedShare = round2(recorded / float64(len(ms)))
	p.VideoPerMeeting = round2(video / float64(len(ms)))
	p.BackgroundPerHour = round2(p.BackgroundPerHour)
	p.WeekendFactor = round2(p.WeekendFactor)
	return p, rep, nil
}

// standsOut says a bin's start rate is a slot's: at least half a meeting a
// day above the background and twice it.
func standsOut(r, bg float64) bool { return r-bg >= 0.5 && r >= 2*bg }

func durationStep(sorted []float64, dmin int) int {
	for _, s := range []int{30, 15, 10, 5} {
		on := 0
		for _, d := range sorted {
			k := math.Round((d - float64(dmin)) / float64(s))
			if math.Abs(d-float64(dmin)-k*float64(s)) <= 2 {
				on++
			}
		}
		if float64(on) >= 0.9*float64(len(sorted)) {
			return s
		}
	}
	return 1
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func dayOf(t int64) int64 { return t - ((t%86400)+86400)%86400 }

func isWeekend(day int64) bool {
	wd := time.Unix(day, 0).UTC().Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// WriteProfile prints a profile's parameters, one a line.
func WriteProfile(w io.Writer, p datasets.TraceProfile) error {
	fmt.Fprintf(w, "profile %s\n", p.Name)
	fmt.Fprintf(w, "  slots (working days, mean meetings starting):")
	for _, s := range p.Slots {
		fmt.Fprintf(w, " %02d:%02d=%.1f", s.Hour, s.Minute, s.Meetings)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  background %.2f meetings/hour from %02d:00 to %02d:00; weekend factor %.2f; start jitter %d min\n", p.BackgroundPerHour, p.BackgroundFrom, p.BackgroundTo, p.WeekendFactor, p.StartJitterMinutes)
	fmt.Fprintf(w, "  durations %d-%d min in steps of %d\n", p.DurationMin, p.DurationMax, p.DurationStep)
	fmt.Fprintf(w, "  sizes lognormal median %.2f sigma %.2f, %d-%d; moderators %d\n", p.SizeMedian, p.SizeSigma, p.SizeMin, p.SizeMax, p.Moderators)
	_, err := fmt.Fprintf(w, "  recorded %.0f%%, webcams %.2f per meeting; holidays %v (from the base profile)\n", 100*p.RecordedShare, p.VideoPerMeeting, p.Holidays)
	return err
}
