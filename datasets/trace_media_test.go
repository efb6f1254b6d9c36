package datasets

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/scalite/scalite/model"
)

const mediaTrace = "meeting_id,start,end,participants,moderators,video_streams,recorded,tag,voice_participants,listeners,screenshare\n" +
	"talk,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z,10,1,4,false,,6,4,1\n" +
	"quiet,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z,10,2,0,false,,,,\n"

func TestTraceMediaColumnsAreReadAndDefaulted(t *testing.T) {
	ms, err := ParseTrace(strings.NewReader(mediaTrace), "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*model.Meeting{}
	for i := range ms {
		byID[ms[i].ID] = &ms[i]
	}
	if m := byID["talk"]; m.VoiceParticipants != 6 || m.Listeners != 4 || m.Screenshares != 1 {
		t.Errorf("talk: %+v", m)
	}
	// Absent: the moderators speak, the others listen, no screen.
	if x := byID["quiet"].MediaAt(byID["quiet"].Start); x.Voice != 2 || x.Listeners != 8 || x.Screenshares != 0 {
		t.Errorf("quiet defaults: %+v", x)
	}
}

func TestTraceMediaColumnBadValueNamesLineAndField(t *testing.T) {
	bad := strings.Replace(mediaTrace, ",6,4,1", ",6,x,1", 1)
	_, err := ParseTrace(strings.NewReader(bad), "t.csv")
	var ie *InputError
	if !errors.As(err, &ie) || ie.Line != 2 || ie.Field != "listeners" {
		t.Fatalf("error = %v, want line 2 field listeners", err)
	}
}

func TestWriteTraceAddsMediaColumnsOnlyWhenThereIsMedia(t *testing.T) {
	ms, err := ParseTrace(strings.NewReader(mediaTrace), "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteTrace(&buf, ms); err != nil {
		t.Fatal(err)
	}
	back, err := ParseTrace(bytes.NewReader(buf.Bytes()), "back.csv")
	if err != nil {
		t.Fatal(err)
	}
	for i := range ms {
		if ms[i].VoiceParticipants != back[i].VoiceParticipants || ms[i].Listeners != back[i].Listeners || ms[i].Screenshares != back[i].Screenshares {
			t.Errorf("round trip: %+v became %+v", ms[i], back[i])
		}
	}
	plain := []model.Meeting{{ID: "a", Start: 0, End: 60, Participants: 3}}
	buf.Reset()
	if err := WriteTrace(&buf, plain); err != nil {
		t.Fatal(err)
	}
	if head, _, _ := strings.Cut(buf.String(), "\n"); head != "meeting_id,start,end,participants,moderators,video_streams,recorded,tag" {
		t.Errorf("a trace without media got header %q", head)
	}
}

func TestSamplesCarryMediaOverTime(t *testing.T) {
	ms, err := ParseTrace(strings.NewReader(mediaTrace), "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	samples := "time,meeting_id,participants,video_streams,screenshare\n" +
		"2026-03-02T09:10:00Z,talk,10,9,0\n" +
		"2026-03-02T09:20:00Z,quiet,12,,\n"
	if _, _, err := ApplySamples(ms, strings.NewReader(samples), "s.csv"); err != nil {
		t.Fatal(err)
	}
	var talk, quiet *model.Meeting
	for i := range ms {
		switch ms[i].ID {
		case "talk":
			talk = &ms[i]
		case "quiet":
			quiet = &ms[i]
		}
	}
	at := talk.Start + 15*60
	if x := talk.MediaAt(at); x.Webcams != 9 || x.Screenshares != 0 || x.Voice != 6 {
		t.Errorf("talk after its media sample: %+v (webcams and screenshare from the sample, voice from the trace)", x)
	}
	if x := talk.MediaAt(talk.Start); x.Webcams != 4 || x.Screenshares != 1 {
		t.Errorf("talk before its media sample: %+v", x)
	}
	if len(quiet.Media) != 0 || quiet.ParticipantsAt(quiet.Start+25*60) != 12 {
		t.Errorf("a sample without media columns changed media: %+v", quiet.Media)
	}
	var buf bytes.Buffer
	if err := WriteSamples(&buf, ms); err != nil {
		t.Fatal(err)
	}
	fresh, err := ParseTrace(strings.NewReader(mediaTrace), "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ApplySamples(fresh, bytes.NewReader(buf.Bytes()), "written.csv"); err != nil {
		t.Fatal(err)
	}
	lm := model.DefaultLoadModel()
	for i := range ms {
		for _, tt := range []int64{ms[i].Start, ms[i].Start + 15*60, ms[i].Start + 25*60} {
			if a, b := lm.LoadAt(&ms[i], tt), lm.LoadAt(&fresh[i], tt); a != b {
				t.Errorf("%s at %d: load %v, after writing and reading the samples %v", ms[i].ID, tt, a, b)
			}
		}
	}
}

func TestCatalogCapacityLoadColumn(t *testing.T) {
	csv := "region,instance_type,vcpu,on_demand_usd_per_hour,capacity_load\n" +
		"eu-west-1,x.big,16,1,5000\n" +
		"eu-west-1,x.small,8,0.5,\n"
	cat, err := ParseCatalogCSV(strings.NewReader(csv), "c.csv")
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := cat.Region("eu-west-1")
	if rc.Types["x.big"].CapacityLoad != 5000 || rc.Types["x.small"].CapacityLoad != 8584 {
		t.Errorf("capacity_load: given %d (want 5000), default %d (want 8584)", rc.Types["x.big"].CapacityLoad, rc.Types["x.small"].CapacityLoad)
	}
	if _, err := ParseCatalogCSV(strings.NewReader(strings.Replace(csv, "5000", "-1", 1)), "c.csv"); err == nil || !strings.Contains(err.Error(), "capacity_load") {
		t.Errorf("negative capacity_load: %v", err)
	}
}

// TestLaterSampleAtOneSecondReplacesTheEarlier: two samples of a meeting
// at the same second keep the one read last, for its size and its media.
func TestLaterSampleAtOneSecondReplacesTheEarlier(t *testing.T) {
	ms, err := ParseTrace(strings.NewReader(mediaTrace), "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	samples := "time,meeting_id,participants,video_streams,screenshare\n" +
		"2026-03-02T09:10:00Z,talk,10,9,0\n" +
		"2026-03-02T09:20:00Z,talk,14,2,0\n" +
		"2026-03-02T09:10:00Z,talk,11,3,1\n"
	if _, _, err := ApplySamples(ms, strings.NewReader(samples), "s.csv"); err != nil {
		t.Fatal(err)
	}
	talk := &ms[slices.IndexFunc(ms, func(m model.Meeting) bool { return m.ID == "talk" })]
	at := talk.Start + 15*60
	if n, x := talk.ParticipantsAt(at), talk.MediaAt(at); n != 11 || x.Webcams != 3 || x.Screenshares != 1 {
		t.Errorf("at 09:15: %d participants, media %+v; want the later 09:10 sample's 11, 3 webcams, 1 screenshare", n, x)
	}
	if len(talk.Curve) != 2 || len(talk.Media) != 2 {
		t.Errorf("curve %v, media %v: want one step at each of 09:10 and 09:20", talk.Curve, talk.Media)
	}
}
