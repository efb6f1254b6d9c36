// Package interruptions fits spot interruption models to what was observed:
// public availability traces in the SkyPilot format and the live
// controller's own event log. It estimates per-pool rates with confidence
// intervals, checks the fit (Kolmogorov–Smirnov), predicts a held-out
// period, and reads and writes the fitted model as YAML for the simulator
// to replay.
//
// The model is two-state per pool: the pool alternates between available
// (an instance can be had) and unavailable, with exponential holding times
// of rates Up.Rate (available -> unavailable, per hour available) and
// Down.Rate (unavailable -> available). Rates are maximum-likelihood
// estimates for censored exponential data, events over exposure, with exact
// chi-square (Poisson) confidence intervals.
package interruptions
