package sim_test

import (
	"testing"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/sim"
)

// mediaVariant is the default scenario's meetings with their media set.
func mediaVariant(t *testing.T, capacityModel string, media func(m *model.Meeting)) sim.Options {
	t.Helper()
	o := defaultOptions(t, func(c *config.Config) {
		c.CapacityModel = capacityModel
		c.Simulation.CapacityInterruptions = "off"
		c.Simulation.LaunchFailure = 0
		c.Fleet.Max = 200
	})
	// Meetings up to 30 participants: one of them all on webcam still
	// fits a server (a meeting of 200 on webcam would need several, which
	// BBB cannot give a meeting).
	var ms []model.Meeting
	for _, m := range o.Meetings {
		if m.PeakParticipants() <= 30 {
			media(&m)
			ms = append(ms, m)
		}
	}
	o.Meetings = ms
	return o
}

func listenOnly(m *model.Meeting) {
	m.VideoStreams, m.VoiceParticipants, m.Listeners, m.Screenshares = 0, 0, 0, 0
}
func allWebcam(m *model.Meeting) { listenOnly(m); m.VideoStreams = m.Participants }

// TestAllWebcamNeedsTwiceTheServersOfListenOnly: the same meetings with
// everyone on webcam need at least twice the servers (instance-hours and
// peak) of the same meetings listen-only; counting users, as the old rule
// did, the two get the same fleet.
func TestAllWebcamNeedsTwiceTheServersOfListenOnly(t *testing.T) {
	listen := mustRun(t, mediaVariant(t, "load", listenOnly))
	webcam := mustRun(t, mediaVariant(t, "load", allWebcam))
	lh := listen.InstanceHoursSpot + listen.InstanceHoursOnDemand
	wh := webcam.InstanceHoursSpot + webcam.InstanceHoursOnDemand
	t.Logf("listen-only: %.1f LU per participant, %.0f instance-hours, peak %d servers; all on webcam: %.1f LU, %.0f instance-hours, peak %d",
		listen.LoadPerParticipant, lh, listen.PeakServers, webcam.LoadPerParticipant, wh, webcam.PeakServers)
	if webcam.PeakServers < 2*listen.PeakServers || wh < 1.5*lh {
		t.Errorf("all on webcam: %.0f instance-hours, peak %d; listen-only %.0f, peak %d: want a peak at least twice (and half as many server-hours again: nights keep fleet.min either way)", wh, webcam.PeakServers, lh, listen.PeakServers)
	}
	// Availability is not asserted equal: Scalelite places by heads, not
	// media, so heavy meetings meeting on one server overload it while the
	// fleet's total has room (what Scalelite PR 446 set out to fix).
	t.Logf("availability: listen-only %.2f%%, all on webcam %.2f%%", listen.AvailabilityPct, webcam.AvailabilityPct)
	// The old rule counts heads: the same fleet for both.
	oldListen := mustRun(t, mediaVariant(t, "users", listenOnly))
	oldWebcam := mustRun(t, mediaVariant(t, "users", allWebcam))
	if oldListen.PeakServers != oldWebcam.PeakServers {
		t.Errorf("counting users, listen-only peaked at %d servers and all-webcam at %d: the old rule sees no media", oldListen.PeakServers, oldWebcam.PeakServers)
	}
}

// TestLoadModelOverloadCountsMedia: with fleet.max pinned, the same
// meetings all on webcam overload the servers that hold them listen-only.
func TestLoadModelOverloadCountsMedia(t *testing.T) {
	pin := func(o sim.Options) sim.Options { o.Policy.Max = 4; return o }
	listen := mustRun(t, pin(mediaVariant(t, "load", listenOnly)))
	webcam := mustRun(t, pin(mediaVariant(t, "load", allWebcam)))
	if !(webcam.OverloadedParticipantMinutes > 10*max(listen.OverloadedParticipantMinutes, 1)) {
		t.Errorf("4 servers at most: overloaded participant-minutes %.0f all on webcam, %.0f listen-only", webcam.OverloadedParticipantMinutes, listen.OverloadedParticipantMinutes)
	}
}
