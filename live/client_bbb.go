package live

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// BBB talks to a BigBlueButton API endpoint: a BBB server's, or Scalelite's
// (which answers for the whole fleet). Calls are bounded in time; reads
// are retried with backoff.
type BBB struct {
	endpoint *url.URL // .../bigbluebutton/api
	secret   string
	client   *http.Client
	// Algo is the checksum algorithm (default sha256).
	Algo  string
	retry *retrier
}

// NewBBB makes a client for an API URL such as https://bbb1.example.org/bigbluebutton/api.
// A nil client means NewHTTPClient(DefaultCallTimeout).
func NewBBB(endpoint, secret string, client *http.Client) (*BBB, error) {
	u, err := url.Parse(strings.TrimRight(endpoint, "/"))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("BBB API URL %q: want https://host/bigbluebutton/api", Scrub(endpoint, secret))
	}
	if client == nil {
		client = NewHTTPClient(DefaultCallTimeout)
	}
	return &BBB{endpoint: u, secret: secret, client: client, Algo: "sha256",
		retry: newRetrier(DefaultReadAttempts, defaultBackoff, uint64(time.Now().UnixNano()))}, nil
}

// SetRetry sets how often a read is tried and the first backoff (it
// doubles, with full jitter). Defaults: DefaultReadAttempts, 200 ms.
func (b *BBB) SetRetry(attempts int, first time.Duration) {
	b.retry = newRetrier(attempts, first, uint64(time.Now().UnixNano()))
}

// BBBMeeting is one meeting of getMeetings.
type BBBMeeting struct {
	MeetingID         string `xml:"meetingID"`
	MeetingName       string `xml:"meetingName"`
	InternalMeetingID string `xml:"internalMeetingID"`
	CreateTime        int64  `xml:"createTime"` // epoch ms
	Running           bool   `xml:"running"`
	ParticipantCount  int    `xml:"participantCount"`
	ListenerCount     int    `xml:"listenerCount"`
	VoiceCount        int    `xml:"voiceParticipantCount"`
	ModeratorCount    int    `xml:"moderatorCount"`
	VideoCount        int    `xml:"videoCount"`
	Recording         bool   `xml:"recording"`
	IsBreakout        bool   `xml:"isBreakout"`
}

// Meetings calls getMeetings. BBB answers SUCCESS with messageKey
// noMeetings and no <meeting> when none runs.
func (b *BBB) Meetings(ctx context.Context) ([]BBBMeeting, error) {
	var out struct {
		Meetings []BBBMeeting `xml:"meetings>meeting"`
	}
	if err := b.get(ctx, "getMeetings", url.Values{}, true, &out); err != nil {
		return nil, err
	}
	return out.Meetings, nil
}

// End ends a meeting (end). BBB ends it asynchronously.
func (b *BBB) End(ctx context.Context, meetingID string) error {
	return b.get(ctx, "end", url.Values{"meetingID": {meetingID}}, false, nil)
}

func (b *BBB) get(ctx context.Context, call string, q url.Values, read bool, out any) error {
	qs := q.Encode()
	u := *b.endpoint
	u.Path += "/" + call
	u.RawQuery = qs
	if qs != "" {
		u.RawQuery += "&"
	}
	u.RawQuery += "checksum=" + Checksum(b.Algo, call, qs, b.secret)
	attempt := func(ctx context.Context) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return false, wrapTransport("BBB", call, &u, err)
		}
		resp, err := b.client.Do(req)
		if err != nil {
			return true, wrapTransport("BBB", call, &u, err)
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
		if err != nil {
			return true, wrapTransport("BBB", call, &u, err)
		}
		if err := answerError("BBB", call, resp.StatusCode, data); err != nil {
			var ae *APIError
			return errors.As(err, &ae) && ae.retryable(), err
		}
		var rc struct {
			ReturnCode string `xml:"returncode"`
		}
		if err := xml.Unmarshal(data, &rc); err != nil || rc.ReturnCode != "SUCCESS" {
			return false, fmt.Errorf("BBB %s: not a BBB answer (HTTP %d)", call, resp.StatusCode)
		}
		if out != nil {
			if err := xml.Unmarshal(data, out); err != nil {
				return false, fmt.Errorf("BBB %s: bad answer: %w", call, err)
			}
		}
		return false, nil
	}
	if !read {
		_, err := attempt(ctx)
		return err
	}
	return b.retry.do(ctx, attempt)
}
