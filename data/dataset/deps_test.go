package dataset_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBuilderLinksNoSQLiteOrExcelize lists the packages the dataset builder and this package
// tree link (go list -deps) and fails if cgo SQLite or excelize is among them: the builder
// must run with a plain Go toolchain, and the store and exports stay out of the embedded path.
func TestBuilderLinksNoSQLiteOrExcelize(t *testing.T) {
	goBin := "go" // the go command on PATH, as `make test` runs it
	roots := []string{"github.com/civplan/civplan/cmd/build-dataset", "github.com/civplan/civplan/data/dataset/..."}
	out, err := exec.Command(goBin, append([]string{"list", "-deps"}, roots...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %v: %v\n%s", roots, err, out)
	}
	deps := strings.Fields(string(out))
	found := map[string]bool{}
	for _, d := range deps {
		found[d] = true
		for _, banned := range []string{"github.com/mattn/go-sqlite3", "github.com/xuri/excelize"} {
			if d == banned || strings.HasPrefix(d, banned+"/") {
				t.Errorf("%v link %s", roots, d)
			}
		}
	}
	// The list must be real: the builder itself and the dataset package are in it.
	for _, want := range []string{"github.com/civplan/civplan/cmd/build-dataset", "github.com/civplan/civplan/data/dataset/hubeibuild"} {
		if !found[want] {
			t.Errorf("go list -deps output lacks %s (%d packages listed)", want, len(deps))
		}
	}
}
