package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// TestShortLineAgainstKarney compares shortLineM with Karney's solution (itself checked against
// pyproj in TestDistanceMAgainstPyproj) on random lines up to the chord limit: everywhere on the
// globe, near the poles and across the antimeridian, and lines of a few metres.
func TestShortLineAgainstKarney(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 2026))
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	const tol = 2e-8 // metres
	var worst, worstS float64
	var worstA, worstB orb.Point
	checked := 0
	for i := 0; i < n; i++ {
		var a orb.Point
		switch i % 5 {
		case 0: // anywhere (uniform on the sphere)
			a = orb.Point{rng.Float64()*360 - 180, math.Asin(2*rng.Float64()-1) / degree}
		case 1: // China
			a = orb.Point{73 + rng.Float64()*62, 18 + rng.Float64()*36}
		case 2: // polar caps
			a = orb.Point{rng.Float64()*360 - 180, math.Copysign(89+rng.Float64(), rng.Float64()-0.5)}
		case 3: // antimeridian
			a = orb.Point{math.Copysign(179.95+rng.Float64()*0.05, rng.Float64()-0.5), rng.Float64()*160 - 80}
		default: // equator
			a = orb.Point{rng.Float64()*360 - 180, rng.NormFloat64() * 0.05}
		}
		scale := math.Pow(10, -5+rng.Float64()*4) // 1e-5° … 0.1°: about a metre to 11 km
		b := orb.Point{a[0] + rng.NormFloat64()*scale/math.Max(0.01, math.Cos(a[1]*degree)), a[1] + rng.NormFloat64()*scale}
		if b[1] > 90 || b[1] < -90 {
			continue
		}
		if b[0] > 180 {
			b[0] -= 360
		} else if b[0] < -180 {
			b[0] += 360
		}
		qa, qb := toECEF(a), toECEF(b)
		c := chord(&qa, &qb)
		if c > shortLineMaxChord {
			continue
		}
		checked++
		want, _, _, _ := wgs84.inverse(a[1], a[0], b[1], b[0], false, false)
		got := shortLineM(&qa, &qb, c)
		if d := math.Abs(got - want); d > worst {
			worst, worstS, worstA, worstB = d, want, a, b
		}
		if back := shortLineM(&qb, &qa, chord(&qb, &qa)); back != got {
			t.Fatalf("shortLineM not symmetric at %v–%v: %v and %v", a, b, got, back)
		}
	}
	t.Logf("%d lines; largest difference from Karney %.3g m (line of %.1f m, %v–%v)", checked, worst, worstS, worstA, worstB)
	if checked < n/2 {
		t.Fatalf("only %d of %d lines were short enough: the generator is off", checked, n)
	}
	if worst > tol {
		t.Fatalf("shortLineM differs from Karney by %.3g m > %g m on %v–%v (%.1f m)", worst, tol, worstA, worstB, worstS)
	}
}
