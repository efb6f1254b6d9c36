package traceimport

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
)

// BBB's raw recording events (/var/bigbluebutton/recording/raw/<internal
// meeting ID>/events.xml), as bigbluebutton/bbb-events reads them
// (lib/bbbevents/recording.rb, events.rb): a <recording meeting_id=...>
// root, a <meeting id= externalId= breakout=> element and <event
// timestamp= module= eventname=> elements whose children carry
// <timestampUTC> (epoch milliseconds), <userId> and <role>. The meeting's
// creation time is the epoch-millisecond suffix of its internal ID.

type eventsRoot struct {
	MeetingID string `xml:"meeting_id,attr"`
}

type eventsMeeting struct {
	ID       string `xml:"id,attr"`
	Breakout string `xml:"breakout,attr"`
}

type rawEvent struct {
	Timestamp    string `xml:"timestamp,attr"`
	Module       string `xml:"module,attr"`
	Name         string `xml:"eventname,attr"`
	TimestampUTC string `xml:"timestampUTC"`
	UserID       string `xml:"userId"`
	Role         string `xml:"role"`
	Stream       string `xml:"stream"`
}

// EventsStats counts what reading events.xml files skipped.
type EventsStats struct {
	Files, Meetings int
	// Empty counts recordings without any participant or any event after
	// creation: no length to give them.
	Empty int
	// UnknownLeaves counts leave events for users who had not joined.
	UnknownLeaves int
}

// ReadEventsXML reads one events.xml into a meeting: it starts when it was
// created, ends at EndAndKickAllEvent (else at its last event, as
// bbb-events does), and its size follows PARTICIPANT ParticipantJoinEvent
// and ParticipantLeftEvent by internal user ID. Moderators is the most
// moderators present at once, VideoStreams the most webcams (WEBCAM
// Start/StopWebcamShareEvent by stream). It is recorded. ok is false for a
// recording with no length.
func ReadEventsXML(r io.Reader, name string, st *EventsStats) (m model.Meeting, ok bool, err error) {
	dec := xml.NewDecoder(r)
	var root eventsRoot
	var meeting eventsMeeting
	var events []rawEvent
	sawRoot := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := dec.InputPos()
			return m, false, fmt.Errorf("%s: line %d: %w", name, line, err)
		}
		se, isStart := tok.(xml.StartElement)
		if !isStart {
			continue
		}
		switch se.Name.Local {
		case "recording":
			sawRoot = true
			for _, a := range se.Attr {
				if a.Name.Local == "meeting_id" {
					root.MeetingID = a.Value
				}
			}
		case "meeting":
			if err := dec.DecodeElement(&meeting, &se); err != nil {
				line, _ := dec.InputPos()
				return m, false, fmt.Errorf("%s: line %d: meeting: %w", name, line, err)
			}
		case "event":
			var e rawEvent
			if err := dec.DecodeElement(&e, &se); err != nil {
				line, _ := dec.InputPos()
				return m, false, fmt.Errorf("%s: line %d: event: %w", name, line, err)
			}
			events = append(events, e)
		}
	}
	if !sawRoot {
		return m, false, fmt.Errorf("%s: no <recording> element: not a BBB events.xml", name)
	}
	id := meeting.ID
	if id == "" {
		id = root.MeetingID
	}
	if id == "" {
		return m, false, fmt.Errorf("%s: field meeting id: missing", name)
	}
	i := strings.LastIndexByte(id, '-')
	createdMs, perr := strconv.ParseInt(id[i+1:], 10, 64)
	if i < 0 || perr != nil {
		return m, false, fmt.Errorf("%s: field meeting id: %q does not end with -<creation time in ms>", name, id)
	}
	// Event times: timestampUTC where present; else the event's own clock,
	// anchored by an event that has both (bbb-events anchors the first event
	// at the creation time).
	offset, anchored := int64(0), false
	for _, e := range events {
		utc, err1 := strconv.ParseInt(e.TimestampUTC, 10, 64)
		ts, err2 := strconv.ParseInt(e.Timestamp, 10, 64)
		if err1 == nil && err2 == nil {
			offset, anchored = utc-ts, true
			break
		}
	}
	if !anchored && len(events) > 0 {
		if ts, err := strconv.ParseInt(events[0].Timestamp, 10, 64); err == nil {
			offset = createdMs - ts
		}
	}
	at := func(n int, e rawEvent) (int64, error) {
		if utc, err := strconv.ParseInt(e.TimestampUTC, 10, 64); err == nil {
			return utc / 1000, nil
		}
		ts, err := strconv.ParseInt(e.Timestamp, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: event %d (%s): field timestamp: bad value %q", name, n+1, e.Name, e.Timestamp)
		}
		return (ts + offset) / 1000, nil
	}
	m = model.Meeting{ID: id, Start: createdMs / 1000, Recorded: true}
	end := m.Start
	present := map[string]bool{} // user ID -> moderator
	streams := map[string]bool{}
	moderators, size := 0, 0
	var curve []model.SizeStep
	ended := false
	for n, e := range events {
		t, err := at(n, e)
		if err != nil {
			return m, false, err
		}
		if ended {
			break
		}
		end = max(end, t)
		switch {
		case e.Module == "PARTICIPANT" && e.Name == "ParticipantJoinEvent":
			if _, in := present[e.UserID]; in {
				continue // a repeated join of a user already present
			}
			mod := e.Role == "MODERATOR"
			present[e.UserID] = mod
			size++
			if mod {
				moderators++
				m.Moderators = max(m.Moderators, moderators)
			}
		case e.Module == "PARTICIPANT" && e.Name == "ParticipantLeftEvent":
			mod, in := present[e.UserID]
			if !in {
				st.UnknownLeaves++
				continue
			}
			delete(present, e.UserID)
			size--
			if mod {
				moderators--
			}
		case e.Module == "PARTICIPANT" && e.Name == "EndAndKickAllEvent":
			ended = true
			continue
		case e.Module == "WEBCAM" && e.Name == "StartWebcamShareEvent":
			streams[e.Stream] = true
			m.VideoStreams = max(m.VideoStreams, len(streams))
			continue
		case e.Module == "WEBCAM" && e.Name == "StopWebcamShareEvent":
			delete(streams, e.Stream)
			continue
		default:
			continue
		}
		t = max(t, m.Start)
		if k := len(curve); k > 0 && curve[k-1].At == t {
			curve[k-1].Participants = size // changes within one second: the last wins
		} else {
			curve = append(curve, model.SizeStep{At: t, Participants: size})
		}
	}
	if end <= m.Start || len(curve) == 0 {
		st.Empty++
		return m, false, nil
	}
	m.End = end
	// The size before the first join is 0; the trace's Participants is the
	// time-weighted mean, so a trace read without its samples keeps the
	// participant-minutes.
	b := &building{start: m.Start, curve: append([]model.SizeStep{{At: m.Start, Participants: 0}}, curve...)}
	b.curve = append(b.curve, model.SizeStep{At: m.End, Participants: -1})
	compactCurve(&b.curve)
	out := b.meeting(id)
	out.Moderators, out.VideoStreams, out.Recorded = m.Moderators, m.VideoStreams, true
	return out, true, nil
}

// compactCurve merges steps at the same second (the later wins) and drops
// steps that do not change the size; the end marker stays last.
func compactCurve(c *[]model.SizeStep) {
	s := *c
	endMark := s[len(s)-1]
	s = s[:len(s)-1]
	k := 0
	for _, x := range s {
		if k > 0 && s[k-1].At == x.At {
			s[k-1] = x
			continue
		}
		if k > 0 && s[k-1].Participants == x.Participants {
			continue
		}
		s[k] = x
		k++
	}
	*c = append(s[:k], endMark)
}

// ImportEventsXML reads events.xml files; a directory is searched for
// files named events.xml (the raw recordings tree). Meetings come back
// sorted by start.
func ImportEventsXML(paths []string) ([]model.Meeting, EventsStats, error) {
	var st EventsStats
	var files []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, st, err
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && d.Name() == "events.xml" {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, st, fmt.Errorf("reading directory %s: %w", p, err)
		}
		if len(found) == 0 {
			return nil, st, fmt.Errorf("directory %s holds no events.xml", p)
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	var out []model.Meeting
	ids := map[string]string{}
	for _, f := range files {
		m, ok, err := readEventsFile(f, &st)
		if err != nil {
			return nil, st, err
		}
		st.Files++
		if !ok {
			continue
		}
		if prev, dup := ids[m.ID]; dup {
			return nil, st, fmt.Errorf("%s: meeting %s is also in %s", f, m.ID, prev)
		}
		ids[m.ID] = f
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, st, errors.New("no meeting with participants in the events files")
	}
	st.Meetings = len(out)
	datasets.SortMeetings(out)
	return out, st, nil
}

func readEventsFile(path string, st *EventsStats) (model.Meeting, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return model.Meeting{}, false, err
	}
	defer f.Close()
	return ReadEventsXML(f, path, st)
}
