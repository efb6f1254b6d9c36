package datasets

import (
	"testing"
	"time"

	"github.com/scalite/scalite/model"
)

// TestGenerateTraceMediaKeepsTheMeetings: with Media the generator draws
// the mix after everything else, so the meetings (times, sizes, webcams)
// are those drawn without it; only the media fields are filled.
func TestGenerateTraceMediaKeepsTheMeetings(t *testing.T) {
	for _, name := range Profiles() {
		p, _ := Profile(name)
		opt := TraceGenOptions{Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Days: 14}
		plain, err := GenerateTrace(p, opt, NewTraceRand(3))
		if err != nil {
			t.Fatal(err)
		}
		opt.Media = true
		media, err := GenerateTrace(p, opt, NewTraceRand(3))
		if err != nil {
			t.Fatal(err)
		}
		if len(plain) != len(media) {
			t.Fatalf("%s: %d meetings with media, %d without", name, len(media), len(plain))
		}
		for i := range plain {
			a, b := plain[i], media[i]
			b.VoiceParticipants, b.Listeners, b.Screenshares = 0, 0, 0
			if a.ID != b.ID || a.Start != b.Start || a.End != b.End || a.Participants != b.Participants || a.VideoStreams != b.VideoStreams || a.Recorded != b.Recorded {
				t.Fatalf("%s: meeting %d differs: %+v vs %+v", name, i, plain[i], media[i])
			}
			if m := media[i]; int(m.VoiceParticipants+m.Listeners) != m.Participants || m.VoiceParticipants < int32(min(m.Moderators, m.Participants)) {
				t.Fatalf("%s: %s has %d on microphone and %d listening of %d", name, m.ID, m.VoiceParticipants, m.Listeners, m.Participants)
			}
		}
	}
}

// TestGenerateTraceMediaFollowsTheProfile: the drawn shares are the
// profile's (within sampling error over a fortnight), and the profiles'
// mixes order as documented: corporate meetings talk most, lectures least,
// and cost the load model the most per participant.
func TestGenerateTraceMediaFollowsTheProfile(t *testing.T) {
	lm := model.DefaultLoadModel()
	perUser := map[string]float64{}
	for _, name := range Profiles() {
		p, _ := Profile(name)
		ms, err := GenerateTrace(p, TraceGenOptions{Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Days: 14, Media: true}, NewTraceRand(4))
		if err != nil {
			t.Fatal(err)
		}
		var others, extraVoice, screens, load, users float64
		for i := range ms {
			m := &ms[i]
			mods := min(m.Moderators, m.Participants)
			others += float64(m.Participants - mods)
			extraVoice += float64(int(m.VoiceParticipants) - mods)
			screens += float64(m.Screenshares)
			load += lm.LoadAt(m, m.Start)
			users += float64(m.Participants)
		}
		if got := extraVoice / others; got < p.VoiceShare-0.02 || got > p.VoiceShare+0.02 {
			t.Errorf("%s: %.3f of participants on microphone, profile says %v", name, got, p.VoiceShare)
		}
		if got := screens / float64(len(ms)); got < p.ScreenshareShare-0.03 || got > p.ScreenshareShare+0.03 {
			t.Errorf("%s: %.3f of meetings share a screen, profile says %v", name, got, p.ScreenshareShare)
		}
		perUser[name] = load / users
	}
	if !(perUser["university"] < perUser["corporate"]) {
		t.Errorf("load per participant: %v; lectures should cost less than corporate meetings", perUser)
	}
}
