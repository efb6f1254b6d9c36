package engine

import "fmt"

// ServerState is where a server is in its life, as the engine sees it.
type ServerState uint8

// Server states, in lifecycle order.
const (
	Pending  ServerState = iota // launched, not yet running
	Booting                     // running (billed), BBB not ready yet
	Ready                       // BBB answers and is registered in Scalelite, still disabled
	Enabled                     // takes new meetings
	Cordoned                    // takes joins to its meetings, no new meetings
	// Offline: registered and enabled, but Scalelite's poller does not
	// reach its BBB (not polled yet, or panicked): it gets no meetings.
	Offline
)

var stateNames = [...]string{"pending", "booting", "ready", "enabled", "cordoned", "offline"}

func (s ServerState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", s)
}

// Server is one BBB server of the fleet.
type Server struct {
	ID   string
	Type string
	AZ   string
	// Pool is the index of the server's spot pool in Planner.Pools, -1 for
	// on-demand servers.
	Pool          int
	Spot          bool
	Tag           string // Scalelite server tag
	State         ServerState
	CapacityUsers int
	Participants  int // users on the server now
	Meetings      int
	// Recordings still processing on the server; their raw files are lost
	// if the server goes.
	Recordings int
	LaunchedAt int64
	USDPerHour float64 // what the server costs now
	// Rebalance is set once AWS recommended rebalancing the instance.
	Rebalance   bool
	RebalanceAt int64
	// Interruption is set once AWS gave the two-minute notice.
	Interruption  bool
	TerminationAt int64
	// MeetingsEnded is set once the server's meetings were ended on purpose.
	MeetingsEnded bool
	// Held: an operator controls the server (it changed the server's
	// Scalelite state, or registered it by hand): the engine never
	// enables, cordons or terminates it, and counts its capacity only
	// while it is Enabled.
	Held bool
	// External: not an instance Scalite launched (a server registered in
	// Scalelite by hand). Always Held; not counted against fleet.max.
	External bool
	// Unreadable: the server's meetings could not be read. It is taken as
	// busy (never cordoned for scale-in, never retired), and while any
	// server is unreadable the demand is unknown, so scale-in holds.
	Unreadable bool
}

// Pool is what is known of one spot pool now.
type Pool struct {
	// USDPerHour is the current spot price; 0 when unknown.
	USDPerHour float64
	// UnavailableUntil: a launch found no capacity, so the pool is avoided
	// until then.
	UnavailableUntil int64
}

// Observation is the fleet and its markets at one moment.
type Observation struct {
	Servers []Server
	// Pools is aligned with Planner.Pools.
	Pools []Pool
	// Participants is the current demand, LargeParticipants the part of it
	// in meetings above the policy's large-meeting threshold.
	Participants      int
	LargeParticipants int
	// OnDemandUnavailableUntil is aligned with the policy's AZs: an
	// on-demand launch there found no capacity, so on-demand servers go to
	// other zones until then (0 = available).
	OnDemandUnavailableUntil []int64
	// SpendUnknown: a server of the fleet is of a type whose price is not
	// known, so the spend cap cannot be checked: no launches.
	SpendUnknown bool
	// LoadPerParticipant, when positive, says the drivers count capacity
	// with the load model (model.LoadModel): it is the demand's load per
	// participant, LU, and a server of a type holds CapacityLoad /
	// LoadPerParticipant of these participants. The servers' CapacityUsers
	// are then the drivers' conversion, and new servers are sized alike.
	// 0: the types' CapacityUsers.
	LoadPerParticipant float64
}

// ActionKind says what an Action does.
type ActionKind uint8

// Action kinds.
const (
	Launch ActionKind = iota
	Enable
	Cordon
	EndMeetings
	Terminate
)

var kindNames = [...]string{"launch", "enable", "cordon", "end-meetings", "terminate"}

func (k ActionKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("action(%d)", k)
}

// Action is one decision.
type Action struct {
	Kind ActionKind
	// Server is the target of enable, cordon, end-meetings and terminate.
	Server string
	// Launch: Count servers of Type in AZ (Pool for spot, -1 on-demand).
	Type     string
	AZ       string
	Pool     int
	Spot     bool
	Count    int
	MaxPrice float64 // spot max price, USD/hour
	Tag      string
	// Reason explains the decision to an operator.
	Reason string
}

func (a Action) String() string {
	switch a.Kind {
	case Launch:
		market := "on-demand"
		if a.Spot {
			market = fmt.Sprintf("spot (max %.4f $/h)", a.MaxPrice)
		}
		tag := ""
		if a.Tag != "" {
			tag = " tag " + a.Tag
		}
		return fmt.Sprintf("launch %d x %s in %s %s%s: %s", a.Count, a.Type, a.AZ, market, tag, a.Reason)
	default:
		return fmt.Sprintf("%s %s: %s", a.Kind, a.Server, a.Reason)
	}
}
