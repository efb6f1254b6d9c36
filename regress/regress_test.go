package regress

import "testing"

func TestCompare(t *testing.T) {
	s := &Suite{Tolerances: map[string]Tolerance{"policy_cost_usd": {Absolute: 1, Relative: 0.01}}}
	was := map[string]float64{"policy_cost_usd": 1000, "availability_pct": 99, "recordings_lost": 2}
	for _, tc := range []struct {
		name     string
		now      map[string]float64
		failed   []string
		improved []string
	}{
		{"unchanged", map[string]float64{"policy_cost_usd": 1000, "availability_pct": 99, "recordings_lost": 2}, nil, nil},
		{"cost within 1%", map[string]float64{"policy_cost_usd": 1009.9, "availability_pct": 99, "recordings_lost": 2}, nil, nil},
		{"cost beyond 1%", map[string]float64{"policy_cost_usd": 1010.1, "availability_pct": 99, "recordings_lost": 2}, []string{"policy_cost_usd"}, nil},
		{"cheaper and more available", map[string]float64{"policy_cost_usd": 900, "availability_pct": 99.5, "recordings_lost": 2}, nil, []string{"policy_cost_usd", "availability_pct"}},
		{"less available", map[string]float64{"policy_cost_usd": 1000, "availability_pct": 98.9, "recordings_lost": 2}, []string{"availability_pct"}, nil},
		{"recordings lost", map[string]float64{"policy_cost_usd": 1000, "availability_pct": 99, "recordings_lost": 3}, []string{"recordings_lost"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]Check{}
			for _, c := range s.compare(was, tc.now) {
				got[c.Metric] = c
			}
			for _, m := range Metrics {
				want := false
				for _, f := range tc.failed {
					want = want || f == m.Key
				}
				if got[m.Key].Failed != want {
					t.Errorf("%s failed = %v, want %v (%+v)", m.Key, got[m.Key].Failed, want, got[m.Key])
				}
			}
			for _, k := range tc.improved {
				if !got[k].Improved {
					t.Errorf("%s not reported as improved", k)
				}
			}
		})
	}
}
