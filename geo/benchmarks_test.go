package geo

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// nationalPoints returns n deterministic points over China shaped like settlement: 70 % in
// 400 Gaussian clusters (σ ≈ 10–50 km) weighted towards the east, 30 % uniform.
func nationalPoints(seed uint64, n int) []orb.Point {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	type cluster struct{ lon, lat, sigma float64 }
	cs := make([]cluster, 400)
	for i := range cs {
		cs[i] = cluster{100 + math.Sqrt(rng.Float64())*22, 20 + rng.Float64()*22, 0.1 + rng.Float64()*0.4}
	}
	pts := make([]orb.Point, n)
	for i := range pts {
		if rng.Float64() < 0.3 {
			pts[i] = orb.Point{75 + rng.Float64()*60, 18 + rng.Float64()*35}
			continue
		}
		c := cs[rng.IntN(len(cs))]
		pts[i] = orb.Point{c.lon + rng.NormFloat64()*c.sigma, c.lat + rng.NormFloat64()*c.sigma}
	}
	return pts
}

// benchFacilities is the national-scale index size; the query set has 500,000 points.
const benchFacilities = 1_000_000

// The 1M-point index is built once per test binary and shared by the benchmarks (read-only).
var (
	benchOnce    sync.Once
	benchIx      *PointIndex
	benchQueries []orb.Point
)

func benchIndex(b *testing.B) (*PointIndex, []orb.Point) {
	benchOnce.Do(func() {
		benchIx = NewPointIndex(nationalPoints(1, benchFacilities))
		benchQueries = nationalPoints(2, 500_000)
	})
	return benchIx, benchQueries
}

func BenchmarkNewPointIndex1M(b *testing.B) {
	pts := nationalPoints(1, benchFacilities)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		NewPointIndex(pts)
	}
}

// BenchmarkNearest500k runs the 500,000 queries against 1,000,000 points once per op.
func BenchmarkNearest500k(b *testing.B) {
	ix, qs := benchIndex(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, q := range qs {
			ix.Nearest(q, 0)
		}
	}
}

func BenchmarkNearest(b *testing.B) {
	ix, qs := benchIndex(b)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		ix.Nearest(qs[i%len(qs)], 0)
		i++
	}
}

func BenchmarkWithin5km(b *testing.B) {
	ix, qs := benchIndex(b)
	b.ReportAllocs()
	b.ResetTimer()
	i, found := 0, 0
	for b.Loop() {
		ix.Within(qs[i%len(qs)], 5000, func(int, float64) bool { found++; return true })
		i++
	}
	b.ReportMetric(float64(found)/float64(i), "points/op")
}

func BenchmarkAnyWithin5km(b *testing.B) {
	ix, qs := benchIndex(b)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		ix.AnyWithin(qs[i%len(qs)], 5000)
		i++
	}
}

func BenchmarkDistanceM(b *testing.B) {
	qs := nationalPoints(3, 1024)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		DistanceM(qs[i%1024], qs[(i+1)%1024])
		i++
	}
}

func BenchmarkDistanceMShort(b *testing.B) {
	qs := nationalPoints(3, 1024)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := qs[i%1024]
		DistanceM(p, orb.Point{p[0] + 0.01, p[1] + 0.005})
		i++
	}
}

func BenchmarkApproxDistanceM(b *testing.B) {
	qs := nationalPoints(3, 1024)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ApproxDistanceM(qs[i%1024], qs[(i+1)%1024])
		i++
	}
}

// benchRing returns the largest outer ring of the real county polygons and points over its
// bounding box.
func benchRing(b *testing.B) (orb.MultiPolygon, []orb.Point) {
	var best orb.Polygon
	for _, mp := range readCounties(b) {
		for _, p := range mp {
			if len(best) == 0 || len(p[0]) > len(best[0]) {
				best = orb.Polygon{p[0]}
			}
		}
	}
	rng := rand.New(rand.NewPCG(4, 4))
	bd := best.Bound()
	pts := make([]orb.Point, 1024)
	for i := range pts {
		pts[i] = orb.Point{bd.Min[0] + rng.Float64()*(bd.Max[0]-bd.Min[0]), bd.Min[1] + rng.Float64()*(bd.Max[1]-bd.Min[1])}
	}
	b.Logf("ring with %d vertices", len(best[0]))
	return orb.MultiPolygon{best}, pts
}

func BenchmarkPreparedContains(b *testing.B) {
	mp, pts := benchRing(b)
	pp := Prepare(mp)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		pp.Contains(pts[i%len(pts)])
		i++
	}
}

func BenchmarkPlanarMultiPolygonContains(b *testing.B) {
	mp, pts := benchRing(b)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		planar.MultiPolygonContains(mp, pts[i%len(pts)])
		i++
	}
}

func BenchmarkPolygonIndexLocate(b *testing.B) {
	counties := readCounties(b)
	ix := NewPolygonIndex(counties)
	pts := nationalPoints(5, 1024)
	for i := range pts {
		// Map onto Hubei's box.
		pts[i] = orb.Point{108.3 + math.Mod(pts[i][0], 1)*7.9, 29 + math.Mod(pts[i][1], 1)*4.3}
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		ix.Locate(pts[i%len(pts)])
		i++
	}
}
