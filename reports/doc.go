// Package reports turns simulator runs into what an operator looks at:
// charts (gonum/plot, PNG and SVG) and a self-contained report.html. Each
// chart is built in two steps: first its data (plain values, pinned by
// golden tests), then its drawing.
package reports
