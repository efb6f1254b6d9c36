package config

import (
	"maps"
	"regexp"
	"slices"
)

// zoneIDPattern is an AWS availability zone ID: euw1-az3, use1-az6, and
// for Local Zones usw2-lax1-az1.
var zoneIDPattern = regexp.MustCompile(`^[a-z]+[0-9]+(-[a-z]+[0-9]+)*-az[0-9]+$`)

// validateSpotLake checks simulation.spotlake: paths given need a zone ID
// for every one of the policy's zones, and IDs must look like IDs (a zone
// name there is the usual mistake, and would match nothing).
func (c *Config) validateSpotLake(bad func(key, format string, args ...any)) {
	sl := c.Simulation.SpotLake
	for i, p := range sl.Paths {
		if p == "" {
			bad("simulation.spotlake.paths", "entry %d is empty", i+1)
		}
	}
	if len(sl.Paths) == 0 {
		if len(sl.ZoneIDs) > 0 {
			bad("simulation.spotlake.zone_ids", "given without simulation.spotlake.paths")
		}
		return
	}
	for _, az := range c.AvailabilityZones {
		if _, ok := sl.ZoneIDs[az]; !ok {
			bad("simulation.spotlake.zone_ids", "no zone ID for %s: SpotLake names zones by ID; `aws ec2 describe-availability-zones` lists each ZoneName's ZoneId for your account", az)
		}
	}
	seen := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(sl.ZoneIDs)) {
		id := sl.ZoneIDs[name]
		key := "simulation.spotlake.zone_ids." + name
		if !zoneIDPattern.MatchString(id) {
			bad(key, "want a zone ID like euw1-az1, got %q", id)
			continue
		}
		if other, dup := seen[id]; dup {
			bad(key, "zone ID %s is also given for %s: each zone has its own ID", id, other)
		}
		seen[id] = name
	}
}
