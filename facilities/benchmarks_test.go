package facilities_test

import (
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/facilities/synth"
)

// Benchmark sizes: scaled down to 50,000 villages / 100,000 facilities so that `go test -bench`
// stays practical; set CIVPLAN_BENCH_VILLAGES=500000 CIVPLAN_BENCH_FACILITIES=1000000 for the
// national scale of ARCHITECTURE.md. One op = the whole coverage (or nearest) pass over every village.
func benchSize(env string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(env)); err == nil && n > 0 {
		return n
	}
	return def
}

// benchAnalyzer is built once per test binary; it is read-only afterwards.
var benchAnalyzer = sync.OnceValues(func() (*facilities.Analyzer, error) {
	d, err := synth.Generate(synth.Config{Villages: benchSize("CIVPLAN_BENCH_VILLAGES", 50_000),
		Facilities: benchSize("CIVPLAN_BENCH_FACILITIES", 100_000), OnlyVillageCommittees: true})
	if err != nil {
		return nil, err
	}
	tr, err := divisions.NewTree(d.Divisions)
	if err != nil {
		return nil, err
	}
	return facilities.NewAnalyzer(tr, facilities.NewRegistry(d.Facilities), nil)
})

func benchCoverage(b *testing.B, p facilities.Params) {
	a, err := benchAnalyzer()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := a.Coverage(p); err != nil { // builds the kind's index and the village columns
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var c *facilities.Coverage
	cpu0 := cpuNow()
	for b.Loop() {
		if c, err = a.Coverage(p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuNow()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
	b.ReportMetric(float64(c.Summary.Villages), "villages")
	b.ReportMetric(*c.Summary.Ratio, "covered_ratio")
}

// BenchmarkCoverage500m is the aggregate answer (as SELECT count(*) in PostGIS).
func BenchmarkCoverage500m(b *testing.B) {
	benchCoverage(b, facilities.Params{Kind: facilities.MutualAidElderly, Mode: facilities.ModeRadius, RadiusM: 500, SummaryOnly: true})
}

func BenchmarkCoverage5km(b *testing.B) {
	benchCoverage(b, facilities.Params{Kind: facilities.MutualAidElderly, Mode: facilities.ModeRadius, RadiusM: 5000, SummaryOnly: true})
}

// BenchmarkCoverage5kmVillages also builds every per-village answer.
func BenchmarkCoverage5kmVillages(b *testing.B) {
	benchCoverage(b, facilities.Params{Kind: facilities.MutualAidElderly, Mode: facilities.ModeRadius, RadiusM: 5000})
}

// BenchmarkNearest finds every village's nearest facility (Params.Nearest) with the 5 km coverage.
func BenchmarkNearest(b *testing.B) {
	benchCoverage(b, facilities.Params{Kind: facilities.MutualAidElderly, Mode: facilities.ModeRadius, RadiusM: 5000, Nearest: true})
}

func BenchmarkCoverageJurisdiction(b *testing.B) {
	benchCoverage(b, facilities.Params{Kind: facilities.MutualAidElderly, Mode: facilities.ModeJurisdiction, SummaryOnly: true})
}
