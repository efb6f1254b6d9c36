package live

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Scalelite talks to a Scalelite load balancer's server API under
// /scalelite/api/ (app/controllers/api/servers_controller.rb and
// config/routes.rb in blindsidenetworks/scalelite). Every call is bounded
// in time; reads are retried with backoff, writes are not.
type Scalelite struct {
	base   *url.URL
	secret string
	client *http.Client
	// Algo is the checksum algorithm (live.checksum_algorithm; default sha256).
	Algo  string
	retry *retrier
}

// NewScalelite makes a client; base is Scalelite's URL (https://lb.example.org).
// A nil client means NewHTTPClient(DefaultCallTimeout).
func NewScalelite(base, secret string, client *http.Client) (*Scalelite, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("scalelite URL %q: want https://host", Scrub(base, secret))
	}
	if secret == "" {
		return nil, fmt.Errorf("scalelite: empty secret")
	}
	if client == nil {
		client = NewHTTPClient(DefaultCallTimeout)
	}
	return &Scalelite{base: u, secret: secret, client: client, Algo: "sha256",
		retry: newRetrier(DefaultReadAttempts, defaultBackoff, uint64(time.Now().UnixNano()))}, nil
}

// SetRetry sets how often a read is tried and the first backoff (it
// doubles, with full jitter). Defaults: DefaultReadAttempts, 200 ms.
func (c *Scalelite) SetRetry(attempts int, first time.Duration) {
	c.retry = newRetrier(attempts, first, uint64(time.Now().UnixNano()))
}

// OnlineState is Scalelite's "online" field: "online" or "offline" in
// server_to_json; older releases sent a boolean.
type OnlineState string

// UnmarshalJSON takes the string or the boolean form.
func (o *OnlineState) UnmarshalJSON(b []byte) error {
	switch strings.TrimSpace(string(b)) {
	case "true":
		*o = "online"
		return nil
	case "false", "null":
		*o = "offline"
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("online: %w", err)
	}
	*o = OnlineState(s)
	return nil
}

// ScaleliteServer is one BBB server as Scalelite lists it (server_to_json).
type ScaleliteServer struct {
	ID             string          `json:"id"`
	URL            string          `json:"url"`
	Secret         string          `json:"secret"`
	Tag            string          `json:"tag"`
	State          string          `json:"state"` // enabled, cordoned, disabled
	Load           json.RawMessage `json:"load"`  // a number, or "unavailable"
	LoadMultiplier json.RawMessage `json:"load_multiplier"`
	Online         OnlineState     `json:"online"` // online, offline
}

// IsOnline: the poller reached the server's BBB lately.
func (s ScaleliteServer) IsOnline() bool { return s.Online == "online" }

// LoadValue is the server's load, false when Scalelite has none
// ("unavailable": not polled yet, or offline).
func (s ScaleliteServer) LoadValue() (float64, bool) { return number(s.Load) }

// Multiplier is the server's load_multiplier (1 when absent). Rails
// renders a decimal column as a JSON string, so both forms are read.
func (s ScaleliteServer) Multiplier() float64 {
	if v, ok := number(s.LoadMultiplier); ok {
		return v
	}
	return 1
}

func number(raw json.RawMessage) (float64, bool) {
	t := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	v, err := strconv.ParseFloat(t, 64)
	return v, err == nil
}

// String never shows the secret: servers end up in logs.
func (s ScaleliteServer) String() string {
	return fmt.Sprintf("%s %s %s %s", s.ID, s.URL, s.State, s.Online)
}

// LogValue keeps the secret out of structured logs.
func (s ScaleliteServer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", s.ID), slog.String("url", s.URL), slog.String("state", s.State), slog.String("online", string(s.Online)))
}

// failedXML is the body of an XML error answer.
type failedXML struct {
	ReturnCode string `xml:"returncode"`
	MessageKey string `xml:"messageKey"`
	Message    string `xml:"message"`
}

// answerError reads an answer's status and body for an error: Scalelite's
// JSON {"error":…} with 4xx, or its XML FAILED with any status.
func answerError(api, call string, status int, body []byte) error {
	trimmed := bytes.TrimSpace(body)
	if bytes.HasPrefix(trimmed, []byte("<")) {
		var f failedXML
		if xml.Unmarshal(trimmed, &f) == nil && f.ReturnCode != "" && f.ReturnCode != "SUCCESS" {
			return &APIError{API: api, Call: call, Status: status, MessageKey: f.MessageKey, Message: f.Message}
		}
	}
	if status < 300 {
		return nil
	}
	var e struct {
		Error string `json:"error"`
	}
	msg := ""
	if json.Unmarshal(trimmed, &e) == nil {
		msg = e.Error
	}
	if msg == "" {
		msg = string(trimmed)
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
	}
	return &APIError{API: api, Call: call, Status: status, Message: msg}
}

// errNoServers is getServers' answer for an empty Scalelite: 404
// {"error":"No servers are configured"} (servers_controller.rb). An empty
// fleet is not an outage.
const noServersMessage = "No servers are configured"

func (c *Scalelite) call(ctx context.Context, method, action string, query url.Values, body, out any) error {
	q := query.Encode()
	u := *c.base
	u.Path += "/scalelite/api/" + action
	u.RawQuery = q
	if q != "" {
		u.RawQuery += "&"
	}
	u.RawQuery += "checksum=" + Checksum(c.Algo, action, q, c.secret)
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("scalelite %s: %w", action, err)
		}
	}
	attempt := func(ctx context.Context) (bool, error) {
		var rd io.Reader
		if payload != nil {
			rd = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
		if err != nil {
			return false, fmt.Errorf("scalelite %s: %w", action, wrapTransport("scalelite", action, &u, err))
		}
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.client.Do(req)
		if err != nil {
			return true, wrapTransport("scalelite", action, &u, err)
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
		if err != nil {
			return true, wrapTransport("scalelite", action, &u, err)
		}
		if err := answerError("scalelite", action, resp.StatusCode, data); err != nil {
			var ae *APIError
			return errors.As(err, &ae) && ae.retryable(), err
		}
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				return false, fmt.Errorf("scalelite %s: bad answer: %w", action, err)
			}
		}
		return false, nil
	}
	if method != http.MethodGet {
		_, err := attempt(ctx)
		return err
	}
	return c.retry.do(ctx, attempt)
}

// Servers lists every server (getServers). An empty Scalelite answers 404
// "No servers are configured": that is an empty list, not an error.
func (c *Scalelite) Servers(ctx context.Context) ([]ScaleliteServer, error) {
	var out []ScaleliteServer
	err := c.call(ctx, http.MethodGet, "getServers", url.Values{}, nil, &out)
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound && ae.Message == noServersMessage {
		return []ScaleliteServer{}, nil
	}
	return out, err
}

// AddServer registers a BBB server; Scalelite creates it disabled and
// offline until its first poll.
func (c *Scalelite) AddServer(ctx context.Context, bbbURL, secret string, loadMultiplier float64, tag string) (ScaleliteServer, error) {
	srv := map[string]any{"url": bbbURL, "secret": secret, "load_multiplier": loadMultiplier}
	if tag != "" {
		srv["tag"] = tag
	}
	var out ScaleliteServer
	return out, c.call(ctx, http.MethodPost, "addServer", url.Values{}, map[string]any{"server": srv}, &out)
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

// SetLoadMultiplier sets a server's load_multiplier (updateServer).
func (c *Scalelite) SetLoadMultiplier(ctx context.Context, id string, m float64) error {
	body := map[string]any{"id": id, "server": map[string]any{"load_multiplier": m}}
	return c.call(ctx, http.MethodPost, "updateServer", url.Values{}, body, nil)
}

// DeleteServer removes a server (deleteServer).
func (c *Scalelite) DeleteServer(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodPost, "deleteServer", url.Values{}, map[string]any{"id": id}, nil)
}
