package sim_test

import (
	"os"
	"testing"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/scenario"
	"github.com/scalite/scalite/sim"
)

// defaultOptions is the embedded default scenario: synthetic prices and a
// generated university trace over the same 28 days, as `scalite sim` runs it.
func defaultOptions(t testing.TB, mutate func(*config.Config)) sim.Options {
	t.Helper()
	cfg := config.Default()
	if mutate != nil {
		mutate(&cfg)
	}
	f := &config.File{Name: "test", Config: cfg}
	cat := datasets.DefaultCatalog()
	if err := f.Validate(cat); err != nil {
		t.Fatal(err)
	}
	sc, err := scenario.Build(scenario.Inputs{Config: f, Catalog: cat, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return sc.Options
}

// realPrices is the shared 90-day eu-west-1 spot-price file.
const realPrices = "../../shared/data/spot-prices/eu-west-1_2022-03-09_2022-06-07.json"

// fixedSpotFleetOnRealPrices is three c5a.4xlarge spot servers in
// eu-west-1b held all the time on the real prices: no on-demand server, no
// capacity interruption, a max price above every price, so the fleet's
// cost is exactly three times the market's price integral. It returns the
// options (window and trace left to the caller) and that market's series,
// and skips when shared/ is absent.
func fixedSpotFleetOnRealPrices(t *testing.T) (sim.Options, *model.PriceSeries) {
	t.Helper()
	if _, err := os.Stat(realPrices); err != nil {
		t.Skipf("shared data %s is absent: skipping the exact cost check on real prices", realPrices)
	}
	h, err := datasets.ReadPrices([]string{realPrices}, datasets.PriceReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.AvailabilityZones = []string{"eu-west-1b"}
	cfg.Spot.InstanceType = config.NameList{"c5a.4xlarge"}
	cfg.Spot.SpotPrice = config.PriceSpec{Set: true, USDPerHour: 10}
	cfg.OnDemand = config.OnDemand{}
	cfg.Placement.LargeMeeting = 0
	cfg.Fleet.Min, cfg.Fleet.Max = 3, 3
	cfg.Fleet.LaunchToRunning = config.Duration{}
	cfg.Simulation.CapacityInterruptions = "off"
	cfg.Simulation.LaunchFailure = 0
	f := &config.File{Name: "exact", Config: cfg}
	if err := f.Validate(datasets.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	o, err := scenario.OptionsFrom(&cfg, datasets.DefaultCatalog())
	if err != nil {
		t.Fatal(err)
	}
	o.Prices = h.Series
	return o, h.Series[model.MarketKey{InstanceType: "c5a.4xlarge", AZ: "eu-west-1b"}]
}
