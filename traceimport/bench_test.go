package traceimport

import "testing"

// BenchmarkReconstructServer: a week of one school server's exporter
// series (10,080 steps) into meetings; reports steps/s.
func BenchmarkReconstructServer(b *testing.B) {
	known := knownTrace(b, "school", 7)
	servers, loads := AssignServers(known, 3)
	o := ExposeOptions{From: known[0].Start - known[0].Start%86400, Interval: 60}
	o.To = o.From + 7*86400
	times := o.scrapeTimes()
	v := viewOf(exporterScrapes(loads[0], times))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		var rep ExporterReport
		reconstructServer(servers[0], times, 60, v, &rep)
	}
	b.ReportMetric(float64(len(times))*float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}
