package reports

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/results"
	"github.com/scalite/scalite/scenario"
	"github.com/scalite/scalite/sim"
)

var update = flag.Bool("update", false, "rewrite golden files")

// smallReport runs two days of the default scenario with frequent
// interruptions, so every chart has data.
func smallReport(t *testing.T, runs int) *Report {
	t.Helper()
	cfg := config.Default()
	cfg.Spot.InstanceType = config.NameList{"c6i.4xlarge", "m5.4xlarge"}
	cfg.Simulation.HazardMultiplier = 200
	cfg.Fleet.Min = 2
	sc, err := scenario.Build(scenario.Inputs{Config: &config.File{Name: "report", Config: cfg}, Catalog: datasets.DefaultCatalog(), Seed: 1,
		From: datasets.DefaultStart, To: datasets.DefaultStart.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	o := sc.Options
	o.SampleInterval = 3600 // a small golden file
	var run, base results.Collector
	o.Recorder, o.BaselineRecorder = &run, &base
	outcomes, err := sim.RunMany(o, runs, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Report{From: o.From, To: o.To, Meetings: outcomes[0].MeetingsTotal, Seed: 1, Policy: o.Policy,
		Prices: o.Prices, Run: &run, Baseline: &base, Runs: outcomes, PricesLabel: "embedded", TraceLabel: "generated", LoadMinUserCount: 15, Model: sim.ModelVersion}
}

// TestChartDataGolden pins the data behind each chart (not the pixels).
func TestChartDataGolden(t *testing.T) {
	r := smallReport(t, 3)
	d := r.Data()
	if len(d.Marks) == 0 || len(d.Days) != 2 || len(d.RunCosts) != 3 || len(d.Prices) != 6 {
		t.Fatalf("chart data lacks something: %d marks, %d days, %d runs, %d price series", len(d.Marks), len(d.Days), len(d.RunCosts), len(d.Prices))
	}
	// Daily bars sum to the run's totals; the cost lines end on the results.
	var dis float64
	for _, v := range d.DisruptedMinutes {
		dis += v
	}
	if res := r.Runs[0]; abs(dis-res.ParticipantMinutesDisrupted) > 1e-6 || abs(d.CostPolicy.V[len(d.CostPolicy.V)-1]-res.PolicyCostUSD) > 1e-6 ||
		abs(d.CostBaseline.V[len(d.CostBaseline.V)-1]-res.BaselineOnDemandCostUSD) > 1e-6 {
		t.Fatalf("chart totals do not close on the result %+v", res)
	}
	got, _ := json.MarshalIndent(d, "", " ")
	path := filepath.Join("testdata", "chartdata.golden.json")
	if *update {
		os.WriteFile(path, got, 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("chart data differs from testdata/chartdata.golden.json (go test -update to accept a deliberate change)")
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestFilesAreValid(t *testing.T) {
	files, err := smallReport(t, 3).Files()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range files {
		names[f.Name] = true
		switch {
		case strings.HasSuffix(f.Name, ".png"):
			img, err := png.Decode(bytes.NewReader(f.Data))
			if err != nil || img.Bounds().Dx() < 500 {
				t.Errorf("%s: not a usable PNG: %v", f.Name, err)
			}
		case strings.HasSuffix(f.Name, ".svg"):
			if err := wellFormedXML(f.Data); err != nil || !bytes.Contains(f.Data, []byte("<svg")) {
				t.Errorf("%s: not a valid SVG: %v", f.Name, err)
			}
		case f.Name == "report.html":
			html := string(f.Data)
			for _, want := range []string{"<svg", "Policy cost (USD)", "p5 – p95", "Disruption per day", "Assumptions of the model", "−ln(1−f)/730", "<td>Start</td><td>warm: 3 servers up"} {
				if !strings.Contains(html, want) {
					t.Errorf("report.html lacks %q", want)
				}
			}
			for _, bad := range []string{"<script", "http://", "https://", "<?xml"} {
				if strings.Contains(html, bad) && !(bad == "http://" && strings.Contains(html, "http://www.w3.org/")) {
					t.Errorf("report.html is not self-contained: it has %q", bad)
				}
			}
		}
	}
	for _, n := range []string{"report.html", "prices.png", "prices.svg", "capacity.png", "cost.svg", "daily.png", "runs.png", "runs.svg"} {
		if !names[n] {
			t.Errorf("%s missing", n)
		}
	}
}

func wellFormedXML(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
