package facilities_test

import (
	"sync"
	"testing"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

var sitingHubei struct {
	once sync.Once
	an   *facilities.Analyzer
	err  error
}

// hubeiAnalyzer loads the embedded Hubei dataset once per test binary.
func hubeiAnalyzer(tb testing.TB) *facilities.Analyzer {
	tb.Helper()
	sitingHubei.once.Do(func() {
		ds, err := dataset.EmbeddedHubei()
		if err != nil {
			sitingHubei.err = err
			return
		}
		tree, err := divisions.NewTree(ds.Divisions)
		if err != nil {
			sitingHubei.err = err
			return
		}
		sitingHubei.an, sitingHubei.err = facilities.NewAnalyzer(tree, facilities.NewRegistry(ds.Facilities), nil)
	})
	if sitingHubei.err != nil {
		tb.Fatalf("embedded Hubei dataset not usable: %v", sitingHubei.err)
	}
	return sitingHubei.an
}

func benchSiting(b *testing.B, sp facilities.SitingParams) {
	an := hubeiAnalyzer(b)
	b.ReportAllocs()
	var s *facilities.Siting
	for b.Loop() {
		var err error
		if s, err = an.Siting(sp); err != nil {
			b.Fatal(err)
		}
	}
	if s.Gap != nil {
		b.ReportMetric(*s.Gap, "gap")
	}
	b.ReportMetric(float64(len(s.Sites)), "sites")
}

// 兴山县 (420526, 96 villages) and 仙桃市 (429004, the county-level unit with the most villages).
func BenchmarkSitingCountyMCLP(b *testing.B) {
	for _, c := range []divisions.Code{"420526", "429004"} {
		b.Run(string(c), func(b *testing.B) {
			benchSiting(b, facilities.SitingParams{Params: facilities.Params{Kind: facilities.MutualAidElderly, Division: c,
				Mode: facilities.ModeRadius, RadiusM: 1000}, Objective: facilities.ObjectiveMCLP, P: 10})
		})
	}
}

func BenchmarkSitingCountyLSCP(b *testing.B) {
	for _, c := range []divisions.Code{"420526", "429004"} {
		b.Run(string(c), func(b *testing.B) {
			benchSiting(b, facilities.SitingParams{Params: facilities.Params{Kind: facilities.MutualAidElderly, Division: c,
				Mode: facilities.ModeRadius, RadiusM: 1000}, Objective: facilities.ObjectiveLSCP, Target: 0.8})
		})
	}
}

func BenchmarkSitingCountyPCenter(b *testing.B) {
	benchSiting(b, facilities.SitingParams{Params: facilities.Params{Kind: facilities.MutualAidElderly, Division: "420526",
		Mode: facilities.ModeRadius, RadiusM: 1000}, Objective: facilities.ObjectivePCenter, P: 5})
}

// The whole province: 27,057 village-level units as candidates, p = 500.
func BenchmarkSitingProvinceMCLP(b *testing.B) {
	for _, r := range []float64{1000, 2000} {
		b.Run(map[float64]string{1000: "1km", 2000: "2km"}[r], func(b *testing.B) {
			benchSiting(b, facilities.SitingParams{Params: facilities.Params{Kind: facilities.MutualAidElderly,
				Mode: facilities.ModeRadius, RadiusM: r}, Objective: facilities.ObjectiveMCLP, P: 500})
		})
	}
}

func BenchmarkSitingProvinceJurisdictionMCLP(b *testing.B) {
	benchSiting(b, facilities.SitingParams{Params: facilities.Params{Kind: facilities.MutualAidElderly},
		Objective: facilities.ObjectiveMCLP, P: 500})
}
