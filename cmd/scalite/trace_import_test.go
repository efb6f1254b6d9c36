package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/model"
)

func mustScalite(t *testing.T, args ...string) (string, string) {
	t.Helper()
	code, out, errOut := scalite(t, args...)
	if code != 0 {
		t.Fatalf("scalite %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out, errOut
}

func TestTraceImportCommands(t *testing.T) {
	dir := t.TempDir()
	trace, samples := filepath.Join(dir, "rec.csv"), filepath.Join(dir, "rec.samples.csv")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"events-xml", []string{"trace", "import", "events-xml", "-o", trace, "--samples", samples, "../../traceimport/testdata/raw"}, 0,
			[]string{"2 meetings from 3 events.xml files (1 without participants skipped, 1 leaves of unknown users ignored)", "wrote 2 meetings to"}},
		{"inspect the import", []string{"trace", "inspect", "--samples", samples, trace}, 0,
			[]string{"2 meetings from 2026-03-02 08:00:00Z to 2026-03-02 09:04:00Z (2 recorded, largest 3 participants)", "9 samples applied"}},
		{"events-xml without paths", []string{"trace", "import", "events-xml", "-o", trace}, 2, []string{"takes one or more"}},
		{"prometheus bad step", []string{"trace", "import", "prometheus", "--url", "http://127.0.0.1:9", "--from", "2026-03-02", "--to", "2026-03-03", "--step", "1500ms", "-o", trace}, 2, []string{"--step 1.5s: want whole seconds"}},
		{"prometheus backwards", []string{"trace", "import", "b3scale", "--url", "http://127.0.0.1:9", "--from", "2026-03-03", "--to", "2026-03-02", "-o", trace}, 2, []string{"is not after --from"}},
		// Port 9 on loopback refuses: the error names the server, no file is written.
		{"prometheus unreachable", []string{"trace", "import", "prometheus", "--url", "http://127.0.0.1:9", "--from", "2026-03-02", "--to", "2026-03-03", "--timeout", "2s", "-o", filepath.Join(dir, "none.csv")}, 1, []string{"importing from http://127.0.0.1:9", "query_range"}},
		{"expose", []string{"trace", "expose", "--servers", "2", "-o", filepath.Join(dir, "x.om"), trace}, 0, []string{"wrote bbb-exporter series of 2 meetings on 2 servers"}},
		{"expose bad kind", []string{"trace", "expose", "--as", "zabbix", trace}, 2, []string{`--as "zabbix"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := scalite(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out+errOut, w) {
					t.Errorf("output lacks %q\nstdout: %s\nstderr: %s", w, out, errOut)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "none.csv")); !os.IsNotExist(err) {
		t.Errorf("a failed import left its output: %v", err)
	}
	om, err := os.ReadFile(filepath.Join(dir, "x.om"))
	if err != nil || !strings.Contains(string(om), `bbb_meetings{instance="bbb-01:9688",job="bbb"}`) || !strings.HasSuffix(string(om), "# EOF\n") {
		t.Errorf("exposition is not OpenMetrics of the exporter: %v", err)
	}
}

func TestTraceCompareAndFit(t *testing.T) {
	dir := t.TempDir()
	school, fitted := filepath.Join(dir, "school.csv"), filepath.Join(dir, "fitted.csv")
	mustScalite(t, "trace", "generate", "--profile", "school", "--days", "14", "-o", school)
	_, errOut := mustScalite(t, "trace", "generate", "--profile", "school", "--fit", school, "--days", "14", "--seed", "2", "-o", fitted)
	for _, w := range []string{"fitted to " + school, "slots (working days, mean meetings starting): 07:00=", "durations 45-45 min"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("fit output lacks %q:\n%s", w, errOut)
		}
	}
	out, _ := mustScalite(t, "trace", "compare", "--out", dir, school, fitted)
	for _, w := range []string{"A: " + school, "Kolmogorov-Smirnov distance", "meeting durations", "weekly profile"} {
		if !strings.Contains(out, w) {
			t.Errorf("compare output lacks %q:\n%s", w, out)
		}
	}
	for _, f := range []string{"compare.png", "compare.svg"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	if code, _, errOut := scalite(t, "trace", "compare", school); code != 2 || !strings.Contains(errOut, "takes two traces") {
		t.Errorf("compare with one trace: exit %d, %s", code, errOut)
	}
}

// TestTimetableCutsSchoolOverload: the timetable written behind a school
// week, given to the simulator as prewarm.timetable, cuts the 08:00
// overload of reactive scaling by more than half.
func TestTimetableCutsSchoolOverload(t *testing.T) {
	dir := t.TempDir()
	trace, ics := filepath.Join(dir, "school.csv"), filepath.Join(dir, "school.ics")
	mustScalite(t, "trace", "generate", "--profile", "school", "--days", "7", "--timetable", ics, "-o", trace)
	cfg := filepath.Join(dir, "timetable.yaml")
	if err := os.WriteFile(cfg, []byte("prewarm:\n  timetable: "+ics+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	overload := func(args ...string) float64 {
		out, _ := mustScalite(t, append([]string{"sim", "--trace", trace, "--format", "json"}, args...)...)
		var r map[string]any
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return r["overloaded_participant_minutes"].(float64)
	}
	reactive, planned := overload(), overload("--config", cfg)
	t.Logf("overloaded participant-minutes: reactive %.0f, timetable %.0f", reactive, planned)
	if reactive == 0 || planned > reactive/2 {
		t.Errorf("timetable overload %.0f, want under half of reactive %.0f", planned, reactive)
	}
	// A broken timetable stops the run, naming the key, the file and line.
	if err := os.WriteFile(ics, []byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:2026\nEND:VEVENT\nEND:VCALENDAR\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := scalite(t, "sim", "--trace", trace, "--config", cfg)
	if code != 1 || !strings.Contains(errOut, "prewarm.timetable: "+ics+": line 3: DTSTART") {
		t.Errorf("exit %d, stderr %s", code, errOut)
	}
}

// TestLiveTimetable: the live controller's policy gets the timetable's
// sessions from a day ago to a year ahead; a broken file stops it.
func TestLiveTimetable(t *testing.T) {
	dir := t.TempDir()
	ics := filepath.Join(dir, "t.ics")
	body := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260302T080000Z\r\nDURATION:PT45M\r\nRRULE:FREQ=WEEKLY;BYDAY=MO\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	if err := os.WriteFile(ics, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	var pol model.Policy
	if err := liveTimetable(&pol, config.PreWarm{Timetable: ics, TimetableParticipants: 30}, now); err != nil {
		t.Fatal(err)
	}
	// Mondays 08:00-08:45 overlapping [23 Nov 09:00, a year on]: 30 Nov 2026
	// to 22 Nov 2027, 52 of them, of the default size.
	if n := len(pol.Timetable); n != 52 || pol.Timetable[0].Start != time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC).Unix() || pol.Timetable[0].Participants != 30 {
		t.Errorf("%d sessions, first %+v", n, pol.Timetable[0])
	}
	if err := os.WriteFile(ics, []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := liveTimetable(&pol, config.PreWarm{Timetable: ics}, now); err == nil || !strings.Contains(err.Error(), "prewarm.timetable: "+ics+": no timed VEVENT") {
		t.Errorf("error %v", err)
	}
}
