package facilities_test

import (
	"testing"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// BenchmarkScorecardProvince evaluates every seed target for the whole of Hubei (21,473
// village committees) on the embedded data; the goal over HTTP is < 50 ms.
func BenchmarkScorecardProvince(b *testing.B) {
	ds, err := dataset.EmbeddedHubei()
	if err != nil {
		b.Fatal(err)
	}
	tree, err := divisions.NewTree(ds.Divisions)
	if err != nil {
		b.Fatal(err)
	}
	an, err := facilities.NewAnalyzer(tree, facilities.NewRegistry(ds.Facilities), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := an.Scorecard("420000000000"); err != nil {
			b.Fatal(err)
		}
	}
}
