package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/emulate"
	"github.com/scalite/scalite/live"
)

// TestPricesFetchThenSim: prices fetched through the SDK (every page) from
// the emulated EC2 are read by `scalite sim` as they are.
func TestPricesFetchThenSim(t *testing.T) {
	h, _ := datasets.DefaultPrices()
	emu := emulate.NewEC2()
	emu.Prices = h.Series
	srv := httptest.NewServer(emu)
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	out := filepath.Join(t.TempDir(), "prices.json")
	code, stdout, stderr := scalite(t, "prices", "fetch", "--region", "eu-west-1", "--instance-types", "c5a.4xlarge,c6i.4xlarge,m5.4xlarge",
		"--start-time", "2026-03-02T00:00:00Z", "--end-time", "2026-03-30T00:00:00Z", "--endpoint-url", srv.URL, "-o", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	records := 0
	for _, ser := range h.Series {
		records += ser.Len()
	}
	if !strings.Contains(stderr, fmt.Sprintf("fetched %d records", records)) {
		t.Errorf("stderr %s", stderr)
	}
	code, stdout, stderr = scalite(t, "sim", "--prices", out, "--format", "json", "--to", "2026-03-09")
	if code != 0 || !strings.Contains(stdout, `"policy_cost_usd"`) {
		t.Fatalf("sim on fetched prices: exit %d\n%s", code, stderr)
	}
}

// TestLiveOnceDryRunAndApply: scalite live against the emulated EC2 and
// Scalelite prints its plan in a dry run and acts with --apply.
// emulatedLive serves an emulated EC2 and Scalelite and writes a config
// for them (secrets, journal and lock in the test's directory, so the
// host's state stays out of it).
func emulatedLive(t *testing.T) (ec *emulate.EC2, ecURL, conf, dir string) {
	t.Helper()
	ec = emulate.NewEC2()
	h, _ := datasets.DefaultPrices()
	ec.Prices = h.Series
	ecSrv := httptest.NewServer(ec)
	t.Cleanup(ecSrv.Close)
	sl := emulate.NewScalelite("lb")
	slSrv := httptest.NewServer(sl)
	t.Cleanup(slSrv.Close)
	dir = t.TempDir()
	os.WriteFile(filepath.Join(dir, "sl.secret"), []byte("lb\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "bbb.secret"), []byte("bbb\n"), 0o600)
	cfg := config.Default()
	cfg.Live.ScaleliteURL, cfg.Live.ScaleliteSecretFile, cfg.Live.BBBSecretFile = slSrv.URL, filepath.Join(dir, "sl.secret"), filepath.Join(dir, "bbb.secret")
	cfg.Live.BBBURL = slSrv.URL + "/bbb/{instance_id}/bigbluebutton/api"
	cfg.Live.LaunchJournal, cfg.Live.LockFile = filepath.Join(dir, "launches.json"), filepath.Join(dir, "controller.lock")
	cfg.Live.EventLog = filepath.Join(dir, "events.jsonl")
	y, _ := config.Marshal(cfg)
	conf = filepath.Join(dir, "scalite.conf")
	os.WriteFile(conf, y, 0o644)
	return ec, ecSrv.URL, conf, dir
}

func TestLiveOnceDryRunAndApply(t *testing.T) {
	ec, ecURL, conf, dir := emulatedLive(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	args := []string{"live", "--config", conf, "--endpoint-url", ecURL, "--once"}
	code, out, errOut := scalite(t, args...)
	if code != 0 || !strings.Contains(out, "would launch") || len(ec.Live()) != 0 {
		t.Fatalf("dry run: exit %d, %d instances\n%s\n%s", code, len(ec.Live()), out, errOut)
	}
	if strings.Contains(out+errOut, "bbb\n") || strings.Contains(errOut, "secret") && strings.Contains(errOut, "=lb") {
		t.Error("a secret reached the output")
	}
	code, out, errOut = scalite(t, append(args, "--apply")...)
	if code != 0 || !strings.Contains(out, "did launch") || len(ec.Live()) == 0 {
		t.Fatalf("apply: exit %d, %d instances\n%s\n%s", code, len(ec.Live()), out, errOut)
	}
	// The launches are in live.event_log, which the interruption fit reads.
	log, _ := os.ReadFile(filepath.Join(dir, "events.jsonl"))
	if n := strings.Count(string(log), `"kind":"launch"`); n != len(ec.Live()) {
		t.Fatalf("event log has %d launches for %d instances:\n%s", n, len(ec.Live()), log)
	}
	if code, _, errOut := scalite(t, "interruptions", "fit", "--source", "event-log", filepath.Join(dir, "events.jsonl")); code != 0 {
		t.Fatalf("interruptions fit on the event log: exit %d: %s", code, errOut)
	}
	// Scalelite refusing (wrong secret): halted, exit 1, nothing launched.
	os.WriteFile(filepath.Join(dir, "sl.secret"), []byte("wrong\n"), 0o600)
	n := len(ec.Live())
	code, _, errOut = scalite(t, append(args, "--apply")...)
	if code != 1 || !strings.Contains(errOut, "halted") || len(ec.Live()) != n {
		t.Fatalf("with Scalelite refusing: exit %d: %s", code, errOut)
	}
}

func TestTraceRecordCLI(t *testing.T) {
	sl := emulate.NewScalelite("lb")
	srv := httptest.NewServer(sl)
	defer srv.Close()
	api, bbbSecret := sl.BBBServer(srv.URL, "one")
	sl.SetMeetings(api, []emulate.Meeting{{MeetingID: "m", InternalMeetingID: "m-1", ParticipantCount: 12}})
	// Fleet-wide getMeetings lists only enabled, online servers' meetings
	// (bigbluebutton_api_controller.rb): register it as polled and enabled.
	sl.Register(api, bbbSecret, "enabled", "")
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("lb"), 0o600)
	out := filepath.Join(dir, "trace.csv")
	code, _, errOut := scalite(t, "trace", "record", "--scalelite", srv.URL, "--secret-file", secret, "--interval", "1s", "--duration", "1500ms", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	ms, _, err := datasets.ReadTrace(out, filepath.Join(dir, "trace.samples.csv"))
	if err != nil || len(ms) != 1 || ms[0].ID != "m-1" || ms[0].Participants != 12 {
		t.Fatalf("trace %+v %v", ms, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "trace.polls.csv")); err != nil {
		t.Error("no poll log to resume from")
	}
}

func TestEmulateRefusesNonLoopback(t *testing.T) {
	code, _, errOut := scalite(t, "emulate", "--ec2-listen", "0.0.0.0:0", "--dir", t.TempDir())
	if code != 2 || !strings.Contains(errOut, "loopback") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// TestMetricsHandler: /metrics shows a reconcile's metrics, /healthz
// follows the controller's health.
func TestMetricsHandler(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := live.NewMetrics(reg)
	m.Actions.WithLabelValues("launch", "false").Add(2)
	m.Halted.Set(0)
	m.Reconcile.Observe(0.2)
	healthy := false
	h := metricsHandler(reg, func() bool { return healthy })
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code, rec.Body.String()
	}
	code, body := get("/metrics")
	for _, want := range []string{`scalite_actions_total{applied="false",kind="launch"} 2`, "scalite_halted 0", "scalite_reconcile_seconds_count 1"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics (%d) lacks %s", code, want)
		}
	}
	if code, _ := get("/healthz"); code != http.StatusServiceUnavailable {
		t.Errorf("/healthz before a reconcile: %d", code)
	}
	healthy = true
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
}

// TestPricesFetchTakesAWSCLISyntax: `--instance-types a b` (space-separated,
// as the AWS CLI takes it) must not end flag parsing: the endpoint, times
// and output after it are honoured, and the request never goes to AWS.
func TestPricesFetchTakesAWSCLISyntax(t *testing.T) {
	h, _ := datasets.DefaultPrices()
	emu := emulate.NewEC2()
	emu.Prices = h.Series
	srv := httptest.NewServer(emu)
	defer srv.Close()
	for _, env := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
		t.Setenv(env, "")
	}
	t.Setenv("AWS_REGION", "eu-west-1") // --region falls back to it, as the AWS CLI does
	out := filepath.Join(t.TempDir(), "prices.json")
	code, stdout, stderr := scalite(t, "prices", "fetch", "--instance-types", "c5a.4xlarge", "m5.4xlarge",
		"--endpoint-url", srv.URL, "--start-time", "2026-03-02T00:00:00Z", "--end-time", "2026-03-09T00:00:00Z", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	recs, err := datasets.ReadPrices([]string{out}, datasets.PriceReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{}
	for k := range recs.Series {
		types[k.InstanceType] = true
	}
	if len(types) != 2 || !types["c5a.4xlarge"] || !types["m5.4xlarge"] {
		t.Fatalf("fetched types %v, want both given space-separated", types)
	}
}

// TestCommandsRefuseStrayArguments: a word a command does not take is an
// error (exit 2), not silently the end of its flags.
func TestCommandsRefuseStrayArguments(t *testing.T) {
	for _, args := range [][]string{
		{"sim", "extra"},
		{"prices", "fetch", "--region", "eu-west-1", "stray", "--endpoint-url", "http://127.0.0.1:1"},
		{"catalog", "what"},
	} {
		code, _, stderr := scalite(t, args...)
		if code != 2 || !strings.Contains(stderr, "takes no arguments") {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
		}
	}
}

// TestDryRunWithoutAWSCredentials: the README's rehearsal dry run works on
// a machine with no AWS credentials: against an emulator on loopback the
// SDK neither needs credentials nor probes the instance metadata service.
func TestDryRunWithoutAWSCredentials(t *testing.T) {
	_, ecURL, conf, dir := emulatedLive(t)
	for _, env := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"} {
		t.Setenv(env, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	// An instance metadata service that fails the test if asked.
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the SDK asked the metadata service: %s %s", r.Method, r.URL.Path)
		http.Error(w, "no", http.StatusForbidden)
	}))
	defer imds.Close()
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.URL)
	code, out, errOut := scalite(t, "live", "--config", conf, "--endpoint-url", ecURL, "--once")
	if code != 0 || !strings.Contains(out, "would launch") {
		t.Fatalf("dry run without credentials: exit %d\n%s\n%s", code, out, errOut)
	}
}
