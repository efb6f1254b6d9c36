package model

import "sort"

// Meeting is one BBB meeting of a load trace. Participants follows BBB's
// participantCount and Moderators its moderatorCount; Scalelite's load adds
// the two, so Users does too.
type Meeting struct {
	ID           string
	Start, End   int64 // Unix seconds, End > Start
	Participants int   // size when no Curve is given
	Moderators   int
	VideoStreams int
	Recorded     bool
	// Tag is the Scalelite server tag the meeting asks for ("" = any).
	Tag string
	// Curve, when set, is the meeting's size over time from samples, sorted
	// by time; before its first step the size is Participants.
	Curve []SizeStep
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
func (m *Meeting) ParticipantSeconds() int64 {
	if len(m.Curve) == 0 {
		return int64(m.Participants) * (m.End - m.Start)
	}
	var total int64
	at, size := m.Start, m.Participants
	for _, s := range m.Curve {
		if s.At >= m.End {
			break
		}
		if s.At > at {
			total += int64(size) * (s.At - at)
			at = s.At
		}
		size = s.Participants
	}
	return total + int64(size)*(m.End-at)
}

// Duration is End - Start in seconds.
func (m *Meeting) Duration() int64 { return m.End - m.Start }
