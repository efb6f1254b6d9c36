package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"
)

// progressReporter shows a sweep's progress: a bar with ETA on a terminal,
// a plain line every few seconds otherwise (CI logs, files).
type progressReporter struct {
	mu     sync.Mutex
	bar    *mpb.Bar
	p      *mpb.Progress
	w      io.Writer
	label  string
	start  time.Time
	last   time.Time
	lastAt time.Time
	total  int
}

// isTerminal reports whether w is a terminal, where a redrawn bar works.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newProgress(w io.Writer, label string, total int) *progressReporter {
	r := &progressReporter{w: w, label: label, total: total, start: time.Now()}
	if isTerminal(w) {
		r.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(40))
		r.bar = r.p.AddBar(int64(total),
			mpb.PrependDecorators(decor.Name(label+" "), decor.CountersNoUnit("%d / %d")),
			mpb.AppendDecorators(decor.Percentage(), decor.Name(" ETA "), decor.EwmaETA(decor.ET_STYLE_GO, 30)))
	}
	r.lastAt = r.start
	return r
}

// update is called with the number of candidates done so far.
func (r *progressReporter) update(done, total int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if r.bar != nil {
		if total != r.total { // a new rung
			r.bar.SetTotal(int64(total), false)
			r.total = total
			r.bar.SetCurrent(0)
		}
		r.bar.EwmaSetCurrent(int64(done), now.Sub(r.lastAt))
		r.lastAt = now
		return
	}
	if done < total && now.Sub(r.last) < 5*time.Second {
		return
	}
	r.last = now
	el := now.Sub(r.start).Seconds()
	rate := float64(done) / el
	eta := "?"
	if rate > 0 {
		eta = (time.Duration(float64(total-done)/rate) * time.Second).Round(time.Second).String()
	}
	fmt.Fprintf(r.w, "%s: %d/%d candidates (%.0f%%), %.1f/s, ETA %s\n", r.label, done, total, 100*float64(done)/float64(total), rate, eta)
}

func (r *progressReporter) finish() {
	if r.bar != nil {
		r.bar.SetTotal(-1, true)
		r.p.Wait()
	}
}
