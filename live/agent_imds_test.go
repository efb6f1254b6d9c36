package live_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// imdsDouble is an instance metadata service with IMDSv2 required, as AWS
// documents it in "Use the Instance Metadata Service to access instance
// metadata" / "How Instance Metadata Service Version 2 works"
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-metadata-v2-how-it-works.html)
// and "Configure the instance metadata options" (HttpTokens=required,
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html):
//   - a session starts with PUT /latest/api/token carrying
//     X-aws-ec2-metadata-token-ttl-seconds (1 to 21600); the answer is the
//     token, and the TTL is echoed in the same header; without a valid TTL
//     the PUT answers 400;
//   - every GET must carry the token in X-aws-ec2-metadata-token; with
//     IMDSv2 required a GET without a valid token answers 401 Unauthorized;
//   - a path that does not exist answers 404: spot/instance-action and
//     events/recommendations/rebalance do until AWS gives the notice
//     ("Spot Instance interruption notices", "EC2 instance rebalance
//     recommendations" in the EC2 user guide).
//
// tokenPUT overrides the token endpoint, to make it fail (403: IMDS
// disabled by the instance's options) or hang. Every request is recorded.
type imdsDouble struct {
	t        testing.TB
	srv      *httptest.Server
	tokenPUT http.HandlerFunc

	mu       sync.Mutex
	paths    map[string]string // metadata path -> body
	requests []imdsRequest
}

type imdsRequest struct {
	Method, Path string
	Token        string
}

const imdsToken = "AQAEAN-session-token"

func newIMDSDouble(t testing.TB, paths map[string]string) *imdsDouble {
	d := &imdsDouble{t: t, paths: map[string]string{}}
	for k, v := range paths {
		d.paths[k] = v
	}
	d.srv = httptest.NewServer(http.HandlerFunc(d.serve))
	t.Cleanup(d.srv.Close)
	return d
}

func (d *imdsDouble) URL() string { return d.srv.URL }

func (d *imdsDouble) set(path, body string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.paths[path] = body
}

func (d *imdsDouble) log() []imdsRequest {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]imdsRequest(nil), d.requests...)
}

// tokenless lists the requests other than the token PUT that came without a
// token: IMDSv1 requests.
func (d *imdsDouble) tokenless() []imdsRequest {
	var out []imdsRequest
	for _, r := range d.log() {
		if !(r.Method == http.MethodPut && r.Path == "/latest/api/token") && r.Token == "" {
			out = append(out, r)
		}
	}
	return out
}

func (d *imdsDouble) serve(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	d.requests = append(d.requests, imdsRequest{Method: r.Method, Path: r.URL.Path, Token: r.Header.Get("X-aws-ec2-metadata-token")})
	d.mu.Unlock()
	if r.URL.Path == "/latest/api/token" {
		if r.Method != http.MethodPut {
			http.Error(w, "", http.StatusMethodNotAllowed)
			return
		}
		if d.tokenPUT != nil {
			d.tokenPUT(w, r)
			return
		}
		ttl, err := strconv.Atoi(r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds"))
		if err != nil || ttl < 1 || ttl > 21600 {
			http.Error(w, "", http.StatusBadRequest)
			return
		}
		w.Header().Set("X-aws-ec2-metadata-token-ttl-seconds", strconv.Itoa(ttl))
		w.Write([]byte(imdsToken))
		return
	}
	if r.Header.Get("X-aws-ec2-metadata-token") != imdsToken {
		http.Error(w, "", http.StatusUnauthorized)
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, "/latest/meta-data/")
	d.mu.Lock()
	body, found := d.paths[path]
	d.mu.Unlock()
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	w.Write([]byte(body))
}
