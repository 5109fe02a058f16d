package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// accum is a double-double accumulator (GeographicLib's Accumulator): s + t is the sum.
type accum struct{ s, t float64 }

func (a *accum) add(y float64) {
	z, u := sumx(y, a.t)
	a.s, a.t = sumx(z, a.s)
	if a.s == 0 {
		a.s = u
	} else {
		a.t += u
	}
}

// transit counts crossings of the prime meridian (+1 eastwards, −1 westwards) by the edge
// from lon1 to lon2.
func transit(lon1, lon2 float64) int {
	lon12, _ := angDiff(lon1, lon2)
	lon1, lon2 = angNormalize(lon1), angNormalize(lon2)
	switch {
	case lon12 > 0 && (lon1 < 0 && lon2 >= 0 || lon1 > 0 && lon2 == 0):
		return 1
	case lon12 < 0 && lon1 >= 0 && lon2 < 0:
		return -1
	}
	return 0
}

// ringAreaPerimeter returns the signed geodesic area (m², counter-clockwise positive, in
// (−A/2, A/2] with A the ellipsoid's area) and the perimeter (m) of a ring with geodesic
// edges; the ring is closed implicitly. Karney (2013) §6, as PROJ's geod_polygon_compute.
func ringAreaPerimeter(r orb.Ring) (area, perimeter float64) {
	n := len(r)
	if n > 1 && r[0] == r[n-1] {
		n--
	}
	if n < 2 {
		return 0, 0
	}
	var sum, per accum
	crossings := 0
	for i := 0; i < n; i++ {
		p0, p1 := r[i], r[(i+1)%n]
		s12, _, _, S12 := wgs84.inverse(p0[1], p0[0], p1[1], p1[0], true, false)
		per.add(s12)
		sum.add(S12)
		crossings += transit(p0[0], p1[0])
	}
	area0 := 4 * math.Pi * wgs84.c2
	sum.s = math.Remainder(sum.s, area0)
	sum.add(0)
	if crossings&1 != 0 {
		if sum.s < 0 {
			sum.add(area0 / 2)
		} else {
			sum.add(-area0 / 2)
		}
	}
	// The sum is clockwise-positive; turn it counter-clockwise-positive.
	sum.s, sum.t = -sum.s, -sum.t
	if sum.s > area0/2 {
		sum.add(-area0)
	} else if sum.s <= -area0/2 {
		sum.add(area0)
	}
	return 0 + sum.s, per.s
}

// AreaM2 returns the geodesic area of p on WGS84 in square metres: |outer ring| minus the
// |holes|, whatever their winding; edges are geodesics (as pyproj's geometry_area_perimeter).
// Holes are assumed to lie inside the shell (see Validate). An empty polygon has area 0.
func AreaM2(p orb.Polygon) float64 {
	var a accum
	for i, r := range p {
		ra, _ := ringAreaPerimeter(r)
		if i == 0 {
			a.add(math.Abs(ra))
		} else {
			a.add(-math.Abs(ra))
		}
	}
	return a.s
}

// MultiAreaM2 returns the sum of AreaM2 over the polygons of mp, in square metres
// (overlaps between polygons are counted twice).
func MultiAreaM2(mp orb.MultiPolygon) float64 {
	var a accum
	for _, p := range mp {
		a.add(AreaM2(p))
	}
	return a.s
}

// PerimeterM returns the geodesic length of p's outer ring in metres (holes not included);
// 0 for an empty polygon.
func PerimeterM(p orb.Polygon) float64 {
	if len(p) == 0 {
		return 0
	}
	_, per := ringAreaPerimeter(p[0])
	return per
}
