package model

import (
	"math"
	"testing"

	"pgregory.net/rapid"
)

func genSeries(t *rapid.T) (*PriceSeries, []int64, []float64) {
	n := rapid.IntRange(1, 40).Draw(t, "n")
	times := make([]int64, n)
	prices := make([]float64, n)
	at := rapid.Int64Range(0, 1000).Draw(t, "t0")
	for i := range n {
		times[i] = at
		prices[i] = float64(rapid.IntRange(0, 20000).Draw(t, "p")) / 1e4
		at += rapid.Int64Range(1, 5000).Draw(t, "gap")
	}
	s, err := NewPriceSeries(times, prices)
	if err != nil {
		t.Fatal(err)
	}
	return s, times, prices
}

// bruteAt is the definition: the last change at or before t.
func bruteAt(times []int64, prices []float64, t int64) (float64, bool) {
	p, ok := 0.0, false
	for i := range times {
		if times[i] <= t {
			p, ok = prices[i], true
		}
	}
	return p, ok
}

func TestPriceSeriesMatchesDefinition(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s, times, prices := genSeries(t)
		c := s.Cursor()
		q := times[0] - 10
		for range 30 {
			// Mostly forward, sometimes backward, as a replay and a re-query do.
			q += rapid.Int64Range(-2000, 6000).Draw(t, "step")
			want, wok := bruteAt(times, prices, q)
			if got, ok := s.At(q); got != want || ok != wok {
				t.Fatalf("At(%d) = %v,%v want %v,%v", q, got, ok, want, wok)
			}
			if got, ok := c.At(q); got != want || ok != wok {
				t.Fatalf("cursor At(%d) = %v,%v want %v,%v", q, got, ok, want, wok)
			}
			if got, ok := c.NextChange(); true {
				want, wok := s.NextChange(q)
				if got != want || ok != wok {
					t.Fatalf("cursor NextChange after %d = %v,%v want %v,%v", q, got, ok, want, wok)
				}
			}
		}
	})
}

func TestPriceSeriesCostIsPerSecondIntegral(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s, times, prices := genSeries(t)
		from := times[0] + rapid.Int64Range(0, 3000).Draw(t, "from")
		to := from + rapid.Int64Range(0, 20000).Draw(t, "len")
		var want float64
		for sec := from; sec < to; sec++ {
			p, _ := bruteAt(times, prices, sec)
			want += p / 3600
		}
		got, err := s.Cost(from, to)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-want) > 1e-9*math.Max(1, want) {
			t.Fatalf("Cost(%d,%d) = %v, want %v", from, to, got, want)
		}
	})
}

func TestPriceSeriesErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		times  []int64
		prices []float64
	}{
		{"lengths", []int64{1, 2}, []float64{1}},
		{"not increasing", []int64{2, 2}, []float64{1, 1}},
		{"negative", []int64{1}, []float64{-1}},
	} {
		if _, err := NewPriceSeries(tc.times, tc.prices); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	s, _ := NewPriceSeries([]int64{100}, []float64{1})
	if _, err := s.Cost(50, 200); err == nil {
		t.Error("cost before the first price accepted")
	}
	if _, err := s.Cost(300, 200); err == nil {
		t.Error("reversed interval accepted")
	}
	if next, ok := s.NextChange(0); !ok || next != 100 {
		t.Errorf("NextChange(0) = %d, %v", next, ok)
	}
}

func TestAdvisorBandHazard(t *testing.T) {
	// 2.5% a month: survival over 730 hours must be 97.5%.
	h := BandUnder5.HourlyHazard()
	if got := math.Exp(-730 * h); math.Abs(got-0.975) > 1e-12 {
		t.Errorf("monthly survival = %v, want 0.975", got)
	}
	for b := BandUnder5; b < BandOver20; b++ {
		if b.HourlyHazard() >= (b + 1).HourlyHazard() {
			t.Errorf("band %s not less risky than %s", b, b+1)
		}
		if got, err := ParseAdvisorBand(b.String()); err != nil || got != b {
			t.Errorf("ParseAdvisorBand(%s) = %v, %v", b, got, err)
		}
	}
}

func TestMeetingParticipantSeconds(t *testing.T) {
	m := Meeting{Start: 0, End: 100, Participants: 10, Curve: []SizeStep{{0, 5}, {50, 20}, {150, 99}}}
	if got := m.ParticipantSeconds(); got != 5*50+20*50 {
		t.Errorf("participant-seconds = %d", got)
	}
	if m.ParticipantsAt(100) != 0 || m.ParticipantsAt(49) != 5 || m.PeakParticipants() != 99 {
		t.Error("ParticipantsAt or PeakParticipants wrong")
	}
}

// BenchmarkPriceCursor measures a forward replay read; the target is
// under 50 ns per lookup.
func BenchmarkPriceCursor(b *testing.B) {
	n := 100_000
	times := make([]int64, n)
	prices := make([]float64, n)
	for i := range n {
		times[i] = int64(i) * 600
		prices[i] = 0.3 + float64(i%100)/1e4
	}
	s, _ := NewPriceSeries(times, prices)
	c := s.Cursor()
	var sink float64
	b.ResetTimer()
	for i := range b.N {
		p, _ := c.At(int64(i%(n*10)) * 60)
		sink += p
	}
	_ = sink
}

// BenchmarkPriceAt measures a random-access O(log n) lookup.
func BenchmarkPriceAt(b *testing.B) {
	n := 100_000
	times := make([]int64, n)
	prices := make([]float64, n)
	for i := range n {
		times[i] = int64(i) * 600
		prices[i] = 0.3
	}
	s, _ := NewPriceSeries(times, prices)
	var sink float64
	b.ResetTimer()
	for i := range b.N {
		p, _ := s.At(int64(i*7919) % (int64(n) * 600))
		sink += p
	}
	_ = sink
}
