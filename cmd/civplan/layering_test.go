package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The import rules of docs/ARCHITECTURE.md, checked over the whole module with `go list`
// (direct imports; data/dataset's test checks the builder's whole dependency graph).
func TestLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/civplan/civplan/"
	domain := []string{"github.com/gin-gonic/gin", "database/sql", "github.com/mattn/go-sqlite3", "github.com/xuri/excelize/v2", mod + "data/", mod + "web", mod + "cmd/"}
	rules := []struct {
		pkg       string // package path below the module, or a prefix ending in "/"
		forbidden []string
	}{
		{"geo", append([]string{mod + "divisions", mod + "facilities"}, domain...)},
		{"divisions", append([]string{mod + "facilities"}, domain...)},
		{"facilities", domain},
		{"facilities/", domain},
		{"data/", []string{"github.com/gin-gonic/gin", mod + "web", mod + "cmd/"}},
		{"data/dataset", []string{mod + "data/store", mod + "data/formats", "github.com/mattn/go-sqlite3", "github.com/xuri/excelize/v2"}},
		{"web/cql2", []string{mod + "data/", "database/sql", mod + "divisions", mod + "facilities"}},
	}
	checked := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := strings.TrimPrefix(fields[0], mod), fields[1:]
		for _, r := range rules {
			if pkg != r.pkg && !(strings.HasSuffix(r.pkg, "/") && strings.HasPrefix(pkg, r.pkg)) {
				continue
			}
			checked[r.pkg] = true
			for _, imp := range imports {
				for _, f := range r.forbidden {
					if imp == f || (strings.HasSuffix(f, "/") && strings.HasPrefix(imp, f)) || strings.HasPrefix(imp, f+"/") {
						t.Errorf("%s imports %s, which docs/ARCHITECTURE.md forbids", pkg, imp)
					}
				}
			}
		}
	}
	for _, r := range rules {
		if !checked[r.pkg] {
			t.Errorf("no package matched rule %q: the layout changed, update the rules and docs/ARCHITECTURE.md", r.pkg)
		}
	}
}
