package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// TestWriteLeavesNoHalfFile: a failed write leaves neither the file nor a
// temporary file; a successful one leaves exactly the file, readable.
func TestWriteLeavesNoHalfFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	boom := errors.New("boom")
	if err := Write(path, func(w io.Writer) error { _, _ = io.WriteString(w, "half"); return boom }); !errors.Is(err, boom) {
		t.Fatalf("Write = %v, want boom", err)
	}
	if n := names(t, dir); len(n) != 0 {
		t.Fatalf("after a failed write the directory holds %v", n)
	}
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "whole\n"); return err }); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "whole\n" {
		t.Fatalf("read %q, %v", b, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	if n := names(t, dir); len(n) != 1 {
		t.Fatalf("directory holds %v", n)
	}
}

// TestSetAllOrNothing: files of an aborted set never appear; a committed
// set's files all do, in creation order, and a later Abort keeps them.
func TestSetAllOrNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	s, err := NewSet(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteFile("a.txt", []byte("a")); err != nil {
		t.Fatal(err)
	}
	s.Abort()
	if n := names(t, dir); len(n) != 0 {
		t.Fatalf("an aborted set left %v", n)
	}

	s, err = NewSet(dir)
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Create("b.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, "b"); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteFile("a.txt", []byte("a")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create("a.txt"); err == nil {
		t.Error("a file created twice was accepted")
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	s.Abort()
	if got := names(t, dir); len(got) != 2 || got[0] != "a.txt" || got[1] != "b.txt" {
		t.Fatalf("directory holds %v", got)
	}
	if p := s.Paths(); len(p) != 2 || p[0] != filepath.Join(dir, "b.txt") {
		t.Fatalf("paths %v", p)
	}
}
