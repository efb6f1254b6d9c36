package emulate

import (
	"context"
	"fmt"
)

// Meeting by meeting: what Demand does in bulk, for a driver that replays
// a trace (each meeting created through Scalelite at its start, with its
// size, its joins counted, its size changed and its end).

// CreateMeeting creates a meeting through Scalelite's placement, as a
// front end's create call does (BigBlueButtonApiController#create,
// app/controllers/bigbluebutton_api_controller.rb: Server.find_available,
// then increment_load(1)), and seats participants (moderators among them)
// on the BBB server Scalelite chose. Their joins are not counted in the
// load here: call Join when they arrive. It returns the server's API URL,
// or Scalelite's error (e.g. "Could not find any available servers.").
func (s *Scalelite) CreateMeeting(meetingID string, participants, moderators int) (string, error) {
	p := params{{key: "meetingID", value: meetingID}, {key: "name", value: meetingID}}
	sid, _, err := s.create(context.Background(), p)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	srv, ok := s.servers[sid]
	var apiURL string
	if ok {
		apiURL = srv.url
	}
	s.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("meeting %s: server %s left Scalelite during the create", meetingID, sid)
	}
	s.bbbMu.Lock()
	defer s.bbbMu.Unlock()
	d, ok := s.doubles[bbbKey(apiURL)]
	if !ok {
		return "", fmt.Errorf("meeting %s: no BBB server at %s", meetingID, apiURL)
	}
	for i := range d.meetings {
		if d.meetings[i].MeetingID == meetingID {
			m := &d.meetings[i]
			m.ParticipantCount, m.ModeratorCount = participants, moderators
			m.Running, m.HasUserJoined = participants > 0, participants > 0
			m.StartTime = s.clock().UnixMilli()
			return apiURL, nil
		}
	}
	return "", fmt.Errorf("meeting %s: not running on %s after the create", meetingID, apiURL)
}

// Join counts n joins to a meeting as Scalelite does for each join call
// (app/controllers/bigbluebutton_api_controller.rb, join:
// server.increment_load(1), times the server's load_multiplier; a server
// offline or disabled raises ServerDisabledError and adds nothing): the
// load rises until the next poll replaces it. A meeting Scalelite does
// not know is ignored, as a join answering notFound adds nothing.
func (s *Scalelite) Join(meetingID string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.lbMeetings[meetingID]
	if !ok {
		return
	}
	if srv := s.servers[m.serverID]; srv != nil && srv.online && srv.state != "disabled" {
		s.incrementLoad(srv, float64(n))
	}
}

// MeetingRunning says whether a meeting runs on the BBB server at apiURL
// (it may have been ended by an end call, a panic or the server's loss).
func (s *Scalelite) MeetingRunning(apiURL, meetingID string) bool {
	s.bbbMu.Lock()
	defer s.bbbMu.Unlock()
	if d, ok := s.doubles[bbbKey(apiURL)]; ok {
		for _, m := range d.meetings {
			if m.MeetingID == meetingID {
				return true
			}
		}
	}
	return false
}

// ResizeMeeting sets the number of participants of a meeting on the BBB
// server at apiURL, as users join and leave (getMeetings' participantCount).
func (s *Scalelite) ResizeMeeting(apiURL, meetingID string, participants int) {
	s.bbbMu.Lock()
	defer s.bbbMu.Unlock()
	if d, ok := s.doubles[bbbKey(apiURL)]; ok {
		for i := range d.meetings {
			if d.meetings[i].MeetingID == meetingID {
				d.meetings[i].ParticipantCount = participants
			}
		}
	}
}

// LeaveMeeting ends a meeting on the BBB server at apiURL because its last
// user left: BBB drops it from getMeetings, and Scalelite forgets it at
// its next poll:meetings (getMeetingInfo answers notFound). It is not an
// end call, so it is not listed by Ended.
func (s *Scalelite) LeaveMeeting(apiURL, meetingID string) {
	s.bbbMu.Lock()
	defer s.bbbMu.Unlock()
	if d, ok := s.doubles[bbbKey(apiURL)]; ok {
		for i := range d.meetings {
			if d.meetings[i].MeetingID == meetingID {
				d.meetings = append(d.meetings[:i], d.meetings[i+1:]...)
				return
			}
		}
	}
}
