package sim

import (
	"math/rand/v2"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestQueueOrder: events come out sorted by time, and equal times keep
// their scheduling order.
func TestQueueOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var q queue
		type rec struct {
			t int64
			n int32
		}
		var want []rec
		n := rapid.IntRange(0, 300).Draw(t, "n")
		for i := range n {
			tm := rapid.Int64Range(0, 20).Draw(t, "t")
			q.push(tm, 0, int32(i), 0)
			want = append(want, rec{tm, int32(i)})
		}
		slices.SortStableFunc(want, func(a, b rec) int { return int(a.t - b.t) })
		for i := range want {
			e := q.pop()
			if e.t != want[i].t || e.a != want[i].n {
				t.Fatalf("pop %d = (%d,%d), want (%d,%d)", i, e.t, e.a, want[i].t, want[i].n)
			}
		}
		if q.len() != 0 {
			t.Fatal("queue not empty")
		}
	})
}

// benchHold is the classic hold model: the queue keeps size events; each
// step pops the earliest and schedules one a random time later.
func benchHold(b *testing.B, size int) {
	rng := rand.New(rand.NewPCG(1, 2))
	var q queue
	for i := range size {
		q.push(int64(rng.IntN(1_000_000)), 0, int32(i), 0)
	}
	incs := make([]int64, 4096)
	for i := range incs {
		incs[i] = int64(rng.ExpFloat64() * 1_000_000)
	}
	b.ResetTimer()
	for i := range b.N {
		e := q.pop()
		q.push(e.t+incs[i&4095], 0, e.a, 0)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkKernelHold1k(b *testing.B)   { benchHold(b, 1_000) }
func BenchmarkKernelHold100k(b *testing.B) { benchHold(b, 100_000) }
