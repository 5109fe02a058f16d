package geo

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

// pointSet describes a random test configuration.
type pointSet struct {
	name    string
	pts     []orb.Point
	queries []orb.Point
}

func randomIn(rng *rand.Rand, n int, b orb.Bound) []orb.Point {
	out := make([]orb.Point, n)
	for i := range out {
		out[i] = orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
	}
	return out
}

func pointSets() []pointSet {
	rng := rand.New(rand.NewPCG(2026, 11))
	china := orb.Bound{Min: orb.Point{73, 18}, Max: orb.Point{135, 54}}
	hubei := orb.Bound{Min: orb.Point{108.3, 29}, Max: orb.Point{116.2, 33.3}}
	var sets []pointSet

	// National, uniform.
	sets = append(sets, pointSet{"china uniform", randomIn(rng, 2500, china), randomIn(rng, 100, orb.Bound{Min: orb.Point{70, 15}, Max: orb.Point{138, 57}})})

	// Clustered with duplicates (ties) and a few invalid points.
	var cl []orb.Point
	for c := 0; c < 30; c++ {
		ctr := randomIn(rng, 1, hubei)[0]
		for i := 0; i < 80; i++ {
			cl = append(cl, orb.Point{ctr[0] + rng.NormFloat64()*0.02, ctr[1] + rng.NormFloat64()*0.02})
		}
	}
	for i := 0; i < 200; i++ {
		cl = append(cl, cl[rng.IntN(len(cl))]) // exact duplicates
	}
	cl = append(cl, orb.Point{math.NaN(), 30}, orb.Point{114, 95}, orb.Point{math.Inf(1), 30})
	q := randomIn(rng, 80, hubei)
	q = append(q, cl[5], cl[100], cl[len(cl)-210]) // queries on indexed points
	sets = append(sets, pointSet{"hubei clustered", cl, q})

	// Worldwide, including the antimeridian and polar caps.
	w := randomIn(rng, 2000, orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}})
	w = append(w, randomIn(rng, 300, orb.Bound{Min: orb.Point{178, -10}, Max: orb.Point{180, 10}})...)
	w = append(w, randomIn(rng, 300, orb.Bound{Min: orb.Point{-180, -10}, Max: orb.Point{-178, 10}})...)
	w = append(w, randomIn(rng, 200, orb.Bound{Min: orb.Point{-180, 85}, Max: orb.Point{180, 90}})...)
	w = append(w, orb.Point{0, 90}, orb.Point{45, -90}, orb.Point{540, 10})
	wq := randomIn(rng, 80, orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}})
	wq = append(wq, orb.Point{179.99, 0}, orb.Point{-179.99, 0.5}, orb.Point{180, 3}, orb.Point{-180, -3}, orb.Point{10, 89.9}, orb.Point{0, -90}, orb.Point{360 + 179.5, 1})
	sets = append(sets, pointSet{"world", w, wq})
	return sets
}

// splitQueries returns points at and next to the medians of the index's k-d tree, which lie
// exactly on its splitting planes.
func splitQueries(ix *PointIndex, rng *rand.Rand, n int) []orb.Point {
	var out []orb.Point
	for i := 0; i < n && len(ix.idx) > 0; i++ {
		p := ix.pts[rng.IntN(len(ix.pts))]
		switch i % 3 {
		case 0:
			out = append(out, p)
		case 1:
			out = append(out, orb.Point{p[0] + 1e-9, p[1]})
		default:
			out = append(out, orb.Point{p[0], math.Max(-90, math.Min(90, p[1]-1e-9))})
		}
	}
	return out
}

// checkAgainstBruteForce compares every query of ix with a scan over all points.
func checkAgainstBruteForce(t *testing.T, ix *PointIndex, pts, queries []orb.Point, rng *rand.Rand) {
	t.Helper()
	nonEmpty := 0
	wk := ix.Walker() // carries its last answer from query to query, radius to radius
	step := 1
	if testing.Short() {
		step = 4
	}
	for qi := 0; qi < len(queries); qi += step {
		p := queries[qi]
		pq := PrepareQuery(p)
		all := make([]float64, len(pts))
		best, bestS := -1, math.Inf(1)
		for i, q := range pts {
			all[i] = math.NaN()
			if validPoint(q) {
				all[i] = DistanceM(p, q)
				if all[i] < bestS {
					best, bestS = i, all[i]
				}
			}
		}
		// Radii: fixed ones and radii exactly equal to some point's distance.
		radii := []float64{0, 500, 5000, 50000, 300000}
		for j := 0; j < 3; j++ {
			if k := rng.IntN(len(pts)); !math.IsNaN(all[k]) {
				radii = append(radii, all[k])
			}
		}
		for _, r := range radii {
			want := map[int]float64{}
			for i, d := range all {
				if d <= r {
					want[i] = d
				}
			}
			got := map[int]float64{}
			ix.Within(p, r, func(i int, d float64) bool {
				if _, dup := got[i]; dup {
					t.Errorf("query %d %v r=%v: index %d reported twice", qi, p, r, i)
				}
				got[i] = d
				return true
			})
			if len(got) != len(want) {
				t.Fatalf("query %d %v r=%v: Within found %d points, brute force %d", qi, p, r, len(got), len(want))
			}
			for i, d := range want {
				if gd, ok := got[i]; !ok || gd != d {
					t.Fatalf("query %d %v r=%v: point %d (dist %v) got %v, %v", qi, p, r, i, d, gd, ok)
				}
			}
			if any := ix.AnyWithin(p, r); any != (len(want) > 0) {
				t.Fatalf("query %d %v r=%v: AnyWithin = %v, brute force found %d", qi, p, r, any, len(want))
			}
			if any := wk.AnyWithin(&pq, r); any != (len(want) > 0) {
				t.Fatalf("query %d %v r=%v: Walker.AnyWithin = %v, brute force found %d", qi, p, r, any, len(want))
			}
			if len(want) > 0 {
				nonEmpty++
			}
		}
		for _, maxM := range []float64{0, 1000, 20000, radii[len(radii)-1]} {
			wi, ws, wok := best, bestS, best >= 0
			if maxM > 0 && bestS > maxM {
				wi, ws, wok = 0, 0, false
			}
			gi, gs, gok := ix.Nearest(p, maxM)
			if gi != wi || gs != ws || gok != wok {
				t.Fatalf("query %d %v maxM=%v: Nearest = %d, %v, %v; brute force %d, %v, %v", qi, p, maxM, gi, gs, gok, wi, ws, wok)
			}
			if gi, gs, gok := wk.Nearest(&pq, maxM); gi != wi || gs != ws || gok != wok {
				t.Fatalf("query %d %v maxM=%v: Walker.Nearest = %d, %v, %v; brute force %d, %v, %v", qi, p, maxM, gi, gs, gok, wi, ws, wok)
			}
		}
	}
	t.Logf("%d queries, %d non-empty radius checks", len(queries), nonEmpty)
}

func TestPointIndexAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	for _, set := range pointSets() {
		t.Run(set.name, func(t *testing.T) {
			ix := NewPointIndex(set.pts)
			if ix.Len() != len(set.pts) {
				t.Fatalf("Len = %d, want %d", ix.Len(), len(set.pts))
			}
			queries := append(slices.Clone(set.queries), splitQueries(ix, rng, 60)...)
			checkAgainstBruteForce(t, ix, set.pts, queries, rng)
		})
	}
	t.Run("coherent walk", func(t *testing.T) {
		// Queries a few hundred metres apart, one after the other, as villages in code order:
		// the Walker's last answer usually settles or bounds the next query.
		hubei := orb.Bound{Min: orb.Point{112, 30}, Max: orb.Point{112.3, 30.3}}
		pts := randomIn(rng, 3000, hubei)
		ix := NewPointIndex(pts)
		q := orb.Point{112.15, 30.15}
		var queries []orb.Point
		for i := 0; i < 150; i++ {
			q = orb.Point{q[0] + rng.NormFloat64()*0.003, q[1] + rng.NormFloat64()*0.003}
			queries = append(queries, q)
		}
		checkAgainstBruteForce(t, ix, pts, queries, rng)
	})
	t.Run("lattice", func(t *testing.T) {
		// Many points share a latitude or a longitude, hence ECEF coordinates: equal keys
		// at the splits, and distances tied between lattice neighbours.
		var pts []orb.Point
		for x := 0; x < 40; x++ {
			for y := 0; y < 40; y++ {
				pts = append(pts, orb.Point{113 + 0.01*float64(x), 30 + 0.01*float64(y)})
			}
		}
		ix := NewPointIndex(pts)
		queries := splitQueries(ix, rng, 60)
		for i := 0; i < 40; i++ {
			// Midway between lattice points: ties between neighbours.
			queries = append(queries, orb.Point{113.005 + 0.01*float64(rng.IntN(39)), 30 + 0.01*float64(rng.IntN(40))})
		}
		checkAgainstBruteForce(t, ix, pts, queries, rng)
	})
}

func TestPointIndexEarlyStop(t *testing.T) {
	pts := randomIn(rand.New(rand.NewPCG(1, 1)), 500, orb.Bound{Min: orb.Point{114, 30}, Max: orb.Point{114.1, 30.1}})
	ix := NewPointIndex(pts)
	calls := 0
	ix.Within(orb.Point{114.05, 30.05}, 1e5, func(int, float64) bool { calls++; return calls < 3 })
	if calls != 3 {
		t.Errorf("Within kept calling after fn returned false: %d calls, want 3", calls)
	}
}

func TestPointIndexDegenerate(t *testing.T) {
	p := orb.Point{114.3, 30.6}
	tests := []struct {
		name string
		pts  []orb.Point
	}{
		{"empty", nil},
		{"only invalid", []orb.Point{{math.NaN(), 1}, {0, -91}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix := NewPointIndex(tc.pts)
			if ix.Len() != len(tc.pts) {
				t.Errorf("Len = %d, want %d", ix.Len(), len(tc.pts))
			}
			if _, _, ok := ix.Nearest(p, 0); ok {
				t.Error("Nearest on an index without valid points returned ok")
			}
			if ix.AnyWithin(p, 1e7) {
				t.Error("AnyWithin on an index without valid points returned true")
			}
			ix.Within(p, 1e7, func(i int, _ float64) bool { t.Errorf("Within reported %d", i); return true })
		})
	}
	t.Run("single point and duplicates", func(t *testing.T) {
		ix := NewPointIndex([]orb.Point{{114, 30}, {114, 30}, {114, 30}})
		if i, d, ok := ix.Nearest(orb.Point{115, 31}, 0); !ok || i != 0 || d != DistanceM(orb.Point{115, 31}, orb.Point{114, 30}) {
			t.Errorf("Nearest = %d, %v, %v; want 0 (lowest index of the tie)", i, d, ok)
		}
	})
	t.Run("invalid query", func(t *testing.T) {
		ix := NewPointIndex([]orb.Point{{114, 30}})
		if _, _, ok := ix.Nearest(orb.Point{math.NaN(), 30}, 0); ok {
			t.Error("Nearest(NaN) returned ok")
		}
		if ix.AnyWithin(orb.Point{114, 30}, math.NaN()) || ix.AnyWithin(orb.Point{114, 30}, -1) {
			t.Error("AnyWithin with a NaN or negative radius returned true")
		}
	})
}

func TestPointIndexConcurrentReaders(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 34))
	b := orb.Bound{Min: orb.Point{108, 29}, Max: orb.Point{116, 33}}
	ix := NewPointIndex(randomIn(rng, 5000, b))
	qs := randomIn(rng, 400, b)
	want := make([]int, len(qs))
	for i, q := range qs {
		want[i], _, _ = ix.Nearest(q, 0)
	}
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		go func() {
			msg := ""
			for i, q := range qs {
				if got, _, _ := ix.Nearest(q, 0); got != want[i] && msg == "" {
					msg = "concurrent Nearest disagreed with the sequential one"
				}
				ix.AnyWithin(q, 3000)
			}
			errs <- msg
		}()
	}
	for g := 0; g < 4; g++ {
		if msg := <-errs; msg != "" {
			t.Error(msg)
		}
	}
}

func TestChordBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(77, 78))
	worst := 0.0 // largest (upper − s)/s seen, to show the band is narrow
	for i := 0; i < 50000; i++ {
		a, b := randomPair(rng, 90)
		if i%5 == 0 {
			b = orb.Point{rng.Float64()*360 - 180, rng.Float64()*180 - 90} // anywhere
		}
		qa, qb := toECEF(a), toECEF(b)
		c := chord(&qa, &qb)
		s := DistanceM(a, b)
		lo, hi := lowerFromChord(c), upperFromChord(c)
		if lo > s || hi < s {
			t.Fatalf("%v–%v: DistanceM %.9f outside chord bounds [%.9f, %.9f] (chord %.9f)", a, b, s, lo, hi, c)
		}
		if !math.IsInf(hi, 1) && s > 1000 {
			worst = math.Max(worst, (hi-s)/s)
		}
	}
	t.Logf("worst relative width of the upper bound above 1 km: %.3g", worst)
}

// TestUpperFromChordSeries checks that the series form of the curvature bound agrees with the
// closed form it replaces (2ρ·asin(c/2ρ)) to rounding, far inside the bound's 1 µm slack.
func TestUpperFromChordSeries(t *testing.T) {
	for i := 0; i <= 100_000; i++ {
		c := chordSeriesMax * float64(i) / 100_000
		closed := 2*rMin*math.Asin(c/(2*rMin))*(1+boundSlackRel) + boundSlackAbs
		got := upperFromChord(c)
		x := c * c / (rMin * rMin)
		if tol := 1e-12 + 1e-14*c; got < closed-tol || got > closed+tol+1e-3*c*x*x*x {
			t.Fatalf("chord %.3f m: series bound %.15g, closed form %.15g", c, got, closed)
		}
	}
}
