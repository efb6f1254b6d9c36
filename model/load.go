package model

import (
	"fmt"
	"math"
	"sort"
)

// The load model: what a BBB server's meetings cost it, in load units (LU).
//
// One LU is one audio stream delivered to one participant: the audio
// weight of Scalelite PR 446 ("audio 1, webcam 10, screenshare 20,
// multiplied by the actual number of participants"). A meeting of n
// participants (moderators included) costs
//
//	n × Session                         every participant's client session
//	+ (voice + listeners) × Audio       the conference audio each one on audio receives
//	+ voice × Voice                     each microphone's stream, mixed by FreeSWITCH
//	+ webcams × Webcam × (n − 1)        each webcam fans out to every other participant
//	+ screenshares × Screenshare × (n − 1)
//
// and, while it records, one more receiver of every stream (the recorder);
// after a recorded meeting ends, its recording is processed on the server
// (RecordingProcessingVCPU of one vCPU's capacity for the processing time).
//
// Calibration (DefaultLoadModel, CalibrateLoadModel): Audio, Webcam and
// Screenshare are PR 446's weights; Voice = 1 (a microphone is one more
// audio stream, an assumption); Session and the capacity per vCPU solve
// two published anchors, both at the 80% CPU ceiling above which BBB's
// docs say audio degrades:
//
//	A (wirelessmoves blog): a 4-vCPU VM held one session of 20 people, all
//	  on webcam (and, in a discussion, all on microphone):
//	  4·K = 20·(S+1) + 20·1 + 20·10·19           = 20·S + 3840
//	B (BBB docs): an 8-core server holds about 200 users in mixed use,
//	  read as 8 sessions of 25 with 2 webcams and 3 microphones each:
//	  8·K = 200·(S+1) + 8·3·1 + 8·2·10·24        = 200·S + 4064
//
// Doubling A and subtracting B: 40·S + 7680 = 200·S + 4064, so
// S = 3616/160 = 22.6 LU per participant and K = (20·22.6 + 3840)/4 =
// 1073 LU per vCPU. An 8-vCPU server (BBB's reference size, a c5a.2xlarge)
// holds 8584 LU: about 363 listen-only participants (23.6 LU each), 200
// in the mixed use of B, or 40 in meetings of 20 all on webcam.
type LoadModel struct {
	Session     float64 // per participant: the client's session (HTML5, websockets, updates)
	Audio       float64 // per participant: the conference audio it receives
	Voice       float64 // per microphone
	Webcam      float64 // per webcam per viewer
	Screenshare float64 // per screenshare per viewer
	// PerVCPU is one vCPU's capacity at the CPU ceiling, LU.
	PerVCPU float64
	// RecordingProcessingVCPU is how many vCPUs a recording's processing
	// takes after its meeting ends (an assumption: one worker, one core).
	RecordingProcessingVCPU float64
}

// LoadAnchor is one published observation: a server of VCPU vCPUs at the
// CPU ceiling with Sessions equal sessions of Size participants, Webcams,
// Voice and Screenshares each, everyone else listening.
type LoadAnchor struct {
	Source                       string
	VCPU                         float64
	Sessions, Size               int
	Webcams, Voice, Screenshares int
}

// The anchors of the default calibration (see LoadModel).
var (
	AnchorAllWebcam = LoadAnchor{Source: "wirelessmoves blog: 4-vCPU VM, one session of 20 all on webcam",
		VCPU: 4, Sessions: 1, Size: 20, Webcams: 20, Voice: 20}
	AnchorMixedUse = LoadAnchor{Source: "BBB docs: about 200 users on an 8-core server, mixed use (8 sessions of 25, 2 webcams, 3 microphones)",
		VCPU: 8, Sessions: 8, Size: 25, Webcams: 2, Voice: 3}
)

// pr446 are Scalelite PR 446's weights and the microphone assumption; the
// session cost and the capacity per vCPU are calibrated.
var pr446 = LoadModel{Audio: 1, Voice: 1, Webcam: 10, Screenshare: 20, RecordingProcessingVCPU: 1}

// CalibrateLoadModel solves the session cost S and the capacity per vCPU K
// from two anchors, with the stream weights of base: for each anchor,
// VCPU·K − participants·S = streams (its load without the session cost).
func CalibrateLoadModel(base LoadModel, a, b LoadAnchor) (LoadModel, error) {
	streams := func(x LoadAnchor) (participants, rest float64) {
		m := base
		m.Session = 0
		per := m.MeetingLoad(MediaMix{Participants: x.Size, Voice: x.Voice, Listeners: x.Size - x.Voice, Webcams: x.Webcams, Screenshares: x.Screenshares})
		return float64(x.Sessions * x.Size), float64(x.Sessions) * per
	}
	pa, ra := streams(a)
	pb, rb := streams(b)
	// a.VCPU·K − pa·S = ra; b.VCPU·K − pb·S = rb
	det := a.VCPU*(-pb) - (-pa)*b.VCPU
	if det == 0 {
		return LoadModel{}, fmt.Errorf("load calibration: anchors %q and %q do not determine the session cost (same users per vCPU)", a.Source, b.Source)
	}
	k := (ra*(-pb) - (-pa)*rb) / det
	s := (a.VCPU*rb - b.VCPU*ra) / det
	if s < 0 || k <= 0 {
		return LoadModel{}, fmt.Errorf("load calibration: anchors give session cost %.3g and capacity %.3g LU/vCPU; both must be positive", s, k)
	}
	m := base
	m.Session, m.PerVCPU = s, k
	return m, nil
}

// DefaultLoadModel is PR 446's weights calibrated on the two published
// anchors: Session 22.6 LU, 1073 LU per vCPU.
func DefaultLoadModel() LoadModel {
	m, err := CalibrateLoadModel(pr446, AnchorAllWebcam, AnchorMixedUse)
	if err != nil {
		panic(err) // constant inputs, tested
	}
	return m
}

// ReferenceVCPU is the size of BBB's recommended server (8 cores, "on AWS
// we recommend c5a.2xlarge"): its Scalelite load_multiplier is 1.
const ReferenceVCPU = 8

// CapacityLoad is a server's capacity in LU from its vCPUs.
func (lm LoadModel) CapacityLoad(vcpu float64) int {
	return int(math.Floor(vcpu * lm.PerVCPU))
}

// MediaMix is what a meeting does at one moment.
type MediaMix struct {
	Participants int // everyone, moderators included
	Moderators   int // of them
	Voice        int // on microphone
	Listeners    int // listen-only
	Webcams      int
	Screenshares int
	Recording    bool
}

// MeetingLoad is the mix's load in LU (without recording processing).
func (lm LoadModel) MeetingLoad(x MediaMix) float64 {
	return lm.TallyLoad(TallyOf(x))
}

// LoadTally counts what meetings do in whole numbers: the streams each
// media kind sends to its receivers. Sums over meetings are exact and do
// not depend on their order, so the simulator and the live controller,
// adding the same meetings in different orders, get the very same load.
type LoadTally struct {
	Participants, Audio, Voice, WebcamViewers, ScreenViewers int64
	// What the recorders of recorded meetings receive.
	RecordedAudio, RecordedWebcams, RecordedScreens int64
}

// TallyOf counts one mix: a webcam or a screenshare goes to every other
// participant.
func TallyOf(x MediaMix) LoadTally {
	n := x.Participants
	if n <= 0 {
		return LoadTally{}
	}
	voice := min(max(x.Voice, 0), n)
	audio := voice + min(max(x.Listeners, 0), n-voice)
	cams, screens := min(max(x.Webcams, 0), n), min(max(x.Screenshares, 0), n)
	t := LoadTally{Participants: int64(n), Audio: int64(audio), Voice: int64(voice),
		WebcamViewers: int64(cams) * int64(n-1), ScreenViewers: int64(screens) * int64(n-1)}
	if x.Recording {
		t.RecordedAudio, t.RecordedWebcams, t.RecordedScreens = 1, int64(cams), int64(screens)
	}
	return t
}

// Add adds u's counts to t's.
func (t *LoadTally) Add(u LoadTally) {
	t.Participants += u.Participants
	t.Audio += u.Audio
	t.Voice += u.Voice
	t.WebcamViewers += u.WebcamViewers
	t.ScreenViewers += u.ScreenViewers
	t.RecordedAudio += u.RecordedAudio
	t.RecordedWebcams += u.RecordedWebcams
	t.RecordedScreens += u.RecordedScreens
}

// Sub takes u's counts from t's.
func (t *LoadTally) Sub(u LoadTally) {
	t.Participants -= u.Participants
	t.Audio -= u.Audio
	t.Voice -= u.Voice
	t.WebcamViewers -= u.WebcamViewers
	t.ScreenViewers -= u.ScreenViewers
	t.RecordedAudio -= u.RecordedAudio
	t.RecordedWebcams -= u.RecordedWebcams
	t.RecordedScreens -= u.RecordedScreens
}

// TallyLoad is the tally's load in LU.
func (lm LoadModel) TallyLoad(t LoadTally) float64 {
	return lm.LiveLoad(t) + float64(t.RecordedAudio)*lm.Audio + float64(t.RecordedWebcams)*lm.Webcam + float64(t.RecordedScreens)*lm.Screenshare
}

// LiveLoad is the load of the participants' own media, without the
// recorders.
func (lm LoadModel) LiveLoad(t LoadTally) float64 {
	return float64(t.Participants)*lm.Session + float64(t.Audio)*lm.Audio + float64(t.Voice)*lm.Voice +
		float64(t.WebcamViewers)*lm.Webcam + float64(t.ScreenViewers)*lm.Screenshare
}

// LoadPerParticipant is the tally's live load per participant: what one
// more participant of this mix costs. 0 without participants.
func (lm LoadModel) LoadPerParticipant(t LoadTally) float64 {
	if t.Participants <= 0 {
		return 0
	}
	return lm.LiveLoad(t) / float64(t.Participants)
}

// CapacityInUsers is how many participants of a mix that costs
// perParticipant LU each fit in capacityLoad LU (0 when nothing fits).
func CapacityInUsers(capacityLoad, perParticipant float64) int {
	if perParticipant <= 0 || capacityLoad <= 0 {
		return 0
	}
	return int(math.Floor(capacityLoad / perParticipant))
}

// RecordingProcessingLoad is one recording's processing load, LU.
func (lm LoadModel) RecordingProcessingLoad() float64 {
	return lm.RecordingProcessingVCPU * lm.PerVCPU
}

// LoadMultiplier is the Scalelite load_multiplier for a server of the given
// capacity: Scalelite places a meeting on the server with the lowest load ×
// load_multiplier, so a server twice the reference's capacity gets 0.5 and
// equal loads mean equal shares of capacity. Rounded to 3 decimals (Scalelite
// stores a decimal).
func (lm LoadModel) LoadMultiplier(capacityLoad int) float64 {
	if capacityLoad <= 0 {
		return 1
	}
	ref := float64(lm.CapacityLoad(ReferenceVCPU))
	return math.Round(1000*ref/float64(capacityLoad)) / 1000
}

// MediaStep is a meeting's media from At on, from samples.
type MediaStep struct {
	At                                     int64
	Voice, Listeners, Webcams, Screenshare int32
}

// MediaAt is the meeting's mix at t, with the defaults for what the trace
// did not say: when neither voice nor listeners are known (both 0), the
// moderators speak and everyone else listens.
func (m *Meeting) MediaAt(t int64) MediaMix {
	return m.MixAt(t, m.ParticipantsAt(t))
}

// MixAt is the meeting's media at t with n participants (a simulator's
// meeting can be smaller or larger than its trace says at t, e.g. before
// its users rejoin).
func (m *Meeting) MixAt(t int64, n int) MediaMix {
	x := MediaMix{Participants: n, Moderators: min(m.Moderators, n), Voice: int(m.VoiceParticipants), Listeners: int(m.Listeners),
		Webcams: m.VideoStreams, Screenshares: int(m.Screenshares), Recording: m.Recorded}
	if len(m.Media) > 0 {
		if i := sort.Search(len(m.Media), func(i int) bool { return m.Media[i].At > t }) - 1; i >= 0 {
			s := m.Media[i]
			x.Voice, x.Listeners, x.Webcams, x.Screenshares = int(s.Voice), int(s.Listeners), int(s.Webcams), int(s.Screenshare)
		}
	}
	return x.WithDefaults()
}

// WithDefaults fills what a source did not say: when neither voice nor
// listeners are known (both 0), the moderators speak and everyone else
// listens (BBB's getMeetings reports both, so a live meeting with both 0
// has nobody on audio yet, which the default treats like a fresh
// meeting). Counts are capped by the meeting's size.
func (x MediaMix) WithDefaults() MediaMix {
	n := x.Participants
	x.Moderators = min(max(x.Moderators, 0), max(n, 0))
	if x.Voice <= 0 && x.Listeners <= 0 {
		x.Voice = x.Moderators
		x.Listeners = n - x.Voice
	}
	x.Voice = min(max(x.Voice, 0), max(n, 0))
	x.Listeners = min(max(x.Listeners, 0), max(n-x.Voice, 0))
	return x
}

// LoadAt is the meeting's load at t, LU (0 outside the meeting).
func (lm LoadModel) LoadAt(m *Meeting, t int64) float64 {
	return lm.MeetingLoad(m.MediaAt(t))
}

// LoadSeconds integrates the meeting's live load (without the recorder)
// over the part of it inside [from, to), LU-seconds: divided by its
// participant-seconds, the load per participant of its mix.
func (lm LoadModel) LoadSeconds(m *Meeting, from, to int64) float64 {
	return m.MixSeconds(from, to, func(mix MediaMix) float64 { return lm.LiveLoad(TallyOf(mix)) })
}

// MixSeconds integrates rate(mix) over the part of the meeting inside
// [from, to): the mix holds between the steps of its size curve and of its
// media, so the integral is a sum over those pieces.
func (m *Meeting) MixSeconds(from, to int64, rate func(MediaMix) float64) float64 {
	from, to = max(from, m.Start), min(to, m.End)
	if to <= from {
		return 0
	}
	if len(m.Curve) == 0 && len(m.Media) == 0 {
		// One mix throughout: no allocation for most meetings.
		return rate(m.MediaAt(from)) * float64(to-from)
	}
	cuts := []int64{from, to}
	for _, s := range m.Curve {
		if s.At > from && s.At < to {
			cuts = append(cuts, s.At)
		}
	}
	for _, s := range m.Media {
		if s.At > from && s.At < to {
			cuts = append(cuts, s.At)
		}
	}
	sort.Slice(cuts, func(i, j int) bool { return cuts[i] < cuts[j] })
	total := 0.0
	for i := 0; i+1 < len(cuts); i++ {
		if d := cuts[i+1] - cuts[i]; d > 0 {
			total += rate(m.MediaAt(cuts[i])) * float64(d)
		}
	}
	return total
}

// mixedUse is BBB's "200 users on 8 cores" session, the second anchor.
var mixedUse = TallyOf(MediaMix{Participants: AnchorMixedUse.Size, Voice: AnchorMixedUse.Voice,
	Listeners: AnchorMixedUse.Size - AnchorMixedUse.Voice, Webcams: AnchorMixedUse.Webcams, Screenshares: AnchorMixedUse.Screenshares})

// DemandLoadPerParticipant is what the simulator and the live controller
// tell the engine (engine.Observation.LoadPerParticipant): the demand's
// live load per participant, or BBB's mixed use while nobody is in a
// meeting. Both compute it from the same whole-number tally, so they tell
// it the same number.
func (lm LoadModel) DemandLoadPerParticipant(demand LoadTally) float64 {
	if r := lm.LoadPerParticipant(demand); r > 0 {
		return r
	}
	return lm.LoadPerParticipant(mixedUse)
}

// ServerCapacityUsers is how many participants of the demand's mix (rho LU
// each) a server of capacityLoad LU holds beside its recordings'
// processing.
func (lm LoadModel) ServerCapacityUsers(capacityLoad, recordings int, rho float64) int {
	free := float64(capacityLoad) - float64(recordings)*lm.RecordingProcessingLoad()
	return CapacityInUsers(max(free, 0), rho)
}
