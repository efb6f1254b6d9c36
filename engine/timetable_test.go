package engine

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/scalite/scalite/model"
)

func launched(acts []Action) int {
	n := 0
	for _, a := range acts {
		if a.Kind == Launch {
			n += a.Count
		}
	}
	return n
}

// TestTimetablePreWarms: a session scheduled at 08:00 for 2,000
// participants gets its capacity from 08:00 minus the lead (15 min +
// launch + boot), not before, and without any learned history.
func TestTimetablePreWarms(t *testing.T) {
	pol := testPolicy()
	pol.PreWarmLead = 900 // learning stays off: the timetable alone
	day := int64(mondayEpoch + 2900*weekSeconds)
	pol.Timetable = []model.Session{{Start: day + 8*3600, End: day + 8*3600 + 45*60, Participants: 2000}}
	obs := Observation{Pools: pools(defaultPrices...), Servers: []Server{srv("od", -1, Enabled, 0, 0)}}
	lead := int64(900 + 30 + 300)
	cases := []struct {
		name string
		now  int64
		want int
	}{
		{"before the lead", day + 8*3600 - lead - 60, 0},
		{"at the lead", day + 8*3600 - lead, 6}, // 2,500 with headroom, 400 there: 6 more
		{"during the session", day + 8*3600 + 10*60, 6},
		{"after the session", day + 9*3600, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if n := launched(plan(t, pol, c.now, obs, nil)); n != c.want {
				t.Errorf("launched %d servers, want %d", n, c.want)
			}
		})
	}
}

// TestTimetableAddsUnscheduledLoad: load beyond what is scheduled now
// (meetings outside the timetable) is added to the sessions ahead.
func TestTimetableAddsUnscheduledLoad(t *testing.T) {
	pol := testPolicy()
	pol.PreWarmLead = 900
	day := int64(mondayEpoch + 2900*weekSeconds)
	pol.Timetable = []model.Session{
		{Start: day + 7*3600, End: day + 8*3600, Participants: 300},
		{Start: day + 8*3600, End: day + 9*3600, Participants: 1000},
	}
	// 07:50: 700 on, 300 of them scheduled: 400 unscheduled, plus the 1,000
	// at 08:00 = 1,400, x 1.25 = 1,750: 5 servers of 400, 1 there, 4 more.
	obs := Observation{Pools: pools(defaultPrices...), Servers: []Server{srv("od", -1, Enabled, 400, 10)}, Participants: 700}
	if n := launched(plan(t, pol, day+7*3600+50*60, obs, nil)); n != 4 {
		t.Errorf("launched %d servers, want 4", n)
	}
}

func TestScheduleStepFunction(t *testing.T) {
	s := newSchedule([]model.Session{
		{Start: 100, End: 200, Participants: 10},
		{Start: 150, End: 300, Participants: 5},
		{Start: 200, End: 250, Participants: 7},  // starts as the first ends
		{Start: 400, End: 400, Participants: 99}, // empty: ignored
	})
	for _, c := range []struct{ t, level int64 }{{99, 0}, {100, 10}, {150, 15}, {199, 15}, {200, 12}, {250, 5}, {300, 0}, {400, 0}} {
		if got := s.levelAt(c.t); int64(got) != c.level {
			t.Errorf("level at %d: %d, want %d", c.t, got, c.level)
		}
	}
	for _, c := range []struct{ from, to, peak int64 }{{0, 99, 0}, {0, 100, 10}, {160, 170, 15}, {201, 260, 12}, {260, 1000, 5}} {
		if got := s.peak(c.from, c.to); int64(got) != c.peak {
			t.Errorf("peak over [%d, %d]: %d, want %d", c.from, c.to, got, c.peak)
		}
	}
	if newSchedule(nil) != nil {
		t.Error("a schedule without sessions is not nil")
	}
}

// TestTimetableQuietUntil: the timetable's demand changes only when a
// scheduled change enters the lead window, passes now or leaves the
// look-back.
func TestTimetableQuietUntil(t *testing.T) {
	pol := testPolicy()
	pol.PreWarmLead = 900
	pol.Timetable = []model.Session{{Start: 10000, End: 12700, Participants: 500}}
	p, err := New(pol)
	if err != nil {
		t.Fatal(err)
	}
	lead := int64(900 + 30 + 300)
	for _, c := range []struct{ now, want int64 }{
		{0, 10000 - lead}, {10000 - lead, 10000}, {10000, 10900}, {10900, 12700 - lead}, {12700 - lead, 12700},
		{12700, 13600}, {13600, math.MaxInt64}, // a change leaves the look-back of prewarm.lead
	} {
		if got := p.timetableQuietUntil(c.now); got != c.want {
			t.Errorf("quiet until at %d: %d, want %d", c.now, got, c.want)
		}
	}
}

// TestQuietUntilWaitsForTheTimetable: the simulator skips plans until
// QuietUntil, so QuietUntil must stop at the moment a scheduled session
// enters the lead; flipping the rule out of QuietUntil fails this.
func TestQuietUntilWaitsForTheTimetable(t *testing.T) {
	pol := testPolicy()
	pol.PreWarmLead = 900
	day := int64(mondayEpoch + 2900*weekSeconds)
	start := day + 8*3600
	pol.Timetable = []model.Session{{Start: start, End: start + 45*60, Participants: 2000}}
	p, err := New(pol)
	if err != nil {
		t.Fatal(err)
	}
	obs := Observation{Pools: pools(defaultPrices...), Servers: []Server{srv("od", -1, Enabled, 0, 0)}}
	st := NewState(pol.PreWarmWeeks)
	now := day + 6*3600
	if acts := p.Plan(now, &obs, st, nil); len(acts) != 0 {
		t.Fatalf("planned %v at 06:00", acts)
	}
	lead := int64(900 + 30 + 300)
	if got := p.QuietUntil(now, &obs, st); got > start-lead {
		t.Errorf("quiet until %d, past the moment the 08:00 session enters the lead (%d)", got, start-lead)
	}
}

// TestTimetableLooksBackForOverruns: meetings still running just after
// their session's end are not counted as unscheduled on top of the next
// session (school lessons end at 08:45, the next begin at 08:50).
func TestTimetableLooksBackForOverruns(t *testing.T) {
	pol := testPolicy()
	pol.PreWarmLead = 900
	day := int64(mondayEpoch + 2900*weekSeconds)
	pol.Timetable = []model.Session{
		{Start: day + 8*3600, End: day + 8*3600 + 45*60, Participants: 1200},
		{Start: day + 8*3600 + 50*60, End: day + 9*3600 + 35*60, Participants: 1200},
	}
	// 08:46: 1,200 still on (late starters), the next 1,200 due at 08:50:
	// demand 1,200 x 1.25 = 1,500, four servers of 400: three more.
	obs := Observation{Pools: pools(defaultPrices...), Servers: []Server{srv("od", -1, Enabled, 400, 40)}, Participants: 1200}
	if n := launched(plan(t, pol, day+8*3600+46*60, obs, nil)); n != 3 {
		t.Errorf("launched %d servers, want 3 (not 6 for 2,400)", n)
	}
}

// BenchmarkTimetableDemand: the timetable's part of every Plan, on a
// school year's sessions (10 a day, 200 days).
func BenchmarkTimetableDemand(b *testing.B) {
	pol := testPolicy()
	pol.PreWarmLead = 900
	day0 := int64(mondayEpoch + 2900*weekSeconds)
	for d := range int64(200) {
		for s := range int64(10) {
			start := day0 + d*86400 + 7*3600 + s*50*60
			pol.Timetable = append(pol.Timetable, model.Session{Start: start, End: start + 45*60, Participants: 5000})
		}
	}
	p, err := New(pol)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		now := day0 + int64(i%(200*1440))*60
		_ = p.timetableDemand(now, 3000)
	}
}

// TestTimetableDemandConstantUntilQuiet: on random timetables, the
// timetable's demand does not change before timetableQuietUntil.
func TestTimetableDemandConstantUntilQuiet(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		pol := testPolicy()
		pol.PreWarmLead = int64(rng.IntN(3600))
		for range 1 + rng.IntN(8) {
			s := int64(rng.IntN(20000))
			pol.Timetable = append(pol.Timetable, model.Session{Start: s, End: s + 1 + int64(rng.IntN(5000)), Participants: 1 + rng.IntN(500)})
		}
		p, err := New(pol)
		if err != nil {
			t.Fatal(err)
		}
		now := int64(rng.IntN(25000)) - 2000
		observed := rng.IntN(1000)
		until := p.timetableQuietUntil(now)
		want := p.timetableDemand(now, observed)
		for at := now; at < until && at < now+30000; at += 1 + int64(rng.IntN(60)) {
			if got := p.timetableDemand(at, observed); got != want {
				t.Fatalf("trial %d: demand %d at %d, %d at %d, quiet until %d", trial, want, now, got, at, until)
			}
		}
	}
}
