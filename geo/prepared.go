package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// pedge is one polygon edge from a to b, with the polygon and ring it belongs to.
type pedge struct {
	ax, ay, bx, by float64
	poly, ring     int32
}

// PreparedPolygon answers point-in-polygon queries for a multipolygon in planar lon/lat
// coordinates (edges are straight in degrees, as in orb/planar). Its edges are bucketed into
// horizontal bands so a query only looks at the edges crossing its latitude. Immutable after
// Prepare and safe for concurrent readers.
type PreparedPolygon struct {
	bound  orb.Bound
	empty  bool
	y0, dy float64 // band b covers [y0 + b·dy, y0 + (b+1)·dy]
	start  []int32 // band b holds edges[band[start[b]:start[b+1]]]
	band   []int32
	edges  []pedge
}

// Prepare indexes mp's edges. Rings may be closed (first point repeated) or not; rings with
// fewer than 2 points contribute nothing.
func Prepare(mp orb.MultiPolygon) *PreparedPolygon {
	pp := &PreparedPolygon{empty: true}
	for pi, poly := range mp {
		for ri, ring := range poly {
			n := len(ring)
			if n > 1 && ring[0] == ring[n-1] {
				n--
			}
			if n < 2 {
				continue
			}
			for i := 0; i < n; i++ {
				a, b := ring[i], ring[(i+1)%n]
				pp.edges = append(pp.edges, pedge{a[0], a[1], b[0], b[1], int32(pi), int32(ri)})
				if pp.empty {
					pp.bound, pp.empty = orb.Bound{Min: a, Max: a}, false
				}
				pp.bound = pp.bound.Extend(a)
			}
		}
	}
	nb := 1
	if len(pp.edges) > 8 {
		nb = min(len(pp.edges)/2, 1<<16)
	}
	pp.y0 = pp.bound.Min[1]
	pp.dy = math.Max((pp.bound.Max[1]-pp.bound.Min[1])/float64(nb), 1e-300)
	pp.start = make([]int32, nb+1)
	bandRange := func(e *pedge) (int, int) {
		return pp.bandOf(math.Min(e.ay, e.by), nb), pp.bandOf(math.Max(e.ay, e.by), nb)
	}
	for i := range pp.edges {
		lo, hi := bandRange(&pp.edges[i])
		for b := lo; b <= hi; b++ {
			pp.start[b+1]++
		}
	}
	for b := 0; b < nb; b++ {
		pp.start[b+1] += pp.start[b]
	}
	pp.band = make([]int32, pp.start[nb])
	fill := slices.Clone(pp.start[:nb])
	for i := range pp.edges {
		lo, hi := bandRange(&pp.edges[i])
		for b := lo; b <= hi; b++ {
			pp.band[fill[b]] = int32(i)
			fill[b]++
		}
	}
	return pp
}

// bandOf returns the band holding latitude y, clamped to [0, nb−1].
func (pp *PreparedPolygon) bandOf(y float64, nb int) int {
	b := int(math.Floor((y - pp.y0) / pp.dy))
	return max(0, min(nb-1, b))
}

// Bound returns the bounding box of the multipolygon's vertices (empty for no vertices).
func (pp *PreparedPolygon) Bound() orb.Bound { return pp.bound }

// Contains reports whether p lies in the multipolygon: inside some polygon's outer ring and
// inside none of its holes. Points on any ring (holes included) count as inside, up to
// floating-point rounding of the edge's line. NaN coordinates are outside.
func (pp *PreparedPolygon) Contains(p orb.Point) bool {
	if pp.empty || !pp.bound.Contains(p) {
		return false
	}
	nb := len(pp.start) - 1
	b := pp.bandOf(p[1], nb)
	ids := pp.band[pp.start[b]:pp.start[b+1]]
	// Edges come grouped by polygon, then ring. Per ring, count crossings of the ray from p
	// towards +x (half-open in y, so a vertex on the ray counts once).
	curPoly, curRing := int32(-1), int32(-1)
	parity, shellIn, holeIn := false, false, false
	flush := func() {
		if curRing == 0 {
			shellIn = parity
		} else if parity {
			holeIn = true
		}
	}
	for _, id := range ids {
		e := &pp.edges[id]
		if e.poly != curPoly || e.ring != curRing {
			flush()
			if e.poly != curPoly {
				if shellIn && !holeIn {
					return true
				}
				shellIn, holeIn = false, false
				curPoly = e.poly
			}
			curRing, parity = e.ring, false
		}
		ylo, yhi := e.ay, e.by
		if ylo > yhi {
			ylo, yhi = yhi, ylo
		}
		if p[1] < ylo || p[1] > yhi {
			continue
		}
		cross := (e.bx-e.ax)*(p[1]-e.ay) - (p[0]-e.ax)*(e.by-e.ay)
		if cross == 0 && p[0] >= math.Min(e.ax, e.bx) && p[0] <= math.Max(e.ax, e.bx) {
			return true // on the edge
		}
		if (e.ay > p[1]) != (e.by > p[1]) {
			// The edge straddles the ray's line; it crosses the ray when p is on its left
			// going up, or on its right going down.
			if (cross > 0) == (e.by > e.ay) {
				parity = !parity
			}
		}
	}
	flush()
	return shellIn && !holeIn
}

// PolygonIndex finds which of many multipolygons contain a point: an R-tree over their
// bounding boxes, then the prepared polygons. Immutable after NewPolygonIndex and safe for
// concurrent readers.
type PolygonIndex struct {
	tree  rtree.RTreeG[int]
	polys []*PreparedPolygon
}

// NewPolygonIndex prepares every multipolygon; Locate reports them by their index in polys.
func NewPolygonIndex(polys []orb.MultiPolygon) *PolygonIndex {
	ix := &PolygonIndex{polys: make([]*PreparedPolygon, len(polys))}
	for i, mp := range polys {
		pp := Prepare(mp)
		ix.polys[i] = pp
		if !pp.empty {
			ix.tree.Insert(pp.bound.Min, pp.bound.Max, i)
		}
	}
	return ix
}

// Len returns the number of multipolygons given to NewPolygonIndex.
func (ix *PolygonIndex) Len() int { return len(ix.polys) }

// Polygon returns the prepared form of multipolygon i.
func (ix *PolygonIndex) Polygon(i int) *PreparedPolygon { return ix.polys[i] }

// Locate returns the indices, ascending, of the multipolygons containing p (boundary
// included); nil when none does.
func (ix *PolygonIndex) Locate(p orb.Point) []int {
	var out []int
	ix.tree.Search(p, p, func(_, _ [2]float64, i int) bool {
		if ix.polys[i].Contains(p) {
			out = append(out, i)
		}
		return true
	})
	slices.Sort(out)
	return out
}
