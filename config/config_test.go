package config

import (
	"strings"
	"testing"
	"time"

	"github.com/scalite/scalite/datasets"
)

func TestDefaultsAndExampleValidate(t *testing.T) {
	cat := datasets.DefaultCatalog()
	f, err := Parse(nil, "empty")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Validate(cat); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	ex, err := Parse(Example(), "example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := ex.Validate(cat); err != nil {
		t.Fatalf("example does not validate: %v", err)
	}
	c := ex.Config
	if !c.Spot.SpotPrice.IsShare || c.Spot.SpotPrice.Share != 0.8 || c.Spot.SpotPrice.Resolve(0.5) != 0.4 {
		t.Errorf("spot_price = %+v", c.Spot.SpotPrice)
	}
	if c.Fleet.Headroom != 0.25 || c.Fleet.BootTime.Duration != 5*time.Minute || len(c.Spot.InstanceType) != 3 {
		t.Errorf("fleet = %+v", c.Fleet)
	}
	if ex.Line("fleet.max") == 0 {
		t.Error("line of fleet.max not recorded")
	}
}

// TestPublicContract parses the documented example key by key.
func TestPublicContract(t *testing.T) {
	in := `region: eu-west-1
availability_zones: [eu-west-1a, eu-west-1b, eu-west-1c]
spot:
  enabled: true
  instance_type: [c5a.4xlarge, c6i.4xlarge, m5.4xlarge]
  spot_price: 0.40
  allocation_strategy: price-capacity-optimized
on_demand:
  instance_type: c5a.4xlarge
  base: 1
  fallback: true
fleet:
  min: 1
  max: 40
  headroom: 25%
  scale_in_cooldown: 15m
  launch_to_running: 30s
  boot_time: 5m
drain:
  on_rebalance: cordon
  on_interruption: cordon
placement:
  large_meeting: 50
scalelite:
  poll_interval: 60s
  load_min_user_count: 15
  load_join_buffer_time: 15m
simulation:
  capacity_interruptions: advisor
  rejoin_delay: 60s
  recording_processing: 0.5
`
	f, err := Parse([]byte(in), "contract.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Validate(datasets.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	if p := f.Config.Spot.SpotPrice; !p.Set || p.IsShare || p.USDPerHour != 0.40 {
		t.Errorf("spot_price = %+v", p)
	}
	one, err := Parse([]byte("spot:\n  instance_type: m5.4xlarge\n"), "one.yaml")
	if err != nil || len(one.Config.Spot.InstanceType) != 1 {
		t.Errorf("single instance_type: %v %v", one, err)
	}
}

func TestConfigErrorsNameKeyAndLine(t *testing.T) {
	cat := datasets.DefaultCatalog()
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"unknown key", "fleet:\n  min: 1\n  maxx: 3\n", []string{"c.yaml: line 3: fleet.maxx: unknown key (known here:"}},
		{"unknown top key", "regoin: eu-west-1\n", []string{"c.yaml: line 1: regoin: unknown key"}},
		{"wrong type", "fleet:\n  min: lots\n", []string{"c.yaml: line 2: fleet.min: cannot unmarshal !!str `lots` into int"}},
		{"bad duration", "fleet:\n  boot_time: 5 minutes\n", []string{"c.yaml: line 2: fleet.boot_time: bad duration \"5 minutes\""}},
		{"bad percentage", "fleet:\n  headroom: 25\n", []string{"c.yaml: line 2: fleet.headroom: share 25 is above 1: write 25% for a percentage"}},
		{"twice", "fleet:\n  min: 1\n  min: 2\n", []string{"c.yaml: line 3: fleet.min: given twice"}},
		{"min above max", "fleet:\n  min: 50\n  max: 40\n", []string{"c.yaml: line 2: fleet.min: 50 exceeds fleet.max (40)"}},
		{"negative price", "spot:\n  spot_price: -0.1\n", []string{"c.yaml: line 2: spot.spot_price: max price must be at least 0.001"}},
		{"unknown type", "spot:\n  instance_type: [c5a.4xlarge, x9.huge]\n", []string{"c.yaml: line 2: spot.instance_type: instance type \"x9.huge\" is not in the eu-west-1 catalog"}},
		{"unknown az", "availability_zones: [eu-west-1a, us-east-1a]\n", []string{"c.yaml: line 1: availability_zones: availability zone \"us-east-1a\" is not in region eu-west-1"}},
		{"unknown region", "region: mars-1\n", []string{"c.yaml: line 1: region: region \"mars-1\" is not in the catalog"}},
		{"strategy", "spot:\n  allocation_strategy: cheapest\n", []string{"c.yaml: line 2: spot.allocation_strategy: unknown strategy \"cheapest\""}},
		{"drain", "drain:\n  on_interruption: panic\n", []string{"c.yaml: line 2: drain.on_interruption: unknown action \"panic\""}},
		{"capacity model", "simulation:\n  capacity_interruptions: sometimes\n", []string{"c.yaml: line 2: simulation.capacity_interruptions: unknown model"}},
		{"several at once", "fleet:\n  min: -1\n  headroom: 2000%\n", []string{"line 2: fleet.min: must not be negative", "line 3: fleet.headroom: must be between"}},
		{"capacity override", "capacity:\n  x9.huge: 10\n", []string{"c.yaml: line 2: capacity.x9.huge: instance type \"x9.huge\" is not in the eu-west-1 catalog"}},
		{"not yaml", "fleet: [\n", []string{"c.yaml: YAML: yaml: line 1"}},
		{"two documents", "fleet: {}\n---\nfleet: {}\n", []string{"c.yaml: line 2: more than one YAML document"}},
		{"queue url", "live:\n  interruption_queue_url: sqs/scalite\n", []string{"c.yaml: line 2: live.interruption_queue_url: want an SQS queue URL"}},
		{"queue url path", "live:\n  interruption_queue_url: https://sqs.eu-west-1.amazonaws.com/scalite\n", []string{"c.yaml: line 2: live.interruption_queue_url: want the path /ACCOUNT/QUEUE_NAME"}},
		{"webhook url", "notifications:\n  webhook_url: hooks.slack.com/services/T0/B0/token123\n", []string{"c.yaml: line 2: notifications.webhook_url: want an http(s) URL"}},
		{"topic arn", "notifications:\n  sns_topic_arn: scalite-oncall\n", []string{"c.yaml: line 2: notifications.sns_topic_arn: want a topic ARN"}},
		{"fifo topic", "notifications:\n  sns_topic_arn: arn:aws:sns:eu-west-1:123456789012:oncall.fifo\n", []string{"c.yaml: line 2: notifications.sns_topic_arn: arn:aws:sns:eu-west-1:123456789012:oncall.fifo is a FIFO topic"}},
		{"unknown event", "notifications:\n  events: [interruption, teatime]\n", []string{"c.yaml: line 2: notifications.events: unknown event \"teatime\""}},
		{"event twice", "notifications:\n  events: [halt, halt]\n", []string{"c.yaml: line 2: notifications.events: halt listed twice"}},
		{"format", "notifications:\n  format: carrier-pigeon\n", []string{"c.yaml: line 2: notifications.format: unknown format \"carrier-pigeon\""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(tc.in), "c.yaml")
			if err == nil {
				err = f.Validate(cat)
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error = %v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	f, err := Parse(Example(), "example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(f.Config)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(out, "marshalled")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	again, _ := Marshal(back.Config)
	if string(again) != string(out) {
		t.Errorf("round trip changed the config:\n%s\nvs\n%s", out, again)
	}
	if err := back.Validate(datasets.DefaultCatalog()); err != nil {
		t.Error(err)
	}
}

// FuzzParseConfig: no YAML may panic the reader or the checks.
func FuzzParseConfig(f *testing.F) {
	f.Add(Example())
	f.Add([]byte("fleet:\n  min: 50\n  max: 40\n"))
	f.Add([]byte("spot:\n  spot_price: 80%\n  instance_type: m5.4xlarge\n"))
	cat := datasets.DefaultCatalog()
	f.Fuzz(func(t *testing.T, data []byte) {
		cf, err := Parse(data, "fuzz")
		if err != nil {
			return
		}
		_ = cf.Validate(cat)
	})
}

// TestSharesRoundTripExactly: a marshalled configuration parses to the very
// same numbers, so a sweep's winner.yaml reproduces its figures.
func TestSharesRoundTripExactly(t *testing.T) {
	for _, v := range []float64{0.25, 0.1, 0.07, 1.0 / 3, 0.123456789} {
		c := Default()
		c.Fleet.Headroom = Fraction(v)
		out, err := Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(out, "m")
		if err != nil {
			t.Fatal(err)
		}
		if float64(back.Config.Fleet.Headroom) != v {
			t.Errorf("headroom %v came back as %v", v, back.Config.Fleet.Headroom)
		}
	}
	f, err := Parse([]byte("spot:\n  spot_price: 7%\n"), "p")
	if err != nil {
		t.Fatal(err)
	}
	out, _ := Marshal(f.Config)
	back, _ := Parse(out, "m")
	if back.Config.Spot.SpotPrice.Share != f.Config.Spot.SpotPrice.Share {
		t.Errorf("spot_price 7%% came back as %v", back.Config.Spot.SpotPrice.Share)
	}
}

// TestNotificationKeys reads the keys: notifications.webhook_url,
// sns_topic_arn, events, format and live.interruption_queue_url.
func TestNotificationKeys(t *testing.T) {
	in := `live:
  interruption_queue_url: https://sqs.eu-west-1.amazonaws.com/123456789012/scalite-interruptions
notifications:
  webhook_url: https://hooks.slack.com/services/T000/B000/XXXX
  sns_topic_arn: arn:aws:sns:eu-west-1:123456789012:scalite-oncall
  events: [interruption, maintenance]
  format: adaptive-card
`
	f, err := Parse([]byte(in), "n.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Validate(datasets.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	n := f.Config.Notifications
	if n.WebhookURL != "https://hooks.slack.com/services/T000/B000/XXXX" || n.SNSTopicARN != "arn:aws:sns:eu-west-1:123456789012:scalite-oncall" ||
		strings.Join(n.Events, ",") != "interruption,maintenance" || n.Format != "adaptive-card" {
		t.Errorf("notifications = %+v", n)
	}
	if f.Config.Live.InterruptionQueueURL != "https://sqs.eu-west-1.amazonaws.com/123456789012/scalite-interruptions" {
		t.Errorf("interruption_queue_url = %q", f.Config.Live.InterruptionQueueURL)
	}
	d := Default().Notifications
	if d.WebhookURL != "" || d.SNSTopicARN != "" || d.Format != "text" || len(d.Events) != 8 {
		t.Errorf("default notifications = %+v", d)
	}
	// The webhook URL holds a token: an error about it must not repeat it.
	bad, _ := Parse([]byte("notifications:\n  webhook_url: hooks.slack.com/services/T0/B0/token123\n"), "b.yaml")
	if err := bad.Validate(datasets.DefaultCatalog()); err == nil || strings.Contains(err.Error(), "token123") {
		t.Errorf("bad webhook_url: err = %v (must fail without the token)", err)
	}
	// A loopback queue (scalite emulate) is accepted.
	if err := checkQueueURL("http://127.0.0.1:4566/000000000000/scalite-interruptions"); err != nil {
		t.Error(err)
	}
}
