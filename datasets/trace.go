package datasets

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scalite/scalite/model"
)

// TraceStats says what reading a trace did.
type TraceStats struct {
	Meetings int
	Samples  int
	// SamplesOutside counts samples outside their meeting's [start, end):
	// they cannot change the meeting's size and are skipped.
	SamplesOutside int
}

// traceColumns are the trace CSV's columns; the first four are required.
// The media columns (voice_participants: on microphone, listeners:
// listen-only, screenshare: screens shared) are optional; without them the
// load model assumes the moderators speak, everyone else listens and no
// screen is shared (model.Meeting.MediaAt).
var traceColumns = []string{"meeting_id", "start", "end", "participants", "moderators", "video_streams", "recorded", "tag",
	"voice_participants", "listeners", "screenshare"}

// sampleColumns are the samples CSV's columns: the first three required,
// the media ones optional (a row with any of them gives the meeting's media
// from then on, the others taken from the trace's row).
var sampleColumns = []string{"time", "meeting_id", "participants", "voice_participants", "listeners", "video_streams", "screenshare"}

// ReadTrace reads a meeting trace CSV and, when samplesPath is not empty,
// its samples CSV (time,meeting_id,participants). Meetings come back sorted
// by start, then id.
func ReadTrace(path, samplesPath string) ([]model.Meeting, TraceStats, error) {
	r, closeFn, err := openInput(path)
	if err != nil {
		return nil, TraceStats{}, fmt.Errorf("reading trace %s: %w", path, err)
	}
	defer closeFn()
	hint := countRows(path)
	ms, err := parseTrace(r, path, hint)
	if err != nil {
		return nil, TraceStats{}, err
	}
	st := TraceStats{Meetings: len(ms)}
	if samplesPath != "" {
		sr, sclose, err := openInput(samplesPath)
		if err != nil {
			return nil, st, fmt.Errorf("reading samples %s: %w", samplesPath, err)
		}
		defer sclose()
		if st.Samples, st.SamplesOutside, err = ApplySamples(ms, sr, samplesPath); err != nil {
			return nil, st, err
		}
	}
	return ms, st, nil
}

func parseTraceTime(s string) (int64, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, fmt.Errorf("bad time %q (want RFC 3339, e.g. 2026-03-02T08:00:00Z)", s)
	}
	return t.Unix(), nil
}

func parseCount(s string) (int, error) {
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("bad count %q (want a whole number >= 0)", s)
	}
	return v, nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "", "false", "0", "no", "n":
		return false, nil
	case "true", "1", "yes", "y":
		return true, nil
	}
	return false, fmt.Errorf("bad flag %q (want true or false)", s)
}

// ParseTrace reads the trace CSV; name is used in errors.
func ParseTrace(r io.Reader, name string) ([]model.Meeting, error) {
	return parseTrace(r, name, 0)
}

// The trace columns by position in traceColumns.
const (
	colMeetingID = iota
	colStart
	colEnd
	colParticipants
	colModerators
	colVideoStreams
	colRecorded
	colTag
	colVoice
	colListeners
	colScreenshare
)

// countRows counts a plain file's lines, what pre-sizes the reader's
// tables so that the meetings and the duplicate-ID table are allocated
// once: a guess from the file's size either grew them three times over
// (short rows) or wasted half (long ones), and counting costs a read of
// the file from the page cache, a few milliseconds a year. A compressed
// file is not counted: about 40 bytes a row uncompressed, 10 compressed.
func countRows(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	buf := make([]byte, 1<<16)
	n, first := 0, true
	for {
		k, err := f.Read(buf)
		if first && k >= 2 && buf[0] == 0x1f && buf[1] == 0x8b {
			if fi, err := f.Stat(); err == nil {
				return int(fi.Size() / 10)
			}
			return 0
		}
		first = false
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err != nil {
			return n
		}
	}
}

// parseTrace is ParseTrace with a guess at the number of meetings (0 when
// unknown), so that the meetings and the duplicate-ID table are allocated
// once rather than regrown.
func parseTrace(r io.Reader, name string, sizeHint int) ([]model.Meeting, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	h, err := readCSVHeader(cr, name, headerSpec{Columns: traceColumns, Required: 4, Strict: true})
	if err != nil {
		return nil, err
	}
	sizeHint = min(max(sizeHint, 0), 1<<24)
	out := make([]model.Meeting, 0, sizeHint)
	ids := make(map[string]int, sizeHint)
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		line := rowLine(cr, row, err)
		if err != nil {
			return nil, &InputError{File: name, Line: line, Err: err}
		}
		fail := func(field string, err error) error {
			return &InputError{File: name, Line: line, Field: field, Err: err}
		}
		m := model.Meeting{ID: h.field(row, colMeetingID), Tag: h.field(row, colTag)}
		if m.ID == "" {
			return nil, fail("meeting_id", errors.New("missing"))
		}
		if prev, dup := ids[m.ID]; dup {
			return nil, fail("meeting_id", fmt.Errorf("%q already used on line %d", m.ID, prev))
		}
		ids[m.ID] = line
		start, end := h.field(row, colStart), h.field(row, colEnd)
		if m.Start, err = parseTraceTime(start); err != nil {
			return nil, fail("start", err)
		}
		if m.End, err = parseTraceTime(end); err != nil {
			return nil, fail("end", err)
		}
		if m.End <= m.Start {
			return nil, fail("end", fmt.Errorf("%s is not after start %s", end, start))
		}
		if m.Participants, err = parseCount(h.field(row, colParticipants)); err != nil {
			return nil, fail("participants", err)
		}
		for _, f := range [...]struct {
			col int
			dst *int
		}{{colModerators, &m.Moderators}, {colVideoStreams, &m.VideoStreams}} {
			if s := h.field(row, f.col); s != "" {
				if *f.dst, err = parseCount(s); err != nil {
					return nil, fail(traceColumns[f.col], err)
				}
			}
		}
		for _, f := range [...]struct {
			col int
			dst *int32
		}{{colVoice, &m.VoiceParticipants}, {colListeners, &m.Listeners}, {colScreenshare, &m.Screenshares}} {
			if s := h.field(row, f.col); s != "" {
				v, err := parseCount(s)
				if err != nil || v > math.MaxInt32 {
					return nil, fail(traceColumns[f.col], fmt.Errorf("bad count %q (want a whole number >= 0)", s))
				}
				*f.dst = int32(v)
			}
		}
		if m.Recorded, err = parseBool(h.field(row, colRecorded)); err != nil {
			return nil, fail("recorded", err)
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, &InputError{File: name, Err: errors.New("no meetings")}
	}
	SortMeetings(out)
	return out, nil
}

// SortMeetings orders meetings by start, then id.
// Traces written by Scalite are in that order already; checking costs one
// pass, sorting them again several.
func SortMeetings(ms []model.Meeting) {
	byStartThenID := func(a, b model.Meeting) int {
		if c := cmp.Compare(a.Start, b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	}
	if !slices.IsSortedFunc(ms, byStartThenID) {
		slices.SortStableFunc(ms, byStartThenID)
	}
}

// ApplySamples reads a samples CSV (time,meeting_id,participants) into the
// meetings' size curves. It returns how many samples it used and how many
// fell outside their meeting.
func ApplySamples(ms []model.Meeting, r io.Reader, name string) (used, outside int, err error) {
	byID := make(map[string]*model.Meeting, len(ms))
	for i := range ms {
		byID[ms[i].ID] = &ms[i]
	}
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	h, err := readCSVHeader(cr, name, headerSpec{Columns: sampleColumns, Required: 3})
	if err != nil {
		return 0, 0, err
	}
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		line := rowLine(cr, row, err)
		if err != nil {
			return 0, 0, &InputError{File: name, Line: line, Err: err}
		}
		id := h.field(row, 1)
		m, ok := byID[id]
		if !ok {
			return 0, 0, &InputError{File: name, Line: line, Field: "meeting_id", Err: fmt.Errorf("meeting %q is not in the trace", id)}
		}
		t, err := parseTraceTime(h.field(row, 0))
		if err != nil {
			return 0, 0, &InputError{File: name, Line: line, Field: "time", Err: err}
		}
		p, err := parseCount(h.field(row, 2))
		if err != nil {
			return 0, 0, &InputError{File: name, Line: line, Field: "participants", Err: err}
		}
		if t < m.Start || t >= m.End {
			outside++
			continue
		}
		m.Curve = append(m.Curve, model.SizeStep{At: t, Participants: p})
		if media, ok, err := sampleMedia(h, row, m); err != nil {
			return 0, 0, &InputError{File: name, Line: line, Field: err.field, Err: err.err}
		} else if ok {
			media.At = t
			m.Media = append(m.Media, media)
		}
		used++
	}
	for i := range ms {
		// A later sample at the same second replaces the earlier one.
		ms[i].Curve = sortLastAtEachTime(ms[i].Curve, func(s model.SizeStep) int64 { return s.At })
		ms[i].Media = sortLastAtEachTime(ms[i].Media, func(s model.MediaStep) int64 { return s.At })
	}
	return used, outside, nil
}

// sortLastAtEachTime sorts s by time in place, keeping reading order among
// equal times, and keeps only the last element read at each time: a later
// reading of the same moment replaces the earlier one.
func sortLastAtEachTime[E any](s []E, at func(E) int64) []E {
	slices.SortStableFunc(s, func(a, b E) int { return cmp.Compare(at(a), at(b)) })
	k := 0
	for j := range s {
		if k > 0 && at(s[k-1]) == at(s[j]) {
			s[k-1] = s[j]
			continue
		}
		s[k] = s[j]
		k++
	}
	return s[:k]
}

// sampleMedia reads a samples row's media columns; ok is false when the
// row has none. A column the row lacks takes the meeting's trace value.
func sampleMedia(h csvHeader, row []string, m *model.Meeting) (model.MediaStep, bool, *fieldErr) {
	st := model.MediaStep{Voice: m.VoiceParticipants, Listeners: m.Listeners, Webcams: int32(min(m.VideoStreams, math.MaxInt32)), Screenshare: m.Screenshares}
	found := false
	for _, f := range [...]struct {
		col int
		dst *int32
	}{{3, &st.Voice}, {4, &st.Listeners}, {5, &st.Webcams}, {6, &st.Screenshare}} {
		s := h.field(row, f.col)
		if s == "" {
			continue
		}
		v, err := parseCount(s)
		if err != nil || v > math.MaxInt32 {
			return st, false, &fieldErr{sampleColumns[f.col], fmt.Errorf("bad count %q (want a whole number >= 0)", s)}
		}
		*f.dst, found = int32(v), true
	}
	return st, found, nil
}

func formatTraceTime(t int64) string { return time.Unix(t, 0).UTC().Format(time.RFC3339) }

// WriteTrace writes meetings in the trace CSV format, with every column;
// the media columns only when some meeting has media beyond the defaults,
// so that traces without them are written as before.
func WriteTrace(w io.Writer, ms []model.Meeting) error {
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	media := hasMedia(ms)
	cols := traceColumns[:colVoice]
	if media {
		cols = traceColumns
	}
	cw.Write(cols)
	row := make([]string, len(cols))
	for i := range ms {
		m := &ms[i]
		row = append(row[:0], m.ID, formatTraceTime(m.Start), formatTraceTime(m.End), strconv.Itoa(m.Participants),
			strconv.Itoa(m.Moderators), strconv.Itoa(m.VideoStreams), strconv.FormatBool(m.Recorded), m.Tag)
		if media {
			row = append(row, strconv.Itoa(int(m.VoiceParticipants)), strconv.Itoa(int(m.Listeners)), strconv.Itoa(int(m.Screenshares)))
		}
		cw.Write(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// hasMedia reports whether any meeting carries media columns' values.
func hasMedia(ms []model.Meeting) bool {
	for i := range ms {
		if ms[i].VoiceParticipants != 0 || ms[i].Listeners != 0 || ms[i].Screenshares != 0 || len(ms[i].Media) > 0 {
			return true
		}
	}
	return false
}

// WriteSamples writes the meetings' size curves as a samples CSV; with
// media samples, one row at every time either curve changes, with the
// media columns.
func WriteSamples(w io.Writer, ms []model.Meeting) error {
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	media := false
	for i := range ms {
		media = media || len(ms[i].Media) > 0
	}
	if !media {
		cw.Write(sampleColumns[:3])
		for i := range ms {
			for _, s := range ms[i].Curve {
				cw.Write([]string{formatTraceTime(s.At), ms[i].ID, strconv.Itoa(s.Participants)})
			}
		}
	} else {
		cw.Write(sampleColumns)
		for i := range ms {
			m := &ms[i]
			times := make([]int64, 0, len(m.Curve)+len(m.Media))
			for _, s := range m.Curve {
				times = append(times, s.At)
			}
			for _, s := range m.Media {
				times = append(times, s.At)
			}
			slices.Sort(times)
			times = slices.Compact(times)
			for _, t := range times {
				x := m.MediaAt(t)
				cw.Write([]string{formatTraceTime(t), m.ID, strconv.Itoa(x.Participants),
					strconv.Itoa(x.Voice), strconv.Itoa(x.Listeners), strconv.Itoa(x.Webcams), strconv.Itoa(x.Screenshares)})
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}
