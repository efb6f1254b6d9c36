package datasets

import (
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
)

// csvHeader is where a CSV file's columns stand: pos[i] is the position of
// the i-th column asked for, -1 when the file does not have it. The trace,
// samples and catalog readers share it, so that every CSV input accepts
// its header the same way.
type csvHeader struct {
	pos []int
}

// headerSpec says which columns a CSV input has: Columns lists the names
// the reader looks up, the first Required of them must be present; Strict
// rejects any other column (a typo in an optional column's name would
// otherwise pass silently).
type headerSpec struct {
	Columns  []string
	Required int
	Strict   bool
}

// readCSVHeader reads cr's header row. Names are compared trimmed,
// lower-cased and without a UTF-8 byte-order mark; when a name repeats, the
// last column of that name counts. Errors name the file, the header's line
// and the column.
func readCSVHeader(cr *csv.Reader, name string, spec headerSpec) (csvHeader, error) {
	header, err := cr.Read()
	if err != nil {
		return csvHeader{}, &InputError{File: name, Line: 1, Err: fmt.Errorf("reading CSV header: %w", err)}
	}
	line, _ := cr.FieldPos(0) // after comment lines, the header is not on line 1
	h := csvHeader{pos: make([]int, len(spec.Columns))}
	for i := range h.pos {
		h.pos[i] = -1
	}
	for i, raw := range header {
		k := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(raw, "\ufeff")))
		found := false
		for j, c := range spec.Columns {
			if c == k {
				h.pos[j], found = i, true
			}
		}
		if !found && spec.Strict {
			return csvHeader{}, &InputError{File: name, Line: line, Field: k, Err: fmt.Errorf("unknown column (want %s)", strings.Join(spec.Columns, ","))}
		}
	}
	for j, c := range spec.Columns[:spec.Required] {
		if h.pos[j] < 0 {
			return csvHeader{}, &InputError{File: name, Line: line, Field: c, Err: errors.New("header lacks this column")}
		}
	}
	return h, nil
}

// field is the trimmed value of the i-th column asked for in row, "" when
// the file lacks the column or the row is short.
func (h csvHeader) field(row []string, i int) string {
	if p := h.pos[i]; p >= 0 && p < len(row) {
		return strings.TrimSpace(row[p])
	}
	return ""
}
