package sim

// event is one scheduled happening. Kept small and free of pointers so
// that the heap moves plain words.
type event struct {
	t    int64
	seq  uint64
	kind eventKind
	a    int32
	b    int32
}

type eventKind uint8

// queue is a binary min-heap of events keyed by (time, sequence number):
// events at the same time come out in the order they were scheduled, which
// keeps every run deterministic. Hand-written rather than container/heap,
// whose interface calls cost about half the throughput.
type queue struct {
	h   []event
	seq uint64
}

func (q *queue) len() int { return len(q.h) }

func less(a, b *event) bool {
	return a.t < b.t || (a.t == b.t && a.seq < b.seq)
}

func (q *queue) push(t int64, kind eventKind, a, b int32) {
	q.seq++
	q.h = append(q.h, event{t: t, seq: q.seq, kind: kind, a: a, b: b})
	h := q.h
	i := len(h) - 1
	e := h[i]
	for i > 0 {
		p := (i - 1) / 2
		if !less(&e, &h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
}

// pop removes and returns the earliest event; the queue must not be empty.
func (q *queue) pop() event {
	h := q.h
	top := h[0]
	n := len(h) - 1
	last := h[n]
	q.h = h[:n]
	if n == 0 {
		return top
	}
	h = q.h
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && less(&h[r], &h[c]) {
			c = r
		}
		if !less(&h[c], &last) {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = last
	return top
}

// peekTime is the time of the earliest event.
func (q *queue) peekTime() int64 { return q.h[0].t }
