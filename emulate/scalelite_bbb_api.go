package emulate

import (
	"context"
	"crypto/sha256"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
)

// serveLBBBB answers BigBlueButton's API through the load balancer
// (app/controllers/bigbluebutton_api_controller.rb) after its
// before_actions: the Content-Type check (form data; create also takes
// XML; join none), then verify_checksum with the load balancer's secret.
func (s *Scalelite) serveLBBBB(w http.ResponseWriter, r *http.Request, call string) {
	if r.Method == http.MethodPost && r.ContentLength != 0 && call != "join" {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		ok := mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data" ||
			(call == "create" && (mt == "application/xml" || mt == "text/xml"))
		if !ok {
			writeFailed(w, "unsupportedContentType", "POST request Content-Type is missing or unsupported")
			return
		}
	}
	var p params
	parseParams(r.URL.RawQuery, &p)
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); r.Method == http.MethodPost && mt == "application/x-www-form-urlencoded" {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		parseParams(string(body), &p)
	}
	if call == "getMeetings" && s.GetMeetingsAPIDisabled {
		// get_meetings_disabled: no checksum, no servers asked.
		writeXML(w, noMeetings())
		return
	}
	sum, _ := p.get("checksum")
	if !s.checksumOK(r, call, sum) {
		writeChecksumError(w)
		return
	}
	p.del("checksum")
	ctx := r.Context()
	switch call {
	case "create":
		_, body, err := s.create(ctx, p)
		s.render(w, body, err)
	case "join":
		s.join(w, r, p)
	case "getMeetings":
		s.getMeetings(w, ctx)
	case "isMeetingRunning", "getMeetingInfo", "end":
		s.meetingCall(w, ctx, call, p)
	}
}

// render writes a BBB server's answer as Scalelite passes it on
// (render(xml: response)), or the error.
func (s *Scalelite) render(w http.ResponseWriter, body []byte, err error) {
	if err != nil {
		if be, ok := isBBBError(err); ok {
			writeFailed(w, be.key, be.message)
			return
		}
		writeServerError(w)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Write(body)
}

// writeServerError is an exception Scalelite does not rescue: Rails
// answers 500 with public/500.html.
func writeServerError(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	w.Write([]byte("<!DOCTYPE html>\n<html><head><title>We're sorry, but something went wrong (500)</title></head><body><h1>We're sorry, but something went wrong.</h1></body></html>\n"))
}

// requireMeetingID is params.require(:meetingID), which every call here
// starts with: a missing or blank meetingID raises ParameterMissing, which
// application_controller.rb answers as MissingMeetingIDError.
func requireMeetingID(p params) (string, error) {
	id, _ := p.get("meetingID")
	if strings.TrimSpace(id) == "" {
		return "", &bbbError{"missingParamMeetingID", "You must specify a meeting ID for the meeting."}
	}
	return id, nil
}

const meetingNotFound = "We could not find a meeting with that meeting ID - perhaps the meeting is not yet running?"

// create is BigBlueButtonApiController#create. It returns the ID of the
// meeting's server and BBB's answer.
func (s *Scalelite) create(ctx context.Context, p params) (string, []byte, error) {
	id, err := requireMeetingID(p)
	if err != nil {
		return "", nil, err
	}
	tags, _ := p.get("meta_server-tag")
	s.mu.Lock()
	m, found := s.lbMeetings[id]
	var srv *server
	if found {
		srv = s.servers[m.serverID]
	}
	// "Handle edge case where stale meeting persists on cordoned server":
	// ask the server, and place the meeting anew if it is not running.
	if found && srv != nil && srv.state == "cordoned" {
		url, secret := srv.url, srv.secret
		s.mu.Unlock()
		running := s.runningOn(ctx, url, secret, id)
		s.mu.Lock()
		if !running {
			delete(s.lbMeetings, id)
			found, srv = false, nil
		}
	}
	if srv == nil {
		if found {
			// Meeting.find_or_create_with_server! returns the existing
			// record, whose server is gone: Server.find raises, and create
			// answers InternalError with its message.
			s.mu.Unlock()
			return "", nil, &bbbError{"internalError", "Couldn't find Server with id=" + m.serverID}
		}
		var err error
		if srv, err = s.findAvailable(tags); err != nil {
			s.mu.Unlock()
			return "", nil, err
		}
		pw, _ := p.get("moderatorPW")
		if strings.TrimSpace(pw) == "" {
			pw = alphanumeric("mpw"+id, 8) // SecureRandom.alphanumeric(8)
		}
		m = &lbMeeting{id: id, serverID: srv.id, moderatorPW: pw, voiceBridge: s.voiceBridge(id)}
		s.lbMeetings[id] = m
		s.incrementLoad(srv, 1)
		p.set("moderatorPW", pw)
	}
	p.set("voiceBridge", m.voiceBridge)
	if srv.tag != "" {
		p.set("meta_server-tag", srv.tag)
	} else {
		p.del("meta_server-tag")
	}
	url, secret, sid := srv.url, srv.secret, srv.id
	s.mu.Unlock()
	body, err := s.getPostReq(ctx, url, secret, "create", p)
	if err != nil {
		if be, ok := isBBBError(err); ok {
			return sid, nil, be
		}
		return sid, nil, &bbbError{"internalError", "Unable to create meeting on server."}
	}
	return sid, body, nil
}

// runningOn is meeting_running_on_server?: false on any error.
func (s *Scalelite) runningOn(ctx context.Context, url, secret, id string) bool {
	body, err := s.getPostReq(ctx, url, secret, "isMeetingRunning", params{{key: "meetingID", value: id}})
	if err != nil {
		return false
	}
	var res runningResult
	return xml.Unmarshal(body, &res) == nil && res.Running
}

// findAvailable is Server.find_available (app/models/server.rb): the
// lowest load in server_load (ties by ID, as Redis orders equal scores);
// meta_server-tag is a ";"-list of tags ("none" = untagged), "!" at the
// end makes it required; without a match, or without a tag at all, only
// untagged servers are candidates. Holds mu.
func (s *Scalelite) findAvailable(tagsArg string) (*server, error) {
	noServer := &bbbError{"internalError", "Could not find any available servers."}
	tagsArg = strings.TrimSpace(tagsArg)
	required := false
	if strings.HasSuffix(tagsArg, "!") {
		tagsArg = strings.TrimSpace(strings.TrimSuffix(tagsArg, "!"))
		required = tagsArg != ""
	}
	var pool []*server
	for _, srv := range s.all() {
		if srv.available() {
			pool = append(pool, srv)
		}
	}
	if len(pool) == 0 {
		return nil, noServer
	}
	byLoad := func(a, b *server) int {
		if *a.load != *b.load {
			if *a.load < *b.load {
				return -1
			}
			return 1
		}
		return strings.Compare(a.id, b.id)
	}
	slices.SortFunc(pool, byLoad)
	var cands []*server
	if tagsArg != "" {
		for _, tag := range strings.Split(tagsArg, ";") {
			for _, srv := range pool {
				if t := srv.tag; t == tag || (t == "" && tag == "none") {
					cands = append(cands, srv)
				}
			}
		}
		slices.SortStableFunc(cands, byLoad)
	}
	if len(cands) == 0 {
		if required {
			return nil, &bbbError{"serverTagUnavailable", "There is no available server with the required tag=" + tagsArg + "."}
		}
		for _, srv := range pool {
			if srv.tag == "" {
				cands = append(cands, srv)
			}
		}
	}
	if len(cands) == 0 {
		return nil, noServer
	}
	return cands[0], nil
}

// incrementLoad is Server#increment_load: ZADD XX INCR on server_load,
// so it changes only an available server's load. Holds mu.
func (s *Scalelite) incrementLoad(srv *server, amount float64) {
	if srv.available() {
		l := *srv.load + amount*srv.loadMultiplier
		srv.load = &l
	}
}

// voiceBridgeLen is VOICE_BRIDGE_LEN's default (config/application.rb).
const voiceBridgeLen = 9

// voiceBridge stands in for Meeting.allocate_voice_bridge
// (app/models/meeting.rb): VOICE_BRIDGE_LEN digits, the first not 0, drawn
// from a generator seeded with the SHA-256 of the meeting ID, drawn again
// while the number is BBB's test number 99999 or another meeting's (the
// voice_bridges hash). The request's voiceBridge is ignored, as with
// USE_EXTERNAL_VOICE_BRIDGE=false, the default. Holds mu.
func (s *Scalelite) voiceBridge(id string) string {
	used := map[string]bool{"99999": true}
	for _, m := range s.lbMeetings {
		used[m.voiceBridge] = true
	}
	for try := 0; ; try++ {
		h := sha256.Sum256(fmt.Appendf(nil, "%s/%d", id, try))
		v := make([]byte, voiceBridgeLen)
		v[0] = '1' + h[0]%9
		for i := 1; i < voiceBridgeLen; i++ {
			v[i] = '0' + h[i]%10
		}
		if !used[string(v)] {
			return string(v)
		}
	}
}

// alphanumeric is a reproducible stand-in for SecureRandom.alphanumeric.
func alphanumeric(seed string, n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	h := sha256.Sum256([]byte(seed))
	out := make([]byte, n)
	for i := range out {
		out[i] = chars[int(h[i])%len(chars)]
	}
	return string(out)
}

// join is BigBlueButtonApiController#join: it adds 1 × multiplier to the
// server's load and redirects the user to the meeting's server, signed
// with that server's secret. A meeting whose server is offline or disabled
// raises ServerDisabledError, a constant bbb_errors.rb does not define:
// Rails answers 500.
func (s *Scalelite) join(w http.ResponseWriter, r *http.Request, p params) {
	id, err := requireMeetingID(p)
	if err != nil {
		s.render(w, nil, err)
		return
	}
	s.mu.Lock()
	m, ok := s.lbMeetings[id]
	var srv *server
	if ok {
		srv = s.servers[m.serverID]
	}
	if srv == nil {
		s.mu.Unlock()
		writeFailed(w, "notFound", meetingNotFound)
		return
	}
	if !srv.online || srv.state == "disabled" {
		s.mu.Unlock()
		writeServerError(w)
		return
	}
	s.incrementLoad(srv, 1)
	url, secret := srv.url, srv.secret
	s.mu.Unlock()
	http.Redirect(w, r, s.upstreamURL(url, secret, "join", p), http.StatusFound)
}

// meetingCall is isMeetingRunning, getMeetingInfo and end: passed to the
// meeting's server with only meetingID (and end's password); an unknown
// meeting is "not running" for isMeetingRunning and notFound otherwise;
// BBB's FAILED answers are passed on; a server that cannot be reached is
// internalError "Unable to access meeting on server.". end removes
// Scalelite's record of the meeting before asking the server.
func (s *Scalelite) meetingCall(w http.ResponseWriter, ctx context.Context, call string, p params) {
	id, err := requireMeetingID(p)
	if err != nil {
		s.render(w, nil, err)
		return
	}
	s.mu.Lock()
	m, ok := s.lbMeetings[id]
	if !ok {
		s.mu.Unlock()
		if call == "isMeetingRunning" {
			writeXML(w, runningResult{ReturnCode: "SUCCESS", Running: false})
		} else {
			writeFailed(w, "notFound", meetingNotFound)
		}
		return
	}
	srv := s.servers[m.serverID]
	if srv == nil {
		// meeting.server raises RecordNotFound outside any rescue.
		s.mu.Unlock()
		writeServerError(w)
		return
	}
	url, secret := srv.url, srv.secret
	up := params{{key: "meetingID", value: id}}
	if call == "end" {
		pw, has := p.get("password")
		up = append(up, param{key: "password", value: pw, null: !has})
		delete(s.lbMeetings, id)
	}
	s.mu.Unlock()
	body, err := s.getPostReq(ctx, url, secret, call, up)
	if err != nil {
		if _, ok := isBBBError(err); !ok {
			err = &bbbError{"internalError", "Unable to access meeting on server."}
		}
	}
	s.render(w, body, err)
}

// rawMeeting is one meeting element of a server's getMeetings answer,
// kept verbatim: get_meetings adds the servers' nodes to its answer.
type rawMeeting struct {
	Inner    string `xml:",innerxml"`
	TenantID string `xml:"metadata>tenant-id"`
}

type passMeeting struct {
	Inner string `xml:",innerxml"`
}

type passList struct {
	Meetings []passMeeting `xml:"meeting"`
}

type lbMeetingsResult struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	MessageKey string   `xml:"messageKey,omitempty"`
	Message    string   `xml:"message,omitempty"`
	Meetings   passList `xml:"meetings"`
}

// noMeetings is no_meetings_response.
func noMeetings() lbMeetingsResult {
	return lbMeetingsResult{ReturnCode: "SUCCESS", MessageKey: "noMeetings", Message: "no meetings were found on this server"}
}

// getMeetings is BigBlueButtonApiController#get_meetings: every server
// that is online and not disabled is asked, in turn; one FAILED answer
// fails the whole call with that answer, one server that cannot be
// reached fails it with internalError "Unable to access server.".
// Meetings of a tenant (metadata tenant-id) are left out without
// multitenancy.
func (s *Scalelite) getMeetings(w http.ResponseWriter, ctx context.Context) {
	type target struct{ url, secret string }
	var targets []target
	s.mu.Lock()
	for _, srv := range s.all() {
		if !srv.online || srv.state == "disabled" {
			continue
		}
		targets = append(targets, target{srv.url, srv.secret})
	}
	s.mu.Unlock()
	out := lbMeetingsResult{ReturnCode: "SUCCESS"}
	for _, t := range targets {
		body, err := s.getPostReq(ctx, t.url, t.secret, "getMeetings", nil)
		if err != nil {
			if be, ok := isBBBError(err); ok {
				writeFailed(w, be.key, be.message)
			} else {
				writeFailed(w, "internalError", "Unable to access server.")
			}
			return
		}
		var res struct {
			Meetings []rawMeeting `xml:"meetings>meeting"`
		}
		if err := xml.Unmarshal(body, &res); err != nil {
			writeFailed(w, "internalError", "Unable to access server.")
			return
		}
		for _, m := range res.Meetings {
			if strings.TrimSpace(m.TenantID) == "" {
				out.Meetings.Meetings = append(out.Meetings.Meetings, passMeeting{Inner: m.Inner})
			}
		}
	}
	if len(out.Meetings.Meetings) == 0 {
		writeXML(w, noMeetings())
		return
	}
	writeXML(w, out)
}
