package facilities_test

import (
	"testing"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// BenchmarkScenarioImpactMerge3: apply + impact of merging three real townships of 兴山县
// (goal < 50 ms).
func BenchmarkScenarioImpactMerge3(b *testing.B) {
	tree, fs := hubei(b)
	base, err := facilities.NewAnalyzer(tree, facilities.NewRegistry(fs), nil) // the service's snapshot analyzer
	if err != nil {
		b.Fatal(err)
	}
	ops := []divisions.Op{{Op: divisions.OpMerge, Units: []string{"420526101", "420526102", "420526103"}, Into: "420526101"}}
	b.ReportAllocs()
	cpu0 := cpuNow()
	for b.Loop() {
		res, err := divisions.Apply(tree, ops, divisions.ApplyOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := facilities.Impact(res, fs, nil, facilities.ImpactOptions{Base: base}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuNow()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
}

// BenchmarkScenarioImpactCounty: every township of 兴山县 merged pairwise (goal < 1 s).
func BenchmarkScenarioImpactCounty(b *testing.B) {
	tree, fs := hubei(b)
	base, err := facilities.NewAnalyzer(tree, facilities.NewRegistry(fs), nil) // the service's snapshot analyzer
	if err != nil {
		b.Fatal(err)
	}
	kids := tree.Children(divisions.MustCode("420526"))
	var ops []divisions.Op
	for i := 0; i+1 < len(kids); i += 2 {
		ops = append(ops, divisions.Op{Op: divisions.OpMerge, Units: []string{string(kids[i].Code), string(kids[i+1].Code)}, Into: string(kids[i].Code)})
	}
	b.ReportAllocs()
	cpu0 := cpuNow()
	for b.Loop() {
		res, err := divisions.Apply(tree, ops, divisions.ApplyOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := facilities.Impact(res, fs, nil, facilities.ImpactOptions{Base: base}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuNow()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
}
