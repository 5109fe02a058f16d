package geo

import (
	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
)

// ToSF converts mp to a simplefeatures MultiPolygon, the one conversion every package uses.
// Open rings are closed (the first vertex repeated); polygons with no rings are dropped;
// nothing is validated (see Validate). nil or empty gives an empty MultiPolygon.
func ToSF(mp orb.MultiPolygon) geom.MultiPolygon {
	polys := make([]geom.Polygon, 0, len(mp))
	for _, p := range mp {
		if len(p) > 0 {
			polys = append(polys, toSFPolygon(p))
		}
	}
	return geom.NewMultiPolygon(polys)
}

// FromSF returns the polygonal parts of g (a Polygon, MultiPolygon or GeometryCollection, in
// order) as a multipolygon, the inverse of ToSF. Points, lines and empty polygons are dropped,
// so the areal result of an overlay comes back whole; no areal part gives nil.
func FromSF(g geom.Geometry) orb.MultiPolygon { return appendAreal(nil, g) }

// toSFRing converts a ring, closing it if it is open.
func toSFRing(r orb.Ring) geom.LineString {
	n := len(r)
	closeIt := n > 0 && r[0] != r[n-1]
	coords := make([]float64, 0, 2*n+2)
	for _, p := range r {
		coords = append(coords, p[0], p[1])
	}
	if closeIt {
		coords = append(coords, r[0][0], r[0][1])
	}
	return geom.NewLineString(geom.NewSequence(coords, geom.DimXY))
}

func toSFPolygon(p orb.Polygon) geom.Polygon {
	rings := make([]geom.LineString, 0, len(p))
	for _, r := range p {
		rings = append(rings, toSFRing(r))
	}
	return geom.NewPolygon(rings)
}

func fromSFRing(ls geom.LineString) orb.Ring {
	seq := ls.Coordinates()
	r := make(orb.Ring, seq.Length())
	for i := range r {
		xy := seq.GetXY(i)
		r[i] = orb.Point{xy.X, xy.Y}
	}
	return r
}

func fromSFPolygon(p geom.Polygon) orb.Polygon {
	if p.IsEmpty() {
		return nil
	}
	out := orb.Polygon{fromSFRing(p.ExteriorRing())}
	for i := 0; i < p.NumInteriorRings(); i++ {
		out = append(out, fromSFRing(p.InteriorRingN(i)))
	}
	return out
}

// appendAreal appends the polygonal parts of g to out.
func appendAreal(out orb.MultiPolygon, g geom.Geometry) orb.MultiPolygon {
	switch g.Type() {
	case geom.TypePolygon:
		if p := fromSFPolygon(g.MustAsPolygon()); p != nil {
			out = append(out, p)
		}
	case geom.TypeMultiPolygon:
		m := g.MustAsMultiPolygon()
		for i := 0; i < m.NumPolygons(); i++ {
			if p := fromSFPolygon(m.PolygonN(i)); p != nil {
				out = append(out, p)
			}
		}
	case geom.TypeGeometryCollection:
		c := g.MustAsGeometryCollection()
		for i := 0; i < c.NumGeometries(); i++ {
			out = appendAreal(out, c.GeometryN(i))
		}
	}
	return out
}
