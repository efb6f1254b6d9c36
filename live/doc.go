// Package live runs the engine's decisions on a real fleet: EC2 through
// aws-sdk-go-v2, Scalelite through its server API and BBB through its API,
// and spot notices through the instance metadata service. It observes,
// calls engine.Plan and acts; it never decides anything itself. Dry run is
// the default: acting needs Apply.
package live
