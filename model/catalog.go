package model

import (
	"fmt"
	"sort"
	"strings"
)

// Catalog maps a region to the instance types Scalite may use there.
type Catalog struct {
	Regions map[string]*RegionCatalog
}

// RegionCatalog is one region's instance types and availability zones.
type RegionCatalog struct {
	Region string
	Types  map[string]InstanceType
	// AZs lists the region's availability zones when known; when empty,
	// any zone named after the region (region + letter) is accepted.
	AZs []string
}

// Region returns one region's catalog.
func (c *Catalog) Region(name string) (*RegionCatalog, error) {
	r, ok := c.Regions[name]
	if !ok {
		return nil, fmt.Errorf("region %q is not in the catalog (have %s)", name, strings.Join(c.RegionNames(), ", "))
	}
	return r, nil
}

// RegionNames lists the catalog's regions, sorted.
func (c *Catalog) RegionNames() []string {
	names := make([]string, 0, len(c.Regions))
	for n := range c.Regions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Type looks up an instance type.
func (r *RegionCatalog) Type(name string) (InstanceType, error) {
	t, ok := r.Types[name]
	if !ok {
		return InstanceType{}, fmt.Errorf("instance type %q is not in the %s catalog", name, r.Region)
	}
	return t, nil
}

// TypeNames lists the region's instance types, sorted.
func (r *RegionCatalog) TypeNames() []string {
	names := make([]string, 0, len(r.Types))
	for n := range r.Types {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// CheckAZ reports whether az is an availability zone of the region.
func (r *RegionCatalog) CheckAZ(az string) error {
	if len(r.AZs) > 0 {
		for _, z := range r.AZs {
			if z == az {
				return nil
			}
		}
		return fmt.Errorf("availability zone %q is not in region %s (have %s)", az, r.Region, strings.Join(r.AZs, ", "))
	}
	rest, ok := strings.CutPrefix(az, r.Region)
	if !ok || len(rest) != 1 || rest[0] < 'a' || rest[0] > 'z' {
		return fmt.Errorf("availability zone %q is not in region %s", az, r.Region)
	}
	return nil
}
