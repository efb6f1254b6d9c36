package datasets

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/scalite/scalite/model"
)

// TestGenerateTraceUnchanged pins the generator's output byte for byte
// (the CSV's SHA-256, as `scalite trace generate --days 60 --scale 3 --seed 5`
// wrote it before the generator was made to allocate less): the same
// profile, options and seed must keep giving the same trace. A deliberate
// change to a profile or to the draws updates these hashes.
func TestGenerateTraceUnchanged(t *testing.T) {
	for _, tc := range []struct{ profile, sha string }{
		{"university", "816852967e09bb36bf8957f04a7ac42edcac1f62d54fc3055ea082aa711e645d"},
		{"school", "1923641f1bdcf1b5fe6196bfaa34c805ba71f8e260a3ccccd54ef7a7b1334a4c"},
		{"corporate", "01e3604f32e350b753482f1b29cdbec23ccc97989f4a2887a3a4080625270ab6"},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			p, err := Profile(tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			ms, err := GenerateTrace(p, TraceGenOptions{Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Days: 60, Scale: 3}, NewTraceRand(5))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := WriteTrace(&buf, ms); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(buf.Bytes())
			if got := hex.EncodeToString(sum[:]); got != tc.sha {
				t.Errorf("%d meetings, SHA-256 %s, want %s", len(ms), got, tc.sha)
			}
		})
	}
}

// TestNameIDsPadLikeSprintf: the IDs written into one buffer read exactly as
// fmt.Sprintf("%s-%06d") would write them, across the padding boundaries.
func TestNameIDsPadLikeSprintf(t *testing.T) {
	ms := make([]model.Meeting, 1_000_123)
	nameIDs(ms, "uni")
	for _, n := range []int{1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 99999, 100000, 999999, 1000000, 1000123} {
		if want := fmt.Sprintf("uni-%06d", n); ms[n-1].ID != want {
			t.Errorf("meeting %d: ID %q, want %q", n, ms[n-1].ID, want)
		}
	}
}

// TestTraceSpanIsTheSummarysWindow: TraceSpan, which scenario assembly
// uses instead of a whole summary, gives the summary's first start and
// last end, also for unsorted traces.
func TestTraceSpanIsTheSummarysWindow(t *testing.T) {
	p, _ := Profile("corporate")
	ms, err := GenerateTrace(p, TraceGenOptions{Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Days: 20}, NewTraceRand(3))
	if err != nil {
		t.Fatal(err)
	}
	ms[0], ms[len(ms)-1] = ms[len(ms)-1], ms[0]
	ms[3].End = ms[len(ms)-2].End + 7200 // a long meeting that is not the last to start
	s := SummarizeTrace(ms)
	if from, to := TraceSpan(ms); from != s.From || to != s.To {
		t.Errorf("TraceSpan = %d, %d; the summary's window %d, %d", from, to, s.From, s.To)
	}
	if from, to := TraceSpan(nil); from != 0 || to != 0 {
		t.Errorf("TraceSpan(nil) = %d, %d", from, to)
	}
}
