package geo

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
)

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

func toSFMultiPolygon(mp orb.MultiPolygon) geom.MultiPolygon {
	polys := make([]geom.Polygon, 0, len(mp))
	for _, p := range mp {
		if len(p) > 0 {
			polys = append(polys, toSFPolygon(p))
		}
	}
	return geom.NewMultiPolygon(polys)
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

// fromSFAreal collects the polygonal parts of g; points and lines are dropped.
func fromSFAreal(g geom.Geometry, out orb.MultiPolygon) orb.MultiPolygon {
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
			out = fromSFAreal(c.GeometryN(i), out)
		}
	}
	return out
}

// overlayInputs validates each input and converts it; the error names the argument.
func overlayInputs(op string, mps ...orb.MultiPolygon) ([]geom.Geometry, error) {
	gs := make([]geom.Geometry, len(mps))
	for i, mp := range mps {
		if err := Validate(mp); err != nil {
			return nil, fmt.Errorf("geo: %s: input %d: %w", op, i, err)
		}
		gs[i] = toSFMultiPolygon(mp).AsGeometry()
	}
	return gs, nil
}

// catchPanic turns a panic in simplefeatures into an error.
func catchPanic(op string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("geo: %s: internal error in simplefeatures: %v", op, r)
	}
}

// Union returns the planar (lon/lat) union of the multipolygons through simplefeatures'
// overlay (a port of JTS OverlayNG). Each input must pass Validate, else its
// *ValidationError is returned wrapped with the input's position. No inputs, or only empty
// ones, give an empty result. Errors also come from numerical degeneracy in the overlay.
func Union(polys ...orb.MultiPolygon) (res orb.MultiPolygon, err error) {
	defer catchPanic("union", &err)
	gs, err := overlayInputs("union", polys...)
	if err != nil {
		return nil, err
	}
	if len(gs) == 0 {
		return orb.MultiPolygon{}, nil
	}
	g, err := geom.UnionMany(gs)
	if err != nil {
		return nil, fmt.Errorf("geo: union: %w", err)
	}
	return fromSFAreal(g, orb.MultiPolygon{}), nil
}

// Intersection returns the planar area common to a and b; shared edges or points without
// area are dropped, so polygons that only touch give an empty result. Inputs must pass
// Validate (see Union).
func Intersection(a, b orb.MultiPolygon) (res orb.MultiPolygon, err error) {
	defer catchPanic("intersection", &err)
	gs, err := overlayInputs("intersection", a, b)
	if err != nil {
		return nil, err
	}
	g, err := geom.Intersection(gs[0], gs[1])
	if err != nil {
		return nil, fmt.Errorf("geo: intersection: %w", err)
	}
	return fromSFAreal(g, orb.MultiPolygon{}), nil
}

// Difference returns the planar area of a not covered by b. Inputs must pass Validate (see
// Union).
func Difference(a, b orb.MultiPolygon) (res orb.MultiPolygon, err error) {
	defer catchPanic("difference", &err)
	gs, err := overlayInputs("difference", a, b)
	if err != nil {
		return nil, err
	}
	g, err := geom.Difference(gs[0], gs[1])
	if err != nil {
		return nil, fmt.Errorf("geo: difference: %w", err)
	}
	return fromSFAreal(g, orb.MultiPolygon{}), nil
}
