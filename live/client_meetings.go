package live

import "github.com/scalite/scalite/model"

// Breakout rooms are not load of their own in Scalelite's poller (it sums
// non-breakout meetings, lib/tasks/poll.rake) and BBB counts their users in
// the parent meeting too: the controller and the trace recorder skip them
// alike, through here.

// countedMeetings is the meetings that count as demand: not breakout rooms.
func countedMeetings(ms []BBBMeeting) []BBBMeeting {
	out := ms[:0:0]
	for _, m := range ms {
		if !m.IsBreakout {
			out = append(out, m)
		}
	}
	return out
}

// mediaTally counts the media of a server's meetings for the load model,
// from getMeetings' counts (BBB does not report screenshares: none are
// counted).
func mediaTally(ms []BBBMeeting) model.LoadTally {
	var t model.LoadTally
	for _, m := range countedMeetings(ms) {
		t.Add(model.TallyOf(model.MediaMix{Participants: m.ParticipantCount, Moderators: m.ModeratorCount,
			Voice: m.VoiceCount, Listeners: m.ListenerCount, Webcams: m.VideoCount}.WithDefaults()))
	}
	return t
}

// meetingLoad is the meetings and participants of a server's readable list.
func meetingLoad(ms []BBBMeeting) (meetings, participants int) {
	for _, m := range countedMeetings(ms) {
		meetings++
		participants += m.ParticipantCount
	}
	return meetings, participants
}
