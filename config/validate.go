package config

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/scalite/scalite/model"
)

// Allocation strategies, as EC2 Fleet names them.
const (
	LowestPrice            = "lowest-price"
	CapacityOptimized      = "capacity-optimized"
	PriceCapacityOptimized = "price-capacity-optimized"
)

// Drain actions.
const (
	DrainCordon      = "cordon"
	DrainReplace     = "replace"
	DrainIgnore      = "ignore"
	DrainEndMeetings = "end-meetings"
)

// MinSpotPrice is the lowest max price EC2 accepts, USD/hour.
const MinSpotPrice = 0.001

// Validate checks the configuration against a catalog and reports every
// problem with its key and line.
func (f *File) Validate(cat *model.Catalog) error {
	var errs []*Error
	bad := func(key, format string, args ...any) { errs = append(errs, f.errorf(key, format, args...)) }
	c := &f.Config

	rc, err := cat.Region(c.Region)
	if err != nil {
		bad("region", "%v", err)
	}
	if len(c.AvailabilityZones) == 0 {
		bad("availability_zones", "at least one availability zone is needed")
	}
	seen := map[string]bool{}
	for _, az := range c.AvailabilityZones {
		if seen[az] {
			bad("availability_zones", "%s listed twice", az)
		}
		seen[az] = true
		if rc != nil {
			if err := rc.CheckAZ(az); err != nil {
				bad("availability_zones", "%v", err)
			}
		}
	}
	checkType := func(key, name string) {
		if rc == nil {
			return
		}
		if _, err := rc.Type(name); err != nil {
			bad(key, "%v", err)
		}
	}

	if c.Spot.Enabled && len(c.Spot.InstanceType) == 0 {
		bad("spot.instance_type", "spot is enabled but no instance type is listed")
	}
	seenType := map[string]bool{}
	for _, t := range c.Spot.InstanceType {
		if seenType[t] {
			bad("spot.instance_type", "%s listed twice", t)
		}
		seenType[t] = true
		checkType("spot.instance_type", t)
	}
	if p := c.Spot.SpotPrice; p.Set {
		switch {
		case p.IsShare && (p.Share <= 0 || p.Share > 10):
			bad("spot.spot_price", "share of on-demand must be above 0%% and at most 1000%%, got %s", formatPct(p.Share))
		case !p.IsShare && p.USDPerHour < MinSpotPrice:
			bad("spot.spot_price", "max price must be at least %v USD/h (EC2's minimum), got %v", MinSpotPrice, p.USDPerHour)
		}
	}
	switch c.Spot.AllocationStrategy {
	case LowestPrice, CapacityOptimized, PriceCapacityOptimized:
	default:
		bad("spot.allocation_strategy", "unknown strategy %q (want %s, %s or %s)", c.Spot.AllocationStrategy, LowestPrice, CapacityOptimized, PriceCapacityOptimized)
	}

	if c.OnDemand.InstanceType == "" {
		if c.OnDemand.Base > 0 || c.OnDemand.Fallback || !c.Spot.Enabled {
			bad("on_demand.instance_type", "needed for the on-demand base, the fallback or a spot-less fleet")
		}
	} else {
		checkType("on_demand.instance_type", c.OnDemand.InstanceType)
	}
	if c.OnDemand.Base < 0 {
		bad("on_demand.base", "must not be negative, got %d", c.OnDemand.Base)
	}

	fl := c.Fleet
	if fl.Min < 0 {
		bad("fleet.min", "must not be negative, got %d", fl.Min)
	}
	if fl.Max < 1 {
		bad("fleet.max", "must be at least 1, got %d", fl.Max)
	}
	if fl.Min > fl.Max {
		bad("fleet.min", "%d exceeds fleet.max (%d)", fl.Min, fl.Max)
	}
	if c.OnDemand.Base > fl.Max {
		bad("on_demand.base", "%d exceeds fleet.max (%d)", c.OnDemand.Base, fl.Max)
	}
	if fl.Headroom < 0 || fl.Headroom > 10 {
		bad("fleet.headroom", "must be between 0%% and 1000%%, got %s", formatPct(float64(fl.Headroom)))
	}
	if fl.BootTimeout.Duration > 0 && fl.BootTimeout.Duration <= fl.LaunchToRunning.Duration+fl.BootTime.Duration {
		bad("fleet.boot_timeout", "must exceed fleet.launch_to_running + fleet.boot_time (%s), got %s: every server would time out",
			fl.LaunchToRunning.Duration+fl.BootTime.Duration, fl.BootTimeout.Duration)
	}
	if fl.MaxHourlyUSD < 0 {
		bad("fleet.max_hourly_usd", "must not be negative, got %v", fl.MaxHourlyUSD)
	}
	// Slices, not maps: errors come out in the same order every time.
	for _, d := range []struct {
		key string
		v   Duration
	}{
		{"fleet.scale_in_cooldown", fl.ScaleInCooldown}, {"fleet.terminate_after_idle", fl.TerminateAfterIdle}, {"fleet.launch_to_running", fl.LaunchToRunning},
		{"fleet.boot_time", fl.BootTime}, {"fleet.boot_timeout", fl.BootTimeout}, {"drain.end_meetings_before", c.Drain.EndMeetingsBefore},
		{"prewarm.lead", c.PreWarm.Lead}, {"scalelite.load_join_buffer_time", c.Scalelite.LoadJoinBufferTime},
		{"simulation.rejoin_delay", c.Simulation.RejoinDelay}, {"simulation.rebalance_lead", c.Simulation.RebalanceLead},
		{"simulation.join_delay", c.Simulation.JoinDelay}, {"simulation.rejoin_delay_after_end", c.Simulation.RejoinDelayAfterEnd},
	} {
		if d.v.Duration < 0 {
			bad(d.key, "must not be negative, got %s", d.v.Duration)
		}
	}
	if c.Drain.EndMeetingsBefore.Seconds() > 120 {
		bad("drain.end_meetings_before", "must be at most 2m, the interruption notice, got %s", c.Drain.EndMeetingsBefore.Duration)
	}

	switch c.Drain.OnRebalance {
	case DrainCordon, DrainReplace, DrainIgnore:
	default:
		bad("drain.on_rebalance", "unknown action %q (want cordon, replace or ignore)", c.Drain.OnRebalance)
	}
	switch c.Drain.OnInterruption {
	case DrainCordon, DrainEndMeetings:
	default:
		bad("drain.on_interruption", "unknown action %q (want cordon or end-meetings)", c.Drain.OnInterruption)
	}
	if c.Placement.LargeMeeting < 0 {
		bad("placement.large_meeting", "must not be negative, got %d", c.Placement.LargeMeeting)
	}
	if c.Placement.LargeMeeting > 0 && c.OnDemand.InstanceType == "" {
		bad("placement.large_meeting", "large meetings go to on-demand servers, but on_demand.instance_type is empty")
	}
	if c.PreWarm.Enabled && c.PreWarm.Weeks < 1 {
		bad("prewarm.weeks", "must be at least 1 when prewarm is enabled, got %d", c.PreWarm.Weeks)
	}
	if c.PreWarm.TimetableParticipants < 0 {
		bad("prewarm.timetable_participants", "must not be negative, got %d", c.PreWarm.TimetableParticipants)
	}

	if fl.ReconcileInterval.Duration < time.Second {
		bad("fleet.reconcile_interval", "must be at least 1s, got %s", fl.ReconcileInterval.Duration)
	}

	s := c.Scalelite
	if s.PollInterval.Duration <= 0 {
		bad("scalelite.poll_interval", "must be positive, got %s", s.PollInterval.Duration)
	}
	if s.LoadMinUserCount < 0 {
		bad("scalelite.load_min_user_count", "must not be negative, got %d", s.LoadMinUserCount)
	}
	if s.LoadMultiplier <= 0 {
		bad("scalelite.load_multiplier", "must be positive, got %v", s.LoadMultiplier)
	}

	sim := c.Simulation
	if _, _, ok := sim.CapacitySource(); !ok {
		bad("simulation.capacity_interruptions", "unknown model %q (want advisor, off, trace:DIR or model:MODEL.yaml)", sim.CapacityInterruptions)
	}
	if pa := sim.PoolAvailability; pa != "band" && pa != "off" {
		bad("simulation.pool_availability", "want band (pools alternate between available and unavailable by advisor band) or off, got %q", pa)
	}
	c.validateSpotLake(bad)
	if sim.RecordingProcessing < 0 {
		bad("simulation.recording_processing", "must not be negative, got %v", sim.RecordingProcessing)
	}
	for _, p := range []struct {
		key string
		v   float64
	}{{"simulation.rebalance_probability", sim.RebalanceProbability}, {"simulation.launch_failure", sim.LaunchFailure},
		{"simulation.on_demand_launch_failure", sim.OnDemandLaunchFailure}, {"simulation.boot_failure", sim.BootFailure}} {
		if p.v < 0 || p.v > 1 {
			bad(p.key, "must be a probability in [0, 1], got %v", p.v)
		}
	}
	if sim.ZoneCrunchesPerDay < 0 || sim.RegionCrunchesPerDay < 0 {
		bad("simulation.zone_crunches_per_day", "crunch rates must not be negative, got %v and %v", sim.ZoneCrunchesPerDay, sim.RegionCrunchesPerDay)
	}
	if sim.CrunchShare < 0 || sim.CrunchShare > 1 {
		bad("simulation.crunch_share", "must be in [0, 1], got %v", sim.CrunchShare)
	}
	if sim.RebalanceFalseAlarmRate < 0 {
		bad("simulation.rebalance_false_alarm_rate", "must not be negative, got %v", sim.RebalanceFalseAlarmRate)
	}
	if r := sim.AdvisorReading; r != "per-instance" && r != "instance-hours" {
		bad("simulation.advisor_reading", "want per-instance or instance-hours, got %q", r)
	}
	if sim.HazardMultiplier < 0 {
		bad("simulation.hazard_multiplier", "must not be negative, got %v", sim.HazardMultiplier)
	}
	if sim.ReclaimShare <= 0 || sim.ReclaimShare > 1 {
		bad("simulation.reclaim_share", "must be in (0, 1], got %v", sim.ReclaimShare)
	}

	if c.Live.Fleet == "" {
		bad("live.fleet", "must not be empty: it is the tag that marks the fleet's instances")
	}
	switch c.Live.ChecksumAlgorithm {
	case "sha1", "sha256", "sha512":
	default:
		bad("live.checksum_algorithm", "want sha1, sha256 or sha512 (one LOADBALANCER_CHECKSUM_ALGORITHM allows), got %q", c.Live.ChecksumAlgorithm)
	}
	if !strings.Contains(c.Live.BBBURL, "{private_dns}") && !strings.Contains(c.Live.BBBURL, "{instance_id}") {
		bad("live.bbb_url", "must contain {private_dns} or {instance_id}, got %q", c.Live.BBBURL)
	}
	if t := c.Live.LockTable; t != "" {
		if !dynamoTableName.MatchString(t) {
			bad("live.lock_table", "want a DynamoDB table name (3 to 255 of a-z A-Z 0-9 _ - .), got %q", t)
		}
	} else if !strings.HasPrefix(c.Live.LockFile, "/") {
		bad("live.lock_file", "want an absolute path (one controller acts at a time), got %q", c.Live.LockFile)
	}

	if u := c.Live.InterruptionQueueURL; u != "" {
		if err := checkQueueURL(u); err != nil {
			bad("live.interruption_queue_url", "%v", err)
		}
	}
	checkNotifications(c.Notifications, bad)

	for _, name := range slices.Sorted(maps.Keys(c.Capacity)) {
		users := c.Capacity[name]
		checkType("capacity."+name, name)
		if users <= 0 {
			bad("capacity."+name, "must be positive, got %d", users)
		}
	}
	switch c.CapacityModel {
	case "", "load", "users":
	default:
		bad("capacity_model", "unknown model %q (want load or users)", c.CapacityModel)
	}
	for _, name := range slices.Sorted(maps.Keys(c.LoadCapacity)) {
		checkType("load_capacity."+name, name)
		if lu := c.LoadCapacity[name]; lu <= 0 {
			bad("load_capacity."+name, "must be positive, got %d", lu)
		}
	}
	if len(errs) > 0 {
		return joinErrors(errs)
	}
	return nil
}

// LoadAndValidate reads a file and checks it against the catalog.
func LoadAndValidate(path string, cat *model.Catalog) (*File, error) {
	f, err := Load(path)
	if err != nil {
		return nil, err
	}
	if err := f.Validate(cat); err != nil {
		return nil, err
	}
	return f, nil
}

// InstanceTypes returns the catalog's types with the config's capacity
// overrides applied.
func (c *Config) InstanceTypes(rc *model.RegionCatalog) (map[string]model.InstanceType, error) {
	out := make(map[string]model.InstanceType, len(rc.Types))
	for name, t := range rc.Types {
		if u, ok := c.Capacity[name]; ok {
			t.CapacityUsers = u
		}
		if lu, ok := c.LoadCapacity[name]; ok {
			t.CapacityLoad = lu
		}
		out[name] = t
	}
	for name := range c.Capacity {
		if _, ok := out[name]; !ok {
			return nil, fmt.Errorf("capacity.%s: not in the %s catalog", name, rc.Region)
		}
	}
	for name := range c.LoadCapacity {
		if _, ok := out[name]; !ok {
			return nil, fmt.Errorf("load_capacity.%s: not in the %s catalog", name, rc.Region)
		}
	}
	return out, nil
}

// checkQueueURL wants an SQS queue URL as GetQueueUrl returns it:
// https://sqs.REGION.amazonaws.com/ACCOUNT/NAME (http on loopback for
// `scalite emulate`).
func checkQueueURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("want an SQS queue URL such as https://sqs.eu-west-1.amazonaws.com/123456789012/scalite-interruptions, got %q", raw)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return fmt.Errorf("want the path /ACCOUNT/QUEUE_NAME in the queue URL, got %q", u.Path)
	}
	return nil
}

// snsTopicARN is arn:PARTITION:sns:REGION:ACCOUNT:NAME for a standard topic.
var snsTopicARN = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$`)

func checkNotifications(n Notifications, bad func(key, format string, args ...any)) {
	if n.WebhookURL != "" {
		// The URL holds the receiver's token: errors do not repeat it.
		if u, err := url.Parse(n.WebhookURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("notifications.webhook_url", "want an http(s) URL with a host (not repeated here: it holds the receiver's token)")
		}
	}
	if a := n.SNSTopicARN; a != "" {
		switch {
		case strings.HasSuffix(a, ".fifo"):
			bad("notifications.sns_topic_arn", "%s is a FIFO topic; use a standard topic", a)
		case !snsTopicARN.MatchString(a):
			bad("notifications.sns_topic_arn", "want a topic ARN such as arn:aws:sns:eu-west-1:123456789012:scalite-oncall, got %q", a)
		}
	}
	seen := map[string]bool{}
	for _, e := range n.Events {
		if !slices.Contains(NotificationEvents, e) {
			bad("notifications.events", "unknown event %q (want some of %s)", e, strings.Join(NotificationEvents, ", "))
		} else if seen[e] {
			bad("notifications.events", "%s listed twice", e)
		}
		seen[e] = true
	}
	if !slices.Contains(NotificationFormats, n.Format) {
		bad("notifications.format", "unknown format %q (want %s)", n.Format, strings.Join(NotificationFormats, " or "))
	}
}

// dynamoTableName is DynamoDB's rule for table names
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html).
var dynamoTableName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

// UsesLoadModel reports whether capacity is counted with the load model
// (capacity_model load, the default).
func (c *Config) UsesLoadModel() bool { return c.CapacityModel != "users" }
