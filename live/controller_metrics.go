package live

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the controller's Prometheus metrics.
type Metrics struct {
	Servers       *prometheus.GaugeVec
	SpendRate     prometheus.Gauge
	Demand        prometheus.Gauge
	Interruptions prometheus.Counter
	Actions       *prometheus.CounterVec
	Reconcile     prometheus.Histogram
	Errors        *prometheus.CounterVec
	Halted        prometheus.Gauge
}

// NewMetrics registers the metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Servers:       prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "scalite_servers", Help: "Fleet servers by state and kind."}, []string{"state", "kind"}),
		SpendRate:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "scalite_spend_usd_per_hour", Help: "What the fleet costs per hour now."}),
		Demand:        prometheus.NewGauge(prometheus.GaugeOpts{Name: "scalite_demand_participants", Help: "Participants in meetings now."}),
		Interruptions: prometheus.NewCounter(prometheus.CounterOpts{Name: "scalite_interruption_notices_total", Help: "Spot interruption notices seen."}),
		Actions:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "scalite_actions_total", Help: "Actions planned, by kind and whether they were applied."}, []string{"kind", "applied"}),
		Reconcile:     prometheus.NewHistogram(prometheus.HistogramOpts{Name: "scalite_reconcile_seconds", Help: "Time one reconcile took.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 10)}),
		Errors:        prometheus.NewCounterVec(prometheus.CounterOpts{Name: "scalite_errors_total", Help: "Errors by stage."}, []string{"stage"}),
		Halted:        prometheus.NewGauge(prometheus.GaugeOpts{Name: "scalite_halted", Help: "1 while the controller refuses to act because its observations look wrong."}),
	}
	reg.MustRegister(m.Servers, m.SpendRate, m.Demand, m.Interruptions, m.Actions, m.Reconcile, m.Errors, m.Halted)
	return m
}
