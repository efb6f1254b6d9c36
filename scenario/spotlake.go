package scenario

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/sim"
)

// SpotLake is what simulation.spotlake gives a simulation: each pool's
// advisor band over time and its spot prices, for the policy's region,
// the catalog's types and the zones the configuration maps to IDs.
type SpotLake struct {
	Bands  map[model.MarketKey][]sim.BandStep
	Prices *datasets.PriceHistory
	Label  string
}

// ReadSpotLake reads the snapshots simulation.spotlake names, keeping the
// pools a simulation in region can use: the catalog's types there, in the
// zones whose IDs zone_ids gives (SpotLake names zones by ID; the pools
// come back under the zone names). Errors name the file, line and column.
func ReadSpotLake(sl config.SpotLake, region string, cat *model.Catalog) (*SpotLake, error) {
	rc, err := cat.Region(region)
	if err != nil {
		return nil, err
	}
	names := map[string]string{} // zone ID -> zone name
	for _, name := range slices.Sorted(maps.Keys(sl.ZoneIDs)) {
		id := sl.ZoneIDs[name]
		if other, dup := names[id]; dup {
			return nil, fmt.Errorf("simulation.spotlake.zone_ids: %s and %s both have zone ID %s", other, name, id)
		}
		names[id] = name
	}
	h, err := datasets.ReadSpotLakeWhere(sl.Paths, func(p datasets.SpotLakePool) bool {
		_, typ := rc.Types[p.InstanceType]
		_, zone := names[p.AZID]
		return p.Region == region && typ && zone
	})
	if errors.Is(err, datasets.ErrNoSpotLakePool) {
		return nil, fmt.Errorf("%w: region %s, zone IDs %s, the catalog's types", err, region, strings.Join(slices.Sorted(maps.Keys(names)), ", "))
	}
	if err != nil {
		return nil, err
	}
	out := &SpotLake{Bands: map[model.MarketKey][]sim.BandStep{}}
	for _, p := range h.PoolKeys() {
		var steps []sim.BandStep
		for _, s := range h.BandHistory(p) {
			steps = append(steps, sim.BandStep{At: s.T, Band: s.Band})
		}
		if len(steps) > 0 {
			out.Bands[model.MarketKey{InstanceType: p.InstanceType, AZ: names[p.AZID]}] = steps
		}
	}
	series, err := h.PriceSeries(names)
	if err != nil {
		return nil, err
	}
	kept := 0
	for _, s := range series {
		kept += s.Len()
	}
	out.Prices = &datasets.PriceHistory{Series: series, Stats: datasets.PriceReadStats{Files: h.Files, Records: h.Records + h.Skipped, Kept: kept}}
	out.Label = fmt.Sprintf("SpotLake snapshots (%d files, %s)", h.Files, strings.Join(sl.Paths, ", "))
	return out, nil
}

// Notes say where the band history does not cover a market of the policy
// over [from, to): there the type's advisor band holds.
func (l *SpotLake) Notes(markets []model.MarketKey, from, to int64) []string {
	var out []string
	for _, k := range markets {
		switch b := l.Bands[k]; {
		case len(b) == 0:
			out = append(out, fmt.Sprintf("market %s has no band in the SpotLake snapshots: its type's advisor band holds", k))
		case b[0].At >= to:
			out = append(out, fmt.Sprintf("market %s has no SpotLake band before %s, after the window: its type's advisor band holds", k, fmtT(b[0].At)))
		case b[0].At > from:
			out = append(out, fmt.Sprintf("market %s has no SpotLake band before %s: its type's advisor band holds until then", k, fmtT(b[0].At)))
		}
	}
	return out
}
