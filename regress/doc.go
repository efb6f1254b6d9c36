// Package regress checks fleet policies against a recorded baseline, as a
// test suite checks code: every policy of a suite runs on every scenario,
// and a metric that got worse beyond its tolerance is a regression. The
// baseline records the simulator's model version and a hash of each
// scenario's inputs, so a comparison across different inputs or models is
// an explicit error, never a silent pass.
package regress
