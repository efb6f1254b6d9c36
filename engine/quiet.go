package engine

import "math"

// Never is QuietUntil's answer when no rule of the plan waits on the clock.
const Never = int64(math.MaxInt64)

// QuietUntil is the earliest time from which Plan, given the same
// observation, could decide differently than it just did at now. Call it
// right after a Plan at now that returned no actions, with the state that
// Plan left: until the time it returns, Plan on an unchanged observation
// returns no actions and leaves st as it is, so a caller that knows the
// observation did not change (the simulator, between events) may skip
// those plans and get the very same results.
//
// Every rule of Plan that compares now against a time is listed here, and
// TestQuietUntilPlansNothingBefore checks the promise on random fleets:
//   - pre-warming learns the demand in the current 15-minute bucket of the
//     week and predicts over [now, now+lead]: both move at bucket starts;
//   - a server not booted within fleet.boot_timeout is replaced, and an
//     offline server counts only within it;
//   - meetings end drain.end_meetings_before the interruption;
//   - scale-in waits fleet.scale_in_cooldown after the last scale-out;
//   - a cordoned, empty server is retired after fleet.terminate_after_idle;
//   - a spot pool or an on-demand zone that had no capacity is avoided
//     until its time;
//   - a timetable's scheduled change enters the pre-warming lead or
//     passes now (timetableQuietUntil).
func (p *Planner) QuietUntil(now int64, obs *Observation, st *State) int64 {
	pol := &p.pol
	until := Never
	at := func(t int64) {
		if t > now && t < until {
			until = t
		}
	}
	if pol.PreWarm {
		at(nextBucketStart(now))
		lead := pol.PreWarmLead + pol.LaunchToRunning + pol.BootTime
		at(nextBucketStart(now+lead) - lead)
	}
	for i := range obs.Servers {
		s := &obs.Servers[i]
		if s.Held || s.External {
			continue
		}
		if pol.BootTimeout > 0 && (s.State == Pending || s.State == Booting || s.State == Offline) {
			at(s.LaunchedAt + pol.BootTimeout)
		}
		if react, _ := ReactToServer(pol, s); react.EndMeetings && !s.MeetingsEnded && s.Meetings > 0 {
			at(react.EndMeetingsAt)
		}
		if s.State == Cordoned && !s.Interruption && !s.Unreadable {
			if since, ok := st.IdleSince[s.ID]; ok {
				at(since + pol.TerminateAfterIdle)
			}
		}
	}
	at(st.LastScaleOut + pol.ScaleInCooldown)
	at(p.timetableQuietUntil(now))
	for i := range obs.Pools {
		at(obs.Pools[i].UnavailableUntil)
	}
	for _, t := range obs.OnDemandUnavailableUntil {
		at(t)
	}
	return until
}

// nextBucketStart is the start of the 15-minute bucket of the week after
// the one holding t.
func nextBucketStart(t int64) int64 {
	rel := t - mondayEpoch
	off := rel % bucketSeconds
	if off < 0 {
		off += bucketSeconds
	}
	return t - off + bucketSeconds
}
