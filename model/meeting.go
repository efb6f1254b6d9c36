package model

import "sort"

// Meeting is one BBB meeting of a load trace. Participants is everyone in
// the meeting, as BBB's participantCount counts (moderators included), and
// Moderators how many of them moderate (moderatorCount). Capacity and
// participant-minutes count Participants; Scalelite's load adds the two
// counts, as its poller does.
type Meeting struct {
	ID           string
	Start, End   int64 // Unix seconds, End > Start
	Participants int   // size when no Curve is given
	Moderators   int
	VideoStreams int
	// VoiceParticipants are on microphone, Listeners listen only, and
	// Screenshares count screens shared; when a trace says nothing of
	// voice and listeners (both 0), MediaAt assumes the moderators speak
	// and everyone else listens.
	VoiceParticipants, Listeners, Screenshares int32
	Recorded                                   bool
	// Tag is the Scalelite server tag the meeting asks for ("" = any).
	Tag string
	// Curve, when set, is the meeting's size over time from samples, sorted
	// by time; before its first step the size is Participants.
	Curve []SizeStep
	// Media, when set, is the meeting's media over time from samples,
	// sorted by time; before its first step the fields above hold.
	Media []MediaStep
}

// SizeStep is the meeting's participant count from At on.
type SizeStep struct {
	At           int64
	Participants int
}

// ParticipantsAt is the participant count at t (0 outside [Start, End)).
func (m *Meeting) ParticipantsAt(t int64) int {
	if t < m.Start || t >= m.End {
		return 0
	}
	if len(m.Curve) == 0 {
		return m.Participants
	}
	i := sort.Search(len(m.Curve), func(i int) bool { return m.Curve[i].At > t }) - 1
	if i < 0 {
		return m.Participants
	}
	return m.Curve[i].Participants
}

// PeakParticipants is the largest participant count over the meeting.
func (m *Meeting) PeakParticipants() int {
	p := m.Participants
	for _, s := range m.Curve {
		if s.Participants > p {
			p = s.Participants
		}
	}
	return p
}

// ParticipantSeconds integrates the participant count over the meeting.
func (m *Meeting) ParticipantSeconds() int64 { return m.ParticipantSecondsBetween(m.Start, m.End) }

// ParticipantSecondsBetween integrates the participant count over the part
// of the meeting inside [from, to).
func (m *Meeting) ParticipantSecondsBetween(from, to int64) int64 {
	from, to = max(from, m.Start), min(to, m.End)
	if to <= from {
		return 0
	}
	var total int64
	at, size := m.Start, m.Participants
	for _, s := range m.Curve {
		if s.At >= to {
			break
		}
		if s.At > at {
			if lo, hi := max(at, from), s.At; hi > lo {
				total += int64(size) * (hi - lo)
			}
			at = s.At
		}
		size = s.Participants
	}
	if lo := max(at, from); to > lo {
		total += int64(size) * (to - lo)
	}
	return total
}

// Duration is End - Start in seconds.
func (m *Meeting) Duration() int64 { return m.End - m.Start }
