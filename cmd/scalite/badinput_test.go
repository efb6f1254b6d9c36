package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBadInputMessages(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	header := "meeting_id,start,end,participants,moderators,video_streams,recorded,tag\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("Timestamp,AvailabilityZone,InstanceType,ProductDescription,SpotPrice\n2022-01-01T00:00:00Z,eu-west-1a,m5.large,Linux/UNIX,0.1\n"))
	zw.Close()
	cases := []struct {
		name      string
		args      []string
		code      int
		want, not string
	}{
		{"meeting with nobody", []string{"trace", "inspect", write("zero.csv", []byte(header+"m1,2026-03-02T08:00:00Z,2026-03-02T09:00:00Z,0,0,0,false,\n"))}, 0,
			"peak concurrent participants: 0 (no meeting has any participant)", "1970"},
		{"trace without meetings", []string{"trace", "inspect", write("empty.csv", []byte(header))}, 1, "empty.csv: no meetings", "1970"},
		{"absurd price", []string{"prices", "inspect", write("huge.csv", []byte("Timestamp,AvailabilityZone,InstanceType,ProductDescription,SpotPrice\n2022-01-01T00:00:00Z,eu-west-1a,m5.large,Linux/UNIX,1e308\n"))}, 1,
			"huge.csv: line 2: field SpotPrice: price 1e308 USD/hour is above the 1000 USD/hour", ""},
		{"truncated gzip", []string{"prices", "inspect", write("cut.csv.gz", gz.Bytes()[:gz.Len()-10])}, 1, "cut.csv.gz: compressed file is corrupt or truncated", "empty file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := scalite(t, c.args...)
			all := stdout + stderr
			if code != c.code || !strings.Contains(all, c.want) || (c.not != "" && strings.Contains(all, c.not)) {
				t.Errorf("exit %d (want %d), output:\n%s\nwant %q and not %q", code, c.code, all, c.want, c.not)
			}
		})
	}
}
