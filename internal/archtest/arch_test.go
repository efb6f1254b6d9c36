package archtest

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

const (
	module  = "github.com/scalite/scalite"
	root    = "../.."
	docPath = "../../docs/architecture.md"
)

// pkg is one package of the module as the go command sees it.
type pkg struct {
	imports  []string // within the module, relative ("sim", "internal/atomicfile")
	external []string // outside the module, standard library included
}

// goList runs `go list` over the module and keeps each package's direct
// imports (test files excluded: the rules are about what a package needs
// to build).
func goList(t *testing.T) map[string]pkg {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH: cannot check the architecture against go list")
	}
	cmd := exec.Command(gobin, "list", "-e", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string]pkg{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		name := rel(f[0])
		var p pkg
		for _, imp := range f[1:] {
			if r := rel(imp); r != imp {
				p.imports = append(p.imports, r)
			} else {
				p.external = append(p.external, imp)
			}
		}
		pkgs[name] = p
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// rel is a module package's path relative to the module, or path itself
// for anything outside the module.
func rel(path string) string {
	if path == module {
		return "."
	}
	if r, ok := strings.CutPrefix(path, module+"/"); ok {
		return r
	}
	return path
}

// section returns the lines of the document under the "## title" heading.
func section(t *testing.T, title string) []string {
	t.Helper()
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	in := false
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "## ") {
			in = l == "## "+title
			continue
		}
		if in {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s has no section %q", docPath, title)
	}
	return out
}

var (
	tableRow = regexp.MustCompile("^\\| `([^`]+)` \\|(.*)$")
	codeName = regexp.MustCompile("`([^`]+)`")
)

// rows returns the table rows of a section: the package in the first
// column, the other cells after it.
func rows(lines []string) map[string][]string {
	out := map[string][]string{}
	for _, l := range lines {
		m := tableRow.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		var cells []string
		for _, c := range strings.Split(strings.TrimSuffix(strings.TrimSpace(m[2]), "|"), "|") {
			cells = append(cells, strings.TrimSpace(c))
		}
		out[m[1]] = cells
	}
	return out
}

// TestPackageMapMatchesGoList: the document's package map lists every
// package of the module and no package that does not exist.
func TestPackageMapMatchesGoList(t *testing.T) {
	pkgs := goList(t)
	mapped := rows(section(t, "Packages"))
	if len(mapped) == 0 {
		t.Fatal("the package map has no rows")
	}
	var missing, stale []string
	for name := range pkgs {
		if _, ok := mapped[name]; !ok {
			missing = append(missing, name)
		}
	}
	for name := range mapped {
		if _, ok := pkgs[name]; !ok {
			stale = append(stale, name)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("packages missing from the map in %s: %v", docPath, missing)
	}
	if len(stale) > 0 {
		t.Errorf("the map in %s lists packages that do not exist: %v", docPath, stale)
	}
}

// TestDependencyRules: every package the rules table names imports only
// what its row allows, within the module and outside it; nothing imports
// cmd/scalite.
func TestDependencyRules(t *testing.T) {
	pkgs := goList(t)
	rules := rows(section(t, "Dependency rules"))
	if len(rules) == 0 {
		t.Fatal("the dependency rules table has no rows")
	}
	for name, cells := range rules {
		if len(cells) != 2 {
			t.Errorf("rule for %s: want two cells (module imports, outside), got %q", name, cells)
			continue
		}
		p, ok := pkgs[name]
		if !ok {
			t.Errorf("rule for %s: no such package", name)
			continue
		}
		var allowed []string
		if cells[0] != "—" {
			for _, m := range codeName.FindAllStringSubmatch(cells[0], -1) {
				allowed = append(allowed, m[1])
			}
		}
		for _, imp := range p.imports {
			if !slices.Contains(allowed, imp) {
				t.Errorf("%s imports %s; %s allows only %v", name, imp, docPath, allowed)
			}
		}
		switch cells[1] {
		case "standard library only":
			for _, imp := range p.external {
				if first, _, _ := strings.Cut(imp, "/"); strings.Contains(first, ".") {
					t.Errorf("%s imports %s, outside the standard library", name, imp)
				}
			}
		case "any":
		default:
			t.Errorf("rule for %s: outside the module: want \"standard library only\" or \"any\", got %q", name, cells[1])
		}
	}
	for name, p := range pkgs {
		if slices.Contains(p.imports, "cmd/scalite") {
			t.Errorf("%s imports cmd/scalite", name)
		}
	}
}

// TestTransitiveLayering: what `go list -deps` shows. The simulator
// reaches neither configuration nor datasets, reports do not reach the
// simulator, and the simulator and the live controller do not reach each
// other.
func TestTransitiveLayering(t *testing.T) {
	pkgs := goList(t)
	deps := func(from string) map[string]bool {
		seen := map[string]bool{}
		var walk func(string)
		walk = func(n string) {
			for _, imp := range pkgs[n].imports {
				if !seen[imp] {
					seen[imp] = true
					walk(imp)
				}
			}
		}
		walk(from)
		return seen
	}
	for _, tc := range []struct{ from, not string }{
		{"sim", "config"},
		{"sim", "datasets"},
		{"sim", "live"},
		{"reports", "sim"},
		{"live", "sim"},
		{"engine", "sim"},
		{"engine", "live"},
	} {
		if _, ok := pkgs[tc.from]; !ok {
			t.Errorf("no package %s", tc.from)
			continue
		}
		if deps(tc.from)[tc.not] {
			t.Errorf("%s depends on %s (go list -deps ./%s)", tc.from, tc.not, tc.from)
		}
	}
}

// The tests read files relative to this directory; say so plainly if run
// from elsewhere.
func TestMain(m *testing.M) {
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		panic("internal/archtest must run from its own directory (go test ./internal/archtest)")
	}
	os.Exit(m.Run())
}
