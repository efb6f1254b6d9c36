package engine

import "github.com/scalite/scalite/model"

// NoticeKind is what AWS said about a spot instance.
type NoticeKind uint8

// Notice kinds.
const (
	// RebalanceRecommendation: the instance is at elevated risk of
	// interruption; no termination time is given.
	RebalanceRecommendation NoticeKind = iota + 1
	// InterruptionNotice: the two-minute warning, with a termination time.
	InterruptionNotice
)

func (k NoticeKind) String() string {
	switch k {
	case RebalanceRecommendation:
		return "rebalance"
	case InterruptionNotice:
		return "interruption"
	}
	return "notice(?)"
}

// Notice is one spot notice, times in seconds like the rest of the engine.
type Notice struct {
	Kind NoticeKind
	// At is when AWS gave the notice.
	At int64
	// TerminationAt is when AWS terminates the instance (interruptions).
	TerminationAt int64
}

// NoticeReaction is what the policy does about one notice: which steps, and
// from when. The simulator and the controller read it through Plan; the agent
// on the server itself carries out the steps (it is the first to know), and
// both come to the same decisions because both ask here.
type NoticeReaction struct {
	// GoingAway: the server's capacity no longer counts, so target
	// tracking launches its replacement.
	GoingAway bool
	// Cordon: stop new meetings on the server at once.
	Cordon bool
	// Report: tell the controller (live: the agent tags the instance).
	Report bool
	// SaveRecordings: hand the server's recordings on at once (live: the
	// agent runs live.recordings_hook), before AWS takes the disk.
	SaveRecordings bool
	// EndMeetings: end the server's meetings from EndMeetingsAt on, so users
	// rejoin a healthy server instead of waiting for their clients to time
	// out when the instance vanishes.
	EndMeetings   bool
	EndMeetingsAt int64
	// Deadline: after it the steps are moot (AWS has terminated the
	// instance); 0 = none (a rebalance recommendation has no deadline).
	Deadline int64
}

// ReactToNotice decides a notice's steps under the policy's drain section:
//   - an interruption notice always cordons, is reported, saves recordings,
//     and with drain.on_interruption: end-meetings ends the meetings
//     drain.end_meetings_before ahead of the termination time, which is the
//     deadline of every step;
//   - a rebalance recommendation is always reported; with
//     drain.on_rebalance: cordon it cordons and replaces, with replace it
//     replaces and keeps serving, with ignore the server stays counted.
func ReactToNotice(pol *model.Policy, n Notice) NoticeReaction {
	switch n.Kind {
	case InterruptionNotice:
		r := NoticeReaction{GoingAway: true, Cordon: true, Report: true, SaveRecordings: true, Deadline: n.TerminationAt}
		if pol.OnInterruption == model.InterruptionEndMeetings {
			r.EndMeetings = true
			r.EndMeetingsAt = n.TerminationAt - pol.EndMeetingsBefore
		}
		return r
	case RebalanceRecommendation:
		return NoticeReaction{
			GoingAway: pol.OnRebalance != model.RebalanceIgnore,
			Cordon:    pol.OnRebalance == model.RebalanceCordon,
			Report:    true,
		}
	}
	return NoticeReaction{}
}

// serverNotice is the notice that governs a server: an interruption always
// wins over a rebalance recommendation, whatever their order.
func serverNotice(s *Server) (Notice, bool) {
	switch {
	case s.Interruption:
		return Notice{Kind: InterruptionNotice, TerminationAt: s.TerminationAt}, true
	case s.Rebalance:
		return Notice{Kind: RebalanceRecommendation, At: s.RebalanceAt}, true
	}
	return Notice{}, false
}

// ReactToServer is the reaction to the notice that governs the server, and
// false when it has none.
func ReactToServer(pol *model.Policy, s *Server) (NoticeReaction, bool) {
	n, ok := serverNotice(s)
	if !ok {
		return NoticeReaction{}, false
	}
	return ReactToNotice(pol, n), true
}

// goingAway: the server is under a notice that takes it out of the count.
func goingAway(pol *model.Policy, s *Server) bool {
	if !s.Interruption && !s.Rebalance {
		return false // no notice
	}
	r, _ := ReactToServer(pol, s)
	return r.GoingAway
}
