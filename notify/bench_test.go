package notify

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkNotify is the caller's cost of one event in a storm: filter,
// scrub, de-duplicate and batch, never a delivery.
func BenchmarkNotify(b *testing.B) {
	clk := &fakeClock{now: t0}
	n, err := newNotifier(Options{WebhookURL: "http://127.0.0.1:9/hook", Clock: clk.Now, Secrets: []string{"bbb-shared-secret-9f8e7d"}})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close(b.Context())
	evs := make([]Event, 1000)
	for i := range evs {
		evs[i] = interruption(i)
		evs[i].Server = fmt.Sprintf("i-%017d", i)
	}
	b.ResetTimer()
	for i := range b.N {
		n.Notify(evs[i%len(evs)])
		if i%len(evs) == len(evs)-1 {
			clk.Add(2 * time.Hour) // past de-duplication: the next round counts again
		}
	}
}
