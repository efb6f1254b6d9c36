// Package live runs the engine's decisions on a real fleet: EC2 through
// aws-sdk-go-v2, Scalelite through its server API, BBB through its API,
// and spot notices through the instance metadata service (IMDSv2 only)
// and the EventBridge interruption queue. It observes, asks the engine
// (engine.Plan, and engine.Guard before every action) and acts; it never
// decides anything itself. Dry run is the default: acting needs Apply.
//
// Its files fall into four groups, by prefix:
//
//   - controller_*: the controller (`scalite live`): observe, plan, act;
//     the launch journal, the one-controller lock, the interruption queue,
//     metrics, and rebuilding the pre-warming profile after a restart.
//   - agent*: the agent on each BBB server (`scalite agent`): IMDS notices,
//     and the steps the engine says to take on them, each run once.
//   - capture_*: data capture for the simulator (`scalite prices fetch`,
//     `scalite trace record`).
//   - client_*: the clients all three share: Scalelite's server API, BBB's
//     API, EC2, checksums, bounded calls with retries, and the breakout
//     rule for counting meetings.
package live
