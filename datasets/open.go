package datasets

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// openInput opens a file, transparently decompressing gzip (recognised by
// its magic bytes, not its name).
func openInput(path string) (io.Reader, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(f, 1<<16)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("%s: gzip: %w", path, err)
		}
		return bufio.NewReaderSize(gzipErrors{zr}, 1<<16), func() error { zr.Close(); return f.Close() }, nil
	}
	return br, f.Close, nil
}

// gzipErrors says that a compressed file is corrupt when decompressing it
// fails (a truncated file ends with io.ErrUnexpectedEOF, a damaged one
// with a checksum or header error): without it a reader sees an early end
// and reports an empty or short file instead.
type gzipErrors struct{ r io.Reader }

func (g gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("compressed file is corrupt or truncated (gzip: %w)", err)
	}
	return n, err
}

// expandPaths turns directories into the regular files below them, sorted by
// name so that the reading order, and with it every result, is deterministic.
func expandPaths(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var files []string
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("reading directory %s: %w", p, err)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("directory %s holds no files", p)
		}
		sort.Strings(files)
		out = append(out, files...)
	}
	return out, nil
}

// rowLine is the line a CSV row (or the error reading it) starts on.
func rowLine(cr *csv.Reader, row []string, err error) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.StartLine
	}
	if len(row) == 0 {
		return 0
	}
	line, _ := cr.FieldPos(0)
	return line
}
