package main

import (
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/internal/atomicfile"
	"github.com/scalite/scalite/model"
	"github.com/scalite/scalite/timetable"
)

// liveHorizon is how far ahead a live controller expands its timetable;
// a restart (as after a new timetable) expands it again.
const liveHorizon = 366 * 24 * time.Hour

// liveTimetable gives the live controller's policy the sessions of
// prewarm.timetable from a day ago to a year ahead, as the simulator's
// policy gets those of its window: the engine pre-warms alike in both.
func liveTimetable(pol *model.Policy, pw config.PreWarm, now time.Time) error {
	if pw.Timetable == "" {
		return nil
	}
	cal, err := timetable.Load(pw.Timetable, pw.TimetableParticipants)
	if err != nil {
		return fmt.Errorf("prewarm.timetable: %w", err)
	}
	pol.Timetable = cal.Sessions(now.Add(-24*time.Hour).Unix(), now.Add(liveHorizon).Unix())
	return nil
}

// timetableFlag is `trace generate --timetable FILE.ics`.
var timetableFlag = &cli.StringFlag{Name: "timetable", Usage: "also write the timetable behind the generated trace (its slots as weekly sessions) to this iCalendar `FILE`"}

// writeGeneratedTimetable writes the timetable behind a generated trace.
func writeGeneratedTimetable(c *cli.Context, p datasets.TraceProfile, opt datasets.TraceGenOptions) error {
	path := c.String("timetable")
	if path == "" {
		return nil
	}
	cal := timetable.FromProfile(p, opt)
	if err := atomicfile.Write(path, func(w io.Writer) error { return cal.Write(w) }); err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "wrote the timetable (%d weekly sessions a working day) to %s\n", len(cal.Events), path)
	return nil
}
