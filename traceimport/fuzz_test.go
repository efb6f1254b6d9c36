package traceimport

import (
	"os"
	"strings"
	"testing"
)

// FuzzReadEventsXML: any input either fails with an error naming the file
// or gives a meeting with a positive length whose curve lies within it.
func FuzzReadEventsXML(f *testing.F) {
	for _, p := range []string{
		"testdata/raw/a1b2c3d4e5f60718293a4b5c6d7e8f9012345678-1772438400000/events.xml",
		"testdata/raw/0f1e2d3c4b5a69788796a5b4c3d2e1f001234567-1772442000000/events.xml",
	} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, in string) {
		var st EventsStats
		m, ok, err := ReadEventsXML(strings.NewReader(in), "e.xml", &st)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "e.xml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if !ok {
			return
		}
		if m.End <= m.Start || m.Participants < 0 {
			t.Fatalf("meeting %+v", m)
		}
		for i, c := range m.Curve {
			if c.At < m.Start || c.At >= m.End || c.Participants < 0 || (i > 0 && c.At <= m.Curve[i-1].At) {
				t.Fatalf("curve step %d %+v outside [%d, %d) or out of order", i, c, m.Start, m.End)
			}
		}
	})
}
