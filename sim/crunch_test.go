package sim_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/scalite/scalite/results"
)

type reclaimLog struct{ reclaims []results.Record }

func (l *reclaimLog) Sample(*results.Sample) {}
func (l *reclaimLog) Event(r results.Record) {
	if r.Kind == "reclaim" && r.Detail != "" {
		l.reclaims = append(l.reclaims, r)
	}
}

// TestCrunchesHitAZoneOrTheRegionTogether: a zone crunch reclaims from
// every spot pool of its zone at the same moment, a region crunch from
// every pool; without crunch rates there are none.
func TestCrunchesHitAZoneOrTheRegionTogether(t *testing.T) {
	o := defaultOptions(t, nil)
	calm := mustRun(t, o)
	o.ZoneCrunchesPerDay, o.RegionCrunchesPerDay, o.CrunchShare = 0.5, 0.1, 0.5
	log := &reclaimLog{}
	o.Recorder, o.SampleInterval = log, 86400
	r := mustRun(t, o)
	if calm.Crunches != 0 || r.Crunches == 0 {
		t.Fatalf("crunches: %d without rates, %d with", calm.Crunches, r.Crunches)
	}
	// Group the crunch's reclaims by time and name.
	groups := map[string][]string{}
	for _, e := range log.reclaims {
		k := e.Detail + "@" + strconv.FormatInt(e.Time, 10)
		groups[k] = append(groups[k], e.Market)
	}
	zones, regions := 0, 0
	for k, ms := range groups {
		name := k[:strings.Index(k, "@")]
		switch {
		case strings.HasPrefix(name, "zone "):
			zones++
			az := strings.TrimPrefix(name, "zone ")
			if len(ms) != 3 {
				t.Errorf("%s crunch reclaimed from %d pools, want its zone's 3", az, len(ms))
			}
			for _, m := range ms {
				if !strings.HasSuffix(m, "/"+az) {
					t.Errorf("%s crunch reclaimed from %s", az, m)
				}
			}
		case strings.HasPrefix(name, "region "):
			regions++
			if len(ms) != 9 {
				t.Errorf("region crunch reclaimed from %d pools, want all 9", len(ms))
			}
		}
	}
	if zones+regions != r.Crunches || zones == 0 {
		t.Errorf("%d zone and %d region crunches recorded, result says %d", zones, regions, r.Crunches)
	}
	if r.CapacityInterruptions <= calm.CapacityInterruptions {
		t.Errorf("crunches added no interruptions: %d against %d", r.CapacityInterruptions, calm.CapacityInterruptions)
	}
	t.Logf("28 days, a zone crunch every 2 days per zone and a region crunch every 10: %d crunches, %d capacity interruptions (without: %d)", r.Crunches, r.CapacityInterruptions, calm.CapacityInterruptions)
}
