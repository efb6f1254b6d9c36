package live_test

import (
	"testing"
	"time"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/live"
)

// TestLearnFromTrace: a restarted controller that replays two weeks of
// recorded load predicts the coming Monday's 10:00 peak from them.
func TestLearnFromTrace(t *testing.T) {
	p, _ := datasets.Profile("university")
	ms, err := datasets.GenerateTrace(p, datasets.TraceGenOptions{Start: datasets.DefaultStart, Days: 14}, datasets.NewTraceRand(3))
	if err != nil {
		t.Fatal(err)
	}
	st := engine.NewState(2)
	if n := live.LearnFromTrace(st, ms); n == 0 {
		t.Fatal("nothing learnt")
	}
	monday10 := datasets.DefaultStart.Add(14*24*time.Hour + 10*time.Hour).Unix()
	got := st.Profile.Predict(monday10, monday10+900)
	// An upper bound: the largest concurrency between 09:00 and 10:30 on
	// either recorded Monday (levels carried into the bucket start earlier).
	want := 0
	for _, s := range datasets.Demand(ms) {
		for w := range 2 {
			ten := datasets.DefaultStart.Add(time.Duration(w)*7*24*time.Hour + 10*time.Hour).Unix()
			if s.T >= ten-3600 && s.T < ten+1800 {
				want = max(want, s.Participants)
			}
		}
	}
	if got < 500 || got > want {
		t.Fatalf("predicted %d participants for Monday 10:00, the recorded peaks were up to %d", got, want)
	}
	night := datasets.DefaultStart.Add(14*24*time.Hour + 3*time.Hour).Unix()
	if n := st.Profile.Predict(night, night+900); n != 0 {
		t.Errorf("predicted %d at 03:00", n)
	}
}
