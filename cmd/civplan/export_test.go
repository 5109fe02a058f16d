package main

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

func TestExportUsage(t *testing.T) {
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"export"}, "--out is required"},
		{[]string{"export", "--out", "x", "--format", "shp"}, "--format"},
		{[]string{"export", "extra", "--out", "x"}, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.msg) {
				t.Errorf("exit %d stderr %q; want 2 and %q", code, stderr, tt.msg)
			}
		})
	}
}

// TestExportHubei exports the embedded dataset: a Gauss-Krüger GeoPackage with every layer, one
// CSV layer with a BOM, and a directory of GeoJSON files; bad --crs and --layers are usage errors.
func TestExportHubei(t *testing.T) {
	if testing.Short() {
		t.Skip("exports the whole embedded dataset")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "c.db")
	gpkg := filepath.Join(dir, "hubei.gpkg")
	code, out, stderr := runCLI(t, "export", "--db", db, "--out", gpkg, "--crs", "gk3")
	if code != 0 || !strings.Contains(out, "villages") || !strings.Contains(out, "Gauss-Kruger CM 111E") {
		t.Fatalf("gpkg: %d %q %q", code, out, stderr)
	}
	g, err := sql.Open("sqlite3", gpkg)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	var n, srs int
	if err := g.QueryRow("SELECT count(*), min(srs_id) FROM gpkg_contents").Scan(&n, &srs); err != nil || n != 7 || srs != 4546 {
		t.Errorf("contents: %d layers srs %d (%v)", n, srs, err)
	}
	var villages int
	g.QueryRow("SELECT count(*) FROM villages").Scan(&villages)
	if villages < 20000 {
		t.Errorf("%d villages exported", villages)
	}
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--crs", "utm"}, "--crs"},
		{[]string{"--layers", "roads"}, "--layers"},
	} {
		code, _, stderr := runCLI(t, append([]string{"export", "--db", db, "--out", filepath.Join(dir, "x.gpkg")}, tt.args...)...)
		if code != 2 || !strings.Contains(stderr, tt.msg) {
			t.Errorf("%v: %d %q", tt.args, code, stderr)
		}
	}
	csvPath := filepath.Join(dir, "fac.csv")
	if code, _, stderr := runCLI(t, "export", "--db", db, "--format", "csv", "--layers", "facilities", "--out", csvPath); code != 0 {
		t.Fatalf("csv: %d %q", code, stderr)
	}
	b, _ := os.ReadFile(csvPath)
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF编号,类型")) {
		t.Errorf("csv head %q", b[:min(len(b), 40)])
	}
	gj := filepath.Join(dir, "gj")
	if code, out, stderr := runCLI(t, "export", "--db", db, "--format", "geojson", "--layers", "counties,welfare_home", "--out", gj); code != 2 || !strings.Contains(stderr, "welfare_home") {
		t.Errorf("unknown layer in a list: %d %q %q", code, out, stderr)
	}
	if code, _, stderr := runCLI(t, "export", "--db", db, "--format", "geojson", "--layers", "counties,facilities", "--out", gj, "--crs", "gcj02"); code != 0 {
		t.Fatalf("geojson: %d %q", code, stderr)
	}
	for _, f := range []string{"counties.geojson", "facilities.geojson"} {
		if st, err := os.Stat(filepath.Join(gj, f)); err != nil || st.Size() < 1000 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
