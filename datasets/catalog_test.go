package datasets

import (
	"strings"
	"testing"

	"github.com/scalite/scalite/model"
)

func TestDefaultCatalog(t *testing.T) {
	cat := DefaultCatalog()
	for _, region := range []string{"eu-west-1", "us-east-1"} {
		rc, err := cat.Region(region)
		if err != nil {
			t.Fatal(err)
		}
		if len(rc.Types) != 31 { // 23 sizes 2xlarge and 4xlarge, 8 of 8xlarge
			t.Errorf("%s: %d types, want 31", region, len(rc.Types))
		}
	}
	rc, _ := cat.Region("eu-west-1")
	c5a := rc.Types["c5a.2xlarge"]
	// 8 vCPU: BBB's 200-user guidance.
	if c5a.CapacityUsers != 200 || c5a.OnDemandUSDPerHour != 0.344 || c5a.Band != model.BandUnder5 || c5a.SavingsPct != 51 {
		t.Errorf("c5a.2xlarge = %+v", c5a)
	}
	// 8 vCPU at 1073 LU each; the 8xlarge holds four times as much.
	if c5a.CapacityLoad != 8584 || rc.Types["c5a.8xlarge"].CapacityLoad != 4*8584 {
		t.Errorf("capacity_load: c5a.2xlarge %d LU, c5a.8xlarge %d LU; want 8584 and %d", c5a.CapacityLoad, rc.Types["c5a.8xlarge"].CapacityLoad, 4*8584)
	}
	if err := rc.CheckAZ("eu-west-1d"); err == nil {
		t.Error("eu-west-1d accepted")
	}
}

// TestDefaultCatalogMatchesShared checks the embedded facts against the
// shared sources they were copied from.
func TestDefaultCatalogMatchesShared(t *testing.T) {
	const od = "../../shared/data/on-demand-prices.csv"
	requireShared(t, od)
	shared, err := ReadCatalog(od)
	if err != nil {
		t.Fatal(err)
	}
	cat := DefaultCatalog()
	for region, rc := range shared.Regions {
		for name, want := range rc.Types {
			got := cat.Regions[region].Types[name]
			if got.OnDemandUSDPerHour != want.OnDemandUSDPerHour || got.VCPU != want.VCPU || got.MemoryGiB != want.MemoryGiB {
				t.Errorf("%s %s: embedded %+v, shared %+v", region, name, got, want)
			}
		}
	}
}

func TestCatalogJSONAndErrors(t *testing.T) {
	cat, err := ParseCatalogJSON([]byte(`{"regions":[{"region":"eu-central-1","availability_zones":["eu-central-1a"],"instance_types":[
		{"name":"c7a.4xlarge","vcpu":16,"memory_gib":32,"on_demand_usd_per_hour":0.9,"capacity_users":300,"advisor_band":"10-15%","savings_pct":60}]}]}`), "c.json")
	if err != nil {
		t.Fatal(err)
	}
	it := cat.Regions["eu-central-1"].Types["c7a.4xlarge"]
	if it.CapacityUsers != 300 || it.Band != model.Band10to15 {
		t.Errorf("type = %+v", it)
	}
	for _, tc := range []struct{ name, in, want string }{
		{"json unknown field", `{"regions":[{"region":"r","colour":1}]}`, "c: JSON: json: unknown field \"colour\""},
		{"json missing price", `{"regions":[{"region":"r","instance_types":[{"name":"t","vcpu":2}]}]}`, "c: record 1: field regions[0].instance_types[0].on_demand_usd_per_hour: missing"},
		{"csv bad band", "region,instance_type,vcpu,on_demand_usd_per_hour,advisor_band\nr,t,2,0.1,often\n", "c: line 2: field advisor_band: unknown advisor band \"often\""},
		{"csv zero vcpu", "region,instance_type,vcpu,on_demand_usd_per_hour\nr,t,0,0.1\n", "c: line 2: field vcpu: must be positive"},
		{"csv duplicate", "region,instance_type,vcpu,on_demand_usd_per_hour\nr,t,2,0.1\nr,t,2,0.1\n", "c: line 3: field instance_type: t listed twice for r"},
		{"csv missing column", "region,instance_type,vcpu\n", "field on_demand_usd_per_hour: header lacks this column"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if strings.HasPrefix(tc.in, "{") {
				_, err = ParseCatalogJSON([]byte(tc.in), "c")
			} else {
				_, err = ParseCatalogCSV(strings.NewReader(tc.in), "c")
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
