package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"sort"
	"strings"
	"time"

	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/results"
)

// File is one output file of a report.
type File struct {
	Name string
	Data []byte
}

// Files renders the report: report.html (self-contained, charts inline as
// SVG) and every chart as NAME.png and NAME.svg.
func (r *Report) Files() ([]File, error) {
	data := r.Data()
	charts, err := Render(data, r.From, r.To)
	if err != nil {
		return nil, err
	}
	html, err := r.html(charts)
	if err != nil {
		return nil, err
	}
	files := []File{{Name: "report.html", Data: html}}
	for _, c := range charts {
		files = append(files, File{Name: c.Name + ".png", Data: c.PNG}, File{Name: c.Name + ".svg", Data: c.SVG})
	}
	return files, nil
}

type headline struct {
	Label, Value, Range string
}

type htmlChart struct {
	Title string
	SVG   template.HTML
}

func (r *Report) headlines() []headline {
	if len(r.Runs) == 0 {
		return nil
	}
	agg := results.Aggregate(r.Runs)
	one := len(r.Runs) == 1
	row := func(label, key, format string) headline {
		s := agg[key]
		h := headline{Label: label, Value: fmt.Sprintf(format, s.Mean)}
		if !one {
			h.Range = fmt.Sprintf(format+" – "+format, s.P5, s.P95)
		}
		return h
	}
	out := []headline{
		row("Policy cost (USD)", "policy_cost_usd", "%.2f"),
		row("All on-demand cost (USD)", "baseline_on_demand_cost_usd", "%.2f"),
		row("Savings (%)", "savings_pct", "%.1f"),
	}
	if r.Runs[0].Priced() {
		out = append(out,
			row("Whole bill (USD)", "total_cost_usd", "%.2f"),
			row("All on-demand whole bill (USD)", "baseline_total_cost_usd", "%.2f"),
			row("Savings on the whole bill (%)", "total_savings_pct", "%.1f"))
	}
	out = append(out,
		row("Spot interruptions", "interruptions", "%.1f"),
		row("Rebalance recommendations", "rebalance_recommendations", "%.1f"),
		row("Meetings disrupted", "meetings_disrupted", "%.1f"),
		row("Participant-minutes disrupted", "participant_minutes_disrupted", "%.0f"),
		row("Participants rejected", "participants_rejected", "%.0f"),
		row("Overloaded participant-minutes", "overloaded_participant_minutes", "%.0f"),
		row("Disrupted (% of demand): policy", "disrupted_pct", "%.3f"),
		row("Disrupted (% of demand): all on-demand", "baseline_disrupted_pct", "%.3f"),
		row("Rejected (% of demand): policy", "rejected_pct", "%.3f"),
		row("Rejected (% of demand): all on-demand", "baseline_rejected_pct", "%.3f"),
		row("On overloaded servers (% of demand): policy", "overloaded_pct", "%.3f"),
		row("On overloaded servers (% of demand): all on-demand", "baseline_overloaded_pct", "%.3f"),
		row("Availability (%: served without any of the three)", "availability_pct", "%.3f"),
	)
	if r.Runs[0].OtherReading != "" {
		// The sensitivity band: the advisor band read the other way.
		other := "band read per " + strings.TrimPrefix(strings.TrimSuffix(r.Runs[0].OtherReading, "s"), "per-")
		out = append(out,
			row("Interruptions, "+other, "other_reading_interruptions", "%.1f"),
			row("Disrupted (% of demand), "+other, "other_reading_disrupted_pct", "%.3f"),
			row("Availability (%), "+other, "other_reading_availability_pct", "%.3f"),
			row("Policy cost (USD), "+other, "other_reading_policy_cost_usd", "%.2f"))
	}
	return append(out,
		row("Recordings lost", "recordings_lost", "%.1f"),
		row("Peak servers", "peak_servers", "%.1f"),
	)
}

// billLine is one line of the whole bill.
type billLine struct {
	Label, USD, Share, Note string
}

// bill breaks the whole bill down by line, means over runs; nil when the
// runs were not priced.
func (r *Report) bill() []billLine {
	if len(r.Runs) == 0 || !r.Runs[0].Priced() {
		return nil
	}
	agg := results.Aggregate(r.Runs)
	total := agg["total_cost_usd"].Mean
	line := func(label, key, note string) billLine {
		v := agg[key].Mean
		return billLine{label, fmt.Sprintf("%.2f", v), fmt.Sprintf("%.1f%%", 100*v/total), note}
	}
	hours := agg["instance_hours_spot"].Mean + agg["instance_hours_on_demand"].Mean
	return []billLine{
		line("Instances", "policy_cost_usd", fmt.Sprintf("%.0f instance-hours, spot and on-demand", hours)),
		line("Data transfer out", "egress_cost_usd", fmt.Sprintf("%.0f GB of audio, webcams and screenshares sent to participants", agg["egress_gb"].Mean)),
		line("EBS volumes", "ebs_cost_usd", "one gp3 volume per server, per hour it exists"),
		line("Public IPv4", "ipv4_cost_usd", "one address per server, per hour (since 2024-02-01)"),
		{"Total", fmt.Sprintf("%.2f", total), "100%", ""},
	}
}

var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1000px;margin:2em auto;color:#222;line-height:1.4}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse}td,th{padding:.25em .8em;text-align:left;border-bottom:1px solid #eee}td.n{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:.85em}.chart svg{width:100%;height:auto}
</style></head><body>
<h1>{{.Title}}</h1>
<p>{{.Window}} &middot; {{.Meetings}} meetings &middot; {{.RunsText}}</p>
<h2>Headline</h2>
<table><tr><th>metric</th><th>{{if .Many}}mean{{else}}value{{end}}</th>{{if .Many}}<th>p5 – p95</th>{{end}}</tr>
{{range .Headlines}}<tr><td>{{.Label}}</td><td class="n">{{.Value}}</td>{{if $.Many}}<td class="n">{{.Range}}</td>{{end}}</tr>
{{end}}</table>
{{if .Bill}}<h2>The whole bill</h2>
<table><tr><th>line</th><th>USD{{if .Many}} (mean){{end}}</th><th>share</th><th></th></tr>
{{range .Bill}}<tr><td>{{.Label}}</td><td class="n">{{.USD}}</td><td class="n">{{.Share}}</td><td>{{.Note}}</td></tr>
{{end}}</table>
{{end}}<h2>Charts</h2>
{{range .Charts}}<div class="chart" title="{{.Title}}">{{.SVG}}</div>
{{end}}
<h2>Policy</h2>
<p>{{.PolicyText}}</p>
{{if .PolicyYAML}}<pre>{{.PolicyYAML}}</pre>{{end}}
<h2>Inputs</h2>
<table>
<tr><td>Spot prices</td><td>{{.Prices}}</td></tr>
<tr><td>Meeting trace</td><td>{{.Trace}}</td></tr>
<tr><td>Window</td><td>{{.Window}}</td></tr>
{{if .Start}}<tr><td>Start</td><td>{{.Start}}</td></tr>{{end}}
<tr><td>Markets</td><td>{{.Markets}}</td></tr>
<tr><td>Seeds</td><td>{{.Seeds}}</td></tr>
</table>
<h2>Assumptions of the model</h2>
<ul>
<li>Capacity: {{if .LoadPerParticipant}}by the load model, in load units (LU: one audio stream delivered to one participant). A meeting of n costs each participant's session (22.6 LU), the audio each one on audio receives (1), each microphone (1), and each webcam and screenshare 10 and 20 LU per viewer (n − 1 of them), as Scalelite PR 446 weighed them; a server holds 1073 LU per vCPU at 80% CPU (calibrated on BBB's "200 users on 8 cores" and 20 all-webcam users filling 4 vCPUs), less one vCPU per recording processing. This trace's participants cost {{printf "%.1f" .LoadPerParticipant}} LU each on average (BBB's mixed use: 42.9), so a 16-vCPU server holds about {{.UsersPer16}} of them: webcams and screenshares, not heads, decide the fleet. The share of a server's participants beyond its load capacity counts as overloaded minutes; each server's Scalelite load_multiplier follows its capacity (1 for 8 vCPUs).{{else}}a server takes 25 concurrent BBB users per vCPU unless the catalog or the configuration says otherwise (BBB's guidance: about 200 users on 8 cores); participants above it count as overloaded minutes.{{end}}</li>
{{if .Bill}}<li>The whole bill: data transfer out is every stream a server sends to participants (audio 48 kbit/s, webcams from BBB's 200 kbit/s down to 30 as a meeting's webcam count grows, a viewer receiving 5 at a time, screenshares 1,500 kbit/s), priced in AWS's monthly tiers; each server carries a gp3 volume and a public IPv4 address for every hour it runs.</li>{{end}}
<li>Interruptions: a spot price above the max price gives the instance AWS's two-minute notice. Capacity reclaims arrive per pool as a Poisson process: the Spot Instance Advisor band's monthly fraction f becomes an instance-hour hazard −ln(1−f)/730; each event takes a random share of the pool (correlated within a pool, independent across pools). A rebalance recommendation precedes some reclaims; launches into a reclaimed pool fail for a while, and any spot launch can fail for capacity.</li>
<li>Billing: per second; on-demand with a 60-second minimum; spot at the price in effect; a spot instance AWS interrupts within its first hour is free (Linux).</li>
<li>Scalelite: a new meeting goes to the enabled server with the lowest load as of the last poll (plus one per create or join since); load counts participants and moderators, at least {{.MinUsers}} per meeting in its first minutes. A meeting cannot move: when its server dies, its users rejoin after the rejoin delay and it is re-created elsewhere; recordings still processing on a dead server are lost.</li>
<li>The all-on-demand baseline is the same demand run through the same engine with every server on-demand.</li>
</ul>
<p><small>Made by Scalite ({{.Model}}). The data behind every chart is deterministic for these inputs and seeds.</small></p>
</body></html>
`))

func (r *Report) html(charts []Chart) ([]byte, error) {
	var hc []htmlChart
	for _, c := range charts {
		svg := string(c.SVG)
		if i := strings.Index(svg, "<svg"); i > 0 {
			svg = svg[i:] // drop the XML prolog: the SVG is inlined into HTML
		}
		hc = append(hc, htmlChart{Title: c.Title, SVG: template.HTML(svg)})
	}
	var markets []string
	for _, k := range r.Policy.SpotMarkets() {
		markets = append(markets, k.String())
	}
	sort.Strings(markets)
	p := &r.Policy
	spot := "spot off"
	if p.SpotEnabled {
		spot = fmt.Sprintf("spot on %d pools (%s)", len(markets), p.Strategy)
	}
	runs := "1 run"
	seeds := fmt.Sprint(r.Seed)
	if n := len(r.Runs); n > 1 {
		runs = fmt.Sprintf("%d runs", n)
		seeds = fmt.Sprintf("%d .. %d", r.Seed, r.Seed+uint64(n)-1)
	}
	title := r.Title
	if title == "" {
		title = "Scalite what-if report"
	}
	// The load model's figures, when the runs used it.
	lpp, usersPer16 := 0.0, 0
	if len(r.Runs) > 0 && r.Runs[0].LoadPerParticipant > 0 {
		lpp = results.Aggregate(r.Runs)["load_per_participant"].Mean
		usersPer16 = int(float64(model.DefaultLoadModel().CapacityLoad(16)) / lpp)
	}
	var b bytes.Buffer
	err := page.Execute(&b, map[string]any{
		"Title": title, "Headlines": r.headlines(), "Bill": r.bill(), "Many": len(r.Runs) > 1, "RunsText": runs,
		"Charts":   hc,
		"Window":   fmt.Sprintf("%s to %s (%.1f days)", fmtT(r.From), fmtT(r.To), float64(r.To-r.From)/86400),
		"Meetings": r.Meetings, "Prices": r.PricesLabel, "Trace": r.TraceLabel, "Start": r.start(),
		"Markets": strings.Join(markets, ", "), "Seeds": seeds,
		"PolicyText": fmt.Sprintf("%s; on-demand %s, base %d, fallback %v; fleet %d–%d, headroom %.0f%%; on rebalance %s, on interruption %s; large meetings above %d on on-demand; pre-warm %v",
			spot, p.OnDemandType.Name, p.OnDemandBase, p.OnDemandFallback, p.Min, p.Max, p.Headroom*100, p.OnRebalance, p.OnInterruption, p.LargeMeeting, p.PreWarm),
		"PolicyYAML": r.PolicyYAML, "MinUsers": r.LoadMinUserCount, "Model": r.Model,
		"LoadPerParticipant": lpp, "UsersPer16": usersPer16,
	})
	return b.Bytes(), err
}

// start says how the (first) run's window opened: warm, with the fleet and
// the meetings in progress then, or cold.
func (r *Report) start() string {
	if len(r.Runs) == 0 {
		return ""
	}
	if f := r.Runs[0]; f.WarmStart {
		return fmt.Sprintf("warm: %d servers up and %d meetings in progress placed at the start (simulation.warm_start)", f.WarmStartServers, f.WarmStartMeetings)
	}
	return "cold: an empty fleet, the meetings in progress at the start left out (simulation.warm_start: false)"
}

func fmtT(t int64) string { return time.Unix(t, 0).UTC().Format("2006-01-02 15:04Z") }
