package datasets

import (
	"bytes"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/scalite/scalite/model"
)

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestPriceModelCalibration checks the generator against the real-data
// statistics it claims: ~0.4 changes a day at the median, median step
// ~0.23%, level near the advisor's savings figure.
func TestPriceModelCalibration(t *testing.T) {
	rc, _ := DefaultCatalog().Region("eu-west-1")
	var types []model.InstanceType
	for _, n := range rc.TypeNames() {
		types = append(types, rc.Types[n])
	}
	recs, err := GeneratePrices(DefaultPriceModel(), PriceGenOptions{Types: types, AZs: rc.AZs, Start: DefaultStart, Days: 90}, NewPriceRand(7))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	WritePricesCLIJSON(&buf, recs)
	h, err := ReadPricesFrom(&buf, "gen", PriceReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var perDay, steps, levelRatio []float64
	for _, k := range h.Markets() {
		s := h.Series[k]
		perDay = append(perDay, float64(s.Changes())/90)
		for i := 1; i < s.Len(); i++ {
			_, a := s.Point(i - 1)
			_, b := s.Point(i)
			steps = append(steps, math.Abs(b/a-1))
		}
		cost, _ := s.Cost(s.First(), s.First()+90*86400)
		it := rc.Types[k.InstanceType]
		levelRatio = append(levelRatio, cost/(90*24)/(it.OnDemandUSDPerHour*(1-it.SavingsPct/100)))
	}
	// The real eu-west-1 file: 3.53 changes a day and a 0.173% step at
	// the median.
	if m := median(perDay); m < 2.5 || m > 4.5 {
		t.Errorf("median changes per day = %.3f, want about 3.5", m)
	}
	if m := median(steps); m < 0.0013 || m > 0.0022 {
		t.Errorf("median step = %.4f, want about 0.0017", m)
	}
	if m := median(levelRatio); m < 0.9 || m > 1.15 {
		t.Errorf("median mean price / advisor level = %.3f, want about 1", m)
	}
}

func TestGenerateTraceProfiles(t *testing.T) {
	for _, tc := range []struct {
		profile              string
		minPeak, maxPeak     int
		startsOnHourFraction float64
	}{
		{"university", 1300, 2500, 0.6},
		{"school", 4500, 8000, 0.0},
		{"corporate", 200, 1500, 0.0},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			p, err := Profile(tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			opt := TraceGenOptions{Start: DefaultStart, Days: 14}
			a, err := GenerateTrace(p, opt, NewTraceRand(3))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := GenerateTrace(p, opt, NewTraceRand(3))
			c, _ := GenerateTrace(p, opt, NewTraceRand(4))
			var wa, wb, wc bytes.Buffer
			WriteTrace(&wa, a)
			WriteTrace(&wb, b)
			WriteTrace(&wc, c)
			if !bytes.Equal(wa.Bytes(), wb.Bytes()) {
				t.Fatal("same seed gave different traces")
			}
			if bytes.Equal(wa.Bytes(), wc.Bytes()) {
				t.Fatal("different seeds gave the same trace")
			}
			s := SummarizeTrace(a)
			if s.PeakUsers < tc.minPeak || s.PeakUsers > tc.maxPeak {
				t.Errorf("peak users = %d, want %d..%d", s.PeakUsers, tc.minPeak, tc.maxPeak)
			}
			onHour := 0
			for _, m := range a {
				if m.Start%3600 < 300 {
					onHour++
				}
				if m.Participants < p.SizeMin || m.Participants > p.SizeMax || m.End <= m.Start {
					t.Fatalf("meeting out of profile: %+v", m)
				}
			}
			if f := float64(onHour) / float64(len(a)); f < tc.startsOnHourFraction {
				t.Errorf("%.2f of meetings start in the first 5 minutes of an hour, want at least %.2f", f, tc.startsOnHourFraction)
			}
			// Weekdays carry the load; the weekend is quiet.
			if s.Weekly[2][10] <= 5*s.Weekly[6][10] {
				t.Errorf("Wednesday 10:00 (%.0f) should dwarf Sunday 10:00 (%.0f)", s.Weekly[2][10], s.Weekly[6][10])
			}
		})
	}
}

func TestGenerateTraceHolidays(t *testing.T) {
	p, _ := Profile("university")
	ms, err := GenerateTrace(p, TraceGenOptions{Start: time.Date(2026, 12, 28, 0, 0, 0, 0, time.UTC), Days: 7}, NewTraceRand(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 0 {
		t.Errorf("%d meetings between Christmas and Epiphany, want none", len(ms))
	}
	if _, err := Profile("nope"); err == nil {
		t.Error("unknown profile accepted")
	}
}
