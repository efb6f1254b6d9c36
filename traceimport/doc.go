// Package traceimport turns what BigBlueButton operators already record
// into Scalite meeting traces: Prometheus series of
// greenstatic/bigbluebutton-exporter (reconstructed, see below) and of
// b3scale (per meeting, exact), and BBB's raw recording events.xml (per
// meeting, exact, for recorded meetings).
package traceimport
