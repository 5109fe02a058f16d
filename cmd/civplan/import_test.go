package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// civplan import on the embedded data: a replacing file about one county previews (--dry-run)
// and then removes only that county's mutual-aid sites; bad rows are listed one per line, row
// and field first, with the value as typed.
func TestImportCommandScopeDryRunAndErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a database from the embedded dataset")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "c.db")
	if code, _, stderr := runCLI(t, "scenario", "list", "--db", db); code != 0 {
		t.Fatalf("seed: %s", stderr)
	}
	// Oracle: counts by a plain filter over the stored facilities.
	count := func() (county, province int, village divisions.Code) {
		st, err := store.Open(db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		fs, err := st.LoadFacilities()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Kind != facilities.MutualAidElderly || f.PlanID != 0 {
				continue
			}
			province++
			if strings.HasPrefix(string(f.DivisionCode), "420526") {
				county++
			}
		}
		tree, err := st.LoadTree()
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range tree.Descendants("420526000000", divisions.Village) {
			if v.HasSeat {
				return county, province, v.Code
			}
		}
		t.Fatal("no village with a point in 420526")
		return
	}
	county, province, village := count()
	if county == 0 || province <= county {
		t.Fatalf("fixture: %d sites in 420526, %d in the province", county, province)
	}
	file := filepath.Join(dir, "xingshan.csv")
	if err := os.WriteFile(file, []byte("kind,name,division_code\nmutual_aid_elderly,新互助点,"+string(village)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "import", "facilities", file, "--replace", "--dry-run", "--db", db)
	want := fmt.Sprintf("would remove %d, insert 1, update 0", county)
	if code != 0 || !strings.Contains(out, want) || !strings.Contains(out, "replacing mutual_aid_elderly in 420526000000 兴山县") || !strings.Contains(out, "dry run, nothing written") {
		t.Fatalf("dry run: exit %d, stdout %q, stderr %q; want %q", code, out, stderr, want)
	}
	if c, p, _ := count(); c != county || p != province {
		t.Fatalf("dry run changed the registry: %d/%d → %d/%d", county, province, c, p)
	}
	code, out, stderr = runCLI(t, "import", "facilities", file, "--replace", "--db", db)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("will remove %d, insert 1", county)) {
		t.Fatalf("import: exit %d, %q %q", code, out, stderr)
	}
	if c, p, _ := count(); c != 1 || p != province-county+1 {
		t.Errorf("after replacing 420526: %d sites there, %d in the province; want 1 and %d (other counties untouched)", c, p, province-county+1)
	}

	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("kind,name,division_code,lon,lat,opened\n"+
		"mutual_aid_elderly,a,"+string(village)+",11O.7,31.3,\n"+
		"mutual_aid_elderly,b,"+string(village)+",,,2019-13-01\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCLI(t, "import", "facilities", bad, "--db", db)
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if code != 1 || len(lines) != 3 ||
		!strings.HasPrefix(lines[0], bad+": row 2, field lon (\"11O.7\")") ||
		!strings.HasPrefix(lines[1], bad+": row 3, field opened (\"2019-13-01\")") ||
		!strings.Contains(lines[2], "2 bad rows listed above (nothing was imported)") {
		t.Errorf("bad rows: exit %d, stderr:\n%s", code, stderr)
	}
}
