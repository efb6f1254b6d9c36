package sim

import (
	"cmp"
	"slices"

	"github.com/scalite/scalite/model"
)

// Scalelite: meetings start, change size and end; placement on the
// least loaded server as of the last poll; the poller.

func (w *world) meetingStart(i int32) {
	m := &w.o.Meetings[i]
	w.next++
	w.scheduleNextMeeting()
	mr := &w.meetings[i]
	mr.size = int32(m.Participants)
	mr.since = w.now
	mr.server = -1
	mr.mediaAt = w.now
	// The operator tags a meeting at create time from its expected size.
	mr.large = w.planner.IsLargeMeeting(m.PeakParticipants())
	w.res.MeetingsTotal++
	w.demand += int(mr.size)
	if mr.large {
		w.large += int(mr.size)
	}
	end := min(m.End, w.o.To)
	w.push(end, evMeetingEnd, i, 0)
	for ci, c := range m.Curve {
		if c.At > m.Start && c.At < end {
			w.push(c.At, evMeetingSize, i, int32(ci))
		} else if c.At <= m.Start {
			w.demandDelta(mr, int32(c.Participants)-mr.size)
			mr.size = int32(c.Participants)
		}
	}
	if w.o.Load != nil {
		w.loadStarted(i)
	}
	mr.uslot = -1
	w.setMode(i, modeRejected) // placeOrReject accounts from here
	w.placeOrReject(i)
}

func (w *world) demandDelta(mr *meetingRun, d int32) {
	w.demand += int(d)
	if mr.large {
		w.large += int(d)
	}
}

func (w *world) meetingSize(i, ci int32) {
	mr := &w.meetings[i]
	if mr.mode == modeDone {
		return
	}
	size := int32(w.o.Meetings[i].Curve[ci].Participants)
	w.account(mr)
	w.demandDelta(mr, size-mr.size)
	var before model.LoadTally
	if w.o.Load != nil {
		before = w.meetingTally(i)
	}
	if mr.mode == modeServed {
		in := &w.insts[mr.server]
		w.accountOverload(in)
		in.participants += int(size - mr.size)
		w.touch(mr.server)
		w.demandTouch(mr.server)
		if size > mr.size {
			in.loadInc += float64(size-mr.size) * in.mult
		}
	}
	mr.size = size
	if w.o.Load != nil {
		// The meeting's media change with its size, at its samples.
		mr.mediaAt = w.now
		after := w.meetingTally(i)
		w.demandTally.Sub(before)
		w.demandTally.Add(after)
		if mr.mode == modeServed {
			in := &w.insts[mr.server]
			in.tally.Sub(before)
			in.tally.Add(after)
		}
	}
}

// place finds a server as Scalelite does: the enabled server with the
// lowest load (as of the last poll, plus one per create or join since);
// a tagged meeting prefers servers with its tag and falls back to untagged
// ones; an untagged meeting takes only untagged servers.
func (w *world) place(mr *meetingRun) int32 {
	wantTag := ""
	if mr.large {
		wantTag = model.LargeMeetingTag
	}
	best, fallback := int32(-1), int32(-1)
	var bestLoad, fbLoad float64
	candidates := w.enabled
	if !enabledList {
		candidates = w.live
	}
	for _, idx := range candidates {
		in := &w.insts[idx]
		if in.state != stEnabled || w.polls < in.firstPoll {
			continue
		}
		load := in.polledLoad + in.loadInc
		switch in.tag {
		case wantTag:
			if best < 0 || load < bestLoad {
				best, bestLoad = idx, load
			}
		case "":
			if fallback < 0 || load < fbLoad {
				fallback, fbLoad = idx, load
			}
		}
	}
	if best < 0 {
		return fallback
	}
	return best
}

// enabledList: placement looks only at the enabled servers, kept in
// world.enabled; off only in tests that compare with scanning them all.
var enabledList = true

// setState moves an instance to a state, keeping world.enabled: the
// enabled servers in launch order, the order of world.live, so that
// placement, which takes the first of equally loaded servers, picks as a
// scan of every live server would.
func (w *world) setState(idx int32, s instState) {
	in := &w.insts[idx]
	switch {
	case s == stEnabled && in.state != stEnabled:
		k, _ := slices.BinarySearchFunc(w.enabled, in.seq, func(e int32, seq int) int { return cmp.Compare(w.insts[e].seq, seq) })
		w.enabled = slices.Insert(w.enabled, k, idx)
	case s != stEnabled && in.state == stEnabled:
		if k := slices.Index(w.enabled, idx); k >= 0 {
			w.enabled = slices.Delete(w.enabled, k, k+1)
		}
	}
	in.state = s
}

// placeOrReject (re-)creates a meeting; with no server, users retry after
// the rejoin delay and the minutes in between are rejected.
func (w *world) placeOrReject(i int32) {
	mr := &w.meetings[i]
	w.account(mr)
	s := w.place(mr)
	if s < 0 {
		if !mr.rejected {
			mr.rejected = true
			w.res.ParticipantsRejected += int(mr.size)
		}
		w.setMode(i, modeRejected)
		w.push(w.now+max(w.o.RejoinDelay, 1), evRejoin, i, mr.episode)
		return
	}
	in := &w.insts[s]
	w.accountOverload(in)
	w.setMode(i, modeServed)
	mr.server = s
	mr.slot = int32(len(in.meetings))
	mr.created = w.now
	w.noteCreate(i)
	mr.rejected = false
	in.meetings = append(in.meetings, i)
	w.touch(s)
	w.demandTouch(s)
	in.participants += int(mr.size)
	if w.o.Load != nil {
		in.tally.Add(w.meetingTally(i))
	}
	in.loadInc += in.mult // the create
	w.scheduleJoin(i, mr.episode)
}

// detach takes a meeting off its server.
func (w *world) detach(i int32) *instance {
	mr := &w.meetings[i]
	in := &w.insts[mr.server]
	w.accountOverload(in)
	last := in.meetings[len(in.meetings)-1]
	in.meetings[mr.slot] = last
	w.meetings[last].slot = mr.slot
	in.meetings = in.meetings[:len(in.meetings)-1]
	w.touch(mr.server)
	w.demandTouch(mr.server)
	in.participants -= int(mr.size)
	if w.o.Load != nil {
		in.tally.Sub(w.meetingTally(i))
	}
	mr.server = -1
	return in
}

func (w *world) meetingEnd(i int32) {
	mr := &w.meetings[i]
	m := &w.o.Meetings[i]
	w.account(mr)
	if mr.mode == modeServed {
		server := mr.server
		in := w.detach(i)
		if m.Recorded && w.o.RecordingProcessing > 0 {
			// Processing runs on the meeting's server: its raw files are there.
			in.recordings++
			w.push(w.now+int64(float64(m.Duration())*w.o.RecordingProcessing)+1, evRecordingDone, server, in.gen)
		}
	}
	w.demandDelta(mr, -mr.size)
	if w.o.Load != nil {
		w.demandTally.Sub(w.meetingTally(i))
	}
	w.setMode(i, modeDone)
	mr.episode++
}

// disrupt ends a meeting on a dying server; its users rejoin after delay.
func (w *world) disrupt(i int32, delay int64) {
	mr := &w.meetings[i]
	w.account(mr)
	w.detach(i)
	if w.o.Meetings[i].Recorded {
		w.res.RecordingsLost++
	}
	if !mr.disrupted {
		mr.disrupted = true
		w.res.MeetingsDisrupted++
	}
	w.res.ParticipantsDisrupted += int(mr.size)
	w.setMode(i, modeDisrupted)
	mr.episode++
	w.push(w.now+max(delay, 1), evRejoin, i, mr.episode)
}

// poll refreshes every server's load as Scalelite's poller does. Only the
// servers touched since the last poll can have a new load (ticks.go); the
// others are left as they are, which is what polling them would give.
func (w *world) poll() {
	if carryOutEveryTick {
		w.pollQueue = w.pollQueue[:0]
		for _, idx := range w.live {
			w.pollServer(idx)
		}
		return
	}
	for _, idx := range w.pollQueue {
		if w.insts[idx].state != stGone {
			w.pollServer(idx)
		}
		w.insts[idx].pollMark = false
	}
	w.pollQueue = w.pollQueue[:0]
}

// pollServer is the poller's reading of one server.
func (w *world) pollServer(idx int32) {
	o := w.o
	in := &w.insts[idx]
	in.pollMark = false
	load := 0
	for _, mi := range in.meetings {
		mr := &w.meetings[mi]
		// Scalelite counts participants and moderators together, and a
		// meeting younger than the join buffer as at least the minimum:
		// [participantCount + moderatorCount, load_min_user_count].max
		// (blindsidenetworks/scalelite lib/tasks/poll.rake).
		n := int(mr.size) + o.Meetings[mi].Moderators
		if w.now-mr.created < o.LoadJoinBufferTime && n < o.LoadMinUserCount {
			n = o.LoadMinUserCount
		}
		load += n
	}
	in.polledLoad = float64(load) * in.mult
	in.loadInc = 0
}

// touch marks a server whose load the next poll must read again: its
// meetings, their sizes, or the creates and joins since the last poll
// changed.
func (w *world) touch(idx int32) {
	if in := &w.insts[idx]; !in.pollMark {
		in.pollMark = true
		w.pollQueue = append(w.pollQueue, idx)
	}
}
