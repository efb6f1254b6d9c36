package datasets

import "time"

// IsHoliday reports whether the generator treats day d as a holiday (no
// working-day load), so that a timetable written for a generated trace
// leaves the same days out.
func (p *TraceProfile) IsHoliday(d time.Time) bool { return p.isHoliday(d) }
