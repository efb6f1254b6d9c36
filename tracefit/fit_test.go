package tracefit

import (
	"math"
	"testing"
	"time"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/tracecompare"
)

func generate(t *testing.T, p datasets.TraceProfile, days int, seed uint64) []model.Meeting {
	t.Helper()
	ms, err := datasets.GenerateTrace(p, datasets.TraceGenOptions{Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Days: days}, datasets.NewTraceRand(seed))
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// TestFitRecoversProfile fits each built-in profile from four weeks of its
// own load and checks the parameters and, drawing again from the fit, the
// load's shape.
func TestFitRecoversProfile(t *testing.T) {
	for _, name := range datasets.Profiles() {
		t.Run(name, func(t *testing.T) {
			truth, _ := datasets.Profile(name)
			month := generate(t, truth, 28, 1)
			fit, rep, err := Fit(month, truth)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %+v\n%+v", name, rep, fit)
			near := func(what string, got, want, tol float64) {
				t.Helper()
				if math.Abs(got-want) > tol {
					t.Errorf("%s: fitted %.3f, want %.3f within %.3f", what, got, want, tol)
				}
			}
			near("size median", fit.SizeMedian, truth.SizeMedian, 0.1*truth.SizeMedian)
			near("duration min", float64(fit.DurationMin), float64(truth.DurationMin), 1)
			near("duration max", float64(fit.DurationMax), float64(truth.DurationMax), float64(truth.DurationStep))
			near("weekend factor", fit.WeekendFactor, truth.WeekendFactor, 0.03)
			near("recorded share", fit.RecordedShare, truth.RecordedShare, 0.03)
			// Slot meetings a working day, all slots together.
			var sumTruth, sumFit float64
			for _, s := range truth.Slots {
				sumTruth += s.Meetings
			}
			for _, s := range fit.Slots {
				sumFit += s.Meetings
			}
			near("slot meetings a day", sumFit, sumTruth, 0.1*sumTruth)
			// A new draw from the fit looks like the month it was fitted to.
			again := generate(t, fit, 28, 2)
			d := tracecompare.Compare("month", month, "fit", again).Distance
			t.Logf("distances %+v", d)
			for _, x := range []struct {
				what string
				got  float64
			}{{"weekly", d.Weekly}, {"arrivals", d.Arrivals}, {"sizes", d.Sizes}, {"durations", d.Durations}} {
				if !(x.got <= 0.06) {
					t.Errorf("%s distance between the month and a draw from its fit: %.3f, want <= 0.06", x.what, x.got)
				}
			}
		})
	}
}

// TestFitSlotTimesSurviveEarlyStarts: an import places starts half a step
// (30 s) before they were seen; the fitted slots stay on the hour.
func TestFitSlotTimesSurviveEarlyStarts(t *testing.T) {
	truth, _ := datasets.Profile("university")
	month := generate(t, truth, 28, 1)
	for i := range month {
		month[i].Start -= 30
		month[i].End -= 30
	}
	fit, _, err := Fit(month, truth)
	if err != nil {
		t.Fatal(err)
	}
	if len(fit.Slots) != len(truth.Slots) {
		t.Fatalf("%d slots, want %d: %+v", len(fit.Slots), len(truth.Slots), fit.Slots)
	}
	for i, s := range fit.Slots {
		if s.Hour != truth.Slots[i].Hour || s.Minute != truth.Slots[i].Minute {
			t.Errorf("slot %d at %02d:%02d, want %02d:%02d", i, s.Hour, s.Minute, truth.Slots[i].Hour, truth.Slots[i].Minute)
		}
	}
}
