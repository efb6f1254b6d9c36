package emulate

import (
	"context"
	"fmt"
	"strings"
)

// Rake runs an operator's task as lib/tasks/servers.rake does, with the
// task's positional arguments:
//
//	servers:add[url,secret,load_multiplier,tag]  a disabled, offline server
//	servers:enable[id]  servers:cordon[id]
//	servers:disable[id,confirm]  a server with load asks for "yes" on stdin
//	    (confirm); without it nothing changes and the task still says OK
//	servers:panic[id,keep_state,skip_end_calls]  any given keep_state or
//	    skip_end_calls counts as true (rake passes strings: "false" is true)
//	servers:remove[id]
//	servers:loadMultiplier[id,load_multiplier]  servers:tag[id,tag]
//	poll  one poll:all
//
// An unknown server is the task's "ERROR: No server found with id: ID".
func (s *Scalelite) Rake(task string, args ...string) error {
	arg := func(i int) (string, bool) {
		if i < len(args) {
			return args[i], true
		}
		return "", false
	}
	id, _ := arg(0)
	ctx := context.Background()
	notFound := fmt.Errorf("%s: ERROR: No server found with id: %s", task, id)
	switch task {
	case "poll", "poll:all":
		s.Poll()
		return nil
	case "servers:add":
		url, okURL := arg(0)
		secret, okSecret := arg(1)
		if !okURL || !okSecret {
			return fmt.Errorf("%s: Error: Please input at least a URL and a secret!", task)
		}
		if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
			return fmt.Errorf("%s: Error: Server URL must start with http:// or https://", task)
		}
		mult := 1.0
		if v, ok := arg(2); ok {
			if mult = toD(v); mult == 0 {
				mult = 1 // "WARNING! Load-multiplier was not readable or 0, so it is now 1"
			}
		}
		tag, _ := arg(3)
		s.mu.Lock()
		srv := &server{id: s.newID(), url: url, secret: secret, tag: strings.TrimSpace(tag), state: "disabled", loadMultiplier: mult}
		s.servers[srv.id] = srv
		s.order = append(s.order, srv.id)
		s.mu.Unlock()
		return nil
	}
	s.mu.Lock()
	srv := s.servers[id]
	s.mu.Unlock()
	if srv == nil {
		return notFound
	}
	switch task {
	case "servers:enable", "servers:cordon":
		s.mu.Lock()
		srv.setState(map[string]string{"servers:enable": "enabled", "servers:cordon": "cordoned"}[task])
		s.mu.Unlock()
	case "servers:disable":
		s.mu.Lock()
		loaded := srv.load != nil && *srv.load > 0
		s.mu.Unlock()
		if loaded {
			if confirm, _ := arg(1); !strings.EqualFold(confirm, "yes") {
				return nil
			}
			s.endMeetings(ctx, id, false, false)
		}
		s.mu.Lock()
		srv.setState("disabled")
		s.mu.Unlock()
	case "servers:panic":
		_, keep := arg(1)
		_, skipEnd := arg(2)
		if err := s.panic(ctx, id, keep, skipEnd, false); err != nil {
			return fmt.Errorf("%s: ERROR: Failed to panic server %s - %w", task, id, err)
		}
	case "servers:remove":
		s.mu.Lock()
		s.remove(id)
		s.mu.Unlock()
	case "servers:loadMultiplier":
		mult := 1.0
		if v, ok := arg(1); ok {
			if mult = toD(v); mult == 0 {
				mult = 1
			}
		}
		s.mu.Lock()
		srv.loadMultiplier = mult
		s.mu.Unlock()
	case "servers:tag":
		tag, _ := arg(1)
		s.mu.Lock()
		srv.tag = strings.TrimSpace(tag)
		s.mu.Unlock()
	default:
		return fmt.Errorf("rake: unknown task %q", task)
	}
	return nil
}
