package model

import (
	"fmt"
	"math"
	"sort"
)

// UsersPerVCPU is the default BBB capacity rule: BigBlueButton's own sizing
// guidance is about 200 concurrent users on an 8-core server, so a server is
// given 25 users per vCPU unless the catalog or the config overrides it.
const UsersPerVCPU = 25

// DefaultCapacity applies the default capacity rule to a vCPU count.
func DefaultCapacity(vcpu float64) int {
	return int(math.Floor(vcpu * UsersPerVCPU))
}

// InstanceType is one EC2 instance type as Scalite sees it in one region.
type InstanceType struct {
	Name      string
	VCPU      float64
	MemoryGiB float64
	// CapacityUsers is how many concurrent BBB users (participants plus
	// moderators, as Scalelite counts load) one server of this type takes.
	CapacityUsers int
	// CapacityLoad is what one server of this type holds in load units
	// (LU, see LoadModel) at the 80% CPU ceiling.
	CapacityLoad int
	// OnDemandUSDPerHour is the Linux on-demand price in the catalog's region.
	OnDemandUSDPerHour float64
	// Band is the Spot Instance Advisor interruption-frequency band.
	Band AdvisorBand
	// SavingsPct is the advisor's savings of spot against on-demand, in percent.
	SavingsPct float64
}

// AdvisorBand is the Spot Instance Advisor's interruption-frequency band: the
// share of a pool's instances that AWS interrupted in the last month.
type AdvisorBand int

// The five advisor bands, in the order of the advisor's "ranges" index.
const (
	BandUnder5 AdvisorBand = iota
	Band5to10
	Band10to15
	Band15to20
	BandOver20
)

var bandLabels = [...]string{"<5%", "5-10%", "10-15%", "15-20%", ">20%"}

// bandMonthlyFraction is the monthly interruption fraction Scalite assumes
// for each band: the middle of the band, and 25% for the open top band.
var bandMonthlyFraction = [...]float64{0.025, 0.075, 0.125, 0.175, 0.25}

func (b AdvisorBand) String() string {
	if b < 0 || int(b) >= len(bandLabels) {
		return fmt.Sprintf("band(%d)", int(b))
	}
	return bandLabels[b]
}

// Valid reports whether b is one of the five advisor bands.
func (b AdvisorBand) Valid() bool { return b >= 0 && int(b) < len(bandLabels) }

// MonthlyFraction is the assumed share of instances interrupted per month.
func (b AdvisorBand) MonthlyFraction() float64 {
	if !b.Valid() {
		return bandMonthlyFraction[len(bandMonthlyFraction)-1]
	}
	return bandMonthlyFraction[b]
}

// HourlyHazard converts the band's monthly fraction f into a constant
// per-instance-hour hazard: surviving a 730-hour month with probability 1-f
// means exp(-730 h) = 1-f, so h = -ln(1-f)/730.
func (b AdvisorBand) HourlyHazard() float64 {
	return -math.Log(1-b.MonthlyFraction()) / 730
}

// ParseAdvisorBand reads a band label ("<5%", "5-10%", ...) or its index.
func ParseAdvisorBand(s string) (AdvisorBand, error) {
	for i, l := range bandLabels {
		if s == l {
			return AdvisorBand(i), nil
		}
	}
	if len(s) == 1 && s[0] >= '0' && s[0] <= '4' {
		return AdvisorBand(s[0] - '0'), nil
	}
	return 0, fmt.Errorf("unknown advisor band %q (want one of <5%%, 5-10%%, 10-15%%, 15-20%%, >20%%)", s)
}

// MarketKey names one spot pool: an instance type in an availability zone.
type MarketKey struct {
	InstanceType string
	AZ           string
}

func (k MarketKey) String() string { return k.InstanceType + "/" + k.AZ }

// Market is one spot pool with what the advisor says about it.
type Market struct {
	MarketKey
	Band       AdvisorBand
	SavingsPct float64
}

// SortMarketKeys sorts keys by instance type, then AZ, so that every
// iteration over markets is deterministic.
func SortMarketKeys(keys []MarketKey) {
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].InstanceType != keys[j].InstanceType {
			return keys[i].InstanceType < keys[j].InstanceType
		}
		return keys[i].AZ < keys[j].AZ
	})
}

// InterruptionNoticeSeconds is AWS's two-minute warning: a spot instance's
// interruption notice comes this long before EC2 interrupts it (EC2 User
// Guide, "Spot Instance interruption notices"). The simulator and the
// controller's interruption queue both take the termination time from it.
const InterruptionNoticeSeconds = 120
