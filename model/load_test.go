package model

import (
	"math"
	"testing"
)

func TestLoadCalibrationSolvesBothAnchors(t *testing.T) {
	lm := DefaultLoadModel()
	if math.Abs(lm.Session-22.6) > 1e-9 || math.Abs(lm.PerVCPU-1073) > 1e-9 {
		t.Fatalf("calibration: session %v LU, %v LU/vCPU; the documented arithmetic gives 22.6 and 1073", lm.Session, lm.PerVCPU)
	}
	for _, a := range []LoadAnchor{AnchorAllWebcam, AnchorMixedUse} {
		x := MediaMix{Participants: a.Size, Voice: a.Voice, Listeners: a.Size - a.Voice, Webcams: a.Webcams, Screenshares: a.Screenshares}
		got := float64(a.Sessions) * lm.MeetingLoad(x)
		if want := a.VCPU * lm.PerVCPU; math.Abs(got-want) > 1e-6 {
			t.Errorf("%s: load %v LU, capacity of %v vCPU %v LU", a.Source, got, a.VCPU, want)
		}
	}
}

func TestLoadCalibrationRejectsAnchorsThatDoNotDetermineIt(t *testing.T) {
	a := AnchorMixedUse
	b := a
	b.VCPU, b.Sessions = 2*a.VCPU, 2*a.Sessions // the same users per vCPU
	if _, err := CalibrateLoadModel(pr446, a, b); err == nil {
		t.Fatal("proportional anchors accepted")
	}
}

func TestWebcamLoadFansOutToViewers(t *testing.T) {
	lm := DefaultLoadModel()
	base := func(n int) float64 { return lm.MeetingLoad(MediaMix{Participants: n, Voice: 1, Listeners: n - 1}) }
	cam := func(n int) float64 {
		return lm.MeetingLoad(MediaMix{Participants: n, Voice: 1, Listeners: n - 1, Webcams: 1}) - base(n)
	}
	if got := cam(11); got != 10*10 {
		t.Errorf("one webcam to 10 viewers costs %v LU, want 100", got)
	}
	if cam(21) != 2*cam(11) {
		t.Errorf("a webcam's cost does not grow with its viewers: %v at 20 viewers, %v at 10", cam(21), cam(11))
	}
	screen := lm.MeetingLoad(MediaMix{Participants: 11, Voice: 1, Listeners: 10, Screenshares: 1}) - base(11)
	if screen != 20*10 {
		t.Errorf("a screenshare to 10 viewers costs %v LU, want 200", screen)
	}
}

func TestVoiceCostsMoreThanListening(t *testing.T) {
	lm := DefaultLoadModel()
	listen := lm.MeetingLoad(MediaMix{Participants: 10, Listeners: 10})
	talk := lm.MeetingLoad(MediaMix{Participants: 10, Voice: 10})
	silent := lm.MeetingLoad(MediaMix{Participants: 10})
	if !(talk > listen && listen > silent) {
		t.Errorf("microphones %v, listen-only %v, no audio %v: want microphones > listen-only > no audio", talk, listen, silent)
	}
}

func TestAllWebcamNeedsAtLeastTwiceTheCapacityOfListenOnly(t *testing.T) {
	lm := DefaultLoadModel()
	for _, n := range []int{5, 15, 25, 50} {
		m := Meeting{Start: 0, End: 3600, Participants: n, Moderators: 1}
		listen := lm.LoadAt(&m, 0)
		m.VideoStreams = n
		webcam := lm.LoadAt(&m, 0)
		if webcam < 2*listen {
			t.Errorf("meeting of %d: all on webcam %v LU, listen-only %v LU: want at least twice", n, webcam, listen)
		}
	}
}

func TestMediaAtDefaultsAndSamples(t *testing.T) {
	m := Meeting{Start: 100, End: 1000, Participants: 20, Moderators: 2, VideoStreams: 3,
		Curve: []SizeStep{{At: 500, Participants: 4}},
		Media: []MediaStep{{At: 300, Voice: 5, Listeners: 10, Webcams: 8, Screenshare: 1}}}
	if x := m.MediaAt(100); x.Voice != 2 || x.Listeners != 18 || x.Webcams != 3 {
		t.Errorf("defaults: %+v, want the 2 moderators speaking and 18 listening", x)
	}
	if x := m.MediaAt(300); x.Voice != 5 || x.Listeners != 10 || x.Webcams != 8 || x.Screenshares != 1 {
		t.Errorf("from the media sample: %+v", x)
	}
	if x := m.MediaAt(600); x.Participants != 4 || x.Voice != 4 || x.Listeners != 0 {
		t.Errorf("media capped by the meeting's size: %+v", x)
	}
	if l := DefaultLoadModel().LoadAt(&m, 1000); l != 0 {
		t.Errorf("load after the end: %v", l)
	}
}

func TestRecordingAddsTheRecorderAsAViewer(t *testing.T) {
	lm := DefaultLoadModel()
	x := MediaMix{Participants: 10, Voice: 1, Listeners: 9, Webcams: 2}
	plain := lm.MeetingLoad(x)
	x.Recording = true
	if got := lm.MeetingLoad(x) - plain; got != lm.Audio+2*lm.Webcam {
		t.Errorf("recording adds %v LU, want one more receiver of audio and both webcams (%v)", got, lm.Audio+2*lm.Webcam)
	}
}

func TestLoadMultiplierScalesWithCapacity(t *testing.T) {
	lm := DefaultLoadModel()
	for _, c := range []struct {
		vcpu float64
		want float64
	}{{8, 1}, {16, 0.5}, {32, 0.25}, {4, 2}} {
		if got := lm.LoadMultiplier(lm.CapacityLoad(c.vcpu)); got != c.want {
			t.Errorf("%v vCPU: load_multiplier %v, want %v", c.vcpu, got, c.want)
		}
	}
	if lm.LoadMultiplier(0) != 1 {
		t.Error("unknown capacity must keep Scalelite's default multiplier 1")
	}
}

func TestLoadTallySumsAreExactInAnyOrder(t *testing.T) {
	lm := DefaultLoadModel()
	mixes := []MediaMix{
		{Participants: 17, Voice: 3, Listeners: 14, Webcams: 2, Recording: true},
		{Participants: 5, Voice: 5, Webcams: 5, Screenshares: 1},
		{Participants: 120, Voice: 1, Listeners: 100},
	}
	var fwd, back LoadTally
	sum := 0.0
	for i := range mixes {
		fwd.Add(TallyOf(mixes[i]))
		back.Add(TallyOf(mixes[len(mixes)-1-i]))
		sum += lm.MeetingLoad(mixes[i])
	}
	if fwd != back || math.Abs(lm.TallyLoad(fwd)-sum) > 1e-9 {
		t.Errorf("tallies %+v / %+v, load %v vs the meetings' sum %v", fwd, back, lm.TallyLoad(fwd), sum)
	}
	fwd.Sub(TallyOf(mixes[0]))
	if want := lm.MeetingLoad(mixes[1]) + lm.MeetingLoad(mixes[2]); math.Abs(lm.TallyLoad(fwd)-want) > 1e-9 {
		t.Errorf("after taking one meeting out: %v, want %v", lm.TallyLoad(fwd), want)
	}
	// The recorder is not a participant: the live load per participant
	// leaves it out.
	rec := TallyOf(mixes[0])
	plain := mixes[0]
	plain.Recording = false
	if lm.LoadPerParticipant(rec) != lm.MeetingLoad(plain)/17 {
		t.Errorf("per participant %v, want %v", lm.LoadPerParticipant(rec), lm.MeetingLoad(plain)/17)
	}
}

func TestCapacityInUsersAtTheMixedUseMixIsTheOldRule(t *testing.T) {
	lm := DefaultLoadModel()
	mixed := TallyOf(MediaMix{Participants: 25, Voice: 3, Listeners: 22, Webcams: 2})
	for _, vcpu := range []float64{4, 8, 16, 32} {
		got := CapacityInUsers(float64(lm.CapacityLoad(vcpu)), lm.LoadPerParticipant(mixed))
		if want := DefaultCapacity(vcpu); got < want-1 || got > want {
			t.Errorf("%v vCPU at BBB's mixed use: %d users, the old rule %d", vcpu, got, want)
		}
	}
	if CapacityInUsers(100, 0) != 0 {
		t.Error("no participants: no capacity in users")
	}
}

func TestLoadSecondsIntegratesTheMix(t *testing.T) {
	lm := DefaultLoadModel()
	m := Meeting{Start: 0, End: 3600, Participants: 10, Moderators: 1, VideoStreams: 2,
		Curve: []SizeStep{{At: 1800, Participants: 20}}}
	want := lm.MeetingLoad(MediaMix{Participants: 10, Moderators: 1, Voice: 1, Listeners: 9, Webcams: 2})*1800 +
		lm.MeetingLoad(MediaMix{Participants: 20, Moderators: 1, Voice: 1, Listeners: 19, Webcams: 2})*1800
	if got := lm.LoadSeconds(&m, -100, 5000); math.Abs(got-want) > 1e-6 {
		t.Errorf("%v LU-s, want %v", got, want)
	}
	m.Recorded = true // the recorder is the server's, not a participant's
	if got := lm.LoadSeconds(&m, 0, 3600); math.Abs(got-want) > 1e-6 {
		t.Errorf("recorded: %v LU-s, want %v", got, want)
	}
	plain := Meeting{Start: 0, End: 600, Participants: 4, Moderators: 1}
	if got, want := lm.LoadSeconds(&plain, 0, 600), 600*lm.MeetingLoad(MediaMix{Participants: 4, Voice: 1, Listeners: 3}); math.Abs(got-want) > 1e-9 {
		t.Errorf("one mix: %v, want %v", got, want)
	}
}

func TestDemandLoadPerParticipantFallsBackToMixedUse(t *testing.T) {
	lm := DefaultLoadModel()
	if got := lm.DemandLoadPerParticipant(LoadTally{}); math.Abs(got-(200*22.6+4064)/200) > 1e-9 {
		t.Errorf("no demand: %v LU per participant, want BBB's mixed use %v", got, (200*22.6+4064)/200)
	}
	listen := TallyOf(MediaMix{Participants: 10, Voice: 1, Listeners: 9})
	if got := lm.DemandLoadPerParticipant(listen); got != lm.LoadPerParticipant(listen) {
		t.Errorf("with demand: %v", got)
	}
	rho := lm.LoadPerParticipant(listen)
	full := lm.ServerCapacityUsers(17168, 0, rho)
	busy := lm.ServerCapacityUsers(17168, 2, rho)
	if want := int((17168 - 2*lm.PerVCPU) / rho); busy != want || busy >= full {
		t.Errorf("two recordings processing: %d participants (want %d), %d without", busy, want, full)
	}
	if lm.ServerCapacityUsers(1000, 5, rho) != 0 {
		t.Error("processing beyond capacity must leave none")
	}
}
