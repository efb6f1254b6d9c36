// Package atomicfile writes output files so that a failed command leaves no
// half-written result: every file is written to a temporary file in its
// target directory and renamed into place only once all of it is written.
// Write does so for one file; a Set does so for the several files of one
// run, which appear together or not at all.
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write writes the file at path through a temporary file in the same
// directory, renamed into place when write and every flush succeeded. Path
// "-" writes to stdout.
func Write(path string, write func(io.Writer) error) error {
	if path == "-" {
		bw := bufio.NewWriter(os.Stdout)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	// After a successful rename the temporary name no longer exists, and
	// this Remove's error (not found) says nothing worth reporting.
	defer func() { _ = os.Remove(tmp.Name()) }()
	bw := bufio.NewWriterSize(tmp, 1<<16)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// Set is the files of one run in one directory. Create gives each a
// temporary file; Commit renames them all into place; Abort, deferred by
// the caller, removes whatever was not committed.
type Set struct {
	dir   string
	names []string
	files map[string]*os.File
}

// NewSet prepares a set of files in dir, creating dir if needed.
func NewSet(dir string) (*Set, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &Set{dir: dir, files: map[string]*os.File{}}, nil
}

// Create starts the file name of the set. Writes go straight to the
// temporary file; callers that write in small pieces buffer themselves.
func (s *Set) Create(name string) (io.Writer, error) {
	if _, dup := s.files[name]; dup {
		return nil, fmt.Errorf("writing %s: created twice", filepath.Join(s.dir, name))
	}
	f, err := os.CreateTemp(s.dir, "."+name+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", filepath.Join(s.dir, name), err)
	}
	s.names = append(s.names, name)
	s.files[name] = f
	return f, nil
}

// WriteFile creates the file name of the set with data as its content.
func (s *Set) WriteFile(name string, data []byte) error {
	w, err := s.Create(name)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Join(s.dir, name), err)
	}
	return nil
}

// Commit closes every file and renames them into place, in the order they
// were created. Every file is closed and made readable before the first
// rename, so that a full disk fails the commit before any file appears.
func (s *Set) Commit() error {
	for _, n := range s.names {
		f := s.files[n]
		if err := f.Chmod(0o644); err != nil {
			return fmt.Errorf("writing %s: %w", filepath.Join(s.dir, n), err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("writing %s: %w", filepath.Join(s.dir, n), err)
		}
	}
	for _, n := range s.names {
		if err := os.Rename(s.files[n].Name(), filepath.Join(s.dir, n)); err != nil {
			return fmt.Errorf("writing %s: %w", filepath.Join(s.dir, n), err)
		}
		delete(s.files, n)
	}
	return nil
}

// Abort removes the temporary files of everything not committed. It runs
// on a path that is already failing, or after a successful Commit (then it
// has nothing to do): it reports nothing, and the errors it meets (a file
// already closed by a failed Commit) change nothing about the outcome.
func (s *Set) Abort() {
	for _, f := range s.files {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}
	s.files = map[string]*os.File{}
}

// Paths lists the set's files by their final paths, in creation order.
func (s *Set) Paths() []string {
	out := make([]string, len(s.names))
	for i, n := range s.names {
		out[i] = filepath.Join(s.dir, n)
	}
	return out
}
