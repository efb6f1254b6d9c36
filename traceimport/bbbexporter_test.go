package traceimport

import (
	"context"
	"math"
	"os"
	"testing"
	"time"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
)

// viewOf is the exporter view of scrapes, as Prometheus returns it when the
// query step equals the scrape interval.
func viewOf(sc []exporterScrape) *exporterView {
	v := &exporterView{le: ExporterBuckets}
	for _, s := range sc {
		v.meetings = append(v.meetings, float64(s.meetings))
		v.participants = append(v.participants, float64(s.participants))
		v.participantsMax = append(v.participantsMax, float64(s.participantsMax))
		v.video = append(v.video, float64(s.video))
		v.unique = append(v.unique, float64(s.unique))
		row := make([]float64, len(s.buckets))
		for k, b := range s.buckets {
			row[k] = float64(b)
		}
		v.buckets = append(v.buckets, row)
	}
	return v
}

func knownTrace(t testing.TB, profile string, days int) []model.Meeting {
	t.Helper()
	p, err := datasets.Profile(profile)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := datasets.GenerateTrace(p, datasets.TraceGenOptions{Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Days: days}, datasets.NewTraceRand(7))
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// accuracy compares a reconstruction with the known trace.
type accuracy struct {
	meetingsTrue, meetingsGot  int
	peakTrue, peakSampled      int
	peakGot                    int
	pmTrue, pmGot              float64
	worstHourAbs, worstHourRel float64
}

func measure(known, got []model.Meeting, times []int64) accuracy {
	st, sg := datasets.SummarizeTrace(known), datasets.SummarizeTrace(got)
	a := accuracy{meetingsTrue: len(known), meetingsGot: len(got), peakTrue: st.PeakUsers, peakGot: sg.PeakUsers,
		pmTrue: st.ParticipantMinutes, pmGot: sg.ParticipantMinutes}
	for _, t := range times {
		n := 0
		for i := range known {
			n += known[i].ParticipantsAt(t)
		}
		a.peakSampled = max(a.peakSampled, n)
	}
	for d := range 7 {
		for h := range 24 {
			diff := math.Abs(st.Weekly[d][h] - sg.Weekly[d][h])
			a.worstHourAbs = max(a.worstHourAbs, diff)
			if st.Weekly[d][h] > 50 {
				a.worstHourRel = max(a.worstHourRel, diff/st.Weekly[d][h])
			}
		}
	}
	return a
}

func TestExporterReconstructionMatchesKnownTrace(t *testing.T) {
	for _, profile := range []string{"school", "university"} {
		t.Run(profile, func(t *testing.T) {
			known := knownTrace(t, profile, 7)
			servers, loads := AssignServers(known, 3)
			o := ExposeOptions{From: known[0].Start - known[0].Start%86400, Interval: 60}
			o.To = o.From + 8*86400
			times := o.scrapeTimes()
			var rep ExporterReport
			var got []model.Meeting
			for s := range servers {
				got = append(got, reconstructServer(servers[s], times, 60, viewOf(exporterScrapes(loads[s], times)), &rep)...)
			}
			datasets.SortMeetings(got)
			a := measure(known, got, times)
			t.Logf("%s: %+v report %+v", profile, a, rep)
			checkAccuracy(t, a)
		})
	}
}

// checkAccuracy holds the tolerances stated in the package documentation.
func checkAccuracy(t *testing.T, a accuracy) {
	t.Helper()
	// Every generated meeting lasts 30 minutes or more, so each is seen by
	// some scrape and counted once by bbb_unique_meetings.
	if a.meetingsGot != a.meetingsTrue {
		t.Errorf("meetings: got %d, want %d", a.meetingsGot, a.meetingsTrue)
	}
	// The reconstruction holds each sample's participant count for one
	// step around it, so its peak is the peak the samples saw.
	if a.peakGot != a.peakSampled {
		t.Errorf("peak: got %d, the samples saw %d", a.peakGot, a.peakSampled)
	}
	// Participant-minutes: every meeting's start and end are placed at the
	// midpoint between samples, an error of at most half a step (30 s) per
	// end and unbiased, so the total agrees within 0.5%.
	if rel := math.Abs(a.pmGot-a.pmTrue) / a.pmTrue; rel > 0.005 {
		t.Errorf("participant-minutes: got %.0f, want %.0f (%.2f%% off, tolerance 0.5%%)", a.pmGot, a.pmTrue, 100*rel)
	}
	// Hourly profile: an hour's mean concurrency moves only by the half-step
	// placement of the meetings starting or ending in it: within 3% in the
	// busy hours (mean above 50 participants).
	if a.worstHourRel > 0.03 {
		t.Errorf("hourly profile: worst busy hour off by %.1f%% (tolerance 3%%)", 100*a.worstHourRel)
	}
}

func writeFile(path string, write func(f *os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// TestImportBBBExporterFromRealPrometheus runs the whole path: a known week
// of school load on three servers, as the exporter would have reported it,
// backfilled into a real Prometheus and imported through query_range.
func TestImportBBBExporterFromRealPrometheus(t *testing.T) {
	known := knownTrace(t, "school", 7)
	servers, loads := AssignServers(known, 3)
	o := ExposeOptions{From: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).Unix(), Interval: 60, Job: "bbb"}
	o.To = o.From + 8*86400
	url := startPrometheus(t, func(path string) error {
		return writeFile(path, func(f *os.File) error { return WriteExporterOpenMetrics(f, servers, loads, o) })
	})
	q, err := NewPrometheusClient(url, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	w := Window{From: time.Unix(o.From, 0), To: time.Unix(o.To-60, 0), Step: time.Minute, Match: `{job="bbb"}`}
	got, rep, err := ImportBBBExporter(context.Background(), q, w)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Servers) != 3 || len(rep.NoHistogram)+len(rep.NoCounter)+len(rep.NoMax) != 0 {
		t.Errorf("report: %+v, want 3 servers with every series", rep)
	}
	a := measure(known, got, o.scrapeTimes())
	t.Logf("accuracy %+v report %+v", a, rep)
	checkAccuracy(t, a)

	// A matcher that selects nothing is an error, not an empty trace.
	w.Match = `job="nope"`
	if _, _, err := ImportBBBExporter(context.Background(), q, w); err == nil {
		t.Error("importing with a matcher that selects nothing: no error")
	}
}

// TestExporterGapEndsMeetings: when a server's series stop (exporter or
// server down) its meetings end at the gap, the gap is reported, and the
// meetings seen after it are new ones.
func TestExporterGapEndsMeetings(t *testing.T) {
	known := []model.Meeting{{ID: "a", Start: 0, End: 3600, Participants: 10, Moderators: 1}}
	times := make([]int64, 0, 60)
	for ts := int64(60); ts <= 3540; ts += 60 {
		times = append(times, ts)
	}
	v := viewOf(exporterScrapes(known, times))
	for i := 20; i < 25; i++ { // five minutes without samples
		v.meetings[i], v.participants[i] = math.NaN(), math.NaN()
		v.participantsMax[i], v.video[i], v.unique[i] = math.NaN(), math.NaN(), math.NaN()
		for k := range v.buckets[i] {
			v.buckets[i][k] = math.NaN()
		}
	}
	var rep ExporterReport
	got := reconstructServer("s:9688", times, 60, v, &rep)
	if len(got) != 2 || rep.GapSteps != 5 {
		t.Fatalf("got %d meetings, %d gap steps; want 2 and 5: %+v", len(got), rep.GapSteps, got)
	}
	if got[0].End != times[20]-30 || got[1].Start != times[25]-30 {
		t.Errorf("meetings %+v: want an end at the gap (%d) and a start after it (%d)", got, times[20]-30, times[25]-30)
	}
}

// TestExporterRestartKeepsMeetings: a restarted exporter counts every
// running meeting as new at its first scrape (collector.py starts with no
// previous meetings); the running meetings are not split in two.
func TestExporterRestartKeepsMeetings(t *testing.T) {
	known := knownTrace(t, "school", 1)
	_, loads := AssignServers(known, 1)
	o := ExposeOptions{From: known[0].Start - known[0].Start%86400, Interval: 60}
	o.To = o.From + 86400
	times := o.scrapeTimes()
	sc := exporterScrapes(loads[0], times)
	restart := -1
	for i := range sc { // restart at 08:20, lessons running
		if times[i] == o.From+8*3600+20*60 {
			restart = i
		}
	}
	base := sc[restart-1].unique
	for i := restart; i < len(sc); i++ {
		// After the restart the counter holds the meetings seen since: the
		// running ones at once, then the new ones.
		sc[i].unique = sc[i].unique - base + sc[restart-1].meetings
	}
	var rep ExporterReport
	got := reconstructServer("s:9688", times, 60, viewOf(sc), &rep)
	if len(got) != len(known) {
		t.Errorf("%d meetings after an exporter restart, want %d", len(got), len(known))
	}
}
