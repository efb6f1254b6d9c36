package datasets

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// CapacitySample is one measurement of a BBB server: its CPU against what
// its meetings were doing, from a load test or a production server (e.g.
// bigbluebutton-exporter's gauges beside node_exporter's CPU).
type CapacitySample struct {
	Line         int // in the file, for errors
	Time         int64
	InstanceType string
	CPUPct       float64
	Participants float64
	Voice        float64
	// Listeners is -1 when the file does not say: everyone is taken to be
	// on audio.
	Listeners    float64
	Webcams      float64
	Screenshares float64
	// Meetings the participants are spread over (1 when not given): a
	// webcam's viewers are taken as participants/meetings − 1, exact for a
	// load test's single meeting, equal sizes assumed otherwise.
	Meetings float64
}

// capacityColumns are the capacity samples CSV's columns: the first seven
// required, meetings and listeners optional. Counts may be fractional
// (averages over a scrape interval).
var capacityColumns = []string{"time", "instance_type", "cpu_pct", "participants", "voice", "webcams", "screenshare", "meetings", "listeners"}

// CapacitySampleColumns lists the capacity samples CSV's columns.
func CapacitySampleColumns() []string { return append([]string(nil), capacityColumns...) }

// ReadCapacitySamples reads a capacity samples CSV; lines starting with #
// are comments. Errors name the file, line and field.
func ReadCapacitySamples(r io.Reader, name string) ([]CapacitySample, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.ReuseRecord = true
	h, err := readCSVHeader(cr, name, headerSpec{Columns: capacityColumns, Required: 7, Strict: true})
	if err != nil {
		return nil, err
	}
	var out []CapacitySample
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		line := rowLine(cr, row, err)
		if err != nil {
			return nil, &InputError{File: name, Line: line, Err: err}
		}
		fail := func(field string, err error) error {
			return &InputError{File: name, Line: line, Field: field, Err: err}
		}
		s := CapacitySample{Line: line, InstanceType: h.field(row, 1), Meetings: 1, Listeners: -1}
		if s.Time, err = parseTraceTime(h.field(row, 0)); err != nil {
			return nil, fail("time", err)
		}
		if s.InstanceType == "" {
			return nil, fail("instance_type", errors.New("missing"))
		}
		for _, f := range [...]struct {
			col      int
			dst      *float64
			optional bool
		}{{2, &s.CPUPct, false}, {3, &s.Participants, false}, {4, &s.Voice, false}, {5, &s.Webcams, false},
			{6, &s.Screenshares, false}, {7, &s.Meetings, true}, {8, &s.Listeners, true}} {
			v := h.field(row, f.col)
			if v == "" && f.optional {
				continue
			}
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || x < 0 || math.IsInf(x, 0) || math.IsNaN(x) {
				return nil, fail(capacityColumns[f.col], fmt.Errorf("bad number %q (want a number >= 0)", v))
			}
			*f.dst = x
		}
		switch {
		case s.CPUPct > 100:
			return nil, fail("cpu_pct", fmt.Errorf("%v is above 100 (want the share of all the server's CPUs, in percent)", s.CPUPct))
		case s.Meetings == 0 && s.Participants > 0:
			return nil, fail("meetings", errors.New("0 meetings with participants"))
		case s.Voice > s.Participants:
			return nil, fail("voice", fmt.Errorf("%v on microphone, more than the %v participants", s.Voice, s.Participants))
		case s.Listeners >= 0 && s.Voice+s.Listeners > s.Participants:
			return nil, fail("listeners", fmt.Errorf("%v listeners and %v on microphone, more than the %v participants", s.Listeners, s.Voice, s.Participants))
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, &InputError{File: name, Err: errors.New("no samples")}
	}
	return out, nil
}
