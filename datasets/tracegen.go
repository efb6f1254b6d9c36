package datasets

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/scalite/scalite/model"
)

// TraceProfile parameterises a synthetic meeting load. Every number is an
// assumption stated where the built-in profiles are defined.
type TraceProfile struct {
	Name string
	// Slots are the start times of scheduled meetings on a working day.
	Slots []Slot
	// Background meetings start at any minute between BackgroundFrom and
	// BackgroundTo (hours, UTC) at BackgroundPerHour on working days.
	BackgroundPerHour            float64
	BackgroundFrom, BackgroundTo int
	// WeekendFactor scales every rate on Saturdays and Sundays.
	WeekendFactor float64
	// Durations in minutes, drawn uniformly from [DurationMin, DurationMax]
	// in steps of DurationStep.
	DurationMin, DurationMax, DurationStep int
	// Sizes are lognormal with the given median and sigma, clamped to
	// [SizeMin, SizeMax]; they count participants without moderators.
	SizeMedian, SizeSigma float64
	SizeMin, SizeMax      int
	Moderators            int
	// RecordedShare of meetings are recorded; VideoPerMeeting webcams on average.
	RecordedShare   float64
	VideoPerMeeting float64
	// StartJitter spreads starts after the slot time: the first minutes of
	// a class see most creates (the "jump just after 08:00").
	StartJitterMinutes int
	// Holidays are MM-DD ranges with no working-day load, inclusive.
	Holidays [][2]string
	// The media mix, drawn when TraceGenOptions.Media asks for it: besides
	// the moderators (who always have a microphone), each participant
	// joins with a microphone with probability VoiceShare, else listen
	// only; ScreenshareShare of meetings share a screen. Webcams are
	// VideoPerMeeting's in either case.
	VoiceShare, ScreenshareShare float64
}

// Slot is a scheduled start time and the mean number of meetings starting then.
type Slot struct {
	Hour, Minute int
	Meetings     float64
}

// University: lectures start on the hour on weekdays 08-18 and last 45-90
// minutes; sizes are lognormal with a median of 15 and a tail to 200. The
// rates give a peak of roughly 1,800 concurrent users, the size a German
// university reported for its BBB peak (about 225 meetings, 1,800 users).
func universityProfile() TraceProfile {
	shape := map[int]float64{8: 0.6, 9: 1, 10: 1, 11: 0.95, 12: 0.7, 13: 0.8, 14: 0.95, 15: 0.9, 16: 0.75, 17: 0.5, 18: 0.3}
	var slots []Slot
	for h := 8; h <= 18; h++ {
		slots = append(slots, Slot{Hour: h, Meetings: 36 * shape[h]})
	}
	return TraceProfile{
		Name: "university", Slots: slots,
		BackgroundPerHour: 6, BackgroundFrom: 7, BackgroundTo: 22, WeekendFactor: 0.08,
		DurationMin: 45, DurationMax: 90, DurationStep: 15,
		SizeMedian: 15, SizeSigma: 0.8, SizeMin: 2, SizeMax: 200, Moderators: 1,
		RecordedShare: 0.3, VideoPerMeeting: 1.2, StartJitterMinutes: 5,
		Holidays: [][2]string{{"12-23", "01-06"}},
		// Lectures: the lecturer talks, one student in ten joins with a
		// microphone (for questions), the others listen only; four in ten
		// lectures share a screen (slides or a demo; the rest upload
		// slides as BBB's presentation, which costs no stream).
		VoiceShare: 0.1, ScreenshareShare: 0.4,
	}
}

// School district: lessons of 45 minutes on a German timetable, a ramp from
// 07:00 and a jump just after 08:00; about 6,000 concurrent users at peak,
// as one city reported (on 10 servers).
func schoolProfile() TraceProfile {
	return TraceProfile{
		Name: "school",
		Slots: []Slot{{7, 0, 10}, {7, 30, 25}, {8, 0, 230}, {8, 50, 220}, {9, 40, 200},
			{10, 45, 190}, {11, 35, 170}, {12, 25, 120}, {13, 30, 50}, {14, 20, 30}},
		BackgroundPerHour: 8, BackgroundFrom: 7, BackgroundTo: 17, WeekendFactor: 0,
		DurationMin: 45, DurationMax: 45, DurationStep: 5,
		SizeMedian: 24, SizeSigma: 0.2, SizeMin: 5, SizeMax: 35, Moderators: 1,
		RecordedShare: 0.05, VideoPerMeeting: 2, StartJitterMinutes: 4,
		Holidays: [][2]string{{"12-23", "01-06"}, {"07-20", "08-31"}},
		// Lessons: half the pupils join with a (mostly muted) microphone to
		// answer when called, the others listen only; a few webcams (the
		// teacher's and one or two pupils'); three lessons in ten share a
		// screen.
		VoiceShare: 0.5, ScreenshareShare: 0.3,
	}
}

// Corporate: small meetings of 30 or 60 minutes on the hour or half hour,
// 09-17 on weekdays, with a lunch dip.
func corporateProfile() TraceProfile {
	var slots []Slot
	for h := 9; h <= 16; h++ {
		rate := 30.0
		if h == 12 {
			rate = 10
		}
		slots = append(slots, Slot{h, 0, rate}, Slot{h, 30, rate / 2})
	}
	return TraceProfile{
		Name: "corporate", Slots: slots,
		BackgroundPerHour: 10, BackgroundFrom: 8, BackgroundTo: 18, WeekendFactor: 0.02,
		DurationMin: 30, DurationMax: 60, DurationStep: 30,
		SizeMedian: 5, SizeSigma: 0.6, SizeMin: 2, SizeMax: 60, Moderators: 1,
		RecordedShare: 0.1, VideoPerMeeting: 3, StartJitterMinutes: 3,
		Holidays: [][2]string{{"12-24", "12-26"}, {"12-31", "01-01"}},
		// Meetings are conversations: nine in ten join with a microphone,
		// most show their webcam (3 of a median of 6), and half the
		// meetings share a screen.
		VoiceShare: 0.9, ScreenshareShare: 0.5,
	}
}

// Profiles lists the built-in trace profiles by name.
func Profiles() []string { return []string{"corporate", "school", "university"} }

// Profile returns a built-in profile.
func Profile(name string) (TraceProfile, error) {
	switch name {
	case "university":
		return universityProfile(), nil
	case "school":
		return schoolProfile(), nil
	case "corporate":
		return corporateProfile(), nil
	}
	return TraceProfile{}, fmt.Errorf("unknown profile %q (want %s)", name, strings.Join(Profiles(), ", "))
}

// TraceGenOptions says what to generate.
type TraceGenOptions struct {
	Start time.Time // midnight UTC of the first day
	Days  int
	// Scale multiplies every meeting rate (1 = the profile as documented).
	Scale float64
	// Media draws each meeting's microphones, listeners and screenshare
	// from the profile's mix, after every other draw: the meetings are the
	// same as without it, with the media columns filled.
	Media bool
}

func (p *TraceProfile) isHoliday(d time.Time) bool {
	md := d.Format("01-02")
	for _, h := range p.Holidays {
		if h[0] <= h[1] {
			if md >= h[0] && md <= h[1] {
				return true
			}
		} else if md >= h[0] || md <= h[1] { // wraps the new year
			return true
		}
	}
	return false
}

// GenerateTrace draws a trace from the profile. The same profile, options
// and random source give the same trace.
func GenerateTrace(p TraceProfile, opt TraceGenOptions, rng *rand.Rand) ([]model.Meeting, error) {
	if opt.Days <= 0 {
		return nil, fmt.Errorf("days must be positive, got %d", opt.Days)
	}
	if opt.Scale <= 0 {
		opt.Scale = 1
	}
	if p.DurationStep <= 0 || p.DurationMax < p.DurationMin || p.DurationMin <= 0 {
		return nil, fmt.Errorf("profile %s: bad durations %d-%d step %d", p.Name, p.DurationMin, p.DurationMax, p.DurationStep)
	}
	size := distuv.LogNormal{Mu: math.Log(p.SizeMedian), Sigma: p.SizeSigma, Src: rng}
	poisson := func(mean float64) int {
		if mean <= 0 {
			return 0
		}
		return int(distuv.Poisson{Lambda: mean, Src: rng}.Rand())
	}
	durSteps := (p.DurationMax-p.DurationMin)/p.DurationStep + 1
	// Sized for the expected count and a few standard deviations more, so
	// that the slice is not regrown (and copied) on the way.
	expected := p.expectedMeetings(opt)
	out := make([]model.Meeting, 0, int(expected+4*math.Sqrt(expected))+16)
	day0 := time.Date(opt.Start.Year(), opt.Start.Month(), opt.Start.Day(), 0, 0, 0, 0, time.UTC)
	newMeeting := func(start int64) {
		dur := int64(p.DurationMin+p.DurationStep*rng.IntN(durSteps)) * 60
		n := int(math.Round(size.Rand()))
		n = min(max(n, p.SizeMin), p.SizeMax)
		out = append(out, model.Meeting{
			Start:        start,
			End:          start + dur,
			Participants: n,
			Moderators:   p.Moderators,
			VideoStreams: min(poisson(p.VideoPerMeeting), n+p.Moderators),
			Recorded:     rng.Float64() < p.RecordedShare,
		})
	}
	for d := range opt.Days {
		day := day0.AddDate(0, 0, d)
		factor, open := p.dayFactor(day, opt.Scale)
		if !open {
			continue
		}
		for _, s := range p.Slots {
			base := day.Add(time.Duration(s.Hour)*time.Hour + time.Duration(s.Minute)*time.Minute).Unix()
			for range poisson(s.Meetings * factor) {
				// Most creates land in the slot's first minutes.
				jitter := int64(0)
				if p.StartJitterMinutes > 0 {
					jitter = int64(rng.ExpFloat64() * float64(p.StartJitterMinutes) * 60 / 3)
					jitter = min(jitter, int64(p.StartJitterMinutes)*60)
				}
				newMeeting(base + jitter)
			}
		}
		for h := p.BackgroundFrom; h < p.BackgroundTo; h++ {
			base := day.Add(time.Duration(h) * time.Hour).Unix()
			for range poisson(p.BackgroundPerHour * factor) {
				newMeeting(base + int64(rng.IntN(3600)))
			}
		}
	}
	slices.SortStableFunc(out, func(a, b model.Meeting) int { return cmp.Compare(a.Start, b.Start) })
	nameIDs(out, p.Name)
	if opt.Media {
		drawMedia(out, p, rng)
	}
	return out, nil
}

// drawMedia fills the meetings' media from the profile's mix.
func drawMedia(ms []model.Meeting, p TraceProfile, rng *rand.Rand) {
	for i := range ms {
		m := &ms[i]
		// The load model reads Participants as everyone in the meeting;
		// the moderators among them have a microphone.
		n := m.Participants
		voice := min(m.Moderators, n)
		if others := n - voice; others > 0 && p.VoiceShare > 0 {
			voice += int(distuv.Binomial{N: float64(others), P: min(p.VoiceShare, 1), Src: rng}.Rand())
		}
		m.VoiceParticipants, m.Listeners = int32(voice), int32(n-voice)
		if rng.Float64() < p.ScreenshareShare {
			m.Screenshares = 1
		}
	}
}

// expectedMeetings is the mean number of meetings GenerateTrace draws.
func (p *TraceProfile) expectedMeetings(opt TraceGenOptions) float64 {
	perDay := float64(p.BackgroundTo-p.BackgroundFrom) * p.BackgroundPerHour
	for _, s := range p.Slots {
		perDay += s.Meetings
	}
	day0 := time.Date(opt.Start.Year(), opt.Start.Month(), opt.Start.Day(), 0, 0, 0, 0, time.UTC)
	var n float64
	for d := range opt.Days {
		if f, open := p.dayFactor(day0.AddDate(0, 0, d), opt.Scale); open {
			n += perDay * f
		}
	}
	return max(n, 0)
}

// dayFactor is how much of the profile's load a day carries: scale, times
// the weekend factor on Saturday and Sunday; open is false on a holiday,
// which carries none (and draws nothing).
func (p *TraceProfile) dayFactor(day time.Time, scale float64) (factor float64, open bool) {
	if p.isHoliday(day) {
		return 0, false
	}
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		scale *= p.WeekendFactor
	}
	return scale, true
}

// nameIDs gives the meetings, in order, the IDs name-000001, name-000002,
// ...: written into one buffer, so that millions of meetings cost one
// allocation for their IDs rather than one each.
func nameIDs(ms []model.Meeting, name string) {
	var b strings.Builder // its String does not copy the buffer
	b.Grow(len(ms) * (len(name) + 8))
	var num [20]byte
	for i := range ms {
		b.WriteString(name)
		b.WriteByte('-')
		n := i + 1
		for w := 100000; w > 1 && n < w; w /= 10 {
			b.WriteByte('0') // zero-padded to six digits, as %06d
		}
		b.Write(strconv.AppendInt(num[:0], int64(n), 10))
	}
	all := b.String()
	start := 0
	for i := range ms {
		end := start + len(name) + 1 + max(6, digits(i+1))
		ms[i].ID = all[start:end]
		start = end
	}
}

// digits is the number of decimal digits of n > 0.
func digits(n int) int {
	d := 1
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}
