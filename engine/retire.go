package engine

import "fmt"

// retire terminates cordoned servers that have been empty, with no
// recording processing, for the cooldown. Servers under an interruption
// notice are left to AWS: it will terminate them, and for free if it does
// so in their first hour.
func (p *Planner) retire(now int64, obs *Observation, st *State, out []Action) []Action {
	idle := 0
	for i := range obs.Servers {
		s := &obs.Servers[i]
		if s.State != Cordoned || s.Interruption || s.Held || s.External {
			continue
		}
		if s.Unreadable {
			// Busy as far as anyone knows.
			delete(st.IdleSince, s.ID)
			continue
		}
		if s.Meetings > 0 || s.Participants > 0 || s.Recordings > 0 || enabledAgain(out, s.ID) {
			delete(st.IdleSince, s.ID)
			continue
		}
		idle++
		since, ok := st.IdleSince[s.ID]
		if !ok {
			st.IdleSince[s.ID] = now
			since = now
		}
		if now-since >= p.pol.ScaleInCooldown {
			out = append(out, Action{Kind: Terminate, Server: s.ID, Reason: fmt.Sprintf("cordoned, empty and no recording processing for %ds", now-since)})
			delete(st.IdleSince, s.ID)
			idle--
		}
	}
	if len(st.IdleSince) > idle {
		// Some timers belong to servers that are gone: keep only the live ones.
		live := make(map[string]int64, idle)
		for i := range obs.Servers {
			if v, ok := st.IdleSince[obs.Servers[i].ID]; ok {
				live[obs.Servers[i].ID] = v
			}
		}
		st.IdleSince = live
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
