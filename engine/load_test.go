package engine

import (
	"testing"

	"github.com/scalite/scalite/model"
)

// TestLaunchesSizedByTheDemandsLoad: with the load model on, a new server
// holds its load capacity in the demand's mix: the same participants all
// on webcam (several times the load per participant) need several times
// the servers; at BBB's mixed use the load model sizes as the old rule.
func TestLaunchesSizedByTheDemandsLoad(t *testing.T) {
	lm := model.DefaultLoadModel()
	pol := testPolicy()
	pol.Max = 100
	for _, ty := range []*model.InstanceType{&pol.SpotTypes[0], &pol.SpotTypes[1], &pol.SpotTypes[2], &pol.OnDemandType} {
		ty.CapacityLoad = lm.CapacityLoad(ty.VCPU)
	}
	mixed := lm.LoadPerParticipant(model.TallyOf(model.MediaMix{Participants: 25, Voice: 3, Listeners: 22, Webcams: 2}))
	webcam := lm.LoadPerParticipant(model.TallyOf(model.MediaMix{Participants: 20, Voice: 20, Webcams: 20}))
	demand := 3000
	count := func(rho float64) int {
		obs := Observation{Pools: pools(defaultPrices...), Participants: demand, LoadPerParticipant: rho, OnDemandUnavailableUntil: make([]int64, 2)}
		return launched(plan(t, pol, 0, obs, nil))
	}
	old, atMixed, allWebcam := count(0), count(mixed), count(webcam)
	t.Logf("servers launched for %d participants: old rule %d, load model at mixed use %d, all on webcam %d", demand, old, atMixed, allWebcam)
	if atMixed != old {
		t.Errorf("at BBB's mixed use the load model launches %d servers, the old rule %d", atMixed, old)
	}
	if allWebcam < 4*old {
		t.Errorf("all on webcam: %d servers launched, the same participants in mixed use %d; want at least four times", allWebcam, old)
	}
}
