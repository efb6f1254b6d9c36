package traceimport

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"

	"github.com/scalite/scalite/model"
)

// This file writes what the exporters would have shown for a known trace,
// as OpenMetrics with timestamps (the input of `promtool tsdb
// create-blocks-from openmetrics`): the fixture of the importer tests and a
// rehearsal for operators, who can import a load they know.

// ExposeOptions says which scrapes to write.
type ExposeOptions struct {
	From, To int64 // Unix seconds; scrapes at From, From+Interval, ... < To
	Interval int64 // seconds between scrapes
	Job      string
	Frontend string // b3scale's frontend label
}

// AssignServers spreads meetings over n servers as Scalelite does: each
// meeting goes to the server with the least load when it starts (ties: the
// lowest number). Servers are named bbb-01:9688, ... (the exporter's port).
func AssignServers(ms []model.Meeting, n int) ([]string, [][]model.Meeting) {
	names := make([]string, n)
	loads := make([][]model.Meeting, n)
	for i := range names {
		names[i] = fmt.Sprintf("bbb-%02d:9688", i+1)
	}
	order := make([]int, len(ms))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return ms[order[a]].Start < ms[order[b]].Start })
	active := make([][]*model.Meeting, n)
	for _, i := range order {
		m := &ms[i]
		best, bestLoad := 0, math.MaxInt
		for s := range active {
			kept := active[s][:0]
			load := 0
			for _, a := range active[s] {
				if a.End > m.Start {
					kept = append(kept, a)
					load += a.ParticipantsAt(m.Start)
				}
			}
			active[s] = kept
			if load < bestLoad {
				best, bestLoad = s, load
			}
		}
		active[best] = append(active[best], m)
		loads[best] = append(loads[best], *m)
	}
	return names, loads
}

// scrapeTimes lists the scrape instants.
func (o ExposeOptions) scrapeTimes() []int64 {
	var ts []int64
	for t := o.From; t < o.To; t += max(o.Interval, 1) {
		ts = append(ts, t)
	}
	return ts
}

// exporterScrape is what bigbluebutton-exporter reports at one scrape
// (collector.py): meeting count, participant sum and maximum, videoCount
// sum, the cumulative room-size histogram, and the unique-meetings counter,
// which counts meeting IDs not present at the previous scrape.
type exporterScrape struct {
	meetings, participants, participantsMax, video, unique int
	buckets                                                []int // cumulative, per ExporterBuckets
}

// exporterScrapes computes one server's scrapes.
func exporterScrapes(ms []model.Meeting, times []int64) []exporterScrape {
	order := make([]*model.Meeting, len(ms))
	for i := range ms {
		order[i] = &ms[i]
	}
	sort.SliceStable(order, func(a, b int) bool { return order[a].Start < order[b].Start })
	out := make([]exporterScrape, len(times))
	var active []*model.Meeting
	next, unique := 0, 0
	for i, t := range times {
		kept := active[:0]
		for _, m := range active {
			if m.End > t {
				kept = append(kept, m)
			}
		}
		active = kept
		for next < len(order) && order[next].Start <= t {
			if m := order[next]; m.End > t { // a meeting between two scrapes is never seen
				active = append(active, m)
				unique++
			}
			next++
		}
		s := exporterScrape{meetings: len(active), unique: unique, buckets: make([]int, len(ExporterBuckets))}
		for _, m := range active {
			n := m.ParticipantsAt(t)
			s.participants += n
			s.participantsMax = max(s.participantsMax, n)
			s.video += min(m.VideoStreams, n)
			// HistogramBucketHelper.add: every bucket whose bound is >= the value.
			for k, le := range ExporterBuckets {
				if le >= float64(n) {
					s.buckets[k]++
				}
			}
		}
		out[i] = s
	}
	return out
}

// WriteExporterOpenMetrics writes bigbluebutton-exporter's series for every
// server, one exporter per server (the instance label), as OpenMetrics.
func WriteExporterOpenMetrics(w io.Writer, servers []string, loads [][]model.Meeting, o ExposeOptions) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	times := o.scrapeTimes()
	scrapes := make([][]exporterScrape, len(servers))
	for s := range servers {
		scrapes[s] = exporterScrapes(loads[s], times)
	}
	lbl := func(s int) string { return fmt.Sprintf(`instance=%q,job=%q`, servers[s], o.Job) }
	gauges := []struct {
		name string
		get  func(*exporterScrape) int
	}{
		{metricMeetings, func(x *exporterScrape) int { return x.meetings }},
		{metricParticipants, func(x *exporterScrape) int { return x.participants }},
		{metricParticipantsMax, func(x *exporterScrape) int { return x.participantsMax }},
		{metricVideo, func(x *exporterScrape) int { return x.video }},
	}
	for _, g := range gauges {
		fmt.Fprintf(bw, "# TYPE %s gauge\n", g.name)
		for s := range servers {
			l := lbl(s)
			for i, t := range times {
				fmt.Fprintf(bw, "%s{%s} %d %d\n", g.name, l, g.get(&scrapes[s][i]), t)
			}
		}
	}
	// A gauge histogram: _bucket{le}, _gcount and _gsum (collector.py
	// GaugeHistogramMetricFamily); le as the exporter prints its integer
	// bounds (helpers.py get_buckets: str(bound), "+Inf").
	fmt.Fprintln(bw, "# TYPE bbb_room_participants gaugehistogram")
	for s := range servers {
		l := lbl(s)
		for i, t := range times {
			x := &scrapes[s][i]
			for k, le := range ExporterBuckets {
				ls := "+Inf"
				if !math.IsInf(le, 1) {
					ls = strconv.Itoa(int(le))
				}
				fmt.Fprintf(bw, "bbb_room_participants_bucket{%s,le=%q} %d %d\n", l, ls, x.buckets[k], t)
			}
			fmt.Fprintf(bw, "bbb_room_participants_gcount{%s} %d %d\n", l, x.meetings, t)
			fmt.Fprintf(bw, "bbb_room_participants_gsum{%s} %d %d\n", l, x.participants, t)
		}
	}
	fmt.Fprintln(bw, "# TYPE bbb_unique_meetings counter")
	for s := range servers {
		l := lbl(s)
		for i, t := range times {
			fmt.Fprintf(bw, "bbb_unique_meetings_total{%s} %d %d\n", l, scrapes[s][i].unique, t)
		}
	}
	fmt.Fprintln(bw, "# EOF")
	return bw.Flush()
}

// WriteB3ScaleOpenMetrics writes b3scale's per-meeting series
// (pkg/metrics/collector.go): b3scale_meeting_attendees{frontend,backend,
// type,meeting} with type "audio" (attendees without video) and "video",
// and b3scale_meeting_durations{frontend,backend,meeting}, the seconds since
// the meeting was created, while it runs. The backend label is the server.
func WriteB3ScaleOpenMetrics(w io.Writer, servers []string, loads [][]model.Meeting, o ExposeOptions) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	times := o.scrapeTimes()
	type seen struct {
		server int
		m      *model.Meeting
	}
	var all []seen
	for s := range servers {
		for i := range loads[s] {
			all = append(all, seen{s, &loads[s][i]})
		}
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].m.ID < all[b].m.ID })
	scrapesOf := func(m *model.Meeting) []int64 {
		lo := sort.Search(len(times), func(i int) bool { return times[i] >= m.Start })
		hi := sort.Search(len(times), func(i int) bool { return times[i] >= m.End })
		return times[lo:hi]
	}
	fmt.Fprintln(bw, "# TYPE b3scale_meeting_attendees gauge")
	for _, typ := range []string{"audio", "video"} {
		for _, x := range all {
			l := fmt.Sprintf(`backend=%q,frontend=%q,job=%q,meeting=%q,type=%q`, backendHost(servers[x.server]), o.Frontend, o.Job, x.m.ID, typ)
			for _, t := range scrapesOf(x.m) {
				n := x.m.ParticipantsAt(t)
				v := min(x.m.VideoStreams, n)
				if typ == "audio" {
					v = n - v
				}
				fmt.Fprintf(bw, "b3scale_meeting_attendees{%s} %d %d\n", l, v, t)
			}
		}
	}
	// b3scale registers it as a counter without the _total suffix and serves
	// the classic text format; "unknown" keeps the bare name valid here.
	fmt.Fprintln(bw, "# TYPE b3scale_meeting_durations unknown")
	for _, x := range all {
		l := fmt.Sprintf(`backend=%q,frontend=%q,job=%q,meeting=%q`, backendHost(servers[x.server]), o.Frontend, o.Job, x.m.ID)
		for _, t := range scrapesOf(x.m) {
			fmt.Fprintf(bw, "b3scale_meeting_durations{%s} %d %d\n", l, t-x.m.Start, t)
		}
	}
	fmt.Fprintln(bw, "# EOF")
	return bw.Flush()
}

// backendHost drops the exporter's port: b3scale labels backends by host.
func backendHost(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ':' {
			return s[:i]
		}
	}
	return s
}
