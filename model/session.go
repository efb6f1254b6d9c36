package model

// Session is a scheduled meeting time from a timetable: Participants are
// expected from Start to End (Unix seconds). The engine pre-warms for it.
type Session struct {
	Start, End   int64
	Participants int
}
