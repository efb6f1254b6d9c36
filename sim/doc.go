// Package sim is Scalite's discrete-event simulator: a world of meetings,
// Scalelite and AWS spot markets, driven by the engine's plans, with the
// bill and the disruption it causes. It reads no files: a scenario package
// assembles its Options from configuration and datasets, and it returns a
// Result with optional time series through a Recorder. The same Options
// and seed give the same Result.
package sim
