package traceimport

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
)

// b3scale's per-meeting series (pkg/metrics/collector.go):
// b3scale_meeting_attendees{frontend,backend,type,meeting}, a gauge per
// meeting and type ("audio": attendees without video, "video": with), and
// b3scale_meeting_durations{frontend,backend,meeting}, seconds since the
// meeting was created, exported while it runs. b3scale registers the
// latter as a counter and serves the classic text format, so its name has
// no "_total"; the regex also accepts it with one.
const (
	metricB3Attendees = "b3scale_meeting_attendees"
	metricB3Durations = "~b3scale_meeting_durations(_total)?"
)

// B3ScaleReport says what an import from b3scale series found.
type B3ScaleReport struct {
	Steps    int
	Meetings int
	Backends []string
	// Sessions counts meetings whose ID came back after it had ended (a
	// Greenlight room reuses its meeting ID): each session is a meeting of
	// its own, its ID suffixed "~2", "~3", ...
	Reused int
	// NoDuration counts meetings never seen running: their start is the
	// midpoint before their first sample, not b3scale's creation time.
	NoDuration int
}

// b3Meeting is one meeting ID's samples on one backend and frontend,
// sparse: only the grid steps with a value.
type b3Meeting struct {
	id, backend string
	points      map[int]*b3Point
}

// b3Point is one grid step's values; NaN where a series had none.
type b3Point struct {
	size, video, duration float64
}

func (m *b3Meeting) at(i int) *b3Point {
	p := m.points[i]
	if p == nil {
		p = &b3Point{size: math.NaN(), video: math.NaN(), duration: math.NaN()}
		m.points[i] = p
	}
	return p
}

// ImportB3Scale reads b3scale's per-meeting series: each meeting's start
// is its creation time (sample time minus b3scale_meeting_durations), its
// sizes are the attendees at every step, and its end the midpoint after
// the last step it ran.
func ImportB3Scale(ctx context.Context, q RangeQuerier, w Window) ([]model.Meeting, B3ScaleReport, error) {
	var rep B3ScaleReport
	if err := w.validate(); err != nil {
		return nil, rep, err
	}
	grid := w.grid()
	rep.Steps = len(grid)
	// One entry per label set without the type: a meeting ID on one
	// backend and frontend.
	byKey := map[string]*b3Meeting{}
	get := func(key, id, backend string) *b3Meeting {
		m := byKey[key]
		if m == nil {
			m = &b3Meeting{id: id, backend: backend, points: map[int]*b3Point{}}
			byKey[key] = m
		}
		return m
	}
	ss, err := fetch(ctx, q, w, w.selector(metricB3Attendees))
	if err != nil {
		return nil, rep, err
	}
	for _, s := range ss {
		id, typ := string(s.labels["meeting"]), string(s.labels["type"])
		if id == "" || (typ != "audio" && typ != "video") {
			return nil, rep, fmt.Errorf("%s: series %s lacks a meeting label or an audio/video type", metricB3Attendees, s.labels)
		}
		m := get(meetingKey(s), id, string(s.labels["backend"]))
		for k, i := range s.at {
			p := m.at(i)
			if math.IsNaN(p.size) {
				p.size = 0
			}
			p.size += s.val[k]
			if typ == "video" {
				p.video = s.val[k]
			}
		}
	}
	ss, err = fetch(ctx, q, w, w.selector(metricB3Durations))
	if err != nil {
		return nil, rep, err
	}
	for _, s := range ss {
		id := string(s.labels["meeting"])
		if id == "" {
			return nil, rep, fmt.Errorf("b3scale_meeting_durations: series %s lacks a meeting label", s.labels)
		}
		m := get(meetingKey(s), id, string(s.labels["backend"]))
		for k, i := range s.at {
			m.at(i).duration = s.val[k]
		}
	}
	keys := make([]string, 0, len(byKey))
	backends := map[string]bool{}
	for k, m := range byKey {
		keys = append(keys, k)
		backends[m.backend] = true
	}
	sort.Strings(keys)
	for b := range backends {
		rep.Backends = append(rep.Backends, b)
	}
	sort.Strings(rep.Backends)
	step := int64(w.Step / time.Second)
	sessions := map[string][]model.Meeting{}
	for _, k := range keys {
		m := byKey[k]
		sessions[m.id] = append(sessions[m.id], b3Sessions(m, grid, step, &rep)...)
	}
	ids := make([]string, 0, len(sessions))
	for id := range sessions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []model.Meeting
	for _, id := range ids {
		ss := sessions[id]
		datasets.SortMeetings(ss)
		for n := range ss {
			if n > 0 && ss[n].Start < ss[n-1].End {
				return nil, rep, fmt.Errorf("meeting %q runs twice at once (%s and %s); are two jobs scraping b3scale? narrow them with --match", id, fmtUnix(ss[n-1].Start), fmtUnix(ss[n].Start))
			}
			ss[n].ID = id
			if n > 0 {
				ss[n].ID = fmt.Sprintf("%s~%d", id, n+1)
				rep.Reused++
			}
		}
		out = append(out, ss...)
	}
	if len(out) == 0 {
		return nil, rep, fmt.Errorf("no b3scale meetings from %s to %s", w.From.UTC().Format(time.RFC3339), w.To.UTC().Format(time.RFC3339))
	}
	rep.Meetings = len(out)
	datasets.SortMeetings(out)
	return out, rep, nil
}

// meetingKey is a series' labels without its name and type.
func meetingKey(s *series) string {
	l := s.labels.Clone()
	delete(l, "__name__")
	delete(l, "type")
	return l.String()
}

func fmtUnix(t int64) string { return time.Unix(t, 0).UTC().Format(time.RFC3339) }

// b3Sessions cuts one meeting ID's samples into sessions: a new one
// begins after a step without samples or when the duration falls.
func b3Sessions(m *b3Meeting, grid []int64, step int64, rep *B3ScaleReport) []model.Meeting {
	half := step / 2
	idx := make([]int, 0, len(m.points))
	for i := range m.points {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	var out []model.Meeting
	type session struct {
		steps  []int // grid indices with samples, ascending
		start  int64
		maxDur float64
		hasDur bool
	}
	var cur *session
	finish := func() {
		if cur == nil {
			return
		}
		s := cur
		cur = nil
		end := grid[s.steps[len(s.steps)-1]] + half
		if s.hasDur {
			// The last moment it was seen running; the true end lies within
			// one scrape after it.
			end = s.start + int64(math.Round(s.maxDur)) + half
		} else {
			rep.NoDuration++
		}
		if end <= s.start {
			end = s.start + 1
		}
		b := &building{start: s.start}
		video := 0
		for _, i := range s.steps {
			t := grid[i] - half
			if t >= end {
				break // a value held over past the end (Prometheus's lookback)
			}
			p := m.points[i]
			if math.IsNaN(p.size) {
				continue
			}
			n := int(p.size)
			if len(b.curve) == 0 {
				t = s.start
			} else if t <= b.curve[len(b.curve)-1].At {
				continue
			}
			if len(b.curve) == 0 || b.curve[len(b.curve)-1].Participants != n {
				b.curve = append(b.curve, model.SizeStep{At: t, Participants: n})
			}
			if !math.IsNaN(p.video) {
				video = max(video, int(p.video))
			}
		}
		if len(b.curve) == 0 {
			b.curve = append(b.curve, model.SizeStep{At: s.start, Participants: 0})
		}
		b.curve = append(b.curve, model.SizeStep{At: end, Participants: -1})
		mt := b.meeting(m.id)
		mt.VideoStreams = video
		out = append(out, mt)
	}
	for k, i := range idx {
		if k > 0 && i != idx[k-1]+1 {
			finish() // a step without samples: the meeting was gone
		}
		t := grid[i]
		d := m.points[i].duration
		if cur != nil && !math.IsNaN(d) && cur.hasDur && d < cur.maxDur {
			finish() // the ID was created again
		}
		if cur == nil {
			cur = &session{start: t - half}
			if i == 0 {
				cur.start = t
			}
		}
		cur.steps = append(cur.steps, i)
		if !math.IsNaN(d) {
			if !cur.hasDur {
				cur.start = t - int64(math.Round(d))
				cur.hasDur = true
			}
			cur.maxDur = max(cur.maxDur, d)
		}
	}
	finish()
	return out
}
