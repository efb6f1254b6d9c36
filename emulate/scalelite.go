package emulate

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/scalite/scalite/live"
)

// Scalelite emulates a Scalelite load balancer's server API and the BBB
// API of the servers behind it. Servers are created disabled, as Scalelite
// does; states are enabled, cordoned and disabled.
type Scalelite struct {
	secret string
	// Algorithms the emulator accepts, as LOADBALANCER_CHECKSUM_ALGORITHM.
	Allowed []string

	mu       sync.Mutex
	servers  map[string]*emuServer
	next     int
	meetings map[string][]live.BBBMeeting // by BBB API URL
	secrets  map[string]string            // BBB API URL -> its secret
	ended    []string

	// BBBSecret, when set, is the secret of every BBB server under /bbb/NAME/
	// that was not registered otherwise, and BBBReady says whether server
	// NAME's BBB answers yet (booted); nil means always.
	BBBSecret string
	BBBReady  func(name string) bool
}

type emuServer struct {
	live.ScaleliteServer
}

// NewScalelite returns an emulator with the load balancer's secret.
func NewScalelite(secret string) *Scalelite {
	return &Scalelite{secret: secret, Allowed: []string{"sha1", "sha256", "sha512"}, servers: map[string]*emuServer{},
		meetings: map[string][]live.BBBMeeting{}, secrets: map[string]string{}}
}

// stripChecksum removes the checksum parameter from a raw query, keeping
// the rest as sent: the checksum covers the query string as the client
// wrote it.
func stripChecksum(raw string) (query, sum string) {
	var keep []string
	for _, p := range strings.Split(raw, "&") {
		if v, ok := strings.CutPrefix(p, "checksum="); ok {
			sum = v
			continue
		}
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, "&"), sum
}

func (s *Scalelite) verify(call, raw, secret string) bool {
	q, sum := stripChecksum(raw)
	algo := live.ChecksumAlgo(sum)
	ok := false
	for _, a := range s.Allowed {
		ok = ok || a == algo
	}
	return ok && sum != "" && live.Checksum(algo, call, q, secret) == sum
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// ServeHTTP answers /scalelite/api/ACTION, /bigbluebutton/api/CALL (the
// whole fleet, Scalelite's secret) and /bbb/NAME/bigbluebutton/api/CALL
// (one emulated BBB server, its own secret).
func (s *Scalelite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/scalelite/api/"):
		s.serverAPI(w, r, strings.TrimPrefix(p, "/scalelite/api/"))
	case strings.HasPrefix(p, "/bigbluebutton/api/"):
		s.bbbAPI(w, r, "", strings.TrimPrefix(p, "/bigbluebutton/api/"))
	case strings.HasPrefix(p, "/bbb/"):
		rest := strings.TrimPrefix(p, "/bbb/")
		name, call, ok := strings.Cut(rest, "/bigbluebutton/api/")
		if !ok {
			http.NotFound(w, r)
			return
		}
		u := s.bbbURL(r, name)
		s.mu.Lock()
		if _, known := s.secrets[u]; !known && s.BBBSecret != "" {
			if s.BBBReady != nil && !s.BBBReady(name) {
				s.mu.Unlock()
				http.Error(w, "BBB is not up yet", http.StatusBadGateway)
				return
			}
			s.secrets[u] = s.BBBSecret
		}
		s.mu.Unlock()
		s.bbbAPI(w, r, u, call)
	default:
		http.NotFound(w, r)
	}
}

func (s *Scalelite) bbbURL(r *http.Request, name string) string {
	return "http://" + r.Host + "/bbb/" + name + "/bigbluebutton/api"
}

func (s *Scalelite) serverAPI(w http.ResponseWriter, r *http.Request, action string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.verify(action, r.URL.RawQuery, s.secret) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "checksumError: Checksums do not match"})
		return
	}
	var body struct {
		ID     string `json:"id"`
		Server struct {
			URL            string   `json:"url"`
			Secret         string   `json:"secret"`
			State          string   `json:"state"`
			Tag            *string  `json:"tag"`
			LoadMultiplier *float64 `json:"load_multiplier"`
		} `json:"server"`
	}
	if r.Method == http.MethodPost {
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad JSON body: " + err.Error()})
			return
		}
	}
	find := func(id string) *emuServer {
		srv, ok := s.servers[id]
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("Couldn't find server with id=%s", id)})
		}
		return srv
	}
	switch action {
	case "getServers":
		out := []live.ScaleliteServer{}
		for _, id := range s.ids() {
			out = append(out, s.view(s.servers[id]))
		}
		writeJSON(w, http.StatusOK, out)
	case "getServerInfo":
		if srv := find(r.URL.Query().Get("id")); srv != nil {
			writeJSON(w, http.StatusOK, s.view(srv))
		}
	case "addServer":
		if body.Server.URL == "" || body.Server.Secret == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Server needs a URL and a secret"})
			return
		}
		s.next++
		srv := &emuServer{live.ScaleliteServer{ID: fmt.Sprintf("emu-%04d", s.next), URL: body.Server.URL, Secret: body.Server.Secret, State: "disabled", Online: "online"}}
		if body.Server.Tag != nil {
			srv.Tag = *body.Server.Tag
		}
		s.servers[srv.ID] = srv
		s.secrets[strings.TrimRight(srv.URL, "/")] = srv.Secret
		writeJSON(w, http.StatusCreated, s.view(srv))
	case "updateServer":
		srv := find(body.ID)
		if srv == nil {
			return
		}
		switch body.Server.State {
		case "enable":
			srv.State = "enabled"
		case "cordon":
			srv.State = "cordoned"
		case "disable":
			srv.State = "disabled"
		case "":
		default:
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Invalid state: " + body.Server.State})
			return
		}
		if body.Server.Tag != nil {
			srv.Tag = *body.Server.Tag
		}
		writeJSON(w, http.StatusOK, s.view(srv))
	case "deleteServer":
		if srv := find(body.ID); srv != nil {
			delete(s.servers, srv.ID)
			writeJSON(w, http.StatusOK, map[string]bool{"success": true})
		}
	case "panicServer":
		if srv := find(body.ID); srv != nil {
			delete(s.meetings, strings.TrimRight(srv.URL, "/"))
			srv.State = "disabled"
			writeJSON(w, http.StatusOK, s.view(srv))
		}
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown action " + action})
	}
}

func (s *Scalelite) ids() []string {
	ids := make([]string, 0, len(s.servers))
	for id := range s.servers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// view is a server as getServers shows it; its load is that of its meetings.
func (s *Scalelite) view(srv *emuServer) live.ScaleliteServer {
	v := srv.ScaleliteServer
	load := 0
	for _, m := range s.meetings[strings.TrimRight(srv.URL, "/")] {
		load += m.ParticipantCount + m.ModeratorCount
	}
	v.Load = json.RawMessage(fmt.Sprint(load))
	v.LoadMultiplier = json.RawMessage("1.0")
	return v
}

type xmlMeetings struct {
	XMLName    xml.Name          `xml:"response"`
	ReturnCode string            `xml:"returncode"`
	Meetings   []live.BBBMeeting `xml:"meetings>meeting"`
	MessageKey string            `xml:"messageKey,omitempty"`
	Message    string            `xml:"message,omitempty"`
}

func (s *Scalelite) bbbAPI(w http.ResponseWriter, r *http.Request, server, call string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	secret := s.secret
	if server != "" {
		var ok bool
		if secret, ok = s.secrets[server]; !ok {
			http.NotFound(w, r)
			return
		}
	}
	w.Header().Set("Content-Type", "text/xml")
	if !s.verify(call, r.URL.RawQuery, secret) {
		xml.NewEncoder(w).Encode(xmlMeetings{ReturnCode: "FAILED", MessageKey: "checksumError", Message: "Checksums do not match"})
		return
	}
	switch call {
	case "getMeetings":
		out := xmlMeetings{ReturnCode: "SUCCESS", Meetings: []live.BBBMeeting{}}
		if server != "" {
			out.Meetings = append(out.Meetings, s.meetings[server]...)
		} else {
			for _, id := range s.ids() {
				out.Meetings = append(out.Meetings, s.meetings[strings.TrimRight(s.servers[id].URL, "/")]...)
			}
		}
		xml.NewEncoder(w).Encode(out)
	case "end":
		id := r.URL.Query().Get("meetingID")
		ms := s.meetings[server]
		for i, m := range ms {
			if m.MeetingID == id {
				s.meetings[server] = append(ms[:i:i], ms[i+1:]...)
				s.ended = append(s.ended, id)
				xml.NewEncoder(w).Encode(xmlMeetings{ReturnCode: "SUCCESS", MessageKey: "sentEndMeetingRequest"})
				return
			}
		}
		xml.NewEncoder(w).Encode(xmlMeetings{ReturnCode: "FAILED", MessageKey: "notFound"})
	default:
		xml.NewEncoder(w).Encode(xmlMeetings{ReturnCode: "FAILED", MessageKey: "unsupportedRequest"})
	}
}

// BBBServer registers an emulated BBB server reachable under base (the
// emulator's URL) and returns its API URL and secret.
func (s *Scalelite) BBBServer(base, name string) (apiURL, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	apiURL = strings.TrimRight(base, "/") + "/bbb/" + url.PathEscape(name) + "/bigbluebutton/api"
	secret = fmt.Sprintf("bbb-secret-%s", name)
	s.secrets[apiURL] = secret
	return apiURL, secret
}

// SetMeetings replaces the meetings running on a BBB server.
func (s *Scalelite) SetMeetings(apiURL string, ms []live.BBBMeeting) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.meetings[strings.TrimRight(apiURL, "/")] = append([]live.BBBMeeting(nil), ms...)
}

// Ended lists the meetings ended through the API.
func (s *Scalelite) Ended() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ended...)
}

// Meetings returns the meetings running on a BBB server.
func (s *Scalelite) Meetings(apiURL string) []live.BBBMeeting {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]live.BBBMeeting(nil), s.meetings[strings.TrimRight(apiURL, "/")]...)
}

// State returns a server's state by its BBB URL ("" when not registered).
func (s *Scalelite) State(apiURL string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, srv := range s.servers {
		if strings.TrimRight(srv.URL, "/") == strings.TrimRight(apiURL, "/") {
			return srv.State
		}
	}
	return ""
}

// Demand keeps n participants in meetings of size per meeting on the
// enabled servers, placing new meetings as Scalelite does (lowest load) and
// ending the smallest first when demand falls: enough load for an operator
// to watch a controller scale. Call it periodically.
func (s *Scalelite) Demand(n, size int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := 0
	for _, id := range s.ids() {
		for _, m := range s.meetings[strings.TrimRight(s.servers[id].URL, "/")] {
			total += m.ParticipantCount
		}
	}
	for total+size <= n {
		best, bestLoad := "", 0
		for _, id := range s.ids() {
			srv := s.servers[id]
			if srv.State != "enabled" {
				continue
			}
			load := 0
			for _, m := range s.meetings[strings.TrimRight(srv.URL, "/")] {
				load += m.ParticipantCount
			}
			if best == "" || load < bestLoad {
				best, bestLoad = strings.TrimRight(srv.URL, "/"), load
			}
		}
		if best == "" {
			return
		}
		s.next++
		id := fmt.Sprintf("emu-meeting-%d", s.next)
		s.meetings[best] = append(s.meetings[best], live.BBBMeeting{MeetingID: id, InternalMeetingID: id, Running: true, ParticipantCount: size, ModeratorCount: 1})
		total += size
	}
	for total > n {
		ended := false
		for _, id := range s.ids() {
			u := strings.TrimRight(s.servers[id].URL, "/")
			if ms := s.meetings[u]; len(ms) > 0 && total > n {
				total -= ms[len(ms)-1].ParticipantCount
				s.meetings[u] = ms[:len(ms)-1]
				ended = true
			}
		}
		if !ended {
			return
		}
	}
}

// Register adds a server in a given state (enabled, cordoned, disabled)
// without going through the API, for setting up a fleet.
func (s *Scalelite) Register(apiURL, secret, state, tag string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	srv := &emuServer{live.ScaleliteServer{ID: fmt.Sprintf("emu-%04d", s.next), URL: apiURL, Secret: secret, State: state, Tag: tag, Online: "online"}}
	s.servers[srv.ID] = srv
	s.secrets[strings.TrimRight(apiURL, "/")] = secret
	return srv.ID
}
