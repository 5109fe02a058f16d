package divisions

import (
	"fmt"
	"math"

	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
)

// This file adapts the geometry primitives the scenarios need. Union, validity and areas
// are meant to come from package geo; until geo exports them these local versions are used.

func snapMP(mp orb.MultiPolygon, deg float64) orb.MultiPolygon {
	if deg <= 0 {
		return mp
	}
	out := make(orb.MultiPolygon, len(mp))
	for i, p := range mp {
		np := make(orb.Polygon, len(p))
		for j, r := range p {
			nr := make(orb.Ring, 0, len(r))
			for _, q := range r {
				s := orb.Point{math.Round(q[0]/deg) * deg, math.Round(q[1]/deg) * deg}
				if len(nr) > 0 && nr[len(nr)-1] == s {
					continue
				}
				nr = append(nr, s)
			}
			np[j] = nr
		}
		out[i] = np
	}
	return out
}

func toSFMulti(mp orb.MultiPolygon) geom.Geometry {
	ps := make([]geom.Polygon, 0, len(mp))
	for _, p := range mp {
		rs := make([]geom.LineString, 0, len(p))
		for _, r := range p {
			if len(r) < 4 {
				continue
			}
			c := make([]float64, 0, 2*len(r))
			for _, q := range r {
				c = append(c, q[0], q[1])
			}
			rs = append(rs, geom.NewLineString(geom.NewSequence(c, geom.DimXY)))
		}
		if len(rs) > 0 {
			ps = append(ps, geom.NewPolygon(rs))
		}
	}
	return geom.NewMultiPolygon(ps).AsGeometry()
}

func fromSF(g geom.Geometry) (orb.MultiPolygon, error) {
	var polys []geom.Polygon
	switch g.Type() {
	case geom.TypePolygon:
		polys = []geom.Polygon{g.MustAsPolygon()}
	case geom.TypeMultiPolygon:
		mp := g.MustAsMultiPolygon()
		for i := 0; i < mp.NumPolygons(); i++ {
			polys = append(polys, mp.PolygonN(i))
		}
	case geom.TypeGeometryCollection:
		gc := g.MustAsGeometryCollection()
		for i := 0; i < gc.NumGeometries(); i++ {
			sub, err := fromSF(gc.GeometryN(i))
			if err == nil {
				for _, p := range sub {
					polys = append(polys, toSFMulti(orb.MultiPolygon{p}).MustAsMultiPolygon().PolygonN(0))
				}
			}
		}
	default:
		if g.IsEmpty() {
			return nil, nil
		}
		return nil, fmt.Errorf("union gave a %s, want polygons", g.Type())
	}
	var out orb.MultiPolygon
	for _, p := range polys {
		var op orb.Polygon
		for _, ls := range p.DumpRings() {
			seq := ls.Coordinates()
			r := make(orb.Ring, seq.Length())
			for k := 0; k < seq.Length(); k++ {
				xy := seq.GetXY(k)
				r[k] = orb.Point{xy.X, xy.Y}
			}
			op = append(op, r)
		}
		out = append(out, op)
	}
	return out, nil
}

// unionMP snaps the parts to the grid, unions them and drops slivers: polygons and holes
// smaller than opt.SliverM2.
func unionMP(mps []orb.MultiPolygon, opt UnionOptions) (orb.MultiPolygon, error) {
	gs := make([]geom.Geometry, 0, len(mps))
	for i, mp := range mps {
		g := toSFMulti(snapMP(mp, opt.SnapDeg))
		if err := g.Validate(); err != nil {
			// Snapping can make a thin part self-touch; a zero buffer-free fix is to union it alone.
			fixed, ferr := geom.UnaryUnion(g)
			if ferr != nil {
				return nil, fmt.Errorf("part %d: %v", i+1, err)
			}
			g = fixed
		}
		gs = append(gs, g)
	}
	u, err := geom.UnionMany(gs)
	if err != nil {
		return nil, err
	}
	out, err := fromSF(u)
	if err != nil {
		return nil, err
	}
	var kept orb.MultiPolygon
	for _, p := range out {
		if ringAreaM2(p[0]) < opt.SliverM2 {
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

func validMP(mp orb.MultiPolygon) error { return toSFMulti(mp).Validate() }

// wgs84 authalic radius (m): the sphere with the ellipsoid's surface area.
const authalicR = 6371007.181

// ringAreaM2 is the area of a ring on the authalic sphere after mapping latitudes to
// authalic latitudes (Lambert cylindrical equal-area on the ellipsoid), in m².
func ringAreaM2(r orb.Ring) float64 {
	var s float64
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		s += (b[0] - a[0]) * math.Pi / 180 * (authalicSin(a[1]) + authalicSin(b[1])) / 2
	}
	return math.Abs(s) * authalicR * authalicR
}

// authalicSin is sin of the authalic latitude for geodetic latitude lat (degrees), WGS84.
func authalicSin(lat float64) float64 {
	const e2 = 0.00669437999014
	e := math.Sqrt(e2)
	sp := math.Sin(lat * math.Pi / 180)
	q := (1 - e2) * (sp/(1-e2*sp*sp) - 1/(2*e)*math.Log((1-e*sp)/(1+e*sp)))
	qp := (1 - e2) * (1/(1-e2) - 1/(2*e)*math.Log((1-e)/(1+e)))
	return q / qp
}

func polygonAreaM2(p orb.Polygon) float64 {
	if len(p) == 0 {
		return 0
	}
	a := ringAreaM2(p[0])
	for _, h := range p[1:] {
		a -= ringAreaM2(h)
	}
	return a
}

func multiAreaM2(mp orb.MultiPolygon) float64 {
	var a float64
	for _, p := range mp {
		a += polygonAreaM2(p)
	}
	return a
}

func polygonPerimeterM(p orb.Polygon) float64 {
	var m float64
	for _, r := range p {
		for i := 0; i+1 < len(r); i++ {
			m += geo.DistanceM(r[i], r[i+1])
		}
	}
	return m
}

// containsMP reports whether p lies in mp (boundary counts as inside).
func containsMP(mp orb.MultiPolygon, p orb.Point) bool {
	for _, poly := range mp {
		if len(poly) == 0 || !ringContains(poly[0], p) {
			continue
		}
		inHole := false
		for _, h := range poly[1:] {
			if ringContains(h, p) {
				inHole = true
				break
			}
		}
		if !inHole {
			return true
		}
	}
	return false
}
