package datasets

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/scalite/scalite/model"
)

// SpotLake open data (github.com/ddps-lab/spotlake-open-data; licence
// CC BY-NC 4.0: an operator may fetch it, Scalite ships none of it) holds a
// snapshot of every AWS spot pool every 10 minutes, one CSV per snapshot,
// with the columns
//
//	Time, InstanceType, Region, AZ, SPS, T3, T2, IF, OndemandPrice, SpotPrice, Savings
//
// AZ is the zone's ID (use1-az1), not its name; SPS is the spot placement
// score (1-10); T3 and T2 the largest target capacity (up to 50) still
// scoring at least 3 and 2; IF the Spot Instance Advisor band as SpotLake
// grades it (ddps-lab/spotlake: frequency_map = {'<5%': 3.0, '5-10%': 2.5,
// '10-15%': 2.0, '15-20%': 1.5, '>20%': 1.0}); prices in USD per hour.

// SpotLakePool names one pool as SpotLake does: zone by ID.
type SpotLakePool struct {
	InstanceType string
	Region       string
	AZID         string
}

func (p SpotLakePool) String() string { return p.InstanceType + "/" + p.AZID }

// SpotLakePoint is one snapshot of one pool. Missing values (SpotLake
// leaves a cell empty when a source had nothing for the pool) are NaN for
// prices, 0 for scores, and HasBand false for the band.
type SpotLakePoint struct {
	Time       int64
	SPS        int
	T3, T2     int
	Band       model.AdvisorBand
	HasBand    bool
	OnDemand   float64
	Spot       float64
	SavingsPct float64
}

// SpotLakeHistory is each pool's snapshots in time order.
type SpotLakeHistory struct {
	Pools   map[SpotLakePool][]SpotLakePoint
	Files   int
	Records int // records kept
	// Skipped counts the records of pools the reader was told to leave out.
	Skipped int
	keep    func(SpotLakePool) bool
}

// spotLakeColumns are the archive's columns, all required.
var spotLakeColumns = []string{"time", "instancetype", "region", "az", "sps", "t3", "t2", "if", "ondemandprice", "spotprice", "savings"}

const (
	slTime = iota
	slType
	slRegion
	slAZ
	slSPS
	slT3
	slT2
	slIF
	slOnDemand
	slSpot
	slSavings
)

// BandFromSpotLakeGrade reads SpotLake's IF grade: 3.0 is the advisor's
// "<5%" band, then down by 0.5 per band to 1.0 for ">20%".
func BandFromSpotLakeGrade(g float64) (model.AdvisorBand, error) {
	for b := model.BandUnder5; b <= model.BandOver20; b++ {
		if g == 3.0-0.5*float64(b) {
			return b, nil
		}
	}
	return 0, fmt.Errorf("grade %v is not one of 3.0 (<5%%), 2.5, 2.0, 1.5, 1.0 (>20%%)", g)
}

// ReadSpotLake reads SpotLake snapshot files and directories (every file
// below, gzip undone). Errors name the file, line and column.
func ReadSpotLake(paths []string) (*SpotLakeHistory, error) {
	return ReadSpotLakeWhere(paths, nil)
}

// ErrNoSpotLakePool: every record read was of a pool left out.
var ErrNoSpotLakePool = errors.New("is for a pool wanted here")

// ReadSpotLakeWhere is ReadSpotLake keeping only the pools keep accepts
// (all when nil): a month of the archive is some 200 million records over
// every region and type, of which a simulation needs a few pools. Left-out
// records are still checked up to their pool's columns.
func ReadSpotLakeWhere(paths []string, keep func(SpotLakePool) bool) (*SpotLakeHistory, error) {
	files, err := expandPaths(paths)
	if err != nil {
		return nil, fmt.Errorf("reading SpotLake snapshots: %w", err)
	}
	h := &SpotLakeHistory{Pools: map[SpotLakePool][]SpotLakePoint{}, keep: keep}
	for _, f := range files {
		r, closeFn, err := openInput(f)
		if err != nil {
			return nil, fmt.Errorf("reading SpotLake snapshots: %w", err)
		}
		err = h.read(r, f)
		closeFn()
		if err != nil {
			return nil, err
		}
	}
	if h.Records == 0 {
		if h.Skipped > 0 {
			return nil, fmt.Errorf("SpotLake snapshots: none of the %d records in %s %w", h.Skipped, strings.Join(paths, ", "), ErrNoSpotLakePool)
		}
		return nil, fmt.Errorf("SpotLake snapshots: no records in %s", strings.Join(paths, ", "))
	}
	for k, pts := range h.Pools {
		// A pool seen twice at one time (overlapping files) keeps the last.
		h.Pools[k] = sortLastAtEachTime(pts, func(p SpotLakePoint) int64 { return p.Time })
	}
	return h, nil
}

// ReadSpotLakeFrom reads one snapshot stream; name is used in errors.
func ReadSpotLakeFrom(r io.Reader, name string) (*SpotLakeHistory, error) {
	h := &SpotLakeHistory{Pools: map[SpotLakePool][]SpotLakePoint{}}
	if err := h.read(r, name); err != nil {
		return nil, err
	}
	return h, nil
}

func (h *SpotLakeHistory) read(r io.Reader, name string) error {
	h.Files++
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	hdr, err := readCSVHeader(cr, name, headerSpec{Columns: spotLakeColumns, Required: len(spotLakeColumns)})
	if err != nil {
		return err
	}
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line := rowLine(cr, row, err)
		if err != nil {
			return &InputError{File: name, Line: line, Err: err}
		}
		fail := func(col int, err error) error {
			return &InputError{File: name, Line: line, Field: spotLakeHeader[col], Err: err}
		}
		f := func(col int) string { return hdr.field(row, col) }
		var p SpotLakePoint
		if p.Time, err = parsePriceTime(f(slTime)); err != nil {
			return fail(slTime, err)
		}
		key := SpotLakePool{InstanceType: f(slType), Region: f(slRegion), AZID: f(slAZ)}
		for _, col := range []int{slType, slRegion, slAZ} {
			if f(col) == "" {
				return fail(col, errors.New("missing"))
			}
		}
		if h.keep != nil && !h.keep(key) {
			h.Skipped++
			continue
		}
		ints := []struct {
			col    int
			dst    *int
			lo, hi int
		}{{slSPS, &p.SPS, 1, 10}, {slT3, &p.T3, 0, 50}, {slT2, &p.T2, 0, 50}}
		for _, c := range ints {
			v, ok, err := optionalFloat(f(c.col))
			if err != nil {
				return fail(c.col, err)
			}
			if !ok {
				continue
			}
			if v != math.Trunc(v) || v < float64(c.lo) || v > float64(c.hi) {
				return fail(c.col, fmt.Errorf("want a whole number from %d to %d, got %s", c.lo, c.hi, f(c.col)))
			}
			*c.dst = int(v)
		}
		if g, ok, err := optionalFloat(f(slIF)); err != nil {
			return fail(slIF, err)
		} else if ok {
			if p.Band, err = BandFromSpotLakeGrade(g); err != nil {
				return fail(slIF, err)
			}
			p.HasBand = true
		}
		prices := []struct {
			col int
			dst *float64
		}{{slOnDemand, &p.OnDemand}, {slSpot, &p.Spot}}
		for _, c := range prices {
			v, ok, err := optionalFloat(f(c.col))
			switch {
			case err != nil:
				return fail(c.col, err)
			case !ok:
				*c.dst = math.NaN()
			case v < 0 || v > MaxSpotPriceUSDPerHour:
				return fail(c.col, fmt.Errorf("price %s USD/hour is outside [0, %d]", f(c.col), MaxSpotPriceUSDPerHour))
			default:
				*c.dst = v
			}
		}
		if v, ok, err := optionalFloat(f(slSavings)); err != nil {
			return fail(slSavings, err)
		} else if ok {
			if v < 0 || v > 100 {
				return fail(slSavings, fmt.Errorf("want a percentage from 0 to 100, got %s", f(slSavings)))
			}
			p.SavingsPct = v
		}
		h.Records++
		h.Pools[key] = append(h.Pools[key], p)
	}
}

// spotLakeHeader is how errors name the columns: as the archive spells them.
var spotLakeHeader = []string{"Time", "InstanceType", "Region", "AZ", "SPS", "T3", "T2", "IF", "OndemandPrice", "SpotPrice", "Savings"}

// optionalFloat reads a number; an empty cell or NaN (how pandas writes a
// missing value) is absent.
func optionalFloat(s string) (float64, bool, error) {
	if s == "" || strings.EqualFold(s, "nan") {
		return 0, false, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false, fmt.Errorf("want a number, got %q", s)
	}
	return v, true, nil
}

// PoolKeys lists the pools in a deterministic order.
func (h *SpotLakeHistory) PoolKeys() []SpotLakePool {
	keys := make([]SpotLakePool, 0, len(h.Pools))
	for k := range h.Pools {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b SpotLakePool) int {
		if c := cmp.Compare(a.InstanceType, b.InstanceType); c != 0 {
			return c
		}
		return cmp.Compare(a.AZID, b.AZID)
	})
	return keys
}

// BandStep is the advisor band from T on.
type BandStep struct {
	T    int64
	Band model.AdvisorBand
}

// BandHistory is a pool's advisor band as a step function, one step per
// change; snapshots without a band keep the band before them.
func (h *SpotLakeHistory) BandHistory(p SpotLakePool) []BandStep {
	var out []BandStep
	for _, pt := range h.Pools[p] {
		if !pt.HasBand {
			continue
		}
		if n := len(out); n == 0 || out[n-1].Band != pt.Band {
			out = append(out, BandStep{T: pt.Time, Band: pt.Band})
		}
	}
	return out
}

// PriceSeries is a pool's spot price history as a series of change points,
// for the simulator. AZ IDs name the same physical zone in every account,
// AZ names do not: zoneNames maps the IDs to this account's names (as
// `aws ec2 describe-availability-zones` lists them); a pool whose ID is not
// in the map keeps the ID as its zone. Snapshots without a price are
// skipped (the price before them holds).
func (h *SpotLakeHistory) PriceSeries(zoneNames map[string]string) (map[model.MarketKey]*model.PriceSeries, error) {
	out := map[model.MarketKey]*model.PriceSeries{}
	for _, p := range h.PoolKeys() {
		var ts []int64
		var ps []float64
		for _, pt := range h.Pools[p] {
			if math.IsNaN(pt.Spot) {
				continue
			}
			if n := len(ps); n > 0 && ps[n-1] == pt.Spot {
				continue
			}
			ts = append(ts, pt.Time)
			ps = append(ps, pt.Spot)
		}
		if len(ts) == 0 {
			continue
		}
		az := p.AZID
		if name, ok := zoneNames[az]; ok {
			az = name
		}
		key := model.MarketKey{InstanceType: p.InstanceType, AZ: az}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("SpotLake: two zone IDs map to %s", key)
		}
		s, err := model.NewPriceSeries(ts, ps)
		if err != nil {
			return nil, fmt.Errorf("SpotLake pool %s: %w", p, err)
		}
		out[key] = s
	}
	return out, nil
}
