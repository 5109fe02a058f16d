package divisions_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/civplan/civplan"

// TestNoFacilitiesImport checks that no package under divisions/ reaches facilities (the
// scenario assessment over both domains lives in facilities/assess): the non-test imports of
// every package below divisions/ are followed through the module's own packages, so an
// indirect path (divisions/x → data → facilities) fails as well as a direct import.
func TestNoFacilitiesImport(t *testing.T) {
	root := moduleRoot(t)
	var pkgs []string
	err := filepath.WalkDir(filepath.Join(root, "divisions"), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			pkgs = append(pkgs, module+"/"+filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) == 0 {
		t.Fatal("no packages found under divisions/")
	}
	for _, pkg := range pkgs {
		if path := importPath(t, root, pkg, module+"/facilities"); path != nil {
			t.Errorf("%s imports facilities: %s", pkg, strings.Join(path, " → "))
		}
	}
}

// importPath returns the chain of module-internal imports from pkg to a package equal to or
// below forbidden (non-test files only), or nil when there is none.
func importPath(t *testing.T, root, pkg, forbidden string) []string {
	t.Helper()
	parent := map[string]string{pkg: ""}
	queue := []string{pkg}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == forbidden || strings.HasPrefix(p, forbidden+"/") {
			var chain []string
			for q := p; q != ""; q = parent[q] {
				chain = append([]string{q}, chain...)
			}
			return chain
		}
		for _, imp := range packageImports(t, filepath.Join(root, strings.TrimPrefix(p, module))) {
			if _, seen := parent[imp]; seen || (imp != module && !strings.HasPrefix(imp, module+"/")) {
				continue
			}
			parent[imp] = p
			queue = append(queue, imp)
		}
	}
	return nil
}

// packageImports lists the imports of the non-test Go files in dir (none when dir has no Go files).
func packageImports(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	fset := token.NewFileSet()
	var out []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatalf("parse %s: %v", filepath.Join(dir, n), err)
		}
		for _, s := range f.Imports {
			p, err := strconv.Unquote(s.Path.Value)
			if err != nil {
				t.Fatalf("%s: import %s: %v", filepath.Join(dir, n), s.Path.Value, err)
			}
			out = append(out, p)
		}
	}
	return out
}

// moduleRoot walks up from the test's directory to the one holding go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = filepath.Dir(dir)
	}
}
