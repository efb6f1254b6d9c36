// Package results holds what a simulation produces: a run's Result, the
// time series Samples and event Records a Recorder receives, and the Stats
// that summarise runs. The simulator writes them; reports, sweeps and the
// regression suite read them without depending on the simulator.
package results
