package sim_test

import (
	"testing"
	"time"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/results"
)

// TestLoadFloorTakesModeratorsIn: Scalelite's poller counts a young
// meeting as [participants + moderators, load_min_user_count].max
// (blindsidenetworks/scalelite lib/tasks/poll.rake), not the floor plus
// the moderators. A young meeting of 10 + 6 weighs 16, less than an old
// one of 18 + 1, so the next meeting joins the young one's server; adding
// the moderators after the floor (15 + 6 = 21) would send it to the other.
func TestLoadFloorTakesModeratorsIn(t *testing.T) {
	o := twoServers(t, nil)
	o.Meetings = []model.Meeting{
		{ID: "old", Start: ruleDay + 7*3600, End: ruleDay + 10*3600, Participants: 18, Moderators: 1},
		{ID: "young", Start: ruleDay + 8*3600, End: ruleDay + 10*3600, Participants: 10, Moderators: 6},
		{ID: "next", Start: ruleDay + 8*3600 + 150, End: ruleDay + 10*3600, Participants: 5, Moderators: 1},
	}
	on := placed(t, o)
	if on[0] == on[1] {
		t.Fatalf("old and young share a server: %v", on)
	}
	if on[2] != on[1] {
		t.Errorf("the next meeting went to the old meeting's server (%v): the young one was weighed 15 + 6", on)
	}
}

type enableLog struct{ enabled []int64 }

func (l *enableLog) Sample(*results.Sample) {}
func (l *enableLog) Event(r results.Record) {
	if r.Kind == "enable" {
		l.enabled = append(l.enabled, r.Time)
	}
}

// TestNoMeetingBeforeTheFirstPoll: Scalelite places meetings only on
// servers whose load its poller has read (app/models/server.rb: an enabled
// server enters server_load only with a load; lib/tasks/poll.rake sets it),
// so a meeting created between a new server's enabling and the next poll
// finds no server and is rejected; with a poll every second it is served.
func TestNoMeetingBeforeTheFirstPoll(t *testing.T) {
	for _, tc := range []struct {
		poll     time.Duration
		rejected bool
	}{{600 * time.Second, true}, {time.Second, false}} {
		o := twoServers(t, func(c *config.Config) {
			c.OnDemand.Base, c.Fleet.Min, c.Fleet.Max = 1, 1, 1
			c.Scalelite.PollInterval = config.Duration{Duration: tc.poll}
			c.Simulation.WarmStart = false // the server is launched in the window
		})
		log := &enableLog{}
		o.Recorder, o.SampleInterval = log, 3600
		// From is on a poll tick; the server is enabled within minutes,
		// before the tick 600 s on.
		o.Meetings = []model.Meeting{{ID: "early", Start: o.From + 500, End: o.From + 3600, Participants: 20, Moderators: 1}}
		r := mustRun(t, o)
		if len(log.enabled) == 0 || log.enabled[0] >= o.From+500 {
			t.Fatalf("server enabled at %v, want before the meeting at %d", log.enabled, o.From+500)
		}
		if got := r.ParticipantsRejected > 0; got != tc.rejected {
			t.Errorf("poll every %s: %d participants rejected, want rejected %v", tc.poll, r.ParticipantsRejected, tc.rejected)
		}
	}
}
