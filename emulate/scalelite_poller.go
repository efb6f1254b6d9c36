package emulate

import (
	"context"
	"encoding/xml"
	"errors"
	"sort"
	"time"
)

// Poll runs one pass of `rake poll` (lib/tasks/poll.rake, task poll:all):
// poll:servers, poll:meetings and poll:versions, one server after the
// other (Scalelite runs them on a thread pool; the outcome is the same).
func (s *Scalelite) Poll() {
	ctx := context.Background()
	s.pollServers(ctx)
	s.pollMeetings(ctx)
	s.pollVersions(ctx)
}

// RunPoller polls every interval until ctx ends, as `rake poll[interval]`
// does (lib/tasks/poll.rake: 60 s by default; bin/start-poller passes
// POLL_INTERVAL, default 60).
func (s *Scalelite) RunPoller(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.Poll()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

type pollTarget struct{ id, url, secret string }

func (s *Scalelite) targets() []pollTarget {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []pollTarget
	for _, srv := range s.all() {
		out = append(out, pollTarget{srv.id, srv.url, srv.secret})
	}
	return out
}

// pollServers is poll:servers. For each server, getMeetings:
//   - answered: the unhealthy counter resets; an online server's load
//     becomes the meetings' load × load_multiplier; an offline one counts a
//     healthy poll and, at SERVER_HEALTHY_THRESHOLD, comes online with that
//     load; a cordoned server whose load is zero becomes disabled (which
//     drops its load, Server#save!).
//   - not answered (no connection, timeout, FAILED, no returncode): the
//     healthy counter resets; an online server counts an unhealthy poll
//     and, at SERVER_UNHEALTHY_THRESHOLD, is panicked: its meetings are
//     removed from Scalelite and ended on the server (errors ignored), it
//     goes offline with no load. Its state is kept.
func (s *Scalelite) pollServers(ctx context.Context) {
	for _, t := range s.targets() {
		body, err := s.getPostReq(ctx, t.url, t.secret, "getMeetings", nil)
		var res getMeetingsResult
		if err == nil {
			if xerr := xml.Unmarshal(body, &res); xerr != nil {
				err = xerr
			}
		}
		if err != nil {
			s.pollFailed(ctx, t)
			continue
		}
		s.mu.Lock()
		srv := s.servers[t.id]
		if srv == nil { // deleted meanwhile: save! raises, the poller logs
			s.mu.Unlock()
			continue
		}
		srv.unhealthy = 0
		load := s.meetingLoad(res.Meetings.Meetings) * srv.loadMultiplier
		if srv.online {
			srv.load = &load
		} else {
			srv.healthy++
			if srv.healthy < s.HealthyThreshold {
				s.mu.Unlock()
				continue
			}
			srv.healthy, srv.unhealthy = 0, 0
			srv.load = &load
			srv.online = true
		}
		if srv.state == "cordoned" && *srv.load == 0 {
			srv.setState("disabled")
		}
		srv.meetings, srv.users, srv.largestMeeting, srv.videos = len(res.Meetings.Meetings), 0, 0, 0
		for _, m := range res.Meetings.Meetings {
			srv.users += m.ParticipantCount
			srv.largestMeeting = max(srv.largestMeeting, m.ParticipantCount)
			srv.videos += m.VideoCount
		}
		srv.setState(srv.state) // save!: a disabled server keeps no load
		s.mu.Unlock()
	}
}

func (s *Scalelite) pollFailed(ctx context.Context, t pollTarget) {
	s.mu.Lock()
	srv := s.servers[t.id]
	if srv == nil {
		s.mu.Unlock()
		return
	}
	srv.healthy = 0
	if !srv.online {
		s.mu.Unlock()
		return
	}
	srv.unhealthy++
	if srv.unhealthy < s.UnhealthyThreshold {
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.endMeetings(ctx, t.id, false, false)
	s.mu.Lock()
	defer s.mu.Unlock()
	if srv := s.servers[t.id]; srv != nil {
		srv.healthy, srv.unhealthy = 0, 0
		srv.load = nil
		srv.online = false
		srv.meetings, srv.users, srv.largestMeeting, srv.videos = 0, 0, 0, 0
	}
}

// endMeetings removes Scalelite's meetings on a server and sends end for
// each (unless skipEnd), as the panics in poll.rake, servers.rake and
// servers_controller.rb do. strict stops at the first failed end and
// returns it (the API's panic_server has one rescue around the loop).
func (s *Scalelite) endMeetings(ctx context.Context, id string, skipEnd, strict bool) error {
	s.mu.Lock()
	srv := s.servers[id]
	if srv == nil {
		s.mu.Unlock()
		return errNoServer
	}
	url, secret := srv.url, srv.secret
	var ms []*lbMeeting
	for _, m := range s.lbMeetings {
		if m.serverID == id {
			ms = append(ms, m)
		}
	}
	s.mu.Unlock()
	sort.Slice(ms, func(i, j int) bool { return ms[i].id < ms[j].id })
	for _, m := range ms {
		s.mu.Lock()
		delete(s.lbMeetings, m.id)
		s.mu.Unlock()
		if skipEnd {
			continue
		}
		_, err := s.getPostReq(ctx, url, secret, "end", params{{key: "meetingID", value: m.id}, {key: "password", value: m.moderatorPW}})
		if err != nil && strict {
			return err
		}
	}
	return nil
}

var errNoServer = errors.New("no such server")

// panic disables a server after ending its meetings (panicServer,
// servers:panic); keepState leaves the state as it is.
func (s *Scalelite) panic(ctx context.Context, id string, keepState, skipEnd, strict bool) error {
	if err := s.endMeetings(ctx, id, skipEnd, strict); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	srv := s.servers[id]
	if srv == nil {
		return errNoServer
	}
	if !keepState {
		srv.setState("disabled")
	}
	return nil
}

// pollMeetings is poll:meetings: a meeting its server no longer knows
// (getMeetingInfo answers notFound) is removed from Scalelite; any other
// failure leaves it.
func (s *Scalelite) pollMeetings(ctx context.Context) {
	type target struct{ id, url, secret string }
	var ts []target
	s.mu.Lock()
	for _, m := range s.lbMeetings {
		if srv := s.servers[m.serverID]; srv != nil {
			ts = append(ts, target{m.id, srv.url, srv.secret})
		}
	}
	s.mu.Unlock()
	sort.Slice(ts, func(i, j int) bool { return ts[i].id < ts[j].id })
	for _, t := range ts {
		_, err := s.getPostReq(ctx, t.url, t.secret, "getMeetingInfo", params{{key: "meetingID", value: t.id}})
		if be, ok := isBBBError(err); ok && be.key == "notFound" {
			s.mu.Lock()
			delete(s.lbMeetings, t.id)
			s.mu.Unlock()
		}
	}
}

// pollVersions is poll:versions: bbbVersion from the API root.
func (s *Scalelite) pollVersions(ctx context.Context) {
	for _, t := range s.targets() {
		body, err := s.getPostReq(ctx, t.url, t.secret, "", nil)
		if err != nil {
			continue
		}
		var v versionResult
		if xml.Unmarshal(body, &v) != nil {
			continue
		}
		s.mu.Lock()
		if srv := s.servers[t.id]; srv != nil {
			srv.bbbVersion = v.BBBVersion
		}
		s.mu.Unlock()
	}
}
