package emulate

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"
)

// Meeting is one meeting as BigBlueButton's getMeetings and getMeetingInfo
// describe it (docs.bigbluebutton.org/development/api, "getMeetings" and
// "getMeetingInfo" example responses), in the same element order.
type Meeting struct {
	MeetingName           string    `xml:"meetingName"`
	MeetingID             string    `xml:"meetingID"`
	InternalMeetingID     string    `xml:"internalMeetingID"`
	CreateTime            int64     `xml:"createTime"` // epoch milliseconds
	CreateDate            string    `xml:"createDate"`
	VoiceBridge           string    `xml:"voiceBridge"`
	DialNumber            string    `xml:"dialNumber"`
	AttendeePW            string    `xml:"attendeePW"`
	ModeratorPW           string    `xml:"moderatorPW"`
	Running               bool      `xml:"running"`
	Duration              int       `xml:"duration"`
	HasUserJoined         bool      `xml:"hasUserJoined"`
	Recording             bool      `xml:"recording"`
	HasBeenForciblyEnded  bool      `xml:"hasBeenForciblyEnded"`
	StartTime             int64     `xml:"startTime"` // epoch milliseconds
	EndTime               int64     `xml:"endTime"`
	ParticipantCount      int       `xml:"participantCount"`
	ListenerCount         int       `xml:"listenerCount"`
	VoiceParticipantCount int       `xml:"voiceParticipantCount"`
	VideoCount            int       `xml:"videoCount"`
	MaxUsers              int       `xml:"maxUsers"`
	ModeratorCount        int       `xml:"moderatorCount"`
	Attendees             Attendees `xml:"attendees"`
	Metadata              Metadata  `xml:"metadata"`
	IsBreakout            bool      `xml:"isBreakout"`
}

// Attendee is one user in a meeting's attendees list.
type Attendee struct {
	UserID          string `xml:"userID"`
	FullName        string `xml:"fullName"`
	Role            string `xml:"role"` // MODERATOR or VIEWER
	IsPresenter     bool   `xml:"isPresenter"`
	IsListeningOnly bool   `xml:"isListeningOnly"`
	HasJoinedVoice  bool   `xml:"hasJoinedVoice"`
	HasVideo        bool   `xml:"hasVideo"`
	ClientType      string `xml:"clientType"`
}

// Attendees is written <attendees><attendee>…</attendee></attendees>, and
// as an empty <attendees/> when nobody is in, as BigBlueButton does.
type Attendees []Attendee

// MarshalXML writes the wrapper element even when the list is empty.
func (a Attendees) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(struct {
		Items []Attendee `xml:"attendee"`
	}{a}, start)
}

// UnmarshalXML reads the attendee children.
func (a *Attendees) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var w struct {
		Items []Attendee `xml:"attendee"`
	}
	if err := d.DecodeElement(&w, &start); err != nil {
		return err
	}
	*a = w.Items
	return nil
}

// Metadata is a meeting's meta_ parameters, one element per key
// (<metadata><bbb-origin>…</bbb-origin></metadata>), written in key order.
type Metadata map[string]string

// MarshalXML writes one child element per key.
func (m Metadata) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := e.EncodeElement(m[k], xml.StartElement{Name: xml.Name{Local: k}}); err != nil {
			return fmt.Errorf("metadata %q: %w", k, err)
		}
	}
	return e.EncodeToken(start.End())
}

// UnmarshalXML reads one child element per key.
func (m *Metadata) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	out := Metadata{}
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var v string
			if err := d.DecodeElement(&v, &t); err != nil {
				return err
			}
			out[t.Name.Local] = v
		case xml.EndElement:
			*m = out
			return nil
		}
	}
}

// bbbResult is the shape of every BigBlueButton and Scalelite XML answer
// without a payload: returncode, then messageKey and message
// (application_controller.rb build_error; BBB's own responses).
type bbbResult struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	MessageKey string   `xml:"messageKey,omitempty"`
	Message    string   `xml:"message,omitempty"`
}

// meetingList always writes <meetings>, empty or not.
type meetingList struct {
	Meetings []Meeting `xml:"meeting"`
}

type getMeetingsResult struct {
	XMLName    xml.Name    `xml:"response"`
	ReturnCode string      `xml:"returncode"`
	Meetings   meetingList `xml:"meetings"`
	MessageKey string      `xml:"messageKey,omitempty"`
	Message    string      `xml:"message,omitempty"`
}

type meetingInfoResult struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	Meeting
}

type runningResult struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	Running    bool     `xml:"running"`
}

// createResult is BigBlueButton's answer to create.
type createResult struct {
	XMLName              xml.Name `xml:"response"`
	ReturnCode           string   `xml:"returncode"`
	MeetingID            string   `xml:"meetingID"`
	InternalMeetingID    string   `xml:"internalMeetingID"`
	ParentMeetingID      string   `xml:"parentMeetingID"`
	AttendeePW           string   `xml:"attendeePW"`
	ModeratorPW          string   `xml:"moderatorPW"`
	CreateTime           int64    `xml:"createTime"`
	VoiceBridge          string   `xml:"voiceBridge"`
	DialNumber           string   `xml:"dialNumber"`
	CreateDate           string   `xml:"createDate"`
	HasUserJoined        bool     `xml:"hasUserJoined"`
	Duration             int      `xml:"duration"`
	HasBeenForciblyEnded bool     `xml:"hasBeenForciblyEnded"`
	MessageKey           string   `xml:"messageKey"`
	Message              string   `xml:"message"`
}

// joinResult is BigBlueButton's answer to join with redirect=false.
type joinResult struct {
	XMLName      xml.Name `xml:"response"`
	ReturnCode   string   `xml:"returncode"`
	MessageKey   string   `xml:"messageKey"`
	Message      string   `xml:"message"`
	MeetingID    string   `xml:"meeting_id"`
	UserID       string   `xml:"user_id"`
	AuthToken    string   `xml:"auth_token"`
	SessionToken string   `xml:"session_token"`
	URL          string   `xml:"url"`
}

// versionResult is the API root's answer (bigbluebutton/api/).
type versionResult struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	Version    string   `xml:"version"`
	APIVersion string   `xml:"apiVersion,omitempty"`
	BBBVersion string   `xml:"bbbVersion,omitempty"`
}

// writeXML renders an answer as Rails' render(xml:) and BigBlueButton do:
// HTTP 200 whatever the returncode.
func writeXML(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	enc.Encode(v)
	w.Write([]byte("\n"))
}

// writeFailed is build_error in application_controller.rb.
func writeFailed(w http.ResponseWriter, key, message string) {
	writeXML(w, bbbResult{ReturnCode: "FAILED", MessageKey: key, Message: message})
}
