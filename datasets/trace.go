package datasets

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
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
var traceColumns = []string{"meeting_id", "start", "end", "participants", "moderators", "video_streams", "recorded", "tag"}

// ReadTrace reads a meeting trace CSV and, when samplesPath is not empty,
// its samples CSV (time,meeting_id,participants). Meetings come back sorted
// by start, then id.
func ReadTrace(path, samplesPath string) ([]model.Meeting, TraceStats, error) {
	r, closeFn, err := openInput(path)
	if err != nil {
		return nil, TraceStats{}, fmt.Errorf("reading trace %s: %w", path, err)
	}
	defer closeFn()
	ms, err := ParseTrace(r, path)
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
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, &InputError{File: name, Line: 1, Err: fmt.Errorf("reading CSV header: %w", err)}
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(traceColumns, h) {
			return nil, &InputError{File: name, Line: 1, Field: h, Err: fmt.Errorf("unknown column (want %s)", strings.Join(traceColumns, ","))}
		}
		col[h] = i
	}
	for _, k := range traceColumns[:4] {
		if _, ok := col[k]; !ok {
			return nil, &InputError{File: name, Line: 1, Field: k, Err: errors.New("header lacks this column")}
		}
	}
	var out []model.Meeting
	ids := map[string]int{}
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		line := rowLine(cr, row, err)
		if err != nil {
			return nil, &InputError{File: name, Line: line, Err: err}
		}
		get := func(k string) string {
			if i, ok := col[k]; ok && i < len(row) {
				return strings.TrimSpace(row[i])
			}
			return ""
		}
		fail := func(field string, err error) error {
			return &InputError{File: name, Line: line, Field: field, Err: err}
		}
		m := model.Meeting{ID: get("meeting_id"), Tag: get("tag")}
		if m.ID == "" {
			return nil, fail("meeting_id", errors.New("missing"))
		}
		if prev, dup := ids[m.ID]; dup {
			return nil, fail("meeting_id", fmt.Errorf("%q already used on line %d", m.ID, prev))
		}
		ids[m.ID] = line
		if m.Start, err = parseTraceTime(get("start")); err != nil {
			return nil, fail("start", err)
		}
		if m.End, err = parseTraceTime(get("end")); err != nil {
			return nil, fail("end", err)
		}
		if m.End <= m.Start {
			return nil, fail("end", fmt.Errorf("%s is not after start %s", get("end"), get("start")))
		}
		if m.Participants, err = parseCount(get("participants")); err != nil {
			return nil, fail("participants", err)
		}
		for _, f := range []struct {
			key string
			dst *int
		}{{"moderators", &m.Moderators}, {"video_streams", &m.VideoStreams}} {
			if s := get(f.key); s != "" {
				if *f.dst, err = parseCount(s); err != nil {
					return nil, fail(f.key, err)
				}
			}
		}
		if m.Recorded, err = parseBool(get("recorded")); err != nil {
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
func SortMeetings(ms []model.Meeting) {
	slices.SortStableFunc(ms, func(a, b model.Meeting) int {
		if c := cmp.Compare(a.Start, b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
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
	header, err := cr.Read()
	if err != nil {
		return 0, 0, &InputError{File: name, Line: 1, Err: fmt.Errorf("reading CSV header: %w", err)}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, k := range []string{"time", "meeting_id", "participants"} {
		if _, ok := col[k]; !ok {
			return 0, 0, &InputError{File: name, Line: 1, Field: k, Err: errors.New("header lacks this column")}
		}
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
		id := strings.TrimSpace(row[col["meeting_id"]])
		m, ok := byID[id]
		if !ok {
			return 0, 0, &InputError{File: name, Line: line, Field: "meeting_id", Err: fmt.Errorf("meeting %q is not in the trace", id)}
		}
		t, err := parseTraceTime(strings.TrimSpace(row[col["time"]]))
		if err != nil {
			return 0, 0, &InputError{File: name, Line: line, Field: "time", Err: err}
		}
		p, err := parseCount(strings.TrimSpace(row[col["participants"]]))
		if err != nil {
			return 0, 0, &InputError{File: name, Line: line, Field: "participants", Err: err}
		}
		if t < m.Start || t >= m.End {
			outside++
			continue
		}
		m.Curve = append(m.Curve, model.SizeStep{At: t, Participants: p})
		used++
	}
	for i := range ms {
		c := ms[i].Curve
		slices.SortStableFunc(c, func(a, b model.SizeStep) int { return cmp.Compare(a.At, b.At) })
		// A later sample at the same second replaces the earlier one.
		k := 0
		for j := range c {
			if k > 0 && c[k-1].At == c[j].At {
				c[k-1] = c[j]
				continue
			}
			c[k] = c[j]
			k++
		}
		ms[i].Curve = c[:k]
	}
	return used, outside, nil
}

func formatTraceTime(t int64) string { return time.Unix(t, 0).UTC().Format(time.RFC3339) }

// WriteTrace writes meetings in the trace CSV format, with every column.
func WriteTrace(w io.Writer, ms []model.Meeting) error {
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	cw.Write(traceColumns)
	for i := range ms {
		m := &ms[i]
		cw.Write([]string{m.ID, formatTraceTime(m.Start), formatTraceTime(m.End), strconv.Itoa(m.Participants),
			strconv.Itoa(m.Moderators), strconv.Itoa(m.VideoStreams), strconv.FormatBool(m.Recorded), m.Tag})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteSamples writes the meetings' size curves as a samples CSV.
func WriteSamples(w io.Writer, ms []model.Meeting) error {
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	cw.Write([]string{"time", "meeting_id", "participants"})
	for i := range ms {
		for _, s := range ms[i].Curve {
			cw.Write([]string{formatTraceTime(s.At), ms[i].ID, strconv.Itoa(s.Participants)})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}
