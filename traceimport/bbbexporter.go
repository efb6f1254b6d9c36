package traceimport

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
)

// Series names of greenstatic/bigbluebutton-exporter (bbb-exporter/collector.py):
// gauges from getMeetings, the room-size gauge histogram and the counter of
// unique non-breakout meetings (a prometheus_client CounterMetricFamily, so
// its sample is named with "_total"; older Prometheus setups may keep the
// bare name, hence the regex).
const (
	metricMeetings        = "bbb_meetings"
	metricParticipants    = "bbb_meetings_participants"
	metricParticipantsMax = "bbb_meetings_participants_max"
	metricVideo           = "bbb_meetings_video_participants"
	metricRoomBucket      = "bbb_room_participants_bucket"
	metricUniqueRegex     = "~bbb_unique_meetings(_total)?|bbb_unique_breakout_rooms(_total)?"
)

// ExporterBuckets are the exporter's default room-size buckets
// (collector.py room_participants_buckets), +Inf included.
var ExporterBuckets = []float64{0, 1, 5, 15, 30, 60, 90, 120, 150, 200, 250, 300, 400, 500, math.Inf(1)}

// ExporterReport says what an import from bigbluebutton-exporter series
// recovered and what it had to guess.
type ExporterReport struct {
	Servers  []string
	Steps    int
	Meetings int
	// GapSteps counts server-steps without a bbb_meetings value between
	// two with one: the server's open meetings were ended at the gap.
	GapSteps int
	// CounterShort counts server-steps where bbb_unique_meetings rose by less
	// than the meeting count did; the difference was taken as new meetings.
	CounterShort int
	// Unseen counts meetings the counter saw begin and end between two
	// samples: no size is known, so they are not in the trace.
	Unseen int
	// Mismatch counts server-steps where no sizes within the histogram's
	// classes add up to bbb_meetings_participants.
	Mismatch int
	// Servers lacking optional series (sizes then rest on fewer constraints).
	NoHistogram, NoCounter, NoMax []string
}

// exporterView is what one server's exporter reported on the grid (NaN =
// no value).
type exporterView struct {
	meetings, participants, participantsMax, video, unique []float64
	// le are the room-size bucket bounds, ascending, ending with +Inf;
	// buckets[i][k] is the cumulative count at grid step i. Nil when the
	// server exports no histogram.
	le      []float64
	buckets [][]float64
}

// ImportBBBExporter reconstructs meetings from bigbluebutton-exporter series
// in Prometheus, one exporter per BBB server told apart by the instance
// label. See the package documentation for the method and its limits.
func ImportBBBExporter(ctx context.Context, q RangeQuerier, w Window) ([]model.Meeting, ExporterReport, error) {
	var rep ExporterReport
	if err := w.validate(); err != nil {
		return nil, rep, err
	}
	grid := w.grid()
	views := map[string]*exporterView{}
	view := func(inst string) *exporterView {
		v := views[inst]
		if v == nil {
			v = &exporterView{}
			for _, p := range []*[]float64{&v.meetings, &v.participants, &v.participantsMax, &v.video, &v.unique} {
				*p = nanSlice(len(grid))
			}
			views[inst] = v
		}
		return v
	}
	gauges := []struct {
		name string
		dst  func(*exporterView) []float64
	}{
		{metricMeetings, func(v *exporterView) []float64 { return v.meetings }},
		{metricParticipants, func(v *exporterView) []float64 { return v.participants }},
		{metricParticipantsMax, func(v *exporterView) []float64 { return v.participantsMax }},
		{metricVideo, func(v *exporterView) []float64 { return v.video }},
	}
	for _, g := range gauges {
		ss, err := fetch(ctx, q, w, w.selector(g.name))
		if err != nil {
			return nil, rep, err
		}
		seen := map[string]bool{}
		for _, s := range ss {
			inst, err := instanceOf(s, g.name)
			if err != nil {
				return nil, rep, err
			}
			if seen[inst] {
				return nil, rep, fmt.Errorf("%s: two series for instance %q (%s); narrow them with --match", g.name, inst, s.labels)
			}
			seen[inst] = true
			copy(g.dst(view(inst)), s.dense(len(grid)))
		}
	}
	// The counters: unique meetings plus unique breakout rooms, both count
	// every meeting that appeared.
	ss, err := fetch(ctx, q, w, w.selector(metricUniqueRegex))
	if err != nil {
		return nil, rep, err
	}
	counted := map[string]map[string]bool{}
	for _, s := range ss {
		inst, err := instanceOf(s, "bbb_unique_meetings")
		if err != nil {
			return nil, rep, err
		}
		name := strings.TrimSuffix(string(s.labels["__name__"]), "_total")
		if counted[inst] == nil {
			counted[inst] = map[string]bool{}
		}
		if counted[inst][name] {
			return nil, rep, fmt.Errorf("%s: two series for instance %q (%s); narrow them with --match", name, inst, s.labels)
		}
		counted[inst][name] = true
		v := view(inst)
		for i, x := range s.dense(len(grid)) {
			switch {
			case math.IsNaN(x):
				v.unique[i] = math.NaN()
			case math.IsNaN(v.unique[i]) && len(counted[inst]) == 1:
				v.unique[i] = x
			default:
				v.unique[i] += x
			}
		}
	}
	ss, err = fetch(ctx, q, w, w.selector(metricRoomBucket))
	if err != nil {
		return nil, rep, err
	}
	byInst := map[string]map[float64][]float64{}
	for _, s := range ss {
		inst, err := instanceOf(s, metricRoomBucket)
		if err != nil {
			return nil, rep, err
		}
		le, err := strconv.ParseFloat(string(s.labels["le"]), 64)
		if err != nil {
			return nil, rep, fmt.Errorf("%s: instance %q: bad le label %q", metricRoomBucket, inst, s.labels["le"])
		}
		if byInst[inst] == nil {
			byInst[inst] = map[float64][]float64{}
		}
		if _, dup := byInst[inst][le]; dup {
			return nil, rep, fmt.Errorf("%s: two series for instance %q and le %q; narrow them with --match", metricRoomBucket, inst, s.labels["le"])
		}
		byInst[inst][le] = s.dense(len(grid))
	}
	for inst, buckets := range byInst {
		v := view(inst)
		for le := range buckets {
			v.le = append(v.le, le)
		}
		sort.Float64s(v.le)
		if !math.IsInf(v.le[len(v.le)-1], 1) {
			return nil, rep, fmt.Errorf("%s: instance %q has no le=\"+Inf\" bucket", metricRoomBucket, inst)
		}
		v.buckets = make([][]float64, len(grid))
		for i := range grid {
			row := make([]float64, len(v.le))
			for k, le := range v.le {
				row[k] = buckets[le][i]
			}
			v.buckets[i] = row
		}
	}
	insts := make([]string, 0, len(views))
	for inst := range views {
		insts = append(insts, inst)
	}
	sort.Strings(insts)
	rep.Servers = insts
	rep.Steps = len(grid)
	step := int64(w.Step / time.Second)
	var out []model.Meeting
	for _, inst := range insts {
		v := views[inst]
		if allNaN(v.meetings) {
			return nil, rep, fmt.Errorf("instance %q: no %s samples in the window (only %s)", inst, metricMeetings, missingNames(v))
		}
		if allNaN(v.participants) {
			return nil, rep, fmt.Errorf("instance %q: no %s samples in the window", inst, metricParticipants)
		}
		if v.le == nil {
			rep.NoHistogram = append(rep.NoHistogram, inst)
		}
		if allNaN(v.unique) {
			rep.NoCounter = append(rep.NoCounter, inst)
		}
		if allNaN(v.participantsMax) {
			rep.NoMax = append(rep.NoMax, inst)
		}
		out = append(out, reconstructServer(inst, grid, step, v, &rep)...)
	}
	if len(out) == 0 {
		return nil, rep, fmt.Errorf("no meetings from %s to %s on %d servers", w.From.UTC().Format(time.RFC3339), w.To.UTC().Format(time.RFC3339), len(insts))
	}
	rep.Meetings = len(out)
	datasets.SortMeetings(out)
	return out, rep, nil
}

func missingNames(v *exporterView) string {
	var have []string
	if !allNaN(v.participants) {
		have = append(have, metricParticipants)
	}
	if v.le != nil {
		have = append(have, metricRoomBucket)
	}
	if !allNaN(v.unique) {
		have = append(have, "bbb_unique_meetings")
	}
	if len(have) == 0 {
		return "other series"
	}
	return strings.Join(have, ", ")
}

func instanceOf(s *series, metric string) (string, error) {
	inst := string(s.labels["instance"])
	if inst == "" {
		return "", fmt.Errorf("%s: series %s has no instance label", metric, s.labels)
	}
	return inst, nil
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

func allNaN(s []float64) bool {
	for _, x := range s {
		if !math.IsNaN(x) {
			return false
		}
	}
	return true
}

// building is a meeting being reconstructed.
type building struct {
	seq        int
	start      int64
	class      int
	size       int
	fixed      bool // holds bbb_meetings_participants_max this step
	adjustable bool // size not yet pinned down this step
	curve      []model.SizeStep
	videoSum   float64
	videoN     int
}

// sizeClasses are the closed participant ranges of the histogram's buckets
// at one step; the top class ends at hiCap.
type sizeClasses struct{ lo, hi []int }

func classesFor(le []float64, hiCap int) sizeClasses {
	if le == nil {
		return sizeClasses{lo: []int{0}, hi: []int{max(hiCap, 0)}}
	}
	c := sizeClasses{lo: make([]int, len(le)), hi: make([]int, len(le))}
	for k, b := range le {
		if k > 0 {
			c.lo[k] = int(math.Floor(le[k-1])) + 1
		}
		if math.IsInf(b, 1) {
			c.hi[k] = max(hiCap, c.lo[k])
		} else {
			c.hi[k] = int(math.Floor(b))
		}
		c.hi[k] = max(c.lo[k], min(c.hi[k], max(hiCap, c.lo[k])))
	}
	return c
}

// reconstructServer turns one server's exporter view into meetings. Sizes
// sampled at grid step t hold over [t-step/2, t+step/2): a meeting first
// seen at t began at t-step/2 and one last seen at t ended at t+step/2, so
// the reconstruction's concurrent participants equal the exporter's
// participant count at every sample.
func reconstructServer(inst string, grid []int64, step int64, v *exporterView, rep *ExporterReport) []model.Meeting {
	half := step / 2
	var open []*building
	var done []*building
	seq := 0
	prevUnique := math.NaN()
	prevSeen := false
	gapFrom := -1 // the step a gap began at, -1 outside one
	closeAt := func(b *building, t int64) {
		if t <= b.start {
			t = b.start + 1
		}
		b.curve = append(b.curve, model.SizeStep{At: t, Participants: -1}) // end marker
		done = append(done, b)
	}
	for i, t := range grid {
		m := v.meetings[i]
		p := v.participants[i]
		var cum []float64
		if v.buckets != nil && !anyNaN(v.buckets[i]) {
			cum = v.buckets[i]
			m = cum[len(cum)-1] // the histogram counts the same meeting list
		}
		if math.IsNaN(m) || math.IsNaN(p) {
			if len(open) > 0 {
				for _, b := range open {
					closeAt(b, t-half)
				}
				open = open[:0]
			}
			if prevSeen {
				gapFrom = i
			}
			prevSeen = false
			prevUnique = math.NaN()
			continue
		}
		if gapFrom >= 0 {
			rep.GapSteps += i - gapFrom // only gaps between samples, not before the first or after the last
			gapFrom = -1
		}
		startAt := t - half
		if i == 0 {
			startAt = t // began at or before the window's start
		}
		nowOpen := int(math.Round(m))
		// Targets per size class.
		hiCap := int(math.Round(p))
		if x := v.participantsMax[i]; !math.IsNaN(x) {
			hiCap = int(math.Round(x))
		}
		var le []float64
		if cum != nil {
			le = v.le
		}
		cls := classesFor(le, hiCap)
		target := make([]int, len(cls.lo))
		if cum != nil {
			prev := 0.0
			for k, c := range cum {
				target[k] = max(0, int(math.Round(c-prev)))
				prev = c
			}
		} else {
			target[0] = nowOpen
		}
		// How many began and how many ended since the last step.
		var nNew, nEnd int
		u := v.unique[i]
		// A fall of the counter: the exporter restarted, and its first
		// scrape counts every running meeting as new (collector.py starts
		// with no previous meetings), so the counter says nothing about
		// this step: only the net change of bbb_meetings is known.
		if !math.IsNaN(u) && !math.IsNaN(prevUnique) && prevSeen && u >= prevUnique {
			d := u - prevUnique
			nNew = int(math.Round(d))
			nEnd = len(open) + nNew - nowOpen
			if nEnd < 0 {
				nNew -= nEnd
				nEnd = 0
				rep.CounterShort++
			}
			if nEnd > len(open) {
				rep.Unseen += nEnd - len(open)
				nNew -= nEnd - len(open)
				nEnd = len(open)
			}
		} else {
			nNew = max(0, nowOpen-len(open))
			nEnd = max(0, len(open)-nowOpen)
		}
		prevUnique = u
		prevSeen = true
		count := make([]int, len(cls.lo))
		for _, b := range open {
			b.class = min(b.class, len(count)-1)
			count[b.class]++
			b.fixed, b.adjustable = false, false
		}
		// Ends: from the class that lost meetings, oldest first.
		for range nEnd {
			k := argBest(count, target, +1)
			j := -1
			if k >= 0 {
				j = slices.IndexFunc(open, func(b *building) bool { return b.class == k })
			}
			if j < 0 {
				j = 0 // no class lost one: the oldest meeting ended
			}
			count[open[j].class]--
			closeAt(open[j], t-half)
			open = slices.Delete(open, j, j+1)
		}
		// Starts: into the classes that gained meetings.
		for range nNew {
			k := argBest(target, count, +1)
			if k < 0 {
				k = slices.IndexFunc(target, func(c int) bool { return c > 0 })
				if k < 0 {
					k = 0
				}
			}
			seq++
			b := &building{seq: seq, start: startAt, class: k, size: cls.lo[k], adjustable: true}
			open = append(open, b)
			count[k]++
		}
		// Size changes: meetings keep their rank by size (the least movement
		// that meets the class counts).
		if !slices.Equal(count, target) {
			order := slices.Clone(open)
			slices.SortStableFunc(order, func(a, b *building) int {
				if a.class != b.class {
					return a.class - b.class
				}
				if a.size != b.size {
					return a.size - b.size
				}
				return int(a.start - b.start)
			})
			pos := 0
			for k := range target {
				for n := 0; n < target[k] && pos < len(order); n++ {
					if order[pos].class != k {
						order[pos].class = k
						order[pos].adjustable = true
					}
					pos++
				}
			}
			for ; pos < len(order); pos++ { // more meetings than the histogram counts
				order[pos].class = len(target) - 1
				order[pos].adjustable = true
			}
		}
		for _, b := range open {
			if b.size < cls.lo[b.class] || b.size > cls.hi[b.class] {
				b.size = min(max(b.size, cls.lo[b.class]), cls.hi[b.class])
				b.adjustable = true
			}
		}
		// The largest meeting's size is known exactly.
		if x := v.participantsMax[i]; !math.IsNaN(x) && len(open) > 0 {
			top := open[0]
			for _, b := range open[1:] {
				if b.class > top.class || (b.class == top.class && b.size > top.size) {
					top = b
				}
			}
			top.size = min(max(int(math.Round(x)), cls.lo[top.class]), cls.hi[top.class])
			top.fixed = true
		}
		r := int(math.Round(p))
		for _, b := range open {
			r -= b.size
		}
		if r != 0 {
			r = fill(open, cls, r, true)
		}
		if r != 0 {
			r = fill(open, cls, r, false)
		}
		if r != 0 {
			rep.Mismatch++
		}
		for _, b := range open {
			at := t - half
			if len(b.curve) == 0 {
				at = b.start
			}
			if len(b.curve) == 0 || b.curve[len(b.curve)-1].Participants != b.size {
				b.curve = append(b.curve, model.SizeStep{At: at, Participants: b.size})
			}
			if vid := v.video[i]; !math.IsNaN(vid) && p > 0 {
				b.videoSum += vid * float64(b.size) / p
				b.videoN++
			}
		}
	}
	if len(open) > 0 {
		last := grid[len(grid)-1]
		for _, b := range open {
			closeAt(b, last+half)
		}
	}
	slices.SortStableFunc(done, func(a, b *building) int { return a.seq - b.seq })
	out := make([]model.Meeting, 0, len(done))
	prefix := serverPrefix(inst)
	for n, b := range done {
		out = append(out, b.meeting(fmt.Sprintf("%s-%06d", prefix, n+1)))
	}
	return out
}

// meeting finishes a reconstructed meeting: its curve (last entry is the
// end marker), the time-weighted mean size as Participants (so a trace read
// without its samples keeps the participant-minutes), and one moderator.
func (b *building) meeting(id string) model.Meeting {
	end := b.curve[len(b.curve)-1].At
	curve := b.curve[:len(b.curve)-1]
	var area, peak int64
	for j, s := range curve {
		next := end
		if j+1 < len(curve) {
			next = curve[j+1].At
		}
		area += int64(s.Participants) * (next - s.At)
		peak = max(peak, int64(s.Participants))
	}
	m := model.Meeting{ID: id, Start: b.start, End: end}
	m.Participants = int(math.Round(float64(area) / float64(end-b.start)))
	if len(curve) > 1 {
		m.Curve = curve
	} else if len(curve) == 1 {
		m.Participants = curve[0].Participants
	}
	// The exporter counts no moderators; every meeting has the one who
	// created it (an assumption, as in the built-in profiles).
	m.Moderators = int(min(peak, 1))
	if b.videoN > 0 {
		m.VideoStreams = int(math.Round(b.videoSum / float64(b.videoN)))
	}
	return m
}

func serverPrefix(inst string) string {
	var sb strings.Builder
	for _, r := range inst {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			sb.WriteRune(r)
		} else {
			sb.WriteByte('_')
		}
	}
	return sb.String()
}

func anyNaN(s []float64) bool {
	return slices.ContainsFunc(s, math.IsNaN)
}

// argBest is the index with the largest positive a[k]-b[k], -1 if none.
func argBest(a, b []int, sign int) int {
	best, at := 0, -1
	for k := range a {
		if d := sign * (a[k] - b[k]); d > best {
			best, at = d, k
		}
	}
	return at
}

// fill moves r participants into (r > 0) or out of (r < 0) open meetings,
// within their classes, in proportion to each meeting's room; with
// onlyAdjustable, only into the meetings whose size this step left open.
// It returns what could not be placed.
func fill(open []*building, cls sizeClasses, r int, onlyAdjustable bool) int {
	room := make([]int, len(open))
	total := 0
	for j, b := range open {
		if b.fixed || (onlyAdjustable && !b.adjustable) {
			continue
		}
		if r > 0 {
			room[j] = cls.hi[b.class] - b.size
		} else {
			room[j] = b.size - cls.lo[b.class]
		}
		total += room[j]
	}
	if total == 0 {
		return r
	}
	take := min(abs(r), total)
	type share struct {
		j    int
		frac float64
	}
	var rest []share
	given := 0
	for j := range open {
		if room[j] == 0 {
			continue
		}
		exact := float64(take) * float64(room[j]) / float64(total)
		n := int(math.Floor(exact))
		given += n
		open[j].size += sign(r) * n
		room[j] -= n
		rest = append(rest, share{j, exact - float64(n)})
	}
	sort.SliceStable(rest, func(a, b int) bool { return rest[a].frac > rest[b].frac })
	for _, s := range rest {
		if given == take {
			break
		}
		if room[s.j] > 0 {
			open[s.j].size += sign(r)
			given++
		}
	}
	return r - sign(r)*given
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func sign(x int) int {
	if x < 0 {
		return -1
	}
	return 1
}
