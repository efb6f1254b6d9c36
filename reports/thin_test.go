package reports

import (
	"math"
	"testing"
)

// TestLongSeriesThinnedKeepsOutline: a year of 5-minute samples is drawn
// from at most four points per chart column, in time order, keeping the
// first and last samples and every column's extremes (a one-sample spike
// and dip survive); a short series is drawn whole.
func TestLongSeriesThinnedKeepsOutline(t *testing.T) {
	const n = 365 * 288
	s := Series{T: make([]int64, n), V: make([]float64, n)}
	for i := range s.T {
		s.T[i] = 1_700_000_000 + int64(i)*300
		s.V[i] = 100 + 50*math.Sin(float64(i)/500)
	}
	s.V[54321], s.V[70000] = 1e4, -5
	pts := xys(s)
	if len(pts) > 4*chartColumns || len(pts) < chartColumns {
		t.Fatalf("%d points drawn for %d samples", len(pts), n)
	}
	if pts[0].X != float64(s.T[0]) || pts[len(pts)-1].X != float64(s.T[n-1]) {
		t.Error("the first or the last sample is not drawn")
	}
	hi, lo := false, false
	for i, p := range pts {
		if i > 0 && p.X <= pts[i-1].X {
			t.Fatalf("point %d at %v is not after %v", i, p.X, pts[i-1].X)
		}
		hi = hi || (p.X == float64(s.T[54321]) && p.Y == 1e4)
		lo = lo || (p.X == float64(s.T[70000]) && p.Y == -5)
	}
	if !hi || !lo {
		t.Errorf("spike drawn %v, dip drawn %v", hi, lo)
	}
	short := Series{T: s.T[:100], V: s.V[:100]}
	if got := xys(short); len(got) != 100 {
		t.Errorf("a 100-sample series drawn from %d points", len(got))
	}
}

// TestThinningAtOneTime: a long series whose samples all fall at one time
// (or whose last comes before its first) is drawn from one slice, not a
// division by zero.
func TestThinningAtOneTime(t *testing.T) {
	for _, last := range []int64{0, -1} {
		n := 4*chartColumns + 1
		s := Series{T: make([]int64, n), V: make([]float64, n)}
		for i := range s.V {
			s.T[i], s.V[i] = 1_700_000_000, float64(i%7)
		}
		s.T[n-1] += last
		if pts := xys(s); len(pts) == 0 || len(pts) > 8 {
			t.Errorf("last sample %+d s: %d points drawn, want a slice or two's first, lowest, highest and last", last, len(pts))
		}
	}
}
