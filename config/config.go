package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// DefaultPath is where Scalite looks for its configuration.
const DefaultPath = "/etc/scalite/scalite.conf"

// Config is the whole configuration file. Field tags are the public key names.
type Config struct {
	Region            string     `yaml:"region"`
	AvailabilityZones []string   `yaml:"availability_zones"`
	Spot              Spot       `yaml:"spot"`
	OnDemand          OnDemand   `yaml:"on_demand"`
	Fleet             Fleet      `yaml:"fleet"`
	Drain             Drain      `yaml:"drain"`
	Placement         Placement  `yaml:"placement"`
	PreWarm           PreWarm    `yaml:"prewarm"`
	Scalelite         Scalelite  `yaml:"scalelite"`
	Simulation        Simulation `yaml:"simulation"`
	Live              Live       `yaml:"live"`
	// Notifications tell people on call what happened to the fleet.
	Notifications Notifications `yaml:"notifications"`
	// Capacity overrides the catalog's BBB users per server, by type.
	Capacity map[string]int `yaml:"capacity,omitempty"`
	// LoadCapacity overrides the catalog's capacity in load units (LU, see
	// model.LoadModel) per server, by type: what a load test measured
	// (`scalite capacity fit` prints it).
	LoadCapacity map[string]int `yaml:"load_capacity,omitempty"`
	// CapacityModel is how the simulator and the live controller count a
	// server's capacity: "load" (the default, also when empty) by the load
	// model of its meetings' media against load_capacity, "users" by
	// participants against capacity (the old 25 per vCPU).
	CapacityModel string `yaml:"capacity_model,omitempty"`
}

// Spot is the spot part of the fleet.
type Spot struct {
	Enabled            bool      `yaml:"enabled"`
	InstanceType       NameList  `yaml:"instance_type"`
	SpotPrice          PriceSpec `yaml:"spot_price,omitempty"`
	AllocationStrategy string    `yaml:"allocation_strategy"`
}

// OnDemand is the on-demand part of the fleet.
type OnDemand struct {
	InstanceType string `yaml:"instance_type"`
	Base         int    `yaml:"base"`
	Fallback     bool   `yaml:"fallback"`
}

// Fleet bounds and paces the fleet.
type Fleet struct {
	Min             int      `yaml:"min"`
	Max             int      `yaml:"max"`
	Headroom        Fraction `yaml:"headroom"`
	ScaleInCooldown Duration `yaml:"scale_in_cooldown"`
	// TerminateAfterIdle is how long a cordoned server stays empty (no
	// meetings, no recording processing) before it is terminated.
	TerminateAfterIdle Duration `yaml:"terminate_after_idle"`
	LaunchToRunning    Duration `yaml:"launch_to_running"`
	BootTime           Duration `yaml:"boot_time"`
	// BootTimeout: a server whose BBB is not up this long after launch
	// never booted: it is terminated, counted as a failed launch and
	// replaced.
	BootTimeout Duration `yaml:"boot_timeout"`
	// MaxHourlyUSD caps the fleet's spend rate (0 = no cap).
	MaxHourlyUSD float64 `yaml:"max_hourly_usd"`
	// ReconcileInterval is how often the controller observes and plans.
	ReconcileInterval Duration `yaml:"reconcile_interval"`
}

// Drain says what to do on AWS's notices.
type Drain struct {
	OnRebalance    string `yaml:"on_rebalance"`
	OnInterruption string `yaml:"on_interruption"`
	// EndMeetingsBefore is how long before termination meetings are ended
	// when on_interruption is end-meetings.
	EndMeetingsBefore Duration `yaml:"end_meetings_before"`
}

// Placement routes meetings.
type Placement struct {
	LargeMeeting int `yaml:"large_meeting"`
}

// PreWarm scales out ahead of recurring weekly peaks.
type PreWarm struct {
	Enabled bool `yaml:"enabled"`
	// Lead is how far ahead of a learned peak capacity is made ready.
	Lead Duration `yaml:"lead"`
	// Weeks of demand history the weekly profile is learned from.
	Weeks int `yaml:"weeks"`
	// Timetable is an iCalendar file of scheduled sessions to pre-warm for
	// (Lead ahead of each), whether or not Enabled learns; "" = none.
	Timetable string `yaml:"timetable"`
	// TimetableParticipants is a session's expected size when neither its
	// event nor its calendar gives one.
	TimetableParticipants int `yaml:"timetable_participants"`
}

// Scalelite mirrors the load balancer's own settings.
type Scalelite struct {
	PollInterval       Duration `yaml:"poll_interval"`
	LoadMinUserCount   int      `yaml:"load_min_user_count"`
	LoadJoinBufferTime Duration `yaml:"load_join_buffer_time"`
	LoadMultiplier     float64  `yaml:"load_multiplier"`
}

// CapacitySource reads simulation.capacity_interruptions: its kind
// (advisor, off, trace or model) and, for trace:DIR and model:FILE, the
// path; ok is false for anything else. Validation, the scenario and the
// regression suite all read the value through it.
func (s Simulation) CapacitySource() (kind, path string, ok bool) {
	switch ci := s.CapacityInterruptions; ci {
	case "advisor", "off":
		return ci, "", true
	default:
		kind, path, _ := strings.Cut(ci, ":")
		return kind, path, (kind == "trace" || kind == "model") && path != ""
	}
}

// Simulation holds the world model's knobs (sim only).
type Simulation struct {
	CapacityInterruptions string `yaml:"capacity_interruptions"`
	// PoolAvailability is the advisor model's availability of each spot
	// pool: "band" (the default) alternates each pool between available
	// and unavailable, with mean spells by its advisor band (launches fail
	// while it is unavailable; going unavailable interrupts its spot
	// instances); "off" keeps pools always available (reclaim events only).
	PoolAvailability string `yaml:"pool_availability"`
	// SpotLake reads SpotLake open-data snapshots as each pool's advisor
	// band over time and, when no other prices are given, its spot prices.
	SpotLake            SpotLake `yaml:"spotlake,omitempty"`
	RejoinDelay         Duration `yaml:"rejoin_delay"`
	RecordingProcessing float64  `yaml:"recording_processing"`
	// RebalanceProbability is the chance that a rebalance recommendation
	// precedes a capacity interruption, RebalanceLead by how long.
	RebalanceProbability float64  `yaml:"rebalance_probability"`
	RebalanceLead        Duration `yaml:"rebalance_lead"`
	// WarmStart starts the window with the fleet the engine would hold for
	// the demand then and the meetings in progress placed on it.
	WarmStart bool `yaml:"warm_start"`
	// ZoneCrunchesPerDay and RegionCrunchesPerDay: capacity crunches that
	// hit every spot pool of a zone, or of the region, at once; each takes
	// CrunchShare of each pool's spot instances on average.
	ZoneCrunchesPerDay   float64 `yaml:"zone_crunches_per_day,omitempty"`
	RegionCrunchesPerDay float64 `yaml:"region_crunches_per_day,omitempty"`
	CrunchShare          float64 `yaml:"crunch_share"`
	// RebalanceFalseAlarmRate is how many rebalance recommendations per
	// spot instance-day no interruption follows.
	RebalanceFalseAlarmRate float64 `yaml:"rebalance_false_alarm_rate,omitempty"`
	// ReclaimShare is the mean share of a pool's instances one reclaim event takes.
	ReclaimShare float64 `yaml:"reclaim_share"`
	// LaunchFailure is the chance a spot launch into a pool finds no capacity.
	LaunchFailure float64 `yaml:"launch_failure"`
	// OnDemandLaunchFailure is the chance an on-demand launch finds no
	// capacity in its zone (the engine then uses another zone).
	OnDemandLaunchFailure float64 `yaml:"on_demand_launch_failure,omitempty"`
	// BootFailure is the chance a server's BBB never comes up (the engine
	// replaces it after fleet.boot_timeout).
	BootFailure float64 `yaml:"boot_failure,omitempty"`
	// HazardMultiplier scales the advisor-derived interruption rate, for
	// stress tests ("what if pools were reclaimed 5x as often?").
	HazardMultiplier float64 `yaml:"hazard_multiplier"`
	// AdvisorReading is how the advisor band becomes a hazard: per-instance
	// (a share of instances interrupted during their life; the default) or
	// instance-hours (a share of a 730-hour month).
	AdvisorReading string `yaml:"advisor_reading"`
	// JoinDelay is how long after a create its participants' joins reach
	// Scalelite's load counter.
	JoinDelay Duration `yaml:"join_delay"`
	// RejoinDelayAfterEnd replaces RejoinDelay for meetings ended on purpose:
	// users see the meeting end and rejoin at once.
	RejoinDelayAfterEnd Duration `yaml:"rejoin_delay_after_end"`
}

// SpotLake names the SpotLake archive's snapshots an operator fetched
// (github.com/ddps-lab/spotlake-open-data, CC BY-NC 4.0: Scalite ships
// none of it) and how its zone IDs map to the policy's zone names.
type SpotLake struct {
	// Paths are snapshot files (.csv or .csv.gz) and directories of them.
	Paths []string `yaml:"paths,omitempty"`
	// ZoneIDs maps each of the policy's availability zones to its zone ID
	// (eu-west-1a: euw1-az3), as `aws ec2 describe-availability-zones`
	// lists them for the account: SpotLake names zones by ID, and the
	// same name is a different zone in another account.
	ZoneIDs map[string]string `yaml:"zone_ids,omitempty"`
}

// Live configures `scalite live` and `scalite agent`. Secrets are read
// from files, never from this file, and never logged.
type Live struct {
	Fleet               string `yaml:"fleet"`           // value of the scalite:fleet tag
	LaunchTemplate      string `yaml:"launch_template"` // EC2 launch template of the BBB servers
	ScaleliteURL        string `yaml:"scalelite_url"`
	ScaleliteSecretFile string `yaml:"scalelite_secret_file"` // LOADBALANCER_SECRET
	BBBSecretFile       string `yaml:"bbb_secret_file"`       // the BBB servers' shared secret
	// BBBURL is a new server's API URL; {private_dns} and {instance_id} are
	// filled in from the instance.
	BBBURL string `yaml:"bbb_url"`
	// MetricsListen is where /metrics and /healthz are served.
	MetricsListen string `yaml:"metrics_listen"`
	// RecordingsHook runs on an interruption notice (agent): a command and
	// its arguments, e.g. [/usr/local/bin/save-recordings].
	RecordingsHook []string `yaml:"recordings_hook"`
	// ChecksumAlgorithm signs Scalelite and BBB API calls: sha1, sha256 or
	// sha512, one the load balancer's LOADBALANCER_CHECKSUM_ALGORITHM allows.
	ChecksumAlgorithm string `yaml:"checksum_algorithm"`
	// LaunchJournal is the file that remembers launches in flight (their
	// client tokens), so a restart neither repeats nor forgets one.
	LaunchJournal string `yaml:"launch_journal"`
	// EventLog is where `scalite live --apply` appends the fleet's history
	// (JSON Lines: launches, notices, terminations, interruptions) that
	// `scalite interruptions fit --source event-log` fits; "" = none.
	EventLog string `yaml:"event_log"`
	// InterruptionQueueURL is the SQS queue EventBridge fills with the
	// fleet's spot, rebalance, state-change and maintenance events
	// (docs/live/interruption-queue.yaml); empty = agents' notices only.
	InterruptionQueueURL string `yaml:"interruption_queue_url,omitempty"`
	// LockFile is the flock(2) that lets one `scalite live --apply` act at a
	// time on this host; the kernel releases it when the process ends.
	LockFile string `yaml:"lock_file"`
	// LockTable, when set, replaces LockFile with a lease in this DynamoDB
	// table (partition key lock_id, a string), for controllers on several
	// hosts; a crashed controller's lease expires after a minute.
	LockTable string `yaml:"lock_table,omitempty"`
}

// Notifications configures the messages sent to people (controller and
// agent alike). With neither receiver set nothing is sent.
type Notifications struct {
	// WebhookURL gets a JSON POST (Slack, Mattermost, Microsoft Teams
	// incoming webhooks). It carries the receiver's token: keep the file 0600.
	WebhookURL string `yaml:"webhook_url,omitempty"`
	// SNSTopicARN gets the same message through SNS Publish.
	SNSTopicARN string `yaml:"sns_topic_arn,omitempty"`
	// Events are the kinds of event sent (NotificationEvents).
	Events []string `yaml:"events"`
	// Format is the webhook body (NotificationFormats).
	Format string `yaml:"format"`
}

// NotificationEvents are the events notifications can report; package
// notify names the same ones.
var NotificationEvents = []string{"interruption", "rebalance", "maintenance", "halt", "guard_rail", "spend_cap", "fleet_max", "capacity_failures", "never_booted"}

// NotificationFormats are the webhook bodies: {"text": ...} for Slack,
// Mattermost and Teams connectors, an Adaptive Card for Teams Workflows.
var NotificationFormats = []string{"text", "adaptive-card"}

// Default returns the configuration every key falls back to.
func Default() Config {
	d := func(v time.Duration) Duration { return Duration{v} }
	return Config{
		Region:            "eu-west-1",
		AvailabilityZones: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
		Spot: Spot{
			Enabled:            true,
			InstanceType:       NameList{"c5a.4xlarge", "c6i.4xlarge", "m5.4xlarge"},
			AllocationStrategy: "price-capacity-optimized",
		},
		OnDemand: OnDemand{InstanceType: "c5a.4xlarge", Base: 1, Fallback: true},
		Fleet: Fleet{
			Min: 1, Max: 40, Headroom: 0.25,
			ScaleInCooldown:    d(15 * time.Minute),
			TerminateAfterIdle: d(5 * time.Minute),
			LaunchToRunning:    d(30 * time.Second),
			BootTime:           d(5 * time.Minute),
			BootTimeout:        d(20 * time.Minute),
			ReconcileInterval:  d(60 * time.Second),
		},
		Drain:     Drain{OnRebalance: "cordon", OnInterruption: "cordon", EndMeetingsBefore: d(30 * time.Second)},
		Placement: Placement{LargeMeeting: 50},
		PreWarm:   PreWarm{Enabled: false, Lead: d(15 * time.Minute), Weeks: 2, TimetableParticipants: 25},
		Scalelite: Scalelite{
			PollInterval: d(60 * time.Second), LoadMinUserCount: 15,
			LoadJoinBufferTime: d(15 * time.Minute), LoadMultiplier: 1,
		},
		Simulation: Simulation{
			CapacityInterruptions: "advisor",
			PoolAvailability:      "band",
			RejoinDelay:           d(60 * time.Second),
			RecordingProcessing:   0.5,
			RebalanceProbability:  0.5,
			RebalanceLead:         d(10 * time.Minute),
			ReclaimShare:          0.3,
			LaunchFailure:         0.02,
			HazardMultiplier:      1,
			AdvisorReading:        "per-instance",
			CrunchShare:           0.5,
			WarmStart:             true,
			JoinDelay:             d(20 * time.Second),
			RejoinDelayAfterEnd:   d(15 * time.Second),
		},
		Live: Live{
			Fleet: "bbb", LaunchTemplate: "bbb", ScaleliteURL: "https://scalelite.example.org",
			ScaleliteSecretFile: "/etc/scalite/scalelite.secret", BBBSecretFile: "/etc/scalite/bbb.secret",
			BBBURL: "https://{private_dns}/bigbluebutton/api", MetricsListen: "127.0.0.1:9464",
			ChecksumAlgorithm: "sha256", LaunchJournal: "/var/lib/scalite/launches.json", EventLog: "/var/lib/scalite/events.jsonl",
			LockFile: "/run/scalite/controller.lock",
		},
		Notifications: Notifications{
			Events: []string{"interruption", "rebalance", "halt", "guard_rail", "spend_cap", "fleet_max", "capacity_failures", "never_booted"},
			Format: "text",
		},
	}
}

// Error is one problem in a configuration file.
type Error struct {
	File string
	Line int
	Key  string
	Err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ": line %d", e.Line)
	}
	if e.Key != "" {
		b.WriteString(": " + e.Key)
	}
	return b.String() + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// File is a parsed configuration with the lines its keys stood on, so that
// checks made later still point into the file.
type File struct {
	Name   string
	Config Config
	lines  map[string]int
}

// Load reads and parses a configuration file.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	return Parse(data, path)
}

// Parse reads configuration YAML on top of Default. Unknown keys and wrong
// types are errors naming the key and line; all of them are reported.
func Parse(data []byte, name string) (*File, error) {
	f := &File{Name: name, Config: Default(), lines: map[string]int{}}
	if len(bytes.TrimSpace(data)) == 0 {
		return f, nil
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, &Error{File: name, Err: fmt.Errorf("YAML: %w", err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{File: name, Line: extra.Line, Err: errors.New("more than one YAML document")}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	var errs []*Error
	f.decodeInto(root, reflect.ValueOf(&f.Config).Elem(), "", &errs)
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	return f, nil
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// decodeInto decodes a mapping node field by field so that each error can
// name its key path and line.
func (f *File) decodeInto(n *yaml.Node, v reflect.Value, path string, errs *[]*Error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		*errs = append(*errs, &Error{File: f.Name, Line: n.Line, Key: path, Err: errors.New("want a mapping of keys")})
		return
	}
	t := v.Type()
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key := k.Value
		full := key
		if path != "" {
			full = path + "." + key
		}
		if _, seen := f.lines[full]; seen {
			*errs = append(*errs, &Error{File: f.Name, Line: k.Line, Key: full, Err: errors.New("given twice")})
			continue
		}
		f.lines[full] = k.Line
		fi, ok := fieldByTag(t, key)
		if !ok {
			*errs = append(*errs, &Error{File: f.Name, Line: k.Line, Key: full, Err: fmt.Errorf("unknown key (known here: %s)", strings.Join(knownKeys(t), ", "))})
			continue
		}
		fv := v.Field(fi)
		if fv.Kind() == reflect.Struct && !reflect.PointerTo(fv.Type()).Implements(unmarshalerType) {
			f.decodeInto(val, fv, full, errs)
			continue
		}
		if fv.Kind() == reflect.Map {
			f.recordMapLines(val, full)
		}
		if err := val.Decode(fv.Addr().Interface()); err != nil {
			*errs = append(*errs, &Error{File: f.Name, Line: val.Line, Key: full, Err: cleanYAMLError(err)})
		}
	}
}

func (f *File) recordMapLines(n *yaml.Node, path string) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		f.lines[path+"."+n.Content[i].Value] = n.Content[i].Line
	}
}

// cleanYAMLError drops yaml.v3's "yaml: unmarshal errors:\n  line N:" prefix:
// the line is reported by Error already.
func cleanYAMLError(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg := te.Errors[0]
		if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "line ") {
			msg = msg[i+2:]
		}
		return errors.New(msg)
	}
	return err
}

func fieldByTag(t reflect.Type, key string) (int, bool) {
	for i := 0; i < t.NumField(); i++ {
		if tagName(t.Field(i)) == key {
			return i, true
		}
	}
	return 0, false
}

func tagName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return name
}

func knownKeys(t reflect.Type) []string {
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		if n := tagName(t.Field(i)); n != "" && n != "-" {
			keys = append(keys, n)
		}
	}
	sort.Strings(keys)
	return keys
}

// Line is the line a key path stood on, 0 when the file did not set it.
func (f *File) Line(key string) int { return f.lines[key] }

func (f *File) errorf(key, format string, args ...any) *Error {
	// A default that turns out invalid is reported at its nearest parent.
	line := f.lines[key]
	for k := key; line == 0 && k != ""; {
		i := strings.LastIndexByte(k, '.')
		if i < 0 {
			break
		}
		k = k[:i]
		line = f.lines[k]
	}
	return &Error{File: f.Name, Line: line, Key: key, Err: fmt.Errorf(format, args...)}
}

func joinErrors(errs []*Error) error {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	list := make([]error, len(errs))
	for i, e := range errs {
		list[i] = e
	}
	return errors.Join(list...)
}

// Marshal writes the configuration as YAML that Parse reads back.
func Marshal(c Config) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

//go:embed example.yaml
var exampleYAML []byte

// Example is a documented configuration that validates against the default
// catalog.
func Example() []byte { return bytes.Clone(exampleYAML) }
