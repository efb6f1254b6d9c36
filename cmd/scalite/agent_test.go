package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/scalite/scalite/config"
)

// TestAgentCLIUsesIMDSv2Only: `scalite agent` builds its metadata client
// IMDSv2-only. With the token PUT refused (403: IMDS answers so when tokens
// cannot be issued,
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-metadata-v2-how-it-works.html)
// it exits 1 naming IMDS, and no tokenless (IMDSv1) GET reaches the service.
func TestAgentCLIUsesIMDSv2Only(t *testing.T) {
	var mu sync.Mutex
	var tokenless []string
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Path == "/latest/api/token" {
			http.Error(w, "", http.StatusForbidden)
			return
		}
		if r.Header.Get("X-aws-ec2-metadata-token") == "" {
			mu.Lock()
			tokenless = append(tokenless, r.Method+" "+r.URL.Path)
			mu.Unlock()
		}
		w.Write([]byte("i-0123456789abcdef0"))
	}))
	defer imds.Close()
	// Nothing the agent may call before it knows its instance: any call
	// here fails the test.
	unused := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected call %s %s", r.Method, r.URL)
		http.Error(w, "", http.StatusInternalServerError)
	}))
	defer unused.Close()

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "sl.secret"), []byte("lb\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "bbb.secret"), []byte("bbb\n"), 0o600)
	cfg := config.Default()
	cfg.Live.ScaleliteURL, cfg.Live.ScaleliteSecretFile, cfg.Live.BBBSecretFile = unused.URL, filepath.Join(dir, "sl.secret"), filepath.Join(dir, "bbb.secret")
	y, err := config.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "scalite.conf")
	os.WriteFile(conf, y, 0o644)
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	code, out, errOut := scalite(t, "agent", "--config", conf, "--endpoint-url", unused.URL, "--imds-endpoint", imds.URL, "--once")
	if code != 1 || !strings.Contains(errOut, "IMDS") {
		t.Fatalf("exit %d, want 1 naming IMDS\n%s\n%s", code, out, errOut)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(tokenless) > 0 {
		t.Fatalf("tokenless IMDS requests: %v", tokenless)
	}
}
