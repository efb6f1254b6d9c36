package live

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Calls to Scalelite and to BBB servers are bounded in time and retried
// only when they are reads: a controller that waits forever on one BBB
// cannot protect the fleet, and a write retried blindly may act twice.
const (
	// DefaultCallTimeout bounds one HTTP attempt, connection to last byte.
	DefaultCallTimeout = 10 * time.Second
	// DefaultReadAttempts is how often an idempotent read is tried.
	DefaultReadAttempts = 3
	// defaultBackoff is the first retry's wait; it doubles, with jitter.
	defaultBackoff = 200 * time.Millisecond
)

// NewHTTPClient is the client Scalite uses when none is given: a hard
// timeout per request (http.DefaultClient has none) and no redirects
// followed, since an API call that redirects is not one we understand.
func NewHTTPClient(timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = DefaultCallTimeout
	}
	return &http.Client{
		Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// retrier spaces out the attempts of an idempotent read: exponential
// backoff with full jitter, from a random source it owns (callers may run
// in parallel, so it is locked).
type retrier struct {
	attempts int
	first    time.Duration
	mu       sync.Mutex
	rnd      *rand.Rand
}

func newRetrier(attempts int, first time.Duration, seed uint64) *retrier {
	if attempts < 1 {
		attempts = 1
	}
	return &retrier{attempts: attempts, first: first, rnd: rand.New(rand.NewPCG(seed, 0x5ca1))}
}

func (r *retrier) wait(attempt int) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.first << attempt
	return time.Duration(r.rnd.Int64N(int64(d)) + 1)
}

// do runs fn until it succeeds, fails for good, the attempts are spent or
// ctx ends. fn reports whether its error is worth another attempt.
func (r *retrier) do(ctx context.Context, fn func(context.Context) (retry bool, err error)) error {
	var err error
	for attempt := 0; ; attempt++ {
		var retry bool
		if retry, err = fn(ctx); err == nil || !retry || attempt+1 >= r.attempts {
			return err
		}
		t := time.NewTimer(r.wait(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
}

// checksumParam matches a checksum in anything that quotes a URL.
var checksumParam = regexp.MustCompile(`(?i)(checksum=)[0-9a-f]+`)

// Scrub removes checksums and the given secrets from a text meant for a
// log, an error or a notification. A checksum over an empty query is a
// constant per secret, so a logged one is a replayable credential.
func Scrub(s string, secrets ...string) string {
	s = checksumParam.ReplaceAllString(s, "${1}[redacted]")
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[secret]")
		}
	}
	return s
}

// transportError is a failed HTTP exchange, told without its URL's query:
// net/http's *url.Error quotes the whole URL, checksum included.
type transportError struct {
	api, call, where string
	err              error
	timeout          bool
}

func (e *transportError) Error() string {
	return fmt.Sprintf("%s %s: %s: %s", e.api, e.call, e.where, Scrub(e.err.Error()))
}

// Timeout tells a call that took too long from one that was refused.
func (e *transportError) Timeout() bool { return e.timeout }

// wrapTransport turns an error of http.Client.Do into one safe to log.
func wrapTransport(api, call string, u *url.URL, err error) error {
	where := u.Scheme + "://" + u.Host + u.Path
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = ue.Err
	}
	te := &transportError{api: api, call: call, where: where, err: inner}
	var t interface{ Timeout() bool }
	te.timeout = errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &t) && t.Timeout())
	return te
}

// APIError is an error answer of Scalelite or BBB: an HTTP status, and for
// the XML answers the returncode FAILED with its messageKey. Scalelite
// sends checksum, content-type and missing-parameter errors as HTTP 200
// with such a body (app/controllers/application_controller.rb and
// app/controllers/concerns/api_helper.rb in blindsidenetworks/scalelite),
// so the status alone says nothing.
type APIError struct {
	API, Call  string
	Status     int
	MessageKey string
	Message    string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: HTTP %d", e.API, e.Call, e.Status)
	if e.MessageKey != "" {
		fmt.Fprintf(&b, " FAILED %s", e.MessageKey)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", Scrub(e.Message))
	}
	if e.MessageKey == "checksumError" {
		b.WriteString(" (the shared secret or the checksum algorithm, live.checksum_algorithm, is wrong)")
	}
	return b.String()
}

// retryable: a server error or throttling may pass; a 4xx or a FAILED will not.
func (e *APIError) retryable() bool {
	return e.MessageKey == "" && (e.Status >= 500 || e.Status == http.StatusTooManyRequests)
}
