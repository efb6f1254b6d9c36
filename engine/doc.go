// Package engine makes Scalite's scaling and drain decisions. The simulator
// and the live controller call the very same Plan: it reads an Observation
// of the fleet, a Policy and the explicit State it keeps between calls, and
// returns Actions. It does no I/O, reads no clock and draws no random
// numbers: time is passed in, and the same inputs give the same actions.
package engine
