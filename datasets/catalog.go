package datasets

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/scalite/scalite/model"
)

//go:embed defaults/catalog.csv
var defaultCatalogCSV []byte

// defaultAZs are the availability zones of the default catalog's regions.
var defaultAZs = map[string][]string{
	"eu-west-1": {"eu-west-1a", "eu-west-1b", "eu-west-1c"},
	"us-east-1": {"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"},
}

// DefaultCatalog is the embedded catalog (eu-west-1 and us-east-1; sources
// in defaults/catalog.csv).
func DefaultCatalog() *model.Catalog {
	c, err := ParseCatalogCSV(bytes.NewReader(defaultCatalogCSV), "embedded catalog.csv")
	if err != nil {
		panic(err) // the embedded file is tested; this cannot happen at run time
	}
	for region, azs := range defaultAZs {
		if r, ok := c.Regions[region]; ok {
			r.AZs = azs
		}
	}
	return c
}

// DefaultCatalogCSV returns the embedded catalog's text.
func DefaultCatalogCSV() []byte { return bytes.Clone(defaultCatalogCSV) }

// ReadCatalog reads a catalog file, CSV (the embedded file's columns) or
// JSON ({"regions":[{"region","availability_zones","instance_types":[...]}]}).
func ReadCatalog(path string) (*model.Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading catalog: %w", err)
	}
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		return ParseCatalogJSON(data, path)
	}
	return ParseCatalogCSV(bytes.NewReader(data), path)
}

type catalogTypeJSON struct {
	Name               string   `json:"name"`
	VCPU               float64  `json:"vcpu"`
	MemoryGiB          float64  `json:"memory_gib"`
	OnDemandUSDPerHour *float64 `json:"on_demand_usd_per_hour"`
	CapacityUsers      int      `json:"capacity_users"`
	CapacityLoad       int      `json:"capacity_load"`
	AdvisorBand        string   `json:"advisor_band"`
	SavingsPct         float64  `json:"savings_pct"`
}

type catalogJSON struct {
	Regions []struct {
		Region            string            `json:"region"`
		AvailabilityZones []string          `json:"availability_zones"`
		InstanceTypes     []catalogTypeJSON `json:"instance_types"`
	} `json:"regions"`
}

// ParseCatalogJSON reads the JSON catalog form.
func ParseCatalogJSON(data []byte, name string) (*model.Catalog, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var cj catalogJSON
	if err := dec.Decode(&cj); err != nil {
		return nil, &InputError{File: name, Err: fmt.Errorf("JSON: %w", err)}
	}
	cat := &model.Catalog{Regions: map[string]*model.RegionCatalog{}}
	for ri, r := range cj.Regions {
		for ti, t := range r.InstanceTypes {
			rec := ti + 1
			if t.OnDemandUSDPerHour == nil {
				return nil, &InputError{File: name, Record: rec, Field: fmt.Sprintf("regions[%d].instance_types[%d].on_demand_usd_per_hour", ri, ti), Err: errors.New("missing")}
			}
			it, err := buildInstanceType(r.Region, t.Name, t.VCPU, t.MemoryGiB, *t.OnDemandUSDPerHour, t.CapacityUsers, t.CapacityLoad, t.AdvisorBand, t.SavingsPct)
			if err != nil {
				return nil, &InputError{File: name, Record: rec, Field: fmt.Sprintf("regions[%d].instance_types[%d].%s", ri, ti, err.field), Err: err.err}
			}
			if err := addType(cat, r.Region, it); err != nil {
				return nil, &InputError{File: name, Record: rec, Field: fmt.Sprintf("regions[%d].instance_types[%d].name", ri, ti), Err: err}
			}
		}
		if rc, ok := cat.Regions[r.Region]; ok {
			rc.AZs = r.AvailabilityZones
		}
	}
	if len(cat.Regions) == 0 {
		return nil, &InputError{File: name, Field: "regions", Err: errors.New("no instance types")}
	}
	return cat, nil
}

// catalogColumns are the CSV catalog's columns, the first four required;
// other columns (sources, notes) are allowed and ignored. capacity_load is
// a server's capacity in load units (model.LoadModel); empty means the
// calibrated 1073 LU per vCPU.
var catalogColumns = []string{"region", "instance_type", "vcpu", "on_demand_usd_per_hour", "memory_gib", "capacity_users", "savings_pct", "advisor_band", "capacity_load"}

// ParseCatalogCSV reads the CSV catalog form; lines starting with # are
// comments.
func ParseCatalogCSV(r io.Reader, name string) (*model.Catalog, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	h, err := readCSVHeader(cr, name, headerSpec{Columns: catalogColumns, Required: 4})
	if err != nil {
		return nil, err
	}
	// Positions in catalogColumns, looked up once rather than per field.
	pos := make(map[string]int, len(catalogColumns))
	for i, k := range catalogColumns {
		pos[k] = i
	}
	cat := &model.Catalog{Regions: map[string]*model.RegionCatalog{}}
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		line := rowLine(cr, row, err)
		if err != nil {
			return nil, &InputError{File: name, Line: line, Err: err}
		}
		get := func(k string) string { return h.field(row, pos[k]) }
		num := func(k string, def float64) (float64, *fieldErr) {
			s := get(k)
			if s == "" {
				return def, nil
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return 0, &fieldErr{k, fmt.Errorf("bad number %q", s)}
			}
			return v, nil
		}
		var vals [6]float64
		for i, k := range []string{"vcpu", "memory_gib", "on_demand_usd_per_hour", "capacity_users", "savings_pct", "capacity_load"} {
			v, ferr := num(k, 0)
			if ferr != nil {
				return nil, &InputError{File: name, Line: line, Field: ferr.field, Err: ferr.err}
			}
			vals[i] = v
		}
		if get("on_demand_usd_per_hour") == "" {
			return nil, &InputError{File: name, Line: line, Field: "on_demand_usd_per_hour", Err: errors.New("missing")}
		}
		it, ferr := buildInstanceType(get("region"), get("instance_type"), vals[0], vals[1], vals[2], int(vals[3]), int(vals[5]), get("advisor_band"), vals[4])
		if ferr != nil {
			return nil, &InputError{File: name, Line: line, Field: ferr.field, Err: ferr.err}
		}
		if err := addType(cat, get("region"), it); err != nil {
			return nil, &InputError{File: name, Line: line, Field: "instance_type", Err: err}
		}
	}
	if len(cat.Regions) == 0 {
		return nil, &InputError{File: name, Err: errors.New("no instance types")}
	}
	return cat, nil
}

type fieldErr struct {
	field string
	err   error
}

func buildInstanceType(region, name string, vcpu, mem, od float64, capacity, capacityLoad int, band string, savings float64) (model.InstanceType, *fieldErr) {
	switch {
	case region == "":
		return model.InstanceType{}, &fieldErr{"region", errors.New("missing")}
	case name == "":
		return model.InstanceType{}, &fieldErr{"instance_type", errors.New("missing")}
	case vcpu <= 0:
		return model.InstanceType{}, &fieldErr{"vcpu", fmt.Errorf("must be positive, got %v", vcpu)}
	case od <= 0:
		return model.InstanceType{}, &fieldErr{"on_demand_usd_per_hour", fmt.Errorf("must be positive, got %v", od)}
	case capacity < 0:
		return model.InstanceType{}, &fieldErr{"capacity_users", fmt.Errorf("must not be negative, got %d", capacity)}
	case capacityLoad < 0:
		return model.InstanceType{}, &fieldErr{"capacity_load", fmt.Errorf("must not be negative, got %d", capacityLoad)}
	case savings < 0 || savings >= 100:
		return model.InstanceType{}, &fieldErr{"savings_pct", fmt.Errorf("must be in [0, 100), got %v", savings)}
	}
	b := model.BandOver20 // unknown pools are assumed the riskiest
	if band != "" {
		var err error
		if b, err = model.ParseAdvisorBand(band); err != nil {
			return model.InstanceType{}, &fieldErr{"advisor_band", err}
		}
	}
	if capacity == 0 {
		capacity = model.DefaultCapacity(vcpu)
	}
	if capacityLoad == 0 {
		capacityLoad = model.DefaultLoadModel().CapacityLoad(vcpu)
	}
	return model.InstanceType{Name: name, VCPU: vcpu, MemoryGiB: mem, CapacityUsers: capacity, CapacityLoad: capacityLoad, OnDemandUSDPerHour: od, Band: b, SavingsPct: savings}, nil
}

func addType(cat *model.Catalog, region string, it model.InstanceType) error {
	rc, ok := cat.Regions[region]
	if !ok {
		rc = &model.RegionCatalog{Region: region, Types: map[string]model.InstanceType{}}
		cat.Regions[region] = rc
	}
	if _, dup := rc.Types[it.Name]; dup {
		return fmt.Errorf("%s listed twice for %s", it.Name, region)
	}
	rc.Types[it.Name] = it
	return nil
}
