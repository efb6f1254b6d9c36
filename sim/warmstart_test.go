package sim_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/results"
	"github.com/scalite/scalite/sim"
)

// lectureAtTheStart is a window that opens on a 150-person lecture running
// since an hour (down to 120 half an hour in), with a 30-person seminar
// created two minutes in: an on-demand fleet of up to four servers and
// none held at all times, so that a cold start has none at the start.
func lectureAtTheStart(t *testing.T, warm bool) sim.Options {
	o := twoServers(t, func(c *config.Config) {
		c.OnDemand.Base, c.Fleet.Min, c.Fleet.Max = 0, 0, 4
		c.Simulation.WarmStart = warm
	})
	o.To = o.From + 2*3600
	o.Meetings = []model.Meeting{
		{ID: "lecture", Start: o.From - 3600, End: o.From + 3600, Participants: 150, Moderators: 1,
			Curve: []model.SizeStep{{At: o.From - 1800, Participants: 160}, {At: o.From + 1800, Participants: 120}}},
		{ID: "seminar", Start: o.From + 120, End: o.From + 5400, Participants: 30, Moderators: 1},
	}
	return o
}

// TestWarmStartPlacesMeetingsInProgress: started warm, the lecture running
// when the window opens is on a server of the warm fleet from the first
// second, at its size then (160) and its later one (120), and the seminar
// two minutes in finds a server: nobody is rejected, by the policy or by
// the all-on-demand baseline. Started cold, the same window rejects the
// seminar while the first server boots.
func TestWarmStartPlacesMeetingsInProgress(t *testing.T) {
	warm := mustRun(t, lectureAtTheStart(t, true))
	if warm.WarmStartMeetings != 1 || warm.WarmStartServers < 1 || warm.MeetingsTotal != 2 {
		t.Errorf("warm: %d meetings in progress placed on %d servers, %d meetings: want the lecture placed, 2 meetings",
			warm.WarmStartMeetings, warm.WarmStartServers, warm.MeetingsTotal)
	}
	if warm.ParticipantsRejected != 0 || warm.ParticipantMinutesRejected != 0 || warm.BaselineRejectedPct != 0 {
		t.Errorf("warm: %d participants rejected (%.0f minutes, baseline %.3f%%): want none",
			warm.ParticipantsRejected, warm.ParticipantMinutesRejected, warm.BaselineRejectedPct)
	}
	// The lecture from the window's start on: 160 for 30 minutes, 120 for
	// 30; the seminar 30 for 88 minutes. All served.
	want := 160.0*30 + 120*30 + 30*88
	if warm.ParticipantMinutesTotal != want || warm.ParticipantMinutesServed != want {
		t.Errorf("warm: %.0f participant-minutes of demand, %.0f served; want %.0f both",
			warm.ParticipantMinutesTotal, warm.ParticipantMinutesServed, want)
	}

	cold := mustRun(t, lectureAtTheStart(t, false))
	if cold.ParticipantsRejected == 0 || cold.BaselineRejectedPct == 0 {
		t.Errorf("cold: %d participants rejected, baseline %.3f%%: want the seminar rejected while the first server boots (else this test shows nothing)",
			cold.ParticipantsRejected, cold.BaselineRejectedPct)
	}
}

// TestColdStartLeavesRunningMeetingsOut: with warm_start off the window
// opens as before: no server, and the meetings running then are not part
// of the run (neither demand nor served), only those created in it.
func TestColdStartLeavesRunningMeetingsOut(t *testing.T) {
	o := lectureAtTheStart(t, false)
	r := mustRun(t, o)
	if r.WarmStartServers != 0 || r.WarmStartMeetings != 0 || r.MeetingsTotal != 1 {
		t.Errorf("cold: %d warm servers, %d warm meetings, %d meetings; want 0, 0 and the seminar alone",
			r.WarmStartServers, r.WarmStartMeetings, r.MeetingsTotal)
	}
	if want := 30.0 * 88; r.ParticipantMinutesTotal != want {
		t.Errorf("cold: %.0f participant-minutes of demand, want the seminar's %.0f", r.ParticipantMinutesTotal, want)
	}
	obs, _, err := sim.PlanAt(o, o.From)
	if err != nil {
		t.Fatal(err)
	}
	if len(obs.Servers) != 0 || obs.Participants != 0 {
		t.Errorf("cold: at the start the engine sees %d servers and %d participants, want an empty fleet and no demand", len(obs.Servers), obs.Participants)
	}
}

// TestWarmStartFleetIsWhatTheEngineHolds: on the default policy (spot
// pools, on-demand base, large-meeting servers, the load model), a window
// opening mid-morning starts with the fleet a fresh engine launches for
// the demand then, server for server (type, market, zone, tag), and the
// engine, restarted on that fleet, launches nothing more.
func TestWarmStartFleetIsWhatTheEngineHolds(t *testing.T) {
	o := defaultOptions(t, nil)
	day := o.From - o.From%86400 + 7*86400
	for d := day; ; d += 86400 {
		if wd := (d/86400 + 4) % 7; wd >= 1 && wd <= 5 { // a weekday (1970-01-01 was a Thursday)
			day = d
			break
		}
	}
	o.From, o.To = day+10*3600+17*60, day+12*3600
	obs, acts, err := sim.PlanAt(o, o.From)
	if err != nil {
		t.Fatal(err)
	}
	if obs.Participants < 500 || len(obs.Servers) < 3 {
		t.Fatalf("mid-morning: %d participants on %d servers; want a busy start (else this test shows little)", obs.Participants, len(obs.Servers))
	}
	for _, a := range acts {
		if a.Kind == engine.Launch {
			t.Errorf("restarted on the warm fleet, the engine launches %d %s more", a.Count, a.Type)
		}
	}
	held := map[string]int{}
	for _, s := range obs.Servers {
		if s.State != engine.Enabled {
			t.Errorf("warm server %s is %v, want enabled", s.ID, s.State)
		}
		held[fmt.Sprintf("%s spot=%v %s pool %d tag %q", s.Type, s.Spot, s.AZ, s.Pool, s.Tag)]++
	}
	// A fresh engine, given the same demand and no server.
	empty := obs
	empty.Servers = nil
	planner, err := engine.New(o.Policy)
	if err != nil {
		t.Fatal(err)
	}
	planned := map[string]int{}
	for _, a := range planner.Plan(o.From, &empty, engine.NewState(o.Policy.PreWarmWeeks), nil) {
		if a.Kind == engine.Launch {
			planned[fmt.Sprintf("%s spot=%v %s pool %d tag %q", a.Type, a.Spot, a.AZ, a.Pool, a.Tag)] += a.Count
		}
	}
	t.Logf("%d participants at the start; warm fleet %v", obs.Participants, held)
	if !mapsEqual(held, planned) {
		t.Errorf("warm fleet %v, want what the engine launches for the demand at the start: %v", held, planned)
	}
	r := mustRun(t, o)
	if r.WarmStartServers != len(obs.Servers) || r.WarmStartMeetings == 0 {
		t.Errorf("result: %d warm servers, %d meetings in progress; want %d servers and the meetings running at the start",
			r.WarmStartServers, r.WarmStartMeetings, len(obs.Servers))
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// recordTimes keeps the time of every record and sample of a run.
type recordTimes struct{ times []int64 }

func (r *recordTimes) Sample(s *results.Sample) { r.times = append(r.times, s.Time) }
func (r *recordTimes) Event(e results.Record)   { r.times = append(r.times, e.Time) }

// TestWaitBeyondInt64FallsAfterTheWindow: a process so rare (a hazard
// multiplier of 1e-12) that its first wait exceeds int64 seconds has no
// event in the window. Converting such a wait to int64 gave math.MinInt64
// on amd64: a reclaim 292 billion years before the window, which sent the
// clock back, and a warm fleet's users rejoined from there for ever.
func TestWaitBeyondInt64FallsAfterTheWindow(t *testing.T) {
	for _, warm := range []bool{false, true} {
		o := defaultOptions(t, func(c *config.Config) {
			c.Simulation.HazardMultiplier = 1e-12
			c.Simulation.ZoneCrunchesPerDay, c.Simulation.RegionCrunchesPerDay = 1e-300, 1e-300
			c.Simulation.RebalanceFalseAlarmRate = 1e-300
			c.Simulation.WarmStart = warm
		})
		o.To = o.From + 2*86400
		rec := &recordTimes{}
		o.Recorder, o.SampleInterval = rec, 3600
		r := mustRun(t, o)
		if i := slices.IndexFunc(rec.times, func(t int64) bool { return t < o.From || t > o.To }); i >= 0 {
			t.Errorf("warm %v: a record at %d, outside the window [%d, %d]", warm, rec.times[i], o.From, o.To)
		}
		if r.Interruptions != 0 || r.Crunches != 0 || r.RebalanceFalseAlarms != 0 {
			t.Errorf("warm %v: %d interruptions, %d crunches, %d false alarms at rates near 0", warm, r.Interruptions, r.Crunches, r.RebalanceFalseAlarms)
		}
	}
}

// spotPoolDownAfter is a window that opens warm on the lecture of
// lectureAtTheStart, served by spot servers in one pool that goes
// unavailable down seconds in (nothing else interrupts it).
func spotPoolDownAfter(t *testing.T, down int64) sim.Options {
	o := defaultOptions(t, func(c *config.Config) {
		onePool(c)
		c.OnDemand.Base, c.Fleet.Min = 0, 0
		c.Placement.LargeMeeting = 0
		c.Simulation.HazardMultiplier = 0
		c.Simulation.WarmStart = true
	})
	lecture := lectureAtTheStart(t, true)
	o.From, o.To, o.Meetings = lecture.From, lecture.From+2*3600, lecture.Meetings[:1]
	o.PoolAvailability = func(k model.MarketKey, bands []sim.BandStep, from, to int64, seed uint64) *sim.Availability {
		if down < 0 {
			return &sim.Availability{Changes: []int64{0}} // down from the start
		}
		return &sim.Availability{Changes: []int64{down}}
	}
	return o
}

// TestWarmSpotServerIsBilledInTheFirstHour: AWS does not charge for a spot
// instance it interrupts in its first hour, but a server of the warm fleet
// ran before the window: interrupted half an hour in, its half hour is
// billed, not free.
func TestWarmSpotServerIsBilledInTheFirstHour(t *testing.T) {
	r := mustRun(t, spotPoolDownAfter(t, 1800))
	if r.WarmStartServers == 0 || r.CapacityInterruptions == 0 {
		t.Fatalf("%d warm servers, %d capacity interruptions: want the warm spot fleet interrupted", r.WarmStartServers, r.CapacityInterruptions)
	}
	if r.FreeInterruptedHours != 0 || r.SpotCostUSD == 0 {
		t.Errorf("interrupted 30 minutes in: %.2f free hours, spot cost %.4f USD; want the warm servers billed", r.FreeInterruptedHours, r.SpotCostUSD)
	}
}

// TestWarmFleetsRefusedLaunchesAreNotCounted: launches of the warm fleet
// that a pool refuses happened before the window; they send the engine
// elsewhere (here, on-demand) and count as none of the window's launch
// failures.
func TestWarmFleetsRefusedLaunchesAreNotCounted(t *testing.T) {
	o := spotPoolDownAfter(t, -1)
	o.To = o.From + 600
	log := &poolEvents{}
	o.Recorder = log
	r := mustRun(t, o)
	if r.WarmStartServers == 0 || r.InstanceHoursOnDemand == 0 {
		t.Fatalf("%d warm servers, %.2f on-demand hours: want the warm fleet on-demand", r.WarmStartServers, r.InstanceHoursOnDemand)
	}
	if r.LaunchFailures != 0 || log.count("launch-failed", "c5a.4xlarge/eu-west-1a", o.From, o.To) != 0 {
		t.Errorf("%d launch failures (%d recorded): want none counted for the warm fleet", r.LaunchFailures, log.count("launch-failed", "c5a.4xlarge/eu-west-1a", o.From, o.To))
	}
}
