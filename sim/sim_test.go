package sim_test

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/results"
	"github.com/scalite/scalite/scenario"
	"github.com/scalite/scalite/sim"
)

func mustRun(t testing.TB, o sim.Options) results.Result {
	t.Helper()
	r, err := sim.Run(o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDeterminism(t *testing.T) {
	o := defaultOptions(t, func(c *config.Config) {
		c.Simulation.HazardMultiplier = 20 // make the random parts matter
		c.Spot.InstanceType = config.NameList{"c6i.4xlarge", "m5.4xlarge"}
	})
	a, _ := json.Marshal(mustRun(t, o))
	b, _ := json.Marshal(mustRun(t, o))
	if !bytes.Equal(a, b) {
		t.Fatalf("same inputs and seed gave different results:\n%s\n%s", a, b)
	}
	o.Seed = 2
	c, _ := json.Marshal(mustRun(t, o))
	if bytes.Equal(a, c) {
		t.Fatal("a different seed gave the same result")
	}
	// The number of cores must not change results.
	one, err := sim.RunMany(o, 4, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	many, err := sim.RunMany(o, 4, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := json.Marshal(one)
	y, _ := json.Marshal(many)
	if !bytes.Equal(x, y) {
		t.Fatal("runs differ between 1 and 4 workers")
	}
}

// TestExactCostOnRealPrices: a fixed fleet on one spot market, with no
// capacity interruptions and a max price above every price, costs exactly
// the per-second integral of the real price series.
func TestExactCostOnRealPrices(t *testing.T) {
	o, series := fixedSpotFleetOnRealPrices(t)
	o.From = series.First() + 3600
	o.To = series.Last()
	o.Seed = 1
	p, _ := datasets.Profile("university")
	o.Meetings, _ = datasets.GenerateTrace(p, datasets.TraceGenOptions{Start: time.Unix(o.From-o.From%86400, 0).UTC(), Days: 90, Scale: 0.3}, datasets.NewTraceRand(1))
	r := mustRun(t, o)
	want, err := series.Cost(o.From, o.To)
	if err != nil {
		t.Fatal(err)
	}
	want *= 3
	if math.Abs(r.SpotCostUSD-want) >= 0.005 || r.OnDemandCostUSD != 0 || r.Interruptions != 0 {
		t.Fatalf("spot cost %.6f, want %.6f to the cent (on-demand %.4f, interruptions %d)", r.SpotCostUSD, want, r.OnDemandCostUSD, r.Interruptions)
	}
	if hours := float64(o.To-o.From) / 3600 * 3; math.Abs(r.InstanceHoursSpot-hours) > 1e-6 {
		t.Errorf("spot hours %.4f, want %.4f", r.InstanceHoursSpot, hours)
	}
}

// TestScalelitePileUp: 20 classes created in the same minute pile onto
// the emptiest server while Scalelite's polled load is stale, and spread
// out when it polls every second.
func TestScalelitePileUp(t *testing.T) {
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).Unix()
	var ms []model.Meeting
	for i := range 3 { // three long meetings load servers A, B and C
		ms = append(ms, model.Meeting{ID: "long-" + string(rune('a'+i)), Start: day + 7*3600 + int64(i)*60, End: day + 10*3600, Participants: 60, Moderators: 1})
	}
	for i := range 20 {
		ms = append(ms, model.Meeting{ID: "class-" + string(rune('a'+i)), Start: day + 8*3600 + int64(i), End: day + 10*3600, Participants: 25, Moderators: 1})
	}
	maxOnOne := func(poll time.Duration) int {
		o := defaultOptions(t, func(c *config.Config) {
			c.Spot.Enabled = false
			c.Placement.LargeMeeting = 0
			c.Fleet.Min, c.Fleet.Max = 4, 4
			c.OnDemand.Base = 4
			c.Scalelite.PollInterval = config.Duration{Duration: poll}
		})
		o.Meetings = ms
		o.From, o.To = day+6*3600, day+8*3600+5*60
		perServer, err := sim.ServedPerServer(&o, 3)
		if err != nil {
			t.Fatal(err)
		}
		most := 0
		for _, n := range perServer {
			most = max(most, n)
		}
		return most
	}
	stale, fresh := maxOnOne(60*time.Second), maxOnOne(time.Second)
	t.Logf("most classes on one server: %d with a 60 s poll, %d with a 1 s poll", stale, fresh)
	if stale < 12 {
		t.Errorf("with a 60 s poll only %d of 20 classes piled onto one server; want at least 12", stale)
	}
	if fresh > 8 {
		t.Errorf("with a 1 s poll %d of 20 classes still landed on one server; want at most 8", fresh)
	}
}

// scenario draws a small random world: a trace of up to 40 meetings over
// two days (some running when the window opens), three markets of
// generated prices and a random policy, started warm or cold.
func rapidOptions(t *rapid.T) sim.Options {
	cat := datasets.DefaultCatalog()
	cfg := config.Default()
	types := []string{"c5a.2xlarge", "c6i.4xlarge", "m5.4xlarge", "t3.xlarge"}
	cfg.Spot.InstanceType = config.NameList(rapid.SliceOfNDistinct(rapid.SampledFrom(types), 1, 3, func(s string) string { return s }).Draw(t, "types"))
	cfg.AvailabilityZones = []string{"eu-west-1a", "eu-west-1b"}
	cfg.Spot.Enabled = rapid.Bool().Draw(t, "spot")
	cfg.Spot.AllocationStrategy = rapid.SampledFrom([]string{config.LowestPrice, config.CapacityOptimized, config.PriceCapacityOptimized}).Draw(t, "strategy")
	cfg.Spot.SpotPrice = config.PriceSpec{Set: true, IsShare: true, Share: rapid.Float64Range(0.3, 1.5).Draw(t, "bid")}
	cfg.OnDemand.InstanceType = rapid.SampledFrom(types).Draw(t, "od")
	cfg.OnDemand.Base = rapid.IntRange(0, 2).Draw(t, "base")
	cfg.OnDemand.Fallback = rapid.Bool().Draw(t, "fallback")
	cfg.Fleet.Max = rapid.IntRange(max(1, cfg.OnDemand.Base), 12).Draw(t, "max")
	cfg.Fleet.Min = rapid.IntRange(0, cfg.Fleet.Max).Draw(t, "min")
	cfg.Fleet.Headroom = config.Fraction(rapid.Float64Range(0, 1).Draw(t, "headroom"))
	cfg.Fleet.ScaleInCooldown = config.Duration{Duration: time.Duration(rapid.IntRange(0, 3600).Draw(t, "cooldown")) * time.Second}
	cfg.Drain.OnRebalance = rapid.SampledFrom([]string{"cordon", "replace", "ignore"}).Draw(t, "rebalance")
	cfg.Drain.OnInterruption = rapid.SampledFrom([]string{"cordon", "end-meetings"}).Draw(t, "interruption")
	cfg.Placement.LargeMeeting = rapid.SampledFrom([]int{0, 50}).Draw(t, "large")
	cfg.PreWarm.Enabled = rapid.Bool().Draw(t, "prewarm")
	cfg.Simulation.HazardMultiplier = rapid.Float64Range(0, 400).Draw(t, "hazard")
	cfg.Simulation.LaunchFailure = rapid.Float64Range(0, 0.5).Draw(t, "launchfail")
	cfg.Scalelite.PollInterval = config.Duration{Duration: time.Duration(rapid.IntRange(1, 120).Draw(t, "poll")) * time.Second}
	cfg.Simulation.WarmStart = rapid.Bool().Draw(t, "warm")
	// Joins as often as not on a poll or reconcile tick, or on a meeting's
	// start or end: where their order among equal times matters.
	cfg.Simulation.JoinDelay = config.Duration{Duration: time.Duration(rapid.SampledFrom([]int{1, 20, 30, 60, 120}).Draw(t, "joindelay")) * time.Second}
	if err := (&config.File{Name: "rapid", Config: cfg}).Validate(cat); err != nil {
		t.Skip(err)
	}
	o, err := scenario.OptionsFrom(&cfg, cat)
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := cat.Region("eu-west-1")
	var its []model.InstanceType
	for _, n := range types {
		its = append(its, rc.Types[n])
	}
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	pm := datasets.DefaultPriceModel()
	pm.ChangesPerDayMedian = 6 // busy prices, so max-price crossings happen
	pm.SpikesPerDay = 0.5
	recs, err := datasets.GeneratePrices(pm, datasets.PriceGenOptions{Types: its, AZs: cfg.AvailabilityZones, Start: start, Days: 3}, datasets.NewPriceRand(rapid.Uint64().Draw(t, "priceseed")))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	datasets.WritePricesCLIJSON(&buf, recs)
	h, err := datasets.ReadPricesFrom(&buf, "rapid", datasets.PriceReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o.Prices = h.Series
	o.From, o.To = start.Unix(), start.Unix()+2*86400
	n := rapid.IntRange(0, 40).Draw(t, "meetings")
	for i := range n {
		s := o.From + rapid.Int64Range(-4*3600, 2*86400-60).Draw(t, "start")
		m := model.Meeting{
			ID: "m" + string(rune('A'+i%26)) + string(rune('a'+i/26)), Start: s, End: s + rapid.Int64Range(60, 4*3600).Draw(t, "dur"),
			Participants: rapid.IntRange(0, 300).Draw(t, "size"), Moderators: rapid.IntRange(0, 2).Draw(t, "mods"),
			Recorded: rapid.Bool().Draw(t, "rec"),
		}
		for range rapid.IntRange(0, 3).Draw(t, "steps") {
			m.Curve = append(m.Curve, model.SizeStep{At: rapid.Int64Range(m.Start, m.End+600).Draw(t, "at"), Participants: rapid.IntRange(0, 300).Draw(t, "csize")})
		}
		datasets.SortMeetings([]model.Meeting{m})
		sortCurve(m.Curve)
		o.Meetings = append(o.Meetings, m)
	}
	datasets.SortMeetings(o.Meetings)
	o.Seed = rapid.Uint64().Draw(t, "seed")
	return o
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func sortCurve(c []model.SizeStep) {
	for i := 1; i < len(c); i++ {
		for j := i; j > 0 && c[j].At < c[j-1].At; j-- {
			c[j], c[j-1] = c[j-1], c[j]
		}
	}
}

func TestSimulatorProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		o := rapidOptions(t)
		r, err := sim.Run(o)
		if err != nil {
			t.Fatal(err)
		}
		sum := r.ParticipantMinutesServed + r.ParticipantMinutesDisrupted + r.ParticipantMinutesRejected
		if math.Abs(sum-r.ParticipantMinutesTotal) > 1e-6*math.Max(1, r.ParticipantMinutesTotal) {
			t.Fatalf("participant-minutes not conserved: served %v + disrupted %v + rejected %v = %v, demand %v",
				r.ParticipantMinutesServed, r.ParticipantMinutesDisrupted, r.ParticipantMinutesRejected, sum, r.ParticipantMinutesTotal)
		}
		// Meetings running at the start count only when started warm.
		running, created := 0, 0
		for _, m := range o.Meetings {
			switch {
			case m.Start < o.From && m.End > o.From:
				running++
			case m.Start >= o.From && m.Start < o.To:
				created++
			}
		}
		if want := created + running*b2i(o.WarmStart); r.MeetingsTotal != want {
			t.Fatalf("%d meetings, want %d (%d created in the window, %d running at its start, warm %v)", r.MeetingsTotal, want, created, running, o.WarmStart)
		}
		if r.WarmStartMeetings > running*b2i(o.WarmStart) || (!o.WarmStart && r.WarmStartServers != 0) {
			t.Fatalf("warm %v: %d warm servers, %d of %d meetings in progress placed", o.WarmStart, r.WarmStartServers, r.WarmStartMeetings, running)
		}
		if r.SpotCostUSD < 0 || r.OnDemandCostUSD < 0 || r.BaselineOnDemandCostUSD < 0 {
			t.Fatalf("negative cost: %+v", r)
		}
		if r.MeetingsOnTerminated != 0 {
			t.Fatalf("%d meetings on terminated servers", r.MeetingsOnTerminated)
		}
		if r.UnsafeTerminations != 0 {
			t.Fatalf("the engine terminated %d servers with meetings or recordings", r.UnsafeTerminations)
		}
		if r.OverloadedParticipantMinutes > r.ParticipantMinutesServed+1e-9 {
			t.Fatalf("overloaded %v exceeds served %v", r.OverloadedParticipantMinutes, r.ParticipantMinutesServed)
		}
		if !o.Policy.SpotEnabled && (r.Interruptions != 0 || r.InstanceHoursSpot != 0) {
			t.Fatalf("on-demand-only policy had %d interruptions, %v spot hours", r.Interruptions, r.InstanceHoursSpot)
		}
		// A max price below every price: no spot instance ever runs.
		low := o
		low.Policy.MaxPrice = map[string]float64{}
		for k := range o.Policy.MaxPrice {
			low.Policy.MaxPrice[k] = 0.0001
		}
		lr, err := sim.Run(low)
		if err != nil {
			t.Fatal(err)
		}
		if lr.InstanceHoursSpot != 0 || lr.SpotCostUSD != 0 {
			t.Fatalf("max price below every price, yet %v spot hours cost %v", lr.InstanceHoursSpot, lr.SpotCostUSD)
		}
	})
}

func TestScenarioErrors(t *testing.T) {
	o := defaultOptions(t, nil)
	o.Prices = map[model.MarketKey]*model.PriceSeries{}
	if _, err := sim.Run(o); err == nil || !strings.Contains(err.Error(), "no spot price history for market c5a.4xlarge/eu-west-1a") {
		t.Fatalf("error = %v", err)
	}
	// Prices that start after the window does are no error: the markets
	// are unavailable until their first price (scenario says so).
	o = defaultOptions(t, nil)
	o.From = o.From - 86400
	if _, err := sim.Run(o); err != nil {
		t.Fatalf("prices starting a day into the window: %v", err)
	}
}
