package reports

import (
	"strings"
	"testing"

	"github.com/scalite/scalite/results"
)

// TestReportShowsTheWholeBillWhenPriced: a priced run's report breaks the
// bill down by line with shares that add up; an unpriced one has no such
// section.
func TestReportShowsTheWholeBillWhenPriced(t *testing.T) {
	r := &Report{From: 0, To: 86400, Runs: []results.Result{{
		PolicyCostUSD: 60, EgressGB: 200, EgressCostUSD: 30, EBSCostUSD: 6, IPv4CostUSD: 4, TotalCostUSD: 100,
		BaselineTotalCostUSD: 125, TotalSavingsPct: 20, InstanceHoursSpot: 700, InstanceHoursOnDemand: 100, LoadPerParticipant: 214.6}}}
	page, err := r.html(nil)
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, want := range []string{"The whole bill", "<td>Data transfer out</td><td class=\"n\">30.00</td><td class=\"n\">30.0%</td>",
		"200 GB", "<td>Instances</td><td class=\"n\">60.00</td><td class=\"n\">60.0%</td><td>800 instance-hours",
		"Savings on the whole bill (%)</td><td class=\"n\">20.0",
		// The report says why media decide the fleet: 17168 LU / 214.6.
		"participants cost 214.6 LU each on average", "holds about 80 of them"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	r.Runs[0] = results.Result{PolicyCostUSD: 60}
	page, _ = r.html(nil)
	if strings.Contains(string(page), "whole bill") {
		t.Error("an unpriced run's report shows a bill")
	}
	if !strings.Contains(string(page), "25 concurrent BBB users per vCPU") {
		t.Error("a run counting users does not say so")
	}
}
