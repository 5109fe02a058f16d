package hubeibuild

import (
	"fmt"
	"math"

	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
)

// roundPt rounds a point to 1e-6° (≈ 0.1 m), the precision of the embedded dataset.
func roundPt(p orb.Point) orb.Point {
	return orb.Point{math.Round(p[0]*1e6) / 1e6, math.Round(p[1]*1e6) / 1e6}
}

// polySF converts one non-empty polygon with geo.ToSF.
func polySF(p orb.Polygon) geom.Polygon { return geo.ToSF(orb.MultiPolygon{p}).PolygonN(0) }

// validate checks mp with geo.Validate (OGC rules through simplefeatures, plus finite
// coordinates, closed rings and no spikes).
func validate(mp orb.MultiPolygon) error {
	return geo.Validate(mp)
}

// orient makes exteriors counter-clockwise and holes clockwise (RFC 7946).
func orient(mp orb.MultiPolygon) orb.MultiPolygon {
	for _, p := range mp {
		for j, r := range p {
			ccw := r.Orientation() == orb.CCW
			if (j == 0) != ccw {
				r.Reverse()
			}
		}
	}
	return mp
}

// roundMP rounds every vertex to 1e-6°, dropping repeated vertices; it reports an error when
// the rounded geometry is no longer valid (the caller then keeps the unrounded one).
func roundMP(mp orb.MultiPolygon) (orb.MultiPolygon, error) {
	out := make(orb.MultiPolygon, 0, len(mp))
	for _, p := range mp {
		var q orb.Polygon
		for j, r := range p {
			rr := make(orb.Ring, 0, len(r))
			for _, pt := range r {
				pt = roundPt(pt)
				if len(rr) > 0 && rr[len(rr)-1] == pt {
					continue
				}
				rr = append(rr, pt)
			}
			if len(rr) > 1 && rr[0] != rr[len(rr)-1] {
				rr = append(rr, rr[0])
			}
			if len(rr) < 4 {
				if j == 0 {
					return nil, fmt.Errorf("an exterior ring collapses when rounded")
				}
				continue
			}
			q = append(q, rr)
		}
		out = append(out, q)
	}
	if err := validate(out); err != nil {
		return nil, err
	}
	return orient(out), nil
}

// contains reports whether p lies inside mp (planar even-odd rule over all rings, lon/lat
// degrees; points exactly on an edge may go either way).
func contains(mp orb.MultiPolygon, p orb.Point) bool {
	in := false
	x, y := p[0], p[1]
	for _, poly := range mp {
		for _, r := range poly {
			for k := 0; k+1 < len(r); k++ {
				a, b := r[k], r[k+1]
				if (a[1] > y) != (b[1] > y) && x < a[0]+(y-a[1])*(b[0]-a[0])/(b[1]-a[1]) {
					in = !in
				}
			}
		}
	}
	return in
}

// unionAll unions polygons with simplefeatures.
func unionAll(mps []orb.MultiPolygon) (orb.MultiPolygon, error) {
	gs := make([]geom.Geometry, len(mps))
	for i, mp := range mps {
		gs[i] = geo.ToSF(mp).AsGeometry()
	}
	u, err := geom.UnionMany(gs)
	if err != nil {
		return nil, err
	}
	return geo.FromSF(u), nil
}

// interiorPoint returns a point inside p (simplefeatures PointOnSurface).
func interiorPoint(p orb.Polygon) orb.Point {
	pt := polySF(p).PointOnSurface()
	xy, ok := pt.XY()
	if !ok {
		return p[0][0]
	}
	return orb.Point{xy.X, xy.Y}
}
