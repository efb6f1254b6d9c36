package traceimport

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
)

// TestImportB3ScaleIsExact backfills three days of school load as b3scale
// would have exported it into a real Prometheus and imports it: every
// meeting comes back under its own ID with its exact start and sizes, and
// an end within half a scrape interval of the truth.
func TestImportB3ScaleIsExact(t *testing.T) {
	known := knownTrace(t, "school", 3)
	// A Greenlight room reuses its meeting ID: the same ID again a day later.
	again := known[0]
	again.Start += 86400
	again.End += 86400
	known = append(known, again)
	datasets.SortMeetings(known)
	servers, loads := AssignServers(known, 2)
	o := ExposeOptions{From: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).Unix(), Interval: 60, Job: "b3scale", Frontend: "school"}
	o.To = o.From + 4*86400
	url := startPrometheus(t, func(path string) error {
		return writeFile(path, func(f *os.File) error { return WriteB3ScaleOpenMetrics(f, servers, loads, o) })
	})
	q, err := NewPrometheusClient(url, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	w := Window{From: time.Unix(o.From, 0), To: time.Unix(o.To-60, 0), Step: time.Minute, Match: `job="b3scale"`}
	got, rep, err := ImportB3Scale(context.Background(), q, w)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("report %+v", rep)
	if len(got) != len(known) {
		t.Fatalf("meetings: got %d, want %d", len(got), len(known))
	}
	if rep.Reused != 1 || len(rep.Backends) != 2 || rep.NoDuration != 0 {
		t.Errorf("report %+v: want one reused ID, two backends, every meeting with a duration", rep)
	}
	byID := map[string]model.Meeting{}
	for _, m := range got {
		byID[m.ID] = m
	}
	seen := map[string]int{}
	for _, k := range known {
		seen[k.ID]++
		id := k.ID
		if seen[k.ID] > 1 {
			id = k.ID + "~2"
		}
		g, ok := byID[id]
		if !ok {
			t.Errorf("meeting %s missing", id)
			continue
		}
		if g.Start != k.Start {
			t.Errorf("%s: start %d, want %d", id, g.Start, k.Start)
		}
		if d := g.End - k.End; d < -30 || d > 30 {
			t.Errorf("%s: end %d, want %d within 30 s", id, g.End, k.End)
		}
		if g.PeakParticipants() != k.Participants || g.VideoStreams != min(k.VideoStreams, k.Participants) {
			t.Errorf("%s: size %d video %d, want %d and %d", id, g.PeakParticipants(), g.VideoStreams, k.Participants, k.VideoStreams)
		}
	}
	a := measure(known, got, o.scrapeTimes())
	t.Logf("accuracy %+v", a)
	checkAccuracy(t, a)
}
