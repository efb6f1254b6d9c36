// Package traceimport turns what BigBlueButton operators already record
// into Scalite meeting traces (model.Meeting with size curves): Prometheus
// series of greenstatic/bigbluebutton-exporter (reconstructed) and of
// b3scale (per meeting), and BBB's raw recording events.xml (per meeting,
// recorded meetings only). It also writes the exporters' series for a known
// trace as OpenMetrics (exposition.go), the fixture of its tests and a
// rehearsal for operators.
//
// # bigbluebutton-exporter: what is recovered and how
//
// The exporter (bbb-exporter/collector.py, one per BBB server, told apart
// by the instance label) reports per server, at every scrape, the number of
// meetings (bbb_meetings), their participant sum and maximum
// (bbb_meetings_participants, _max), webcams (bbb_meetings_video_participants),
// a gauge histogram of meeting sizes (bbb_room_participants_bucket, bounds
// 0,1,5,15,30,60,90,120,150,200,250,300,400,500,+Inf) and a counter of
// meeting IDs it had not seen at the previous scrape (bbb_unique_meetings,
// plus bbb_unique_breakout_rooms). It exports no meeting ID, so meetings
// are reconstructed per server, step by step on the query grid:
//
//   - Starts: the counters' increase is the number of meetings that
//     appeared (a fall means the exporter restarted and counted every
//     running meeting as new: that step uses the net change instead);
//     ends = previous meetings + starts - current meetings. Without the
//     counter, only the net change of bbb_meetings is known.
//   - Which meeting ended: one from the size class whose histogram count
//     fell, the oldest in it (first in, first out); new meetings go to the
//     classes whose count rose. Remaining class changes are size changes:
//     meetings keep their rank by size (the least movement that meets the
//     histogram).
//   - Sizes: the largest meeting gets bbb_meetings_participants_max;
//     new and re-classed meetings take the rest of
//     bbb_meetings_participants, within their class bounds, in proportion
//     to their room; only if they cannot, every meeting's size moves.
//   - Timing: a sample at t holds over [t-step/2, t+step/2), so a meeting
//     first seen at t began at t-step/2 and one last seen at t ended at
//     t+step/2; meetings open at the window's start begin there.
//
// So, exactly: the number of meetings (each meeting seen by one scrape is
// counted once), concurrent meetings and participants at every sample
// (hence the sampled peak), participant-minutes to within the half-step
// placement of starts and ends, the hourly profile. Inferred: which
// meeting is which (no IDs), so individual durations (first in, first out
// within a size class) and sizes (within the histogram's classes; exact
// when a class holds one meeting). Not recovered: meeting IDs, moderators
// (assumed one per meeting), recording (assumed not), tags, and meetings
// that begin and end between two scrapes (counted in the report, not in
// the trace); one meeting ending and another starting in the same class
// within one step cannot be told from one that ran on. Measured on a
// known week of school and university load on three servers (60 s
// scrapes): meeting count and sampled peak exact, participant-minutes
// within 0.01%, every busy hour of the weekly profile within 1%. The
// per-meeting inferences are rougher (Kolmogorov–Smirnov distance to the
// truth over four weeks on four servers, sizes / durations): university
// 0.07 / 0.09; school 0.23 / 0.00 (the meetings of an on-the-hour burst
// share one class, so their sizes come out alike); corporate 0.09 / 0.27
// (30- and 60-minute meetings of one size class are told apart only by
// first in, first out). Matching a lone end to the fall in participants
// was tried and made durations worse for two profiles of three.
//
// # b3scale
//
// b3scale (pkg/metrics/collector.go) exports per meeting
// b3scale_meeting_attendees{frontend,backend,type,meeting} (type audio:
// attendees without video, video: with) and b3scale_meeting_durations
// (seconds since creation, while running). The import is exact up to the
// scrape interval: start = sample time - duration, sizes = audio + video at
// every step, end = start + the last duration seen + step/2 (within half a
// scrape of the truth). A meeting ID that comes back after it ended
// (Greenlight rooms reuse IDs) is a new meeting, "ID~2".
//
// # events.xml
//
// A raw recording's events.xml gives one meeting exactly: creation time
// from its internal ID, participants from PARTICIPANT join and leave
// events, end at EndAndKickAllEvent. Only recorded meetings have one.
package traceimport
