// Package scenario assembles a simulation from what a user gives: a
// configuration file, spot prices, a meeting trace (or a profile to
// generate one) and capacity traces. It settles the window where they
// overlap and reports everything that would stop a run before any
// simulating, so that the simulator itself reads no files.
package scenario
