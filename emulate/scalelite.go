package emulate

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Scalelite emulates a Scalelite load balancer (blindsidenetworks/scalelite)
// and the BigBlueButton servers behind it, on one http.Handler:
//
//   - /scalelite/api/ACTION: the server API (app/controllers/api/servers_controller.rb);
//   - /bigbluebutton/api/CALL: BigBlueButton's API through the load balancer
//     (app/controllers/bigbluebutton_api_controller.rb);
//   - /bbb/NAME/bigbluebutton/api/CALL: one emulated BBB server, its own secret.
//
// Servers live in the emulator's memory as Scalelite keeps them in Redis
// (app/models/server.rb): a state (enabled, cordoned, disabled), an online
// flag, and a load that exists only for enabled or cordoned servers and is
// set by the poller (lib/tasks/poll.rake): call Poll, or RunPoller, as
// Scalelite runs `rake poll`. Without polls a new server stays offline, with
// no load, and takes no meetings.
type Scalelite struct {
	secret string
	// Allowed is LOADBALANCER_CHECKSUM_ALGORITHM split at ":"
	// (config/application.rb). nil = unset: SHA1, SHA256 and SHA512 are
	// accepted and Scalelite signs its own calls to BBB with SHA256
	// (api_helper.rb checksum_algorithm). The emulator matches names in
	// any case; Scalelite compares them exactly (include?), so a
	// lower-case "sha256" there refuses every checksum.
	Allowed []string
	// BBBSecret, when set, is the secret of every BBB server under
	// /bbb/NAME/ not declared otherwise; BBBReady says whether server NAME
	// answers yet (has booted); nil means always.
	BBBSecret string
	BBBReady  func(name string) bool
	// Clock is the emulator's time (default time.Now): meeting ages for
	// the poller's load, createTime of new meetings.
	Clock func() time.Time
	// ResponseTimeout bounds each call Scalelite makes to a BBB server
	// (RESPONSE_TIMEOUT, default 10 s, config/application.rb). Scalelite
	// also bounds the connection (CONNECT_TIMEOUT, 5 s) and shortens both
	// to about 1 s for a meeting call to an offline server (api_helper.rb
	// bbb_req_timeout); the emulator does not.
	ResponseTimeout time.Duration
	// HealthyThreshold and UnhealthyThreshold are SERVER_HEALTHY_THRESHOLD
	// (1) and SERVER_UNHEALTHY_THRESHOLD (2): successful polls that bring an
	// offline server online, failed polls that panic an online one.
	HealthyThreshold, UnhealthyThreshold int
	// LoadMinUserCount and LoadJoinBufferTime are LOAD_MIN_USER_COUNT (15)
	// and LOAD_JOIN_BUFFER_TIME (15 min): a meeting younger than the buffer
	// counts at least that many users in a server's load.
	LoadMinUserCount   int
	LoadJoinBufferTime time.Duration
	// GetMeetingsAPIDisabled is GET_MEETINGS_API_DISABLED=true
	// (config/routes.rb): getMeetings answers "no meetings", unchecked.
	GetMeetingsAPIDisabled bool
	// HTTPClient carries Scalelite's calls to BBB servers. nil: calls go
	// in process to the emulated servers (an unknown, unbooted or down
	// server refuses the connection).
	HTTPClient *http.Client

	mu         sync.Mutex
	servers    map[string]*server
	order      []string // server IDs in creation order
	lbMeetings map[string]*lbMeeting
	nextID     int

	bbbMu   sync.Mutex
	doubles map[string]*bbbDouble
	ended   []string
}

// server is one BBB server as Scalelite stores it (app/models/server.rb:
// hash server:{id}, sets server_enabled, server_load, cordoned_server_load).
type server struct {
	id, url, secret, tag, bbbVersion, state string
	// load is the server's score in server_load (enabled) or
	// cordoned_server_load (cordoned); nil when in neither ("unavailable").
	load           *float64
	loadMultiplier float64
	online         bool
	healthy        int
	unhealthy      int
	meetings       int
	users          int
	largestMeeting int
	videos         int
}

// lbMeeting is Scalelite's record of a meeting it placed
// (app/models/meeting.rb): the meeting's server, moderator password and
// voice bridge.
type lbMeeting struct {
	id, serverID, moderatorPW, voiceBridge string
}

// setState changes the state as Server#save! does: a disabled server has
// no load; a cordoned or re-enabled server keeps the load it had (the
// score moves between server_load and cordoned_server_load), and a
// disabled server enabled again has none until the next poll.
func (srv *server) setState(state string) {
	srv.state = state
	if state == "disabled" {
		srv.load = nil
	}
}

// available says whether the server is in server_load: enabled, with a
// load (Server.find_available reads only that set).
func (srv *server) available() bool { return srv.state == "enabled" && srv.load != nil }

// NewScalelite returns an emulator with the load balancer's secret
// (LOADBALANCER_SECRET) and Scalelite's default settings.
func NewScalelite(secret string) *Scalelite {
	return &Scalelite{secret: secret, Clock: time.Now, ResponseTimeout: 10 * time.Second,
		HealthyThreshold: 1, UnhealthyThreshold: 2, LoadMinUserCount: 15, LoadJoinBufferTime: 15 * time.Minute,
		servers: map[string]*server{}, lbMeetings: map[string]*lbMeeting{}, doubles: map[string]*bbbDouble{}}
}

func (s *Scalelite) clock() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock()
}

// acceptsAlgorithm is the allowed_checksum_algorithms check of verify_checksum.
func (s *Scalelite) acceptsAlgorithm(algo string) bool {
	allowed := s.Allowed
	if allowed == nil {
		allowed = []string{"SHA1", "SHA256", "SHA512"}
	}
	return slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, algo) })
}

// signingAlgorithm is api_helper.rb checksum_algorithm: SHA256 when
// LOADBALANCER_CHECKSUM_ALGORITHM is unset, else the strongest allowed.
func (s *Scalelite) signingAlgorithm() string {
	if s.Allowed == nil {
		return "SHA256"
	}
	for _, a := range []string{"SHA512", "SHA256"} {
		if s.acceptsAlgorithm(a) {
			return a
		}
	}
	return "SHA1"
}

// newID makes a server ID. Scalelite uses SecureRandom.uuid (Server#save!);
// the emulator counts, in the same form, so runs are reproducible.
func (s *Scalelite) newID() string {
	s.nextID++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", s.nextID)
}

// byURL finds a server by its BBB API URL. Holds mu.
func (s *Scalelite) byURL(apiURL string) *server {
	want := strings.TrimRight(apiURL, "/")
	for _, id := range s.order {
		if srv := s.servers[id]; strings.TrimRight(srv.url, "/") == want {
			return srv
		}
	}
	return nil
}

// all is Server.all (app/models/server.rb), which reads SMEMBERS servers:
// Redis gives no order, so the emulator answers in creation order, one
// order Redis may give, to keep runs reproducible. Holds mu.
func (s *Scalelite) all() []*server {
	out := make([]*server, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.servers[id])
	}
	return out
}

func (s *Scalelite) remove(id string) {
	delete(s.servers, id)
	s.order = slices.DeleteFunc(s.order, func(x string) bool { return x == id })
}

// ServeHTTP routes as config/routes.rb does: a known path with a method it
// was not declared for falls through to `match '*any'`, which answers
// unsupportedRequest (app/controllers/errors_controller.rb) with HTTP 200.
func (s *Scalelite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimRight(r.URL.Path, "/")
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet // Rails routes GET routes for HEAD too
	}
	switch {
	case strings.HasPrefix(path, "/bbb/"):
		s.serveBBB(w, r, bbbKey(r.URL.Path))
	case path == "/bigbluebutton/api" && (method == http.MethodGet || method == http.MethodPost):
		// bigbluebutton_api#index: no checksum.
		writeXML(w, versionResult{ReturnCode: "SUCCESS", Version: "2.0"})
	case strings.HasPrefix(path, "/bigbluebutton/api/"):
		call := strings.TrimPrefix(path, "/bigbluebutton/api/")
		methods, ok := lbBBBRoutes[call]
		if !ok || !slices.Contains(methods, method) {
			writeFailed(w, "unsupportedRequest", "This request is not supported.")
			return
		}
		s.serveLBBBB(w, r, call)
	case strings.HasPrefix(path, "/scalelite/api/"):
		action := strings.TrimPrefix(path, "/scalelite/api/")
		m, ok := serverAPIRoutes[action]
		if !ok || m != method {
			writeFailed(w, "unsupportedRequest", "This request is not supported.")
			return
		}
		s.serveServerAPI(w, r, action)
	case path == "" || path == "/health_check":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("success")) // health_check_controller.rb
	default:
		writeFailed(w, "unsupportedRequest", "This request is not supported.")
	}
}

// lbBBBRoutes are the BigBlueButton calls Scalelite routes (config/routes.rb
// scope 'bigbluebutton/api'): join is GET only.
var lbBBBRoutes = map[string][]string{
	"isMeetingRunning": {http.MethodGet, http.MethodPost},
	"getMeetingInfo":   {http.MethodGet, http.MethodPost},
	"getMeetings":      {http.MethodGet, http.MethodPost},
	"create":           {http.MethodGet, http.MethodPost},
	"end":              {http.MethodGet, http.MethodPost},
	"join":             {http.MethodGet},
}

// serverAPIRoutes are config/routes.rb scope 'scalelite/api' (servers).
var serverAPIRoutes = map[string]string{
	"getServers":    http.MethodGet,
	"getServerInfo": http.MethodGet,
	"addServer":     http.MethodPost,
	"updateServer":  http.MethodPost,
	"deleteServer":  http.MethodPost,
	"panicServer":   http.MethodPost,
}

// ServerView is a server as the emulator holds it, for tests.
type ServerView struct {
	ID, URL, Secret, Tag, BBBVersion, State string
	// Load is nil when Scalelite shows "unavailable".
	Load           *float64
	LoadMultiplier float64
	Online         bool
	// Meetings, Users, LargestMeeting and Videos are the poller's counts.
	Meetings, Users, LargestMeeting, Videos int
}

func (srv *server) view() ServerView {
	v := ServerView{ID: srv.id, URL: srv.url, Secret: srv.secret, Tag: srv.tag, BBBVersion: srv.bbbVersion, State: srv.state,
		LoadMultiplier: srv.loadMultiplier, Online: srv.online, Meetings: srv.meetings, Users: srv.users,
		LargestMeeting: srv.largestMeeting, Videos: srv.videos}
	if srv.load != nil {
		l := *srv.load
		v.Load = &l
	}
	return v
}

// Server returns the server registered with a BBB API URL.
func (s *Scalelite) Server(apiURL string) (ServerView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if srv := s.byURL(apiURL); srv != nil {
		return srv.view(), true
	}
	return ServerView{}, false
}

// Servers lists the registered servers in creation order.
func (s *Scalelite) Servers() []ServerView {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ServerView
	for _, srv := range s.all() {
		out = append(out, srv.view())
	}
	return out
}

// State returns a server's state by its BBB URL ("" when not registered).
func (s *Scalelite) State(apiURL string) string {
	v, _ := s.Server(apiURL)
	return v.State
}

// Online says whether Scalelite holds the server online.
func (s *Scalelite) Online(apiURL string) bool {
	v, _ := s.Server(apiURL)
	return v.Online
}

// LoadMultiplier is the server's stored load_multiplier (0 when unknown).
func (s *Scalelite) LoadMultiplier(apiURL string) float64 {
	v, _ := s.Server(apiURL)
	return v.LoadMultiplier
}

// MeetingServer is the ID of the server Scalelite placed a meeting on.
func (s *Scalelite) MeetingServer(meetingID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.lbMeetings[meetingID]; ok {
		return m.serverID, true
	}
	return "", false
}

// Register puts a server into Scalelite without the API, for setting up a
// fleet: in state (enabled, cordoned, disabled), online, with the load of
// the meetings already on its BBB server, as if the poller had seen it
// (which the API cannot do: addServer makes a disabled, offline server).
// The BBB server at apiURL is created with secret if it does not exist;
// its meetings are recorded as placed by Scalelite.
func (s *Scalelite) Register(apiURL, secret, state, tag string) string {
	s.bbbMu.Lock()
	d := s.adopt(apiURL, secret)
	ms := append([]Meeting(nil), d.meetings...)
	s.bbbMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	srv := &server{id: s.newID(), url: apiURL, secret: secret, tag: tag, loadMultiplier: 1, online: true, bbbVersion: defaultBBBVersion}
	s.servers[srv.id] = srv
	s.order = append(s.order, srv.id)
	load := s.meetingLoad(ms) * srv.loadMultiplier
	srv.load = &load
	srv.setState(state)
	s.record(srv, ms)
	return srv.id
}

// record notes meetings as placed on srv by Scalelite. Holds mu.
func (s *Scalelite) record(srv *server, ms []Meeting) {
	for _, m := range ms {
		if _, ok := s.lbMeetings[m.MeetingID]; !ok {
			s.lbMeetings[m.MeetingID] = &lbMeeting{id: m.MeetingID, serverID: srv.id, moderatorPW: m.ModeratorPW, voiceBridge: m.VoiceBridge}
		}
	}
}

// SetMeetings replaces the meetings running on a BBB server (creating the
// server, with BBBSecret, if unknown). Meetings with no createTime get
// one an hour before Clock (past the join buffer); the new ones are
// recorded as placed by Scalelite if a registered server has this URL.
// Scalelite's view of the load changes only at the next poll.
func (s *Scalelite) SetMeetings(apiURL string, ms []Meeting) {
	ms = slices.Clone(ms)
	for i := range ms {
		if ms[i].CreateTime == 0 {
			ms[i].CreateTime = s.clock().Add(-time.Hour).UnixMilli()
		}
		if ms[i].InternalMeetingID == "" {
			ms[i].InternalMeetingID = ms[i].MeetingID + "-" + strconv.FormatInt(ms[i].CreateTime, 10)
		}
		if ms[i].ParticipantCount > 0 {
			ms[i].Running = true
		}
	}
	s.bbbMu.Lock()
	d := s.adopt(apiURL, s.BBBSecret)
	d.meetings = ms
	s.bbbMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if srv := s.byURL(apiURL); srv != nil {
		s.record(srv, ms)
	}
}

// meetingLoad is the poller's load sum before the multiplier
// (lib/tasks/poll.rake): participantCount + moderatorCount of every
// non-breakout meeting, at least LOAD_MIN_USER_COUNT for a meeting created
// less than LOAD_JOIN_BUFFER_TIME ago.
func (s *Scalelite) meetingLoad(ms []Meeting) float64 {
	buffer := s.clock().Add(-s.LoadJoinBufferTime)
	total := 0
	for _, m := range ms {
		if m.IsBreakout {
			continue
		}
		n := m.ParticipantCount + m.ModeratorCount
		// Time.zone.at(createTime / 1000): whole seconds.
		if time.Unix(m.CreateTime/1000, 0).After(buffer) {
			n = max(n, s.LoadMinUserCount)
		}
		total += n
	}
	return float64(total)
}

// Demand keeps n participants in meetings of size on the fleet, creating
// meetings through Scalelite's placement (create: the available server with
// the lowest load; load + 1 per create and per join between polls) and
// letting the oldest meetings end on their servers when demand falls:
// enough load for an operator to watch a controller scale. It stops
// creating when Scalelite has no available server. Call it periodically,
// with RunPoller running.
func (s *Scalelite) Demand(n, size int) {
	ctx := context.Background()
	s.mu.Lock()
	var urls []string
	for _, srv := range s.all() {
		urls = append(urls, srv.url)
	}
	s.mu.Unlock()
	total := 0
	s.bbbMu.Lock()
	for _, u := range urls {
		if d, ok := s.doubles[bbbKey(u)]; ok {
			for _, m := range d.meetings {
				total += m.ParticipantCount
			}
		}
	}
	s.bbbMu.Unlock()
	for total+size <= n {
		s.mu.Lock()
		s.nextID++
		id := fmt.Sprintf("emu-meeting-%d", s.nextID)
		s.mu.Unlock()
		p := params{{key: "meetingID", value: id}, {key: "name", value: "Emulated class " + id}}
		srv, _, err := s.create(ctx, p)
		if err != nil {
			return
		}
		// size users join through Scalelite: each join adds 1 × multiplier.
		s.mu.Lock()
		if sv, ok := s.servers[srv]; ok {
			s.incrementLoad(sv, float64(size))
			apiURL := sv.url
			s.mu.Unlock()
			s.bbbMu.Lock()
			if d, ok := s.doubles[bbbKey(apiURL)]; ok {
				for i := range d.meetings {
					if d.meetings[i].MeetingID == id {
						d.meetings[i].ParticipantCount, d.meetings[i].ModeratorCount = size, 1
						d.meetings[i].Running, d.meetings[i].HasUserJoined = true, true
						d.meetings[i].StartTime = s.clock().UnixMilli()
					}
				}
			}
			s.bbbMu.Unlock()
		} else {
			s.mu.Unlock()
		}
		total += size
	}
	for total > n {
		ended := false
		s.bbbMu.Lock()
		for _, u := range urls {
			d, ok := s.doubles[bbbKey(u)]
			if ok && len(d.meetings) > 0 && total > n {
				total -= d.meetings[0].ParticipantCount
				s.ended = append(s.ended, d.meetings[0].MeetingID)
				d.meetings = d.meetings[1:]
				ended = true
			}
		}
		s.bbbMu.Unlock()
		if !ended {
			return
		}
	}
}
