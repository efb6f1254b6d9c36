package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

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

// TestAgentCredentialsUseIMDSv2Only: the agent's EC2 client reads the
// instance-profile credentials through an IMDSv2-only client too: with the
// token refused, the call fails and no tokenless request reaches IMDS (the
// SDK's default credential client would fall back to IMDSv1).
func TestAgentCredentialsUseIMDSv2Only(t *testing.T) {
	var mu sync.Mutex
	var puts int
	var tokenless []string
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodPut && r.URL.Path == "/latest/api/token" {
			puts++
			http.Error(w, "", http.StatusForbidden)
			return
		}
		if r.Header.Get("X-aws-ec2-metadata-token") == "" {
			tokenless = append(tokenless, r.Method+" "+r.URL.Path)
		}
		http.NotFound(w, r)
	}))
	defer imds.Close()
	ec2Calls := 0
	ec2Srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ec2Calls++
		mu.Unlock()
		http.Error(w, "", http.StatusForbidden)
	}))
	defer ec2Srv.Close()
	// Only the instance profile can supply credentials here.
	dir := t.TempDir()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_V1_DISABLED"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	// Also where the SDK's own default IMDS client would go.
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // a liveness bound
	defer cancel()
	client, err := agentEC2Client(ctx, "eu-west-1", ec2Srv.URL, imds.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{"i-0123456789abcdef0"}, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err == nil {
		t.Fatal("CreateTags succeeded without credentials")
	}
	mu.Lock()
	defer mu.Unlock()
	if puts == 0 {
		t.Fatalf("credentials were not sought from IMDS (%v): the test tests nothing", err)
	}
	if len(tokenless) > 0 {
		t.Fatalf("tokenless IMDS requests: %v", tokenless)
	}
	if ec2Calls > 0 {
		t.Fatalf("%d unsigned EC2 calls", ec2Calls)
	}
}
