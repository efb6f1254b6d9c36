package interruptions

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// syntheticLog draws a fleet's log: in each pool, every hour a spot
// instance is launched that lives 16 h unless interrupted first at the
// given hazard (per instance-hour); every interruption has a rebalance
// recommendation 15 minutes before its notice, and every tenth instance
// the controller terminates gets a false-alarm rebalance.
func syntheticLog(t *testing.T, hazard float64, days int, seed uint64) ([]Event, map[Pool][3]int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	pools := []Pool{{"c5a.4xlarge", "eu-west-1a"}, {"m5.4xlarge", "eu-west-1b"}}
	var evs []Event
	truth := map[Pool][3]int{} // notices, false alarms, rebalances before notice
	for pi, p := range pools {
		for h := range days * 24 {
			id := fmt.Sprintf("i-%d-%05d", pi, h)
			start := t0.Add(time.Duration(h) * time.Hour)
			ev := func(at time.Time, k Kind) Event {
				return Event{Time: at, Kind: k, Instance: id, InstanceType: p.InstanceType, AZ: p.AZ, Market: MarketSpot}
			}
			evs = append(evs, ev(start, KindLaunch))
			life := rng.ExpFloat64() / hazard
			tr := truth[p]
			if life < 16 {
				notice := start.Add(time.Duration(life * float64(time.Hour)))
				evs = append(evs, ev(notice.Add(-15*time.Minute), KindRebalance), ev(notice, KindNotice), ev(notice.Add(2*time.Minute), KindInterrupted))
				tr[0]++
				tr[2]++
			} else {
				end := start.Add(16 * time.Hour)
				if h%10 == 0 {
					evs = append(evs, ev(end.Add(-time.Hour), KindRebalance))
					tr[1]++
				}
				evs = append(evs, ev(end, KindTerminate))
			}
			truth[p] = tr
		}
		// A launch refused for capacity.
		evs = append(evs, Event{Time: t0.Add(time.Hour), Kind: KindLaunchFailed, InstanceType: p.InstanceType, AZ: p.AZ, Market: MarketSpot})
	}
	// An on-demand instance, which the spot fit ignores.
	evs = append(evs, Event{Time: t0, Kind: KindLaunch, Instance: "i-od", InstanceType: "c5a.4xlarge", AZ: "eu-west-1a", Market: MarketOnDemand})
	sortEvents(evs)
	// Through the writer and back through the reader.
	var buf bytes.Buffer
	log := NewEventLog(&buf)
	for _, e := range evs {
		if err := log.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ParseEventLog(&buf, "events.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	return got, truth
}

func sortEvents(evs []Event) {
	for i := 1; i < len(evs); i++ {
		for j := i; j > 0 && evs[j].Time.Before(evs[j-1].Time); j-- {
			evs[j], evs[j-1] = evs[j-1], evs[j]
		}
	}
}

func TestFitEventLogRecoversHazard(t *testing.T) {
	const hazard = 0.01 // per instance-hour: 15% of 16-hour lives end early
	evs, truth := syntheticLog(t, hazard, 60, 3)
	m, err := FitEventLog(evs, DefaultConfidence)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Pools) != 2 {
		t.Fatalf("pools = %d, want 2", len(m.Pools))
	}
	for _, p := range m.Pools {
		tr := truth[p.Pool]
		if !p.InstanceHazard.Contains(hazard) {
			t.Errorf("%s: true hazard %.4g outside %v", p.Pool, hazard, *p.InstanceHazard)
		}
		if p.InstanceHazard.Events != tr[0] {
			t.Errorf("%s: %d interruptions counted, %d in the log", p.Pool, p.InstanceHazard.Events, tr[0])
		}
		if p.RebalanceFalseAlarms != tr[1] || p.RebalancesBeforeNotice != tr[2] || p.Rebalances != tr[1]+tr[2] {
			t.Errorf("%s: rebalances %d (false %d, before notice %d), want false %d, before %d", p.Pool, p.Rebalances, p.RebalanceFalseAlarms, p.RebalancesBeforeNotice, tr[1], tr[2])
		}
		if p.RebalanceLeadSeconds != 900 {
			t.Errorf("%s: median rebalance lead %v s, want 900", p.Pool, p.RebalanceLeadSeconds)
		}
		if p.LaunchAttempts != 60*24+1 || p.LaunchFailures != 1 {
			t.Errorf("%s: launches %d failed %d", p.Pool, p.LaunchAttempts, p.LaunchFailures)
		}
		if p.HazardFit.PValue < 0.01 {
			t.Errorf("%s: Poisson interruptions rejected by time rescaling: %+v", p.Pool, *p.HazardFit)
		}
	}
}

// Interruptions that come in bursts (all instances of a pool at once) are
// not a Poisson process of the running count: time rescaling says so, and
// the co-interruption share shows it.
func TestFitEventLogFlagsCorrelatedInterruptions(t *testing.T) {
	var evs []Event
	p := Pool{"c5a.4xlarge", "eu-west-1a"}
	ev := func(at time.Time, k Kind, id string) Event {
		return Event{Time: at, Kind: k, Instance: id, InstanceType: p.InstanceType, AZ: p.AZ, Market: MarketSpot}
	}
	for day := range 30 {
		base := t0.Add(time.Duration(day) * 24 * time.Hour)
		for i := range 10 {
			id := fmt.Sprintf("i-%d-%d", day, i)
			evs = append(evs, ev(base, KindLaunch, id))
			if day%3 == 0 { // a crunch: everyone goes within a minute
				evs = append(evs, ev(base.Add(10*time.Hour+time.Duration(i)*5*time.Second), KindNotice, id))
			}
			evs = append(evs, ev(base.Add(12*time.Hour), KindTerminate, id))
		}
	}
	sortEvents(evs)
	m, err := FitEventLog(evs, DefaultConfidence)
	if err != nil {
		t.Fatal(err)
	}
	pm := m.Pools[0]
	if pm.CoInterruptedShare != 1 {
		t.Errorf("co-interrupted share %v, want 1", pm.CoInterruptedShare)
	}
	if pm.HazardFit.PValue > 1e-6 {
		t.Errorf("bursts passed as Poisson: %+v", *pm.HazardFit)
	}
}

func TestParseEventLogErrorsNameLineAndField(t *testing.T) {
	good := `{"time":"2026-03-02T09:00:00Z","kind":"launch","instance":"i-1","instance_type":"c5a.4xlarge","az":"eu-west-1a","market":"spot"}`
	cases := []struct{ name, text, want string }{
		{"unknown kind", good + "\n" + strings.Replace(good, `"launch"`, `"reboot"`, 1), `ev.jsonl: line 2: field kind: unknown kind "reboot"`},
		{"bad market", strings.Replace(good, `"spot"`, `"reserved"`, 1), "ev.jsonl: line 1: field market"},
		{"missing instance", strings.Replace(good, `"instance":"i-1",`, "", 1), "ev.jsonl: line 1: field instance: missing"},
		{"missing time", strings.Replace(good, `"time":"2026-03-02T09:00:00Z",`, "", 1), "ev.jsonl: line 1: field time: missing"},
		{"typo field", strings.Replace(good, `"az"`, `"zone"`, 1), `ev.jsonl: line 1: json: unknown field "zone"`},
		{"out of order", good + "\n\n" + strings.Replace(good, "09:00", "08:00", 1), "ev.jsonl: line 3: field time: 2026-03-02T08:00:00Z is before"},
		{"not JSON", "{", "ev.jsonl: line 1:"},
		{"empty", "\n", "ev.jsonl: no events"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseEventLog(strings.NewReader(c.text), "ev.jsonl")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestEventLogAppendRefusesWhatTheReaderRefuses(t *testing.T) {
	var buf bytes.Buffer
	l := NewEventLog(&buf)
	err := l.Append(Event{Time: t0, Kind: KindNotice, InstanceType: "c5a.4xlarge", AZ: "eu-west-1a", Market: MarketSpot})
	if err == nil || !strings.Contains(err.Error(), "field instance") {
		t.Errorf("err = %v", err)
	}
	if buf.Len() != 0 {
		t.Errorf("refused event written: %q", buf.String())
	}
	// Times are written in UTC.
	if err := l.Append(Event{Time: t0.In(time.FixedZone("CET", 3600)), Kind: KindLaunchFailed, InstanceType: "c5a.4xlarge", AZ: "eu-west-1a", Market: MarketSpot}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"time":"2026-03-02T00:00:00Z"`) {
		t.Errorf("written %q", buf.String())
	}
}
