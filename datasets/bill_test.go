package datasets

import (
	"strings"
	"testing"
)

func TestDefaultBillHasSourcedPricesForTheCatalogsRegions(t *testing.T) {
	b := DefaultBill()
	for _, region := range DefaultCatalog().RegionNames() {
		p, err := b.BillPricesFor(region)
		if err != nil {
			t.Fatal(err)
		}
		if p.IPv4USDPerHour != 0.005 || len(p.EgressTiers) != 5 || p.EgressTiers[1].USDPerGB != 0.09 || p.EBSVolumeGiB != 100 || p.Source == "" {
			t.Errorf("%s: %+v", region, p)
		}
	}
	eu, _ := b.BillPricesFor("eu-west-1")
	if eu.EBSGp3USDPerGBMonth != 0.088 {
		t.Errorf("eu-west-1 gp3 %v USD/GB-month, want 0.088", eu.EBSGp3USDPerGBMonth)
	}
	if b.Bitrates.WebcamKbps != 200 || b.Bitrates.ViewerPageSize != 5 || b.Bitrates.ScreenshareKbps != 1500 {
		t.Errorf("bitrates %+v", b.Bitrates)
	}
	if _, err := b.BillPricesFor("mars-1"); err == nil {
		t.Error("unknown region accepted")
	}
}

func TestBillFileRejectsBadTiers(t *testing.T) {
	good := string(defaultBillYAML)
	for _, tc := range []struct{ from, to, want string }{
		{"{up_to_gb: 51200, usd_per_gb: 0.085}", "{up_to_gb: 5000, usd_per_gb: 0.085}", "egress_tiers[2].up_to_gb: tiers must rise"},
		{"- {usd_per_gb: 0.05}", "- {up_to_gb: 9, usd_per_gb: 0.05}", "the last tier has no limit"},
		{"ebs_volume_gib: 100", "ebs_volume_gib: 0", "field ebs_volume_gib"},
		{"audio_kbps: 48", "audio_kbps: 48\n  video_kbps: 1", "YAML"},
	} {
		_, err := ParseBill([]byte(strings.Replace(good, tc.from, tc.to, 1)), "bill.yaml")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s -> %s: error %v, want %q", tc.from, tc.to, err, tc.want)
		}
	}
}
