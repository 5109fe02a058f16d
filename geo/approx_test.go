package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// randomPair draws a pair at latitudes up to maxLat with a separation from 1 mm to ~10°,
// a third of them due east–west (the worst case of the equirectangular approximation).
func randomPair(rng *rand.Rand, maxLat float64) (orb.Point, orb.Point) {
	a := orb.Point{rng.Float64()*360 - 180, (rng.Float64()*2 - 1) * maxLat}
	dd := math.Pow(10, rng.Float64()*8-8) * 10
	b := orb.Point{a[0] + (rng.Float64()*2-1)*dd, a[1] + (rng.Float64()*2-1)*dd}
	if rng.IntN(3) == 0 {
		b[1] = a[1]
	}
	b[1] = math.Max(-90, math.Min(90, b[1]))
	return a, b
}

func TestApproxErrorBound(t *testing.T) {
	n := 200000
	if testing.Short() {
		n = 20000
	}
	rng := rand.New(rand.NewPCG(7, 11))
	bounded, worst := 0, 0.0
	for i := 0; i < n; i++ {
		a, b := randomPair(rng, 89)
		s := DistanceM(a, b)
		d := ApproxDistanceM(a, b)
		e := ApproxErrorM(a, b, d)
		if math.IsInf(e, 1) {
			continue
		}
		bounded++
		if err := math.Abs(d - s); err > e {
			t.Fatalf("ApproxDistanceM(%v, %v) = %.9f, DistanceM %.9f: error %.3g > bound %.3g", a, b, d, s, err, e)
		} else if r := err / e; r > worst {
			worst = r
		}
	}
	if bounded < n/2 {
		t.Errorf("only %d of %d pairs had a finite bound", bounded, n)
	}
	t.Logf("%d bounded pairs; worst error/bound = %.3f", bounded, worst)
}

func TestApproxErrorMUnbounded(t *testing.T) {
	tests := []struct {
		name string
		a, b orb.Point
	}{
		{"above 85°", orb.Point{0, 86}, orb.Point{0.1, 86}},
		{"too long", orb.Point{100, 30}, orb.Point{110, 40}},
		{"NaN", orb.Point{100, math.NaN()}, orb.Point{110, 40}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if e := ApproxErrorM(tc.a, tc.b, ApproxDistanceM(tc.a, tc.b)); !math.IsInf(e, 1) {
				t.Errorf("ApproxErrorM = %v, want +Inf", e)
			}
		})
	}
}

func TestWithinM(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	exactCalls := 0
	for i := 0; i < 20000; i++ {
		a, b := randomPair(rng, 89)
		s := DistanceM(a, b)
		// Radii around s, exactly s, and far away from it.
		for _, r := range []float64{s, s * (1 + 1e-12), s * (1 - 1e-12), s * 0.9, s * 1.1, s - 0.001, s + 0.001} {
			d, ok := WithinM(a, b, r)
			if ok != (s <= r) {
				t.Fatalf("WithinM(%v, %v, %.9f) ok = %v, DistanceM = %.9f", a, b, r, ok, s)
			}
			if d == s {
				exactCalls++
			} else if math.Abs(d-s) > ApproxErrorM(a, b, d) {
				t.Fatalf("WithinM(%v, %v, %.9f) dist = %.9f, DistanceM = %.9f, beyond the approximation bound", a, b, r, d, s)
			}
		}
	}
	t.Logf("%d of %d answers carried the exact distance", exactCalls, 7*20000)
	t.Run("radius equals distance", func(t *testing.T) {
		a, b := orb.Point{114.3, 30.6}, orb.Point{114.31, 30.61}
		s := DistanceM(a, b)
		if d, ok := WithinM(a, b, s); !ok || d != s {
			t.Errorf("WithinM(r = DistanceM) = %v, %v; want %v, true", d, ok, s)
		}
	})
}
