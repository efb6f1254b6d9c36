package results

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/scalite/scalite/model"
)

// FileRecorder writes timeseries.csv and events.jsonl as a run goes.
type FileRecorder struct {
	ts, ev  *bufio.Writer
	markets []model.MarketKey
	err     error
	buf     []byte
	enc     *json.Encoder
}

// NewFileRecorder writes the CSV header for the given pools.
func NewFileRecorder(timeseries, events io.Writer, markets []model.MarketKey) *FileRecorder {
	r := &FileRecorder{ts: bufio.NewWriter(timeseries), ev: bufio.NewWriter(events), markets: markets}
	r.enc = json.NewEncoder(r.ev)
	r.enc.SetEscapeHTML(false)
	// A bufio.Writer keeps its first write error and returns it from every
	// later call, Flush included: the header's errors surface in Flush.
	r.ts.WriteString("time,demand_participants,capacity_users,capacity_spot_users,capacity_on_demand_users,cost_usd_per_hour," +
		"cum_cost_usd,cum_disrupted_participant_minutes,cum_rejected_participant_minutes,cum_rejected_participants,cum_interruptions,cum_rebalance_recommendations")
	for _, kind := range []string{"spot", "on_demand"} {
		for _, st := range []string{"pending", "booting", "ready", "enabled", "cordoned"} {
			r.ts.WriteString("," + kind + "_" + st)
		}
	}
	for _, m := range markets {
		r.ts.WriteString(",price_" + m.InstanceType + "_" + m.AZ)
	}
	r.ts.WriteByte('\n')
	return r
}

// Sample writes one time-series row.
func (r *FileRecorder) Sample(s *Sample) {
	b := r.buf[:0]
	b = time.Unix(s.Time, 0).UTC().AppendFormat(b, time.RFC3339)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(s.Demand), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(s.Capacity), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(s.CapacitySpot), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(s.CapacityOnDemand), 10)
	for _, v := range []float64{s.CostUSDPerH, s.CumCostUSD, s.CumDisruptedMinutes, s.CumRejectedMinutes} {
		b = append(b, ',')
		b = strconv.AppendFloat(b, v, 'f', -1, 64)
	}
	for _, v := range []int{s.CumParticipantsRejected, s.CumInterruptions, s.CumRebalances} {
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(v), 10)
	}
	for _, counts := range [][5]int{s.SpotServers, s.ODServers} {
		for _, c := range counts {
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(c), 10)
		}
	}
	for _, p := range s.MarketPrices {
		b = append(b, ',')
		b = strconv.AppendFloat(b, p, 'f', -1, 64)
	}
	b = append(b, '\n')
	r.buf = b
	if _, err := r.ts.Write(b); err != nil && r.err == nil {
		r.err = err
	}
}

// Event writes one JSON line.
func (r *FileRecorder) Event(rec Record) {
	if err := r.enc.Encode(rec); err != nil && r.err == nil {
		r.err = err
	}
}

// Flush writes out what is buffered and reports the first error.
func (r *FileRecorder) Flush() error {
	if err := r.ts.Flush(); err != nil && r.err == nil {
		r.err = err
	}
	if err := r.ev.Flush(); err != nil && r.err == nil {
		r.err = fmt.Errorf("writing events: %w", err)
	}
	return r.err
}
