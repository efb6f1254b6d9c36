package emulate

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// BBBFault is what an emulated BigBlueButton server does instead of
// answering normally; SetFault sets it per server.
type BBBFault int

const (
	// BBBHealthy answers every call.
	BBBHealthy BBBFault = iota
	// BBBBadGateway answers 502 with nginx's HTML page, as a BBB whose
	// bbb-web is down does; Scalelite's get_post_req parses it and finds no
	// returncode (api_helper.rb: InternalError "Response did not include
	// returncode").
	BBBBadGateway
	// BBBHang accepts the request and never answers until the caller gives
	// up (Scalelite's RESPONSE_TIMEOUT, config/application.rb).
	BBBHang
	// BBBFailing answers returncode FAILED (internalError) to every call.
	BBBFailing
	// BBBDown refuses connections: the machine is gone. Through the
	// emulator's own listener (one port for every server) it answers 502.
	BBBDown
)

// bbbDouble is one emulated BigBlueButton server.
type bbbDouble struct {
	name     string
	secret   string
	meetings []Meeting
	fault    BBBFault
	version  string
}

// bbbKey names the emulated server an API URL (or a request's URL) points
// at: NAME for http://host/bbb/NAME/bigbluebutton/api/… (the emulator's own
// servers, whatever the host), else scheme://host/…/bigbluebutton/api.
func bbbKey(apiURL string) string {
	u, err := url.Parse(apiURL)
	if err != nil {
		return strings.TrimRight(apiURL, "/")
	}
	if rest, ok := strings.CutPrefix(u.Path, "/bbb/"); ok {
		if name, _, ok := strings.Cut(rest, "/bigbluebutton/api"); ok && name != "" {
			return name
		}
	}
	path := strings.TrimRight(u.Path, "/")
	if i := strings.Index(path, "/bigbluebutton/api"); i >= 0 {
		path = path[:i+len("/bigbluebutton/api")]
	}
	return u.Scheme + "://" + u.Host + path
}

// double returns the emulated server behind key, creating it with
// BBBSecret when the emulator has one (every /bbb/NAME/ server of
// `scalite emulate`). Holds bbbMu.
func (s *Scalelite) double(key string) *bbbDouble {
	if d, ok := s.doubles[key]; ok {
		return d
	}
	if s.BBBSecret == "" {
		return nil
	}
	d := &bbbDouble{name: key, secret: s.BBBSecret, version: defaultBBBVersion}
	s.doubles[key] = d
	return d
}

// defaultBBBVersion is what the emulated servers report as bbbVersion.
const defaultBBBVersion = "3.0.4"

// reachable says whether a connection to the server behind key would be
// accepted: it exists, has booted (BBBReady) and is not down.
func (s *Scalelite) reachable(key string) bool {
	s.bbbMu.Lock()
	d := s.double(key)
	down := d == nil || d.fault == BBBDown
	s.bbbMu.Unlock()
	if down {
		return false
	}
	return s.BBBReady == nil || s.BBBReady(key)
}

const nginx502 = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

// serveBBB answers /bbb/NAME/bigbluebutton/api/CALL as one BigBlueButton
// server does (docs.bigbluebutton.org/development/api), checking the
// checksum against that server's own secret.
func (s *Scalelite) serveBBB(w http.ResponseWriter, r *http.Request, key string) {
	_, call, _ := strings.Cut(r.URL.Path, "/bigbluebutton/api")
	call = strings.TrimPrefix(call, "/")
	if !s.reachable(key) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte(nginx502))
		return
	}
	s.bbbMu.Lock()
	d := s.double(key)
	fault := d.fault
	s.bbbMu.Unlock()
	switch fault {
	case BBBBadGateway:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte(nginx502))
		return
	case BBBHang:
		<-r.Context().Done()
		return
	case BBBFailing:
		writeFailed(w, "internalError", "An internal error occurred.")
		return
	}
	if call == "" {
		// The API root answers without a checksum (bigbluebutton-web
		// ApiController.index); Scalelite's poll:versions reads bbbVersion.
		writeXML(w, versionResult{ReturnCode: "SUCCESS", Version: "2.0", APIVersion: "2.0", BBBVersion: d.version})
		return
	}
	r.ParseForm()
	sum := r.Form.Get("checksum")
	algo := bbbChecksumAlgorithm(sum)
	s.bbbMu.Lock()
	defer s.bbbMu.Unlock()
	if algo == "" || Checksum(algo, call, queryRemoveChecksum(r.URL.RawQuery, sum), d.secret) != sum {
		// BigBlueButton's own wording (bigbluebutton-web ApiController).
		writeFailed(w, "checksumError", "Checksums do not match")
		return
	}
	q := r.Form
	id := q.Get("meetingID")
	find := func() int {
		for i, m := range d.meetings {
			if m.MeetingID == id {
				return i
			}
		}
		return -1
	}
	const notFound = "We could not find a meeting with that meeting ID - perhaps the meeting is not yet running?"
	now := s.clock()
	switch call {
	case "getMeetings":
		out := getMeetingsResult{ReturnCode: "SUCCESS", Meetings: meetingList{append([]Meeting(nil), d.meetings...)}}
		if len(d.meetings) == 0 {
			out.MessageKey, out.Message = "noMeetings", "no meetings were found on this server"
		}
		writeXML(w, out)
	case "getMeetingInfo":
		if id == "" {
			writeFailed(w, "missingParamMeetingID", "You must specify a meeting ID for the meeting.")
		} else if i := find(); i < 0 {
			writeFailed(w, "notFound", notFound)
		} else {
			writeXML(w, meetingInfoResult{ReturnCode: "SUCCESS", Meeting: d.meetings[i]})
		}
	case "isMeetingRunning":
		if id == "" {
			writeFailed(w, "missingParamMeetingID", "You must specify a meeting ID for the meeting.")
			return
		}
		i := find()
		writeXML(w, runningResult{ReturnCode: "SUCCESS", Running: i >= 0 && d.meetings[i].Running})
	case "create":
		if id == "" {
			writeFailed(w, "missingParamMeetingID", "You must specify a meeting ID for the meeting.")
			return
		}
		if i := find(); i >= 0 {
			// Re-creating a running meeting is harmless and answered with
			// a warning (docs: create, "duplicateWarning").
			m := d.meetings[i]
			writeXML(w, createResultOf(m, "duplicateWarning", "This conference was already in existence and may currently be in progress."))
			return
		}
		m := newMeeting(q, now)
		d.meetings = append(d.meetings, m)
		writeXML(w, createResultOf(m, "", ""))
	case "join":
		if id == "" {
			writeFailed(w, "missingParamMeetingID", "You must specify a meeting ID for the meeting.")
			return
		}
		if q.Get("fullName") == "" {
			writeFailed(w, "missingParamFullName", "You must specify a name for the attendee who will be joining the meeting.")
			return
		}
		i := find()
		if i < 0 {
			writeFailed(w, "invalidMeetingIdentifier", "The meeting ID that you supplied did not match any existing meetings")
			return
		}
		m := &d.meetings[i]
		moderator := strings.EqualFold(q.Get("role"), "MODERATOR") || (q.Get("password") != "" && q.Get("password") == m.ModeratorPW)
		role := "VIEWER"
		if moderator {
			role = "MODERATOR"
			m.ModeratorCount++
		}
		m.ParticipantCount++
		userID := q.Get("userID")
		if userID == "" {
			userID = fmt.Sprintf("w_%d", len(m.Attendees)+1)
		}
		m.Attendees = append(m.Attendees, Attendee{UserID: userID, FullName: q.Get("fullName"), Role: role, ClientType: "HTML5"})
		m.Running, m.HasUserJoined = true, true
		if m.StartTime == 0 {
			m.StartTime = now.UnixMilli()
		}
		tok := sha1.Sum([]byte(m.InternalMeetingID + userID))
		token := hex.EncodeToString(tok[:8])
		client := "http://" + r.Host + "/html5client/join?sessionToken=" + token
		if q.Get("redirect") == "false" {
			writeXML(w, joinResult{ReturnCode: "SUCCESS", MessageKey: "successfullyJoined", Message: "You have joined successfully.",
				MeetingID: m.InternalMeetingID, UserID: userID, AuthToken: token, SessionToken: token, URL: client})
			return
		}
		http.Redirect(w, r, client, http.StatusFound)
	case "end":
		if id == "" {
			writeFailed(w, "missingParamMeetingID", "You must specify a meeting ID for the meeting.")
			return
		}
		i := find()
		if i < 0 {
			writeFailed(w, "notFound", notFound)
			return
		}
		d.meetings = append(d.meetings[:i:i], d.meetings[i+1:]...)
		s.ended = append(s.ended, id)
		writeXML(w, bbbResult{ReturnCode: "SUCCESS", MessageKey: "sentEndMeetingRequest",
			Message: "A request to end the meeting was sent.  Please wait a few seconds, and then use the getMeetingInfo or isMeetingRunning API calls to verify that it was ended."})
	default:
		writeFailed(w, "unsupportedRequest", "This request is not supported.")
	}
}

// newMeeting is a meeting as BigBlueButton's create makes it: not running
// until somebody joins, its meta_ parameters as metadata (keys in lower
// case, as bigbluebutton-web's ParamsProcessorUtil.processMetaParam does).
func newMeeting(q url.Values, now time.Time) Meeting {
	id := q.Get("meetingID")
	name := q.Get("name")
	if name == "" {
		name = id
	}
	sum := sha1.Sum([]byte(id))
	m := Meeting{MeetingName: name, MeetingID: id,
		InternalMeetingID: hex.EncodeToString(sum[:]) + "-" + strconv.FormatInt(now.UnixMilli(), 10),
		CreateTime:        now.UnixMilli(), CreateDate: now.UTC().Format("Mon Jan 02 15:04:05 MST 2006"),
		VoiceBridge: q.Get("voiceBridge"), DialNumber: "613-555-1234",
		AttendeePW: q.Get("attendeePW"), ModeratorPW: q.Get("moderatorPW"),
		Recording: q.Get("record") == "true", IsBreakout: q.Get("isBreakout") == "true", Metadata: Metadata{}}
	if m.VoiceBridge == "" {
		m.VoiceBridge = fmt.Sprintf("%05d", 10000+int(sum[0])<<8|int(sum[1]))
	}
	if m.AttendeePW == "" {
		m.AttendeePW = "ap-" + hex.EncodeToString(sum[2:6])
	}
	if m.ModeratorPW == "" {
		m.ModeratorPW = "mp-" + hex.EncodeToString(sum[6:10])
	}
	m.Duration, _ = strconv.Atoi(q.Get("duration"))
	m.MaxUsers, _ = strconv.Atoi(q.Get("maxParticipants"))
	for k, v := range q {
		if meta, ok := strings.CutPrefix(k, "meta_"); ok && len(v) > 0 {
			m.Metadata[strings.ToLower(meta)] = v[0]
		}
	}
	return m
}

func createResultOf(m Meeting, key, msg string) createResult {
	return createResult{ReturnCode: "SUCCESS", MeetingID: m.MeetingID, InternalMeetingID: m.InternalMeetingID, ParentMeetingID: "bbb-none",
		AttendeePW: m.AttendeePW, ModeratorPW: m.ModeratorPW, CreateTime: m.CreateTime, VoiceBridge: m.VoiceBridge, DialNumber: m.DialNumber,
		CreateDate: m.CreateDate, HasUserJoined: m.HasUserJoined, Duration: m.Duration, MessageKey: key, Message: msg}
}

// BBBServer declares an emulated BBB server reachable under base (the
// emulator's URL) and returns its API URL and its own secret.
func (s *Scalelite) BBBServer(base, name string) (apiURL, secret string) {
	apiURL = strings.TrimRight(base, "/") + "/bbb/" + url.PathEscape(name) + "/bigbluebutton/api"
	secret = "bbb-secret-" + name
	s.bbbMu.Lock()
	defer s.bbbMu.Unlock()
	s.doubles[bbbKey(apiURL)] = &bbbDouble{name: name, secret: secret, version: defaultBBBVersion}
	return apiURL, secret
}

// SetFault makes the BBB server at apiURL misbehave (BBBHealthy restores it).
func (s *Scalelite) SetFault(apiURL string, f BBBFault) {
	s.bbbMu.Lock()
	defer s.bbbMu.Unlock()
	if d := s.adopt(apiURL, ""); d != nil {
		d.fault = f
	}
}

// adopt returns the BBB server at apiURL, creating it with secret if it
// is unknown (an operator registering a server copies its secret from
// `bbb-conf --secret`). Holds bbbMu.
func (s *Scalelite) adopt(apiURL, secret string) *bbbDouble {
	key := bbbKey(apiURL)
	if d := s.double(key); d != nil {
		return d
	}
	d := &bbbDouble{name: key, secret: secret, version: defaultBBBVersion}
	s.doubles[key] = d
	return d
}

// Meetings returns the meetings running on a BBB server.
func (s *Scalelite) Meetings(apiURL string) []Meeting {
	s.bbbMu.Lock()
	defer s.bbbMu.Unlock()
	if d, ok := s.doubles[bbbKey(apiURL)]; ok {
		return append([]Meeting(nil), d.meetings...)
	}
	return nil
}

// Ended lists the meetings ended through BBB's end call (by Scalelite
// passing an end on, by a panic, or by a client), in order.
func (s *Scalelite) Ended() []string {
	s.bbbMu.Lock()
	defer s.bbbMu.Unlock()
	return append([]string(nil), s.ended...)
}
