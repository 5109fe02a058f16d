package assess_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/civplan/civplan/facilities/assess"
)

// BenchmarkReplayProvince: the 2022→2023 change list replayed on the whole province —
// baseline reconstruction, scenario, impact and statutory checks (goal < 5 s).
func BenchmarkReplayProvince(b *testing.B) {
	tree, fs := hubei(b)
	p := filepath.Join(repoRoot(b), "data", "sources", "hubei", "divisions", "hubei_code_changes_2022_to_2023.csv")
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := assess.EvaluateReplay(tree, fs, f, "replay", assess.Options{}); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
