package emulate

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"time"
)

// bbbError is a BBBError raised by get_post_req (api_helper.rb): a BBB
// answer with a returncode other than SUCCESS, or none at all. Scalelite
// passes these on to its caller; any other failure (no connection, a
// timeout) is a StandardError it words itself.
type bbbError struct{ key, message string }

func (e *bbbError) Error() string { return e.key + ": " + e.message }

// upstreamURL is encode_bbb_uri (api_helper.rb): the server URL with a
// trailing slash, joined with the action, the parameters in
// URI.encode_www_form and the checksum over action + that query + the
// server's secret.
func (s *Scalelite) upstreamURL(base, secret, action string, p params) string {
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	q := p.encode()
	sum := Checksum(s.signingAlgorithm(), action, q, secret)
	if q != "" {
		q += "&"
	}
	return base + action + "?" + q + "checksum=" + sum
}

// getPostReq is get_post_req (api_helper.rb): one GET bounded by
// RESPONSE_TIMEOUT; the body must be XML with /response/returncode, and
// anything but SUCCESS is a bbbError.
func (s *Scalelite) getPostReq(ctx context.Context, base, secret, action string, p params) ([]byte, error) {
	timeout := s.ResponseTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.upstreamURL(base, secret, action, p), nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.upstreamClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	// Net::HTTP does not look at the status: the body decides.
	var doc struct {
		XMLName    xml.Name
		ReturnCode *string `xml:"returncode"`
		MessageKey string  `xml:"messageKey"`
		Message    string  `xml:"message"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil || doc.XMLName.Local != "response" || doc.ReturnCode == nil {
		return nil, &bbbError{"internalError", "Response did not include returncode"}
	}
	if *doc.ReturnCode != "SUCCESS" {
		return nil, &bbbError{doc.MessageKey, doc.Message}
	}
	return body, nil
}

func (s *Scalelite) upstreamClient() *http.Client {
	if s.HTTPClient != nil {
		return s.HTTPClient
	}
	return &http.Client{Transport: inProcess{s}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// inProcess carries Scalelite's calls to the emulated BBB servers without
// a network: an unknown, unbooted or down server refuses the connection.
type inProcess struct{ s *Scalelite }

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	key := bbbKey(req.URL.String())
	if !t.s.reachable(key) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	}
	rec := httptest.NewRecorder()
	t.s.serveBBB(rec, req, key)
	if err := req.Context().Err(); err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// isBBBError reports a bbbError and returns it.
func isBBBError(err error) (*bbbError, bool) {
	var be *bbbError
	ok := errors.As(err, &be)
	return be, ok
}
