// Package emulate provides loopback doubles that speak the real protocols:
// Scalelite's server API and BigBlueButton's API with checksum verification,
// and (ec2.go) an EC2 Query-protocol server backed by the simulator's
// market model. Tests use them, and `scalite emulate` exposes them so an
// operator can rehearse a policy end to end without an AWS account.
package emulate
