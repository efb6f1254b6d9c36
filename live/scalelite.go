package live

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Checksum is the BBB and Scalelite API checksum: the hex digest of the
// call name, the query string (without checksum) and the shared secret.
// algo is sha1, sha256 or sha512.
func Checksum(algo, call, query, secret string) string {
	var h hash.Hash
	switch algo {
	case "sha1":
		h = sha1.New()
	case "sha512":
		h = sha512.New()
	default:
		h = sha256.New()
	}
	io.WriteString(h, call+query+secret)
	return hex.EncodeToString(h.Sum(nil))
}

// ChecksumAlgo tells the algorithm from a checksum's length, as the
// servers do.
func ChecksumAlgo(sum string) string {
	switch len(sum) {
	case 40:
		return "sha1"
	case 128:
		return "sha512"
	}
	return "sha256"
}

// Scalelite talks to a Scalelite load balancer: its server API under
// /scalelite/api/ and the BBB API it serves for the whole fleet.
type Scalelite struct {
	base   *url.URL
	secret string
	client *http.Client
	// Algo is the checksum algorithm (default sha256).
	Algo string
}

// NewScalelite makes a client; base is Scalelite's URL (https://lb.example.org).
func NewScalelite(base, secret string, client *http.Client) (*Scalelite, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("scalelite URL %q: want https://host", base)
	}
	if secret == "" {
		return nil, fmt.Errorf("scalelite: empty secret")
	}
	if client == nil {
		client = http.DefaultClient
	}
	return &Scalelite{base: u, secret: secret, client: client, Algo: "sha256"}, nil
}

// ScaleliteServer is one BBB server as Scalelite lists it.
type ScaleliteServer struct {
	ID             string          `json:"id"`
	URL            string          `json:"url"`
	Secret         string          `json:"secret"`
	Tag            string          `json:"tag"`
	State          string          `json:"state"` // enabled, cordoned, disabled
	Load           json.RawMessage `json:"load"`  // a number, or "unavailable"
	LoadMultiplier json.RawMessage `json:"load_multiplier"`
	Online         string          `json:"online"` // online, offline
}

// String never shows the secret: servers end up in logs.
func (s ScaleliteServer) String() string {
	return fmt.Sprintf("%s %s %s %s", s.ID, s.URL, s.State, s.Online)
}

// APIError is an error answer of the server API.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("scalelite API: HTTP %d: %s", e.Status, e.Message)
}

func (c *Scalelite) call(ctx context.Context, method, action string, query url.Values, body, out any) error {
	q := query.Encode()
	sum := Checksum(c.Algo, action, q, c.secret)
	u := *c.base
	u.Path += "/scalelite/api/" + action
	if q != "" {
		u.RawQuery = q + "&checksum=" + sum
	} else {
		u.RawQuery = "checksum=" + sum
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("scalelite %s: %w", action, redact(err, c.secret))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("scalelite %s: %w", action, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		json.Unmarshal(data, &e)
		if e.Error == "" {
			e.Error = strings.TrimSpace(string(data))
		}
		return fmt.Errorf("scalelite %s: %w", action, &APIError{Status: resp.StatusCode, Message: e.Error})
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("scalelite %s: bad answer: %w", action, err)
		}
	}
	return nil
}

// redact removes a secret from an error that may quote a URL.
func redact(err error, secret string) error {
	if secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), secret, "[secret]"))
}

// Servers lists every server (getServers).
func (c *Scalelite) Servers(ctx context.Context) ([]ScaleliteServer, error) {
	var out []ScaleliteServer
	return out, c.call(ctx, http.MethodGet, "getServers", url.Values{}, nil, &out)
}

// AddServer registers a BBB server; Scalelite creates it disabled.
func (c *Scalelite) AddServer(ctx context.Context, bbbURL, secret string, loadMultiplier float64, tag string) (ScaleliteServer, error) {
	body := map[string]any{"server": map[string]any{"url": bbbURL, "secret": secret, "load_multiplier": loadMultiplier, "tag": tag}}
	var out ScaleliteServer
	return out, c.call(ctx, http.MethodPost, "addServer", url.Values{}, body, &out)
}

// SetState enables, cordons or disables a server (updateServer).
func (c *Scalelite) SetState(ctx context.Context, id, state string) error {
	switch state {
	case "enable", "cordon", "disable":
	default:
		return fmt.Errorf("scalelite: unknown state %q", state)
	}
	body := map[string]any{"id": id, "server": map[string]any{"state": state}}
	return c.call(ctx, http.MethodPost, "updateServer", url.Values{}, body, nil)
}

// DeleteServer removes a server (deleteServer).
func (c *Scalelite) DeleteServer(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodPost, "deleteServer", url.Values{}, map[string]any{"id": id}, nil)
}

// BBB talks to a BigBlueButton API endpoint: a BBB server's, or Scalelite's
// (which answers for the whole fleet).
type BBB struct {
	endpoint *url.URL // .../bigbluebutton/api
	secret   string
	client   *http.Client
	Algo     string
}

// NewBBB makes a client for an API URL such as https://bbb1.example.org/bigbluebutton/api.
func NewBBB(endpoint, secret string, client *http.Client) (*BBB, error) {
	u, err := url.Parse(strings.TrimRight(endpoint, "/"))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("BBB API URL %q: want https://host/bigbluebutton/api", endpoint)
	}
	if client == nil {
		client = http.DefaultClient
	}
	return &BBB{endpoint: u, secret: secret, client: client, Algo: "sha256"}, nil
}

// BBBMeeting is one meeting of getMeetings.
type BBBMeeting struct {
	MeetingID         string `xml:"meetingID"`
	InternalMeetingID string `xml:"internalMeetingID"`
	CreateTime        int64  `xml:"createTime"` // epoch ms
	Running           bool   `xml:"running"`
	ParticipantCount  int    `xml:"participantCount"`
	ModeratorCount    int    `xml:"moderatorCount"`
	VideoCount        int    `xml:"videoCount"`
	Recording         bool   `xml:"recording"`
	IsBreakout        bool   `xml:"isBreakout"`
}

// Meetings calls getMeetings.
func (b *BBB) Meetings(ctx context.Context) ([]BBBMeeting, error) {
	var out struct {
		ReturnCode string       `xml:"returncode"`
		MessageKey string       `xml:"messageKey"`
		Message    string       `xml:"message"`
		Meetings   []BBBMeeting `xml:"meetings>meeting"`
	}
	if err := b.get(ctx, "getMeetings", url.Values{}, &out); err != nil {
		return nil, err
	}
	if out.ReturnCode != "SUCCESS" {
		return nil, fmt.Errorf("BBB getMeetings: %s %s", out.MessageKey, out.Message)
	}
	return out.Meetings, nil
}

// End ends a meeting (end). BBB ends it asynchronously.
func (b *BBB) End(ctx context.Context, meetingID string) error {
	var out struct {
		ReturnCode string `xml:"returncode"`
		MessageKey string `xml:"messageKey"`
	}
	if err := b.get(ctx, "end", url.Values{"meetingID": {meetingID}}, &out); err != nil {
		return err
	}
	if out.ReturnCode != "SUCCESS" {
		return fmt.Errorf("BBB end %s: %s", meetingID, out.MessageKey)
	}
	return nil
}

func (b *BBB) get(ctx context.Context, call string, q url.Values, out any) error {
	qs := q.Encode()
	u := *b.endpoint
	u.Path += "/" + call
	sum := Checksum(b.Algo, call, qs, b.secret)
	if qs != "" {
		u.RawQuery = qs + "&checksum=" + sum
	} else {
		u.RawQuery = "checksum=" + sum
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return fmt.Errorf("BBB %s: %w", call, redact(err, b.secret))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("BBB %s: HTTP %s", call, strconv.Itoa(resp.StatusCode))
	}
	if err := xml.NewDecoder(io.LimitReader(resp.Body, 32<<20)).Decode(out); err != nil {
		return fmt.Errorf("BBB %s: bad answer: %w", call, err)
	}
	return nil
}
