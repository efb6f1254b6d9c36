package interruptions

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Kind is what happened to an instance, as the live controller logs it.
type Kind string

// The kinds of event in the controller's event log.
const (
	// KindLaunch: the controller launched Instance (the launch call returned).
	KindLaunch Kind = "launch"
	// KindLaunchFailed: a launch into the pool was refused for capacity
	// (InsufficientInstanceCapacity and the like); Instance is empty.
	KindLaunchFailed Kind = "launch_failed"
	// KindNotice: the two-minute spot interruption notice for Instance.
	KindNotice Kind = "notice"
	// KindRebalance: a rebalance recommendation for Instance.
	KindRebalance Kind = "rebalance"
	// KindTerminate: the controller terminated Instance itself (scale-in).
	KindTerminate Kind = "terminate"
	// KindInterrupted: AWS stopped Instance (after a notice, or without one
	// when the notice was missed).
	KindInterrupted Kind = "interrupted"
)

var kinds = map[Kind]bool{KindLaunch: true, KindLaunchFailed: true, KindNotice: true, KindRebalance: true, KindTerminate: true, KindInterrupted: true}

// Markets.
const (
	MarketSpot     = "spot"
	MarketOnDemand = "on-demand"
)

// Event is one line of the controller's event log (JSON Lines, one object
// per line, in the order things happened):
//
//	{"time":"2026-03-02T09:00:00Z","kind":"launch","instance":"i-0abc","instance_type":"c5a.4xlarge","az":"eu-west-1a","market":"spot"}
//
// time is RFC 3339 in UTC; kind one of launch, launch_failed, notice,
// rebalance, terminate, interrupted; instance the EC2 instance ID (empty
// only for launch_failed); instance_type and az the pool; market spot or
// on-demand. Unknown fields are refused, so a typo does not pass silently.
type Event struct {
	Time         time.Time `json:"time"`
	Kind         Kind      `json:"kind"`
	Instance     string    `json:"instance,omitempty"`
	InstanceType string    `json:"instance_type"`
	AZ           string    `json:"az"`
	Market       string    `json:"market"`
}

// Pool is the event's pool.
func (e Event) Pool() Pool { return Pool{InstanceType: e.InstanceType, AZ: e.AZ} }

// check names the first field that is wrong.
func (e Event) check() (field string, err error) {
	switch {
	case e.Time.IsZero():
		return "time", errors.New("missing")
	case !kinds[e.Kind]:
		return "kind", fmt.Errorf("unknown kind %q (want launch, launch_failed, notice, rebalance, terminate or interrupted)", e.Kind)
	case e.Instance == "" && e.Kind != KindLaunchFailed:
		return "instance", errors.New("missing")
	case e.InstanceType == "":
		return "instance_type", errors.New("missing")
	case e.AZ == "":
		return "az", errors.New("missing")
	case e.Market != MarketSpot && e.Market != MarketOnDemand:
		return "market", fmt.Errorf("want spot or on-demand, got %q", e.Market)
	}
	return "", nil
}

// EventLog appends events to the controller's log, one JSON line each,
// written with a single write so that a crash leaves whole lines.
// It is safe for concurrent use.
type EventLog struct {
	mu sync.Mutex
	w  io.Writer
	c  io.Closer
}

// NewEventLog writes events to w.
func NewEventLog(w io.Writer) *EventLog { return &EventLog{w: w} }

// OpenEventLog appends to the log file at path, creating it.
func OpenEventLog(path string) (*EventLog, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening event log: %w", err)
	}
	return &EventLog{w: f, c: f}, nil
}

// Append writes one event; it refuses an event the reader would refuse.
func (l *EventLog) Append(e Event) error {
	e.Time = e.Time.UTC()
	if f, err := e.check(); err != nil {
		return fmt.Errorf("event log: field %s: %w", f, err)
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("event log: %w", err)
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.w.Write(b); err != nil {
		return fmt.Errorf("event log: %w", err)
	}
	return nil
}

// Close closes the file OpenEventLog opened.
func (l *EventLog) Close() error {
	if l.c == nil {
		return nil
	}
	return l.c.Close()
}

// ReadEventLog reads a log file; errors name the file, line and field.
func ReadEventLog(path string) ([]Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("event log: %w", err)
	}
	defer f.Close()
	return ParseEventLog(f, path)
}

// ParseEventLog reads a log; name is used in errors. Blank lines are
// skipped; events must come in time order.
func ParseEventLog(r io.Reader, name string) ([]Event, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var out []Event
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var e Event
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", name, line, err)
		}
		if f, err := e.check(); err != nil {
			return nil, fmt.Errorf("%s: line %d: field %s: %w", name, line, f, err)
		}
		if n := len(out); n > 0 && e.Time.Before(out[n-1].Time) {
			return nil, fmt.Errorf("%s: line %d: field time: %s is before the previous line's %s (the log is in time order)", name, line, e.Time.Format(time.RFC3339), out[n-1].Time.Format(time.RFC3339))
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: line %d: %w", name, line+1, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no events", name)
	}
	return out, nil
}
