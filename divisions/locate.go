package divisions

import (
	"fmt"
	"sort"

	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
)

// Locator answers which divisions contain a point. Counties and townships are found by their
// boundaries; the village is the nearest village point within the township. Statistical
// county-level units have no boundary, so points on their land resolve to the host county.
type Locator struct {
	tree      *Tree
	counties  []*Division
	countyIx  *geo.PolygonIndex
	townships []*Division
	townIx    *geo.PolygonIndex
}

// NewLocator indexes the county and township boundaries of t.
func NewLocator(t *Tree) *Locator {
	l := &Locator{tree: t}
	var cp, tp []orb.MultiPolygon
	for _, d := range t.All() {
		if len(d.Boundary) == 0 {
			continue
		}
		switch d.Level {
		case County:
			l.counties = append(l.counties, d)
			cp = append(cp, d.Boundary)
		case Township:
			l.townships = append(l.townships, d)
			tp = append(tp, d.Boundary)
		}
	}
	l.countyIx = geo.NewPolygonIndex(cp)
	l.townIx = geo.NewPolygonIndex(tp)
	return l
}

// Locate returns the chain province → … → village containing p (WGS84), shortest first;
// nil when p lies in no county. The chain stops at the county where no township area contains p.
func (l *Locator) Locate(p orb.Point) []*Division {
	county, town := l.countyTown(p)
	if county == nil {
		return nil
	}
	chain := append(l.tree.Ancestors(county.Code), county)
	if town == nil {
		return chain
	}
	chain = append(chain, town)
	if v := l.NearestVillage(town.Code, p); v != nil {
		chain = append(chain, v)
	}
	return chain
}

// TownshipAt returns the township whose area contains p (WGS84) within the county containing
// it — Locate's township, without the nearest-village search; nil when there is none.
func (l *Locator) TownshipAt(p orb.Point) *Division {
	_, town := l.countyTown(p)
	return town
}

// countyTown finds the county whose boundary contains p (the first in index order) and the
// township of that county whose area contains p; either may be nil.
func (l *Locator) countyTown(p orb.Point) (county, town *Division) {
	cs := l.countyIx.Locate(p)
	if len(cs) == 0 {
		return nil, nil
	}
	county = l.counties[cs[0]]
	for _, i := range l.townIx.Locate(p) {
		if t := l.townships[i]; t.Parent == county.Code {
			return county, t
		}
	}
	return county, nil
}

// NearestVillage returns the village of township whose point is nearest to p (geodesic; ties
// by code), or nil when the township has no village with a point.
func (l *Locator) NearestVillage(township Code, p orb.Point) *Division {
	vs := l.tree.Children(township)
	var best *Division
	bestD := 0.0
	for _, v := range vs {
		if !v.HasSeat {
			continue
		}
		d := geo.DistanceM(p, v.Seat)
		if best == nil || d < bestD {
			best, bestD = v, d
		}
	}
	return best
}

// CountiesAt returns the codes of the counties whose boundary contains p, sorted.
func (l *Locator) CountiesAt(p orb.Point) []Code {
	var out []Code
	for _, i := range l.countyIx.Locate(p) {
		out = append(out, l.counties[i].Code)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// NearDivisionM is how far (geodesic metres) a facility may lie from its division's seat when it
// is not inside the division's county: registries place some sites just across a county line.
const NearDivisionM = 5000

// CheckNear accepts p for a facility registered in division code when p lies inside code's
// county (or, for a code above county level, in any county), or within NearDivisionM of code's
// seat; otherwise the error says where p is and why it was refused.
func (l *Locator) CheckNear(code Code, p orb.Point) error {
	d := l.tree.Get(code)
	if d == nil {
		return fmt.Errorf("no division %s", code)
	}
	var county Code
	for c := code; c != ""; c = c.Parent() {
		if c.Level() == County {
			county = c
		}
	}
	for _, cc := range l.CountiesAt(p) {
		if county == "" || cc == county {
			return nil
		}
	}
	if d.HasSeat && geo.DistanceM(p, d.Seat) <= NearDivisionM {
		return nil
	}
	return fmt.Errorf("point %.6f, %.6f lies neither in the county of %s %s nor within %d m of its seat (check the coordinates and the CRS)",
		p[0], p[1], code, d.Name, NearDivisionM)
}
