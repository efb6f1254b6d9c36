package engine

import "strconv"

// retire terminates cordoned servers that have been empty, with no
// recording processing, for fleet.terminate_after_idle. Servers under an interruption
// notice are left to AWS: it will terminate them, and for free if it does
// so in their first hour.
func (p *Planner) retire(now int64, obs *Observation, st *State, out []Action) []Action {
	idle := 0
	for i := range obs.Servers {
		s := &obs.Servers[i]
		if s.State != Cordoned || s.Interruption || s.Held || s.External {
			continue
		}
		if s.Unreadable || s.Meetings > 0 || s.Participants > 0 || s.Recordings > 0 || enabledAgain(out, s.ID) {
			// Busy (as far as anyone knows, when unreadable). Most plans
			// have no idle timer at all: no key to hash then.
			if len(st.IdleSince) > 0 {
				delete(st.IdleSince, s.ID)
			}
			continue
		}
		idle++
		since, ok := st.IdleSince[s.ID]
		if !ok {
			st.IdleSince[s.ID] = now
			since = now
		}
		if now-since >= p.pol.TerminateAfterIdle {
			a := Action{Kind: Terminate, Server: s.ID}
			if !p.terse {
				a.Reason = retireReason(now - since)
			}
			out = append(out, a)
			delete(st.IdleSince, s.ID)
			idle--
		}
	}
	if len(st.IdleSince) > idle {
		// Some timers may belong to servers that are gone: keep only the
		// live ones, in place (a fresh map on every such plan was most of
		// the engine's allocations).
		for id := range st.IdleSince {
			if !hasServer(obs, id) {
				delete(st.IdleSince, id)
			}
		}
	}
	return out
}

func enabledAgain(out []Action, id string) bool {
	for i := range out {
		if out[i].Kind == Enable && out[i].Server == id {
			return true
		}
	}
	return false
}

func hasServer(obs *Observation, id string) bool {
	for i := range obs.Servers {
		if obs.Servers[i].ID == id {
			return true
		}
	}
	return false
}

// retireReason is fmt.Sprintf("cordoned, empty and no recording processing
// for %ds", idle), built without fmt.
func retireReason(idle int64) string {
	b := make([]byte, 0, 64)
	b = append(b, "cordoned, empty and no recording processing for "...)
	b = strconv.AppendInt(b, idle, 10)
	return string(append(b, 's'))
}
