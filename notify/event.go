package notify

import (
	"fmt"
	"strings"
	"time"
)

// Event kinds: the names `notifications.events` lists. They match
// config.NotificationEvents (a test holds the two together).
const (
	Interruption     = "interruption"      // a spot interruption notice
	Rebalance        = "rebalance"         // a rebalance recommendation
	Maintenance      = "maintenance"       // scheduled maintenance (AWS Health)
	Halt             = "halt"              // the controller refused to act on observations it cannot trust
	GuardRail        = "guard_rail"        // a guard rail refused an action
	SpendCap         = "spend_cap"         // fleet.max_hourly_usd reached
	FleetMax         = "fleet_max"         // fleet.max reached
	CapacityFailures = "capacity_failures" // launches failing for want of capacity, repeatedly
	NeverBooted      = "never_booted"      // a server that never answered
)

// Kinds lists every kind, in the order messages describe them.
var Kinds = []string{Interruption, Rebalance, Maintenance, Halt, GuardRail, SpendCap, FleetMax, CapacityFailures, NeverBooted}

// DefaultKinds are sent when `notifications.events` is not given: the ones
// a person on call should hear about. Maintenance is announced weeks ahead
// by AWS itself, so it is opt-in.
var DefaultKinds = []string{Interruption, Rebalance, Halt, GuardRail, SpendCap, FleetMax, CapacityFailures, NeverBooted}

var titles = map[string][2]string{ // singular, plural
	Interruption:     {"spot interruption notice", "spot interruption notices"},
	Rebalance:        {"rebalance recommendation", "rebalance recommendations"},
	Maintenance:      {"scheduled maintenance event", "scheduled maintenance events"},
	Halt:             {"halt", "halts"},
	GuardRail:        {"guard-rail refusal", "guard-rail refusals"},
	SpendCap:         {"spend cap reached", "spend cap reached"},
	FleetMax:         {"fleet.max reached", "fleet.max reached"},
	CapacityFailures: {"repeated capacity failure", "repeated capacity failures"},
	NeverBooted:      {"server that never booted", "servers that never booted"},
}

// KnownKind says whether kind is one of Kinds.
func KnownKind(kind string) bool {
	_, ok := titles[kind]
	return ok
}

// Event is one thing that happened, as a person on call needs it.
type Event struct {
	Kind string
	Time time.Time
	// Server is the instance ID (or Scalelite server) concerned, if any.
	Server string
	// Pool is the market, e.g. "c5a.4xlarge eu-west-1a spot".
	Pool string
	// What happened, in a phrase: "interruption notice: terminate at 10:02Z".
	What string
	// Action is what Scalite did about it: "cordoned; replacement launched".
	Action string
	// Meetings and Participants are those on the server when it happened.
	Meetings     int
	Participants int
}

// key identifies an event for de-duplication: the agent and the queue
// both report the same interruption; a halt repeats every reconcile.
func (e Event) key() string { return e.Kind + "|" + e.Server + "|" + e.Pool }

// line is the event in one line of a message.
func (e Event) line() string {
	var b strings.Builder
	if e.Server != "" {
		b.WriteString(e.Server)
		if e.Pool != "" {
			fmt.Fprintf(&b, " (%s)", e.Pool)
		}
		b.WriteString(": ")
	} else if e.Pool != "" {
		fmt.Fprintf(&b, "%s: ", e.Pool)
	}
	what := e.What
	if what == "" {
		what = titles[e.Kind][0]
	}
	b.WriteString(what)
	if !e.Time.IsZero() {
		fmt.Fprintf(&b, " at %s", e.Time.UTC().Format(time.RFC3339))
	}
	if e.Action != "" {
		fmt.Fprintf(&b, ". Scalite: %s", e.Action)
	}
	if e.Meetings > 0 || e.Participants > 0 {
		fmt.Fprintf(&b, ". Affected: %s, %s", plural(e.Meetings, "meeting"), plural(e.Participants, "participant"))
	}
	b.WriteString(".")
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
