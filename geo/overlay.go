package geo

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
)

// overlayInputs validates each input and converts it; the error names the argument.
func overlayInputs(op string, mps ...orb.MultiPolygon) ([]geom.Geometry, error) {
	gs := make([]geom.Geometry, len(mps))
	for i, mp := range mps {
		if err := Validate(mp); err != nil {
			return nil, fmt.Errorf("geo: %s: input %d: %w", op, i, err)
		}
		gs[i] = ToSF(mp).AsGeometry()
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
	return appendAreal(orb.MultiPolygon{}, g), nil
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
	return appendAreal(orb.MultiPolygon{}, g), nil
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
	return appendAreal(orb.MultiPolygon{}, g), nil
}
