package sim

import (
	"testing"

	"github.com/scalite/scalite/model"
)

// TestScaleliteLoadUsesTheTypesMultiplier: with the load model, a server's
// load as Scalelite's poller reads it is (participants + moderators) ×
// load_multiplier, the multiplier its type's (8 vCPUs / its vCPUs) times
// the configured one; without the load model, the configured one alone.
// The same meeting then reads 4 times lighter on a c5a.8xlarge than on a
// c5a.2xlarge, so least-loaded placement fills both by capacity.
func TestScaleliteLoadUsesTheTypesMultiplier(t *testing.T) {
	lm := model.DefaultLoadModel()
	small := model.InstanceType{Name: "c5a.2xlarge", VCPU: 8, CapacityUsers: 200, CapacityLoad: lm.CapacityLoad(8)}
	big := model.InstanceType{Name: "c5a.8xlarge", VCPU: 32, CapacityUsers: 800, CapacityLoad: lm.CapacityLoad(32)}
	for _, tc := range []struct {
		load       *model.LoadModel
		small, big float64
	}{{&lm, 2 * 41, 2 * 41 / 4.0}, {nil, 2 * 41, 2 * 41}} {
		o := &Options{Load: tc.load, LoadMultiplier: 2, Meetings: []model.Meeting{{ID: "a", Start: 0, End: 3600, Participants: 40, Moderators: 1}}}
		w := &world{o: o, meetings: make([]meetingRun, 1)}
		w.meetings[0].size = 40
		for _, typ := range []*model.InstanceType{&small, &big} {
			w.insts = append(w.insts, instance{typ: typ, mult: w.scaleliteMultiplier(typ), meetings: []int32{0}})
			w.pollServer(int32(len(w.insts) - 1))
		}
		if got := [2]float64{w.insts[0].polledLoad, w.insts[1].polledLoad}; got != [2]float64{tc.small, tc.big} {
			t.Errorf("load model %v: polled loads %v, want %v", tc.load != nil, got, [2]float64{tc.small, tc.big})
		}
	}
}
