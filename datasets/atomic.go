package datasets

import (
	"io"

	"github.com/scalite/scalite/internal/atomicfile"
)

// WriteFileAtomic writes a file through a temporary file in the same
// directory and renames it into place, so that a failed run leaves no half
// result. Path "-" writes to stdout.
//
// Deprecated: use atomicfile.Write, which this calls; it remains until its
// last caller (cmd/scalite's live prices) moves.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.Write(path, write)
}
