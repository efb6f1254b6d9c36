package engine

import (
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestReasonsReadAsFormatted: the reasons built without fmt read exactly
// as the fmt.Sprintf they replace.
func TestReasonsReadAsFormatted(t *testing.T) {
	for _, v := range [][3]int{{0, 0, 0}, {1200, 375, 825}, {-5, 12, 1 << 40}, {400, 0, 400}} {
		if got, want := scaleInReason(v[0], v[1], v[2]), fmt.Sprintf("scale in: capacity %d exceeds the %d needed by %d", v[0], v[1], v[2]); got != want {
			t.Errorf("scaleInReason%v = %q, want %q", v, got, want)
		}
	}
	for _, idle := range []int64{0, 900, -1, 1 << 50} {
		if got, want := retireReason(idle), fmt.Sprintf("cordoned, empty and no recording processing for %ds", idle); got != want {
			t.Errorf("retireReason(%d) = %q, want %q", idle, got, want)
		}
	}
}

// scaleInBySort is scale-in as it was written first: sort every candidate,
// then walk them all. scaleIn must pick the very same servers.
func scaleInBySort(p *Planner, obs *Observation, g *group) []Action {
	excess := g.capacity - g.required
	if excess <= 0 || len(g.cordonable) == 0 || g.servers-1 < p.minServers(g) {
		return nil
	}
	order := slices.Clone(g.cordonable)
	slices.SortStableFunc(order, func(a, b int) int { return scaleInFirst(&obs.Servers[a], &obs.Servers[b]) })
	servers, onDemand, base := g.servers, g.onDemand, p.base(g)
	var out []Action
	for _, i := range order {
		s := &obs.Servers[i]
		if s.CapacityUsers > excess || servers-1 < p.minServers(g) || (!s.Spot && onDemand-1 < base) {
			continue
		}
		out = append(out, Action{Kind: Cordon, Server: s.ID, Reason: fmt.Sprintf("scale in: capacity %d exceeds the %d needed by %d", g.capacity, g.required, excess)})
		excess -= s.CapacityUsers
		servers--
		if !s.Spot {
			onDemand--
		}
	}
	return out
}

// TestScaleInPicksAsAStableSort: taking candidates one at a time gives the
// servers, order and reasons a stable sort of all of them gives.
func TestScaleInPicksAsAStableSort(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pol := testPolicy()
		pol.Min = rapid.IntRange(0, 4).Draw(t, "min")
		pol.OnDemandBase = rapid.IntRange(0, 3).Draw(t, "base")
		p, err := New(pol)
		if err != nil {
			t.Fatal(err)
		}
		obs := Observation{Pools: pools(defaultPrices...)}
		g := &group{}
		for i := range rapid.IntRange(0, 14).Draw(t, "servers") {
			s := srv(fmt.Sprintf("s%d", i), rapid.IntRange(-1, 5).Draw(t, "pool"), Enabled, rapid.SampledFrom([]int{0, 0, 5, 40}).Draw(t, "participants"), 0)
			s.CapacityUsers = rapid.SampledFrom([]int{200, 400}).Draw(t, "capacity")
			s.USDPerHour = rapid.SampledFrom([]float64{0.25, 0.3, 0.688}).Draw(t, "price")
			obs.Servers = append(obs.Servers, s)
			g.cordonable = append(g.cordonable, i)
			g.capacity += s.CapacityUsers
			g.servers++
			if !s.Spot {
				g.onDemand++
			}
		}
		g.required = rapid.IntRange(0, g.capacity+100).Draw(t, "required")
		want := scaleInBySort(p, &obs, g)
		got := p.scaleIn(&obs, NewState(1), g, nil)
		if !slices.Equal(got, want) {
			t.Fatalf("scaleIn cordons %v, the stable sort %v", got, want)
		}
	})
}
