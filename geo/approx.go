package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// ApproxDistanceM returns the equirectangular distance in metres between a and b: the
// local flat-earth distance with the WGS84 meridional and prime-vertical radii of curvature
// at the mean latitude. |ApproxDistanceM − DistanceM| ≤ ApproxErrorM(a, b, d); the
// longitude difference is taken the short way round.
func ApproxDistanceM(a, b orb.Point) float64 {
	dLon := math.Remainder(b[0]-a[0], 360) * degree
	dLat := (b[1] - a[1]) * degree
	sm, cm := math.Sincos((a[1] + b[1]) / 2 * degree)
	w2 := 1 - wgs84.e2*sm*sm
	w := math.Sqrt(w2)
	n := wgsA / w                         // prime vertical radius
	m := wgsA * (1 - wgs84.e2) / (w2 * w) // meridional radius
	return math.Hypot(n*cm*dLon, m*dLat)
}

// Constants of the ApproxDistanceM error bound. approxK is 2× the worst coefficient seen
// in 10⁶ random pairs (≈ 0.046, the theoretical east–west term is 1/24); see
// TestApproxErrorBound.
const (
	approxK       = 0.1
	approxMaxLat  = 85.0 // degrees
	approxMaxTerm = 1e-2 // largest (d/a)²·(1+tan²φ) for which the bound is claimed
)

// ApproxErrorM bounds |ApproxDistanceM(a, b) − DistanceM(a, b)| in metres, given
// d = ApproxDistanceM(a, b): 0.1·d·(d/a)²·(1+tan²φ) + 1e-9·d + 1 µm with φ the larger
// |latitude| and a the equatorial radius (empirical, checked by tests with a 2× margin). It
// is +Inf where no bound is claimed: |φ| > 85° or (d/a)²·(1+tan²φ) > 0.01 (d ≳ 550 km at
// 30°).
func ApproxErrorM(a, b orb.Point, d float64) float64 {
	phi := math.Max(math.Abs(a[1]), math.Abs(b[1]))
	if !(phi <= approxMaxLat) || math.IsNaN(d) {
		return math.Inf(1)
	}
	t := math.Tan(phi * degree)
	term := (d / wgsA) * (d / wgsA) * (1 + t*t)
	if term > approxMaxTerm {
		return math.Inf(1)
	}
	return approxK*d*term + 1e-9*d + 1e-6
}

// WithinM reports whether DistanceM(a, b) ≤ r metres. It decides with ApproxDistanceM and
// ApproxErrorM and calls DistanceM only when the approximation is within its error bound of
// r; dist is then the exact distance, otherwise the approximation.
func WithinM(a, b orb.Point, r float64) (dist float64, ok bool) {
	d := ApproxDistanceM(a, b)
	e := ApproxErrorM(a, b, d)
	switch {
	case d+e <= r:
		return d, true
	case d-e > r:
		return d, false
	}
	s := DistanceM(a, b)
	return s, s <= r
}
