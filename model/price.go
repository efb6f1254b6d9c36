package model

import (
	"fmt"
	"sort"
)

// PriceSeries is the spot price of one market as a step function of time:
// the price at t is the last change at or before t, which is how
// DescribeSpotPriceHistory defines it. Times are Unix seconds, strictly
// increasing; prices are USD per instance-hour.
type PriceSeries struct {
	times  []int64
	prices []float64
	// cum[i] is the USD one instance pays from times[0] to times[i], so an
	// interval's cost is two lookups and a subtraction, not a loop.
	cum []float64
}

// NewPriceSeries builds a series from change points. Times must be strictly
// increasing and prices non-negative.
func NewPriceSeries(times []int64, prices []float64) (*PriceSeries, error) {
	if len(times) != len(prices) {
		return nil, fmt.Errorf("price series: %d times but %d prices", len(times), len(prices))
	}
	cum := make([]float64, len(times))
	for i := range times {
		if prices[i] < 0 {
			return nil, fmt.Errorf("price series: negative price %v at %d", prices[i], times[i])
		}
		if i > 0 {
			if times[i] <= times[i-1] {
				return nil, fmt.Errorf("price series: time %d not after %d", times[i], times[i-1])
			}
			cum[i] = cum[i-1] + prices[i-1]*float64(times[i]-times[i-1])/3600
		}
	}
	return &PriceSeries{times: times, prices: prices, cum: cum}, nil
}

// Len is the number of change points.
func (s *PriceSeries) Len() int { return len(s.times) }

// Point returns the i-th change point.
func (s *PriceSeries) Point(i int) (t int64, usdPerHour float64) { return s.times[i], s.prices[i] }

// First and Last are the times of the first and last change points.
func (s *PriceSeries) First() int64 { return s.times[0] }

// Last is the time of the last change point.
func (s *PriceSeries) Last() int64 { return s.times[len(s.times)-1] }

// index is the position of the last change at or before t, or -1.
func (s *PriceSeries) index(t int64) int {
	return sort.Search(len(s.times), func(i int) bool { return s.times[i] > t }) - 1
}

// At returns the price in effect at t; ok is false before the first change,
// when the price is unknown. O(log n).
func (s *PriceSeries) At(t int64) (usdPerHour float64, ok bool) {
	i := s.index(t)
	if i < 0 {
		return 0, false
	}
	return s.prices[i], true
}

// NextChange returns the time of the first change strictly after t.
func (s *PriceSeries) NextChange(t int64) (int64, bool) {
	i := s.index(t) + 1
	if i >= len(s.times) {
		return 0, false
	}
	return s.times[i], true
}

// costTo is the USD one instance pays from times[0] to t (t >= times[0]).
func (s *PriceSeries) costTo(t int64, i int) float64 {
	return s.cum[i] + s.prices[i]*float64(t-s.times[i])/3600
}

// Cost is the exact per-second integral of the price over [from, to): what
// one instance running for that interval pays. It fails if the interval
// starts before the first known price.
func (s *PriceSeries) Cost(from, to int64) (float64, error) {
	if to < from {
		return 0, fmt.Errorf("price series: interval [%d, %d) is reversed", from, to)
	}
	i := s.index(from)
	if i < 0 {
		return 0, fmt.Errorf("price series: no price known at %d (first change at %d)", from, s.times[0])
	}
	j := s.index(to)
	return s.costTo(to, j) - s.costTo(from, i), nil
}

// Changes counts the change points whose price differs from the one before:
// AWS repeats unchanged prices, so Len overstates how often a pool moves.
func (s *PriceSeries) Changes() int {
	n := 0
	for i := 1; i < len(s.prices); i++ {
		if s.prices[i] != s.prices[i-1] {
			n++
		}
	}
	return n
}

// Cursor returns a forward-replay reader positioned before the first change.
func (s *PriceSeries) Cursor() PriceCursor { return PriceCursor{s: s, i: -1} }

// PriceCursor reads a PriceSeries at non-decreasing times in amortised O(1);
// a time earlier than the last one read falls back to binary search.
type PriceCursor struct {
	s *PriceSeries
	i int
}

// NextChange is the time of the first change after the cursor's position,
// so that a replay reads each change once, without searching.
func (c *PriceCursor) NextChange() (int64, bool) {
	if c.i+1 >= len(c.s.times) {
		return 0, false
	}
	return c.s.times[c.i+1], true
}

// At returns the price in effect at t, like PriceSeries.At.
func (c *PriceCursor) At(t int64) (float64, bool) {
	ts := c.s.times
	if c.i >= 0 && t < ts[c.i] {
		c.i = c.s.index(t)
	}
	for c.i+1 < len(ts) && ts[c.i+1] <= t {
		c.i++
	}
	if c.i < 0 {
		return 0, false
	}
	return c.s.prices[c.i], true
}
