package divisions

import (
	"fmt"
	"math"

	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
)

// This file adapts package geo's primitives to the scenarios: geodesic areas and lengths
// (Karney, WGS84), validity, prepared point-in-polygon and the planar union — with the
// snapping and sliver removal the derived township boundaries need.

// snapMP rounds every vertex to a grid of deg degrees and drops the repeated vertices this
// makes, so that neighbours whose shared edges differ by rounding meet exactly.
func snapMP(mp orb.MultiPolygon, deg float64) orb.MultiPolygon {
	if deg <= 0 {
		return mp
	}
	out := make(orb.MultiPolygon, 0, len(mp))
	for _, p := range mp {
		np := make(orb.Polygon, 0, len(p))
		for _, r := range p {
			nr := make(orb.Ring, 0, len(r))
			for _, q := range r {
				s := orb.Point{math.Round(q[0]/deg) * deg, math.Round(q[1]/deg) * deg}
				if len(nr) > 0 && nr[len(nr)-1] == s {
					continue
				}
				nr = append(nr, s)
			}
			if len(nr) >= 4 {
				np = append(np, nr)
			}
		}
		if len(np) > 0 {
			out = append(out, np)
		}
	}
	return out
}

// unionMP snaps the parts to the grid, unions them (geo.Union) and drops slivers: polygons
// and holes smaller than opt.SliverM2. A part that snapping made invalid is used unsnapped.
func unionMP(mps []orb.MultiPolygon, opt UnionOptions) (orb.MultiPolygon, error) {
	in := make([]orb.MultiPolygon, len(mps))
	for i, mp := range mps {
		in[i] = snapMP(mp, opt.SnapDeg)
	}
	u, err := geo.Union(in...)
	if err != nil {
		// Snapping can make a thin part self-touch: fall back to the parts as they are.
		if u, err = geo.Union(mps...); err != nil {
			return nil, fmt.Errorf("union of %d parts: %w", len(mps), err)
		}
	}
	var kept orb.MultiPolygon
	for _, p := range u {
		if len(p) == 0 || ringAreaM2(p[0]) < opt.SliverM2 {
			continue
		}
		np := orb.Polygon{p[0]}
		for _, h := range p[1:] {
			if ringAreaM2(h) >= opt.SliverM2 {
				np = append(np, h)
			}
		}
		kept = append(kept, np)
	}
	return kept, nil
}

func validMP(mp orb.MultiPolygon) error { return geo.Validate(mp) }

func intersectMP(a, b orb.MultiPolygon) (orb.MultiPolygon, error) { return geo.Intersection(a, b) }

// ringAreaM2 is the geodesic area enclosed by one ring, m².
func ringAreaM2(r orb.Ring) float64 { return geo.AreaM2(orb.Polygon{r}) }

func multiAreaM2(mp orb.MultiPolygon) float64 { return geo.MultiAreaM2(mp) }

// polygonPerimeterM is the geodesic length of every ring of p (outer and holes), m.
func polygonPerimeterM(p orb.Polygon) float64 {
	var m float64
	for _, r := range p {
		m += geo.PerimeterM(orb.Polygon{r})
	}
	return m
}

// containsMP reports whether p lies in mp (geo.Prepare(mp).Contains).
func containsMP(mp orb.MultiPolygon, p orb.Point) bool { return geo.Prepare(mp).Contains(p) }
