package live

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/internal/atomicfile"
	"github.com/scalite/scalite/model"
)

// MeetingLister is what recording needs: getMeetings.
type MeetingLister interface {
	Meetings(ctx context.Context) ([]BBBMeeting, error)
}

// TraceRecorder turns getMeetings polls into the simulator's trace and
// samples CSVs. Every poll is appended to a poll log, which is also the
// resume point: a restarted recorder reads it back and carries on, so no
// sample is lost or written twice. The trace and samples are rewritten
// from the log after every poll (atomically).
type TraceRecorder struct {
	api         MeetingLister
	pollsPath   string
	tracePath   string
	samplesPath string
	meetings    map[string]*recorded
	last        time.Time // the last poll written
	// Interval is the poll interval: a meeting seen at a poll is taken to
	// run until the next one.
	Interval time.Duration
}

type recorded struct {
	m        model.Meeting
	lastSeen int64
}

// NewTraceRecorder writes tracePath and samplesPath, and resumes from the
// poll log pollsPath if it exists.
func NewTraceRecorder(api MeetingLister, tracePath, samplesPath, pollsPath string) (*TraceRecorder, error) {
	r := &TraceRecorder{api: api, pollsPath: pollsPath, tracePath: tracePath, samplesPath: samplesPath, meetings: map[string]*recorded{}, Interval: time.Minute}
	f, err := os.Open(pollsPath)
	if errors.Is(err, os.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = 7
	line := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line++
		if err != nil {
			return nil, fmt.Errorf("resuming from %s: line %d: %w", pollsPath, line, err)
		}
		if line == 1 {
			continue // header
		}
		t, err := time.Parse(time.RFC3339, rec[0])
		if err != nil {
			return nil, fmt.Errorf("resuming from %s: line %d: field time: %w", pollsPath, line, err)
		}
		m := BBBMeeting{InternalMeetingID: rec[1]}
		// A poll log that does not read back is corrupt: stop, naming the
		// field, rather than resume from zeros.
		var perr error
		num := func(field string, i int) int {
			v, err := strconv.Atoi(rec[i])
			if err != nil && perr == nil {
				perr = fmt.Errorf("resuming from %s: line %d: field %s: %q is not a whole number", pollsPath, line, field, rec[i])
			}
			return v
		}
		if m.CreateTime, err = strconv.ParseInt(rec[2], 10, 64); err != nil {
			return nil, fmt.Errorf("resuming from %s: line %d: field create_time_ms: %q is not a whole number", pollsPath, line, rec[2])
		}
		m.ParticipantCount, m.ModeratorCount, m.VideoCount = num("participants", 3), num("moderators", 4), num("video_streams", 5)
		if perr != nil {
			return nil, perr
		}
		if m.Recording, err = strconv.ParseBool(rec[6]); err != nil {
			return nil, fmt.Errorf("resuming from %s: line %d: field recording: %q is not true or false", pollsPath, line, rec[6])
		}
		r.add(t, m)
		r.last = t
	}
	return r, nil
}

var pollHeader = []string{"time", "meeting_id", "create_time_ms", "participants", "moderators", "video_streams", "recording"}

// Resumed is the last poll found in the poll log (zero if none).
func (r *TraceRecorder) Resumed() time.Time { return r.last }

func (r *TraceRecorder) add(t time.Time, m BBBMeeting) {
	id := m.InternalMeetingID
	if id == "" {
		id = m.MeetingID
	}
	rec, ok := r.meetings[id]
	if !ok {
		start := m.CreateTime / 1000
		if start <= 0 || start > t.Unix() {
			start = t.Unix()
		}
		rec = &recorded{m: model.Meeting{ID: id, Start: start, Participants: m.ParticipantCount}}
		r.meetings[id] = rec
	}
	rec.lastSeen = t.Unix()
	rec.m.Moderators = max(rec.m.Moderators, m.ModeratorCount)
	rec.m.VideoStreams = max(rec.m.VideoStreams, m.VideoCount)
	rec.m.Recorded = rec.m.Recorded || m.Recording
	if n := len(rec.m.Curve); n == 0 || rec.m.Curve[n-1].Participants != m.ParticipantCount {
		rec.m.Curve = append(rec.m.Curve, model.SizeStep{At: t.Unix(), Participants: m.ParticipantCount})
	}
}

// Poll reads getMeetings once at t, appends the samples and rewrites the trace.
func (r *TraceRecorder) Poll(ctx context.Context, t time.Time) (int, error) {
	if !t.After(r.last) {
		return 0, nil // this instant is already recorded
	}
	ms, err := r.api.Meetings(ctx)
	if err != nil {
		return 0, err
	}
	newFile := false
	if _, err := os.Stat(r.pollsPath); errors.Is(err, os.ErrNotExist) {
		newFile = true
	}
	f, err := os.OpenFile(r.pollsPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, err
	}
	w := csv.NewWriter(f)
	if newFile {
		w.Write(pollHeader)
	}
	n := 0
	for _, m := range countedMeetings(ms) {
		id := m.InternalMeetingID
		if id == "" {
			id = m.MeetingID
		}
		w.Write([]string{t.UTC().Format(time.RFC3339), id, strconv.FormatInt(m.CreateTime, 10), strconv.Itoa(m.ParticipantCount),
			strconv.Itoa(m.ModeratorCount), strconv.Itoa(m.VideoCount), strconv.FormatBool(m.Recording)})
		r.add(t, m)
		n++
	}
	w.Flush()
	if err := errors.Join(w.Error(), f.Sync(), f.Close()); err != nil {
		return 0, err
	}
	r.last = t
	return n, r.writeTrace()
}

// writeTrace rewrites the trace; a meeting ends one interval after it was
// last seen.
func (r *TraceRecorder) writeTrace() error {
	ms := make([]model.Meeting, 0, len(r.meetings))
	for _, rec := range r.meetings {
		m := rec.m
		m.End = max(rec.lastSeen+int64(r.Interval/time.Second), m.Start+1)
		m.Curve = slices.Clone(m.Curve)
		ms = append(ms, m)
	}
	datasets.SortMeetings(ms)
	if err := atomicfile.Write(r.tracePath, func(w io.Writer) error { return datasets.WriteTrace(w, ms) }); err != nil {
		return err
	}
	return atomicfile.Write(r.samplesPath, func(w io.Writer) error { return datasets.WriteSamples(w, ms) })
}

// Meetings is the number of distinct meetings recorded.
func (r *TraceRecorder) Meetings() int { return len(r.meetings) }
