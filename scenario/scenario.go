package scenario

import (
	"fmt"
	"strings"
	"time"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/sim"
	"github.com/scalite/scalite/timetable"
)

// Inputs name what a simulation reads. Empty PricePaths mean the embedded
// synthetic prices; an empty TracePath means a trace generated for the
// price window from Profile.
type Inputs struct {
	Config      *config.File
	Catalog     *model.Catalog
	PricePaths  []string
	Product     string
	TracePath   string
	SamplesPath string
	Profile     string  // for a generated trace; default university
	Scale       float64 // for a generated trace; default 1
	From, To    time.Time
	Seed        uint64
}

// Scenario is a simulation ready to run, with what it was made from.
type Scenario struct {
	Options sim.Options
	// MeetingsFor generates each seed's trace when none was given.
	MeetingsFor func(seed uint64) ([]model.Meeting, error)
	Prices      *datasets.PriceHistory
	PricesLabel string
	TraceLabel  string
	TraceStats  datasets.TraceStats
	// Notes say what an operator should know about the window: markets of
	// the policy without a price for part of it are unavailable there.
	Notes []string
}

// Build reads the inputs and settles the window: where the prices
// of the policy's markets and the trace overlap, unless From/To say
// otherwise. Everything that would stop a run is reported here, before any
// simulating.
func Build(in Inputs) (*Scenario, error) {
	o, err := OptionsFrom(&in.Config.Config, in.Catalog)
	if err != nil {
		return nil, err
	}
	sc := &Scenario{}
	// The trace is read beside the prices: neither needs the other, and
	// each is a good part of a year's run. Errors keep their order: the
	// prices' first.
	type traceRead struct {
		ms  []model.Meeting
		st  datasets.TraceStats
		err error
	}
	var traced chan traceRead
	if in.TracePath != "" {
		traced = make(chan traceRead, 1)
		go func() {
			ms, st, err := datasets.ReadTrace(in.TracePath, in.SamplesPath)
			traced <- traceRead{ms, st, err}
		}()
	}
	// SpotLake's history (simulation.spotlake): each pool's band over
	// time and, unless prices are given, its spot prices.
	var lake *SpotLake
	if sl := in.Config.Config.Simulation.SpotLake; len(sl.Paths) > 0 {
		if lake, err = ReadSpotLake(sl, o.Policy.Region, in.Catalog); err != nil {
			return nil, fmt.Errorf("simulation.spotlake: %w", err)
		}
		o.Bands = lake.Bands
	}
	switch {
	case len(in.PricePaths) == 0 && lake != nil:
		sc.Prices, sc.PricesLabel = lake.Prices, lake.Label
	case len(in.PricePaths) == 0:
		sc.Prices, err = datasets.DefaultPrices()
		sc.PricesLabel = datasets.DefaultPricesName
	default:
		sc.Prices, err = datasets.ReadPrices(in.PricePaths, datasets.PriceReadOptions{Product: in.Product})
		sc.PricesLabel = strings.Join(in.PricePaths, ", ")
	}
	if err != nil {
		return nil, err
	}
	o.Prices = sc.Prices.Series
	capacity, capacityPath, _ := in.Config.Config.Simulation.CapacitySource()
	if capacity == "trace" {
		if o.Availability, err = ReadAvailabilityDir(capacityPath); err != nil {
			return nil, fmt.Errorf("simulation.capacity_interruptions: %w", err)
		}
	}

	// The prices' window: from the first price of any market to the end of
	// the day of the last record (prices hold until they change). It does
	// not depend on the policy, so every candidate of a sweep, and the
	// winner run again, share it; a policy's market whose prices start
	// later is unavailable (no launches) until its first price.
	markets := o.Policy.SpotMarkets()
	for _, k := range markets {
		if _, ok := o.Prices[k]; !ok {
			return nil, fmt.Errorf("no spot price history for market %s, which the policy uses (prices from %s have %d markets)", k, sc.PricesLabel, len(o.Prices))
		}
	}
	from, last := sc.Prices.Span()
	to := (last/86400 + 1) * 86400

	if in.TracePath != "" {
		tr := <-traced
		ms, st, err := tr.ms, tr.st, tr.err
		if err != nil {
			return nil, err
		}
		sc.TraceStats = st
		sc.TraceLabel = in.TracePath
		o.Meetings = ms
		first, last := datasets.TraceSpan(ms)
		from, to = max(from, first), min(to, last)
	}
	if !in.From.IsZero() {
		from = in.From.Unix()
	}
	if !in.To.IsZero() {
		to = in.To.Unix()
	}
	if to <= from {
		return nil, fmt.Errorf("the prices (%s) and the trace (%s) do not overlap: window %s to %s is empty",
			sc.PricesLabel, sc.TraceLabel, fmtT(from), fmtT(to))
	}
	for _, k := range markets {
		switch s := o.Prices[k]; {
		case s.First() >= to:
			sc.Notes = append(sc.Notes, fmt.Sprintf("market %s has no price in the window: unavailable throughout (no launches)", k))
		case s.First() > from:
			sc.Notes = append(sc.Notes, fmt.Sprintf("market %s has no price before %s (%.1f of %.1f days): unavailable until then (no launches)",
				k, fmtT(s.First()), float64(s.First()-from)/86400, float64(to-from)/86400))
		}
	}
	if lake != nil {
		sc.Notes = append(sc.Notes, lake.Notes(markets, from, to)...)
	}
	o.From, o.To, o.Seed = from, to, in.Seed
	if capacity == "model" {
		// Drawn once for the window, from the base seed: every run of a
		// sweep or of RunMany's seeds sees the same crunches (common
		// random numbers across candidates).
		if o.Availability, o.Hazards, err = CapacityFromModel(capacityPath, markets, from, to, in.Seed); err != nil {
			return nil, fmt.Errorf("simulation.capacity_interruptions: %w", err)
		}
	}
	if pw := in.Config.Config.PreWarm; pw.Timetable != "" {
		cal, err := timetable.Load(pw.Timetable, pw.TimetableParticipants)
		if err != nil {
			return nil, fmt.Errorf("prewarm.timetable: %w", err)
		}
		// A day either side: sessions the lead reaches into, and those
		// already running at the start.
		o.Policy.Timetable = cal.Sessions(from-86400, to+86400)
	}

	if in.TracePath == "" {
		name := in.Profile
		if name == "" {
			name = "university"
		}
		prof, err := datasets.Profile(name)
		if err != nil {
			return nil, err
		}
		day0 := time.Unix(from-from%86400, 0).UTC()
		days := int((to - day0.Unix() + 86399) / 86400)
		scale := in.Scale
		generate := func(seed uint64) ([]model.Meeting, error) {
			return datasets.GenerateTrace(prof, datasets.TraceGenOptions{Start: day0, Days: days, Scale: scale}, datasets.NewTraceRand(seed))
		}
		if o.Meetings, err = generate(in.Seed); err != nil {
			return nil, err
		}
		// The base seed's trace is the one just drawn: the first run takes
		// it rather than drawing it a second time (twice the memory at a
		// large scale). Runs only read a trace.
		first, seed0 := o.Meetings, in.Seed
		sc.MeetingsFor = func(seed uint64) ([]model.Meeting, error) {
			if seed == seed0 {
				return first, nil
			}
			return generate(seed)
		}
		sc.TraceLabel = fmt.Sprintf("generated %s trace, %d days, seed per run", name, days)
	}
	sc.Options = o
	return sc, o.Check()
}

func fmtT(t int64) string { return time.Unix(t, 0).UTC().Format(time.RFC3339) }
