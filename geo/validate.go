package geo

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
)

// ValidationError says which validity rule a multipolygon breaks and where, so a user
// interface can point at the offending vertex. Validity is planar in lon/lat (OGC simple
// features rules, as PostGIS ST_IsValid).
type ValidationError struct {
	Polygon int       // index of the polygon in the multipolygon
	Ring    int       // ring within Polygon (0 the outer ring), −1 when the rule concerns the whole polygon
	Vertex  int       // vertex of Ring (index as given) where the fault starts, else −1
	Other   int       // the other polygon for rules between two polygons, else −1
	Rule    string    // what is wrong, e.g. "self-intersects"
	At      orb.Point // where, when HasAt
	HasAt   bool
}

func formatCoord(x float64) string {
	return strconv.FormatFloat(math.Round(x*1e7)/1e7, 'f', -1, 64)
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	switch {
	case e.Other >= 0:
		fmt.Fprintf(&b, "polygons %d and %d %s", e.Polygon, e.Other, e.Rule)
	case e.Ring >= 0:
		fmt.Fprintf(&b, "ring %d of polygon %d %s", e.Ring, e.Polygon, e.Rule)
	default:
		fmt.Fprintf(&b, "polygon %d: %s", e.Polygon, e.Rule)
	}
	if e.HasAt {
		fmt.Fprintf(&b, " at %s, %s", formatCoord(e.At[0]), formatCoord(e.At[1]))
	}
	if e.Vertex >= 0 {
		fmt.Fprintf(&b, " (vertex %d)", e.Vertex)
	}
	return b.String()
}

// Validate checks that mp is a valid multipolygon and returns a *ValidationError naming the
// first broken rule and its location (polygon, ring and vertex index where a rule concerns one
// ring, and the lon/lat of the fault), or nil; it is the one polygon validator of civplan. Rules, in the order checked: finite
// coordinates; closed rings; at least 3 distinct vertices per ring; rings that do not
// self-intersect (including spikes that double back); then, through simplefeatures, rings of a
// polygon meeting at most at single points, holes inside their shell and not nested,
// connected interiors; and polygons whose interiors do not overlap and whose boundaries
// touch only at points. An empty multipolygon is valid.
func Validate(mp orb.MultiPolygon) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("geo: validate: internal error: %v", r)
		}
	}()
	for pi, poly := range mp {
		for ri, ring := range poly {
			if e := validateRingShape(ring); e != nil {
				e.Polygon, e.Ring, e.Other = pi, ri, -1
				return e
			}
		}
	}
	sfPolys := make([]geom.Polygon, len(mp))
	for pi, poly := range mp {
		sfPolys[pi] = toSFPolygon(poly)
		if e := sfPolys[pi].Validate(); e != nil {
			rule, at, ok := sfViolation(e)
			return &ValidationError{Polygon: pi, Ring: -1, Vertex: -1, Other: -1, Rule: rule, At: at, HasAt: ok}
		}
	}
	// Pairs of polygons whose boxes meet, checked pairwise so the error can name both.
	bounds := make([]orb.Bound, len(mp))
	for i, p := range mp {
		bounds[i] = p.Bound()
	}
	for i := range mp {
		for j := i + 1; j < len(mp); j++ {
			if len(mp[i]) == 0 || len(mp[j]) == 0 || !bounds[i].Intersects(bounds[j]) {
				continue
			}
			pair := geom.NewMultiPolygon([]geom.Polygon{sfPolys[i], sfPolys[j]})
			if e := pair.Validate(); e != nil {
				_, at, ok := sfViolation(e)
				return &ValidationError{Polygon: i, Ring: -1, Vertex: -1, Other: j, Rule: "overlap or touch along a line", At: at, HasAt: ok}
			}
		}
	}
	return nil
}

// sfViolation extracts the rule and location of a simplefeatures validation error; its
// error type is unexported, so the fields are read by reflection with the message as a
// fallback.
func sfViolation(err error) (rule string, at orb.Point, ok bool) {
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
		err = u
	}
	rule = err.Error()
	v := reflect.ValueOf(err)
	if v.Kind() != reflect.Struct {
		return rule, at, false
	}
	rv, hv, lv := v.FieldByName("RuleViolation"), v.FieldByName("HasLocation"), v.FieldByName("Location")
	if rv.IsValid() && rv.Kind() == reflect.String {
		rule = strings.TrimPrefix(rv.String(), "polygon ")
	}
	if hv.IsValid() && hv.Kind() == reflect.Bool && hv.Bool() && lv.IsValid() {
		if xy, isXY := lv.Interface().(geom.XY); isXY {
			return rule, orb.Point{xy.X, xy.Y}, true
		}
	}
	return rule, at, false
}

// validateRingShape checks one ring on its own; Polygon, Ring and Other are filled in by the
// caller.
func validateRingShape(r orb.Ring) *ValidationError {
	for k, p := range r {
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
			return &ValidationError{Rule: "has a non-finite coordinate", Vertex: k}
		}
	}
	if len(r) == 0 {
		return &ValidationError{Rule: "is empty", Vertex: -1}
	}
	if r[0] != r[len(r)-1] {
		last := r[len(r)-1]
		return &ValidationError{Rule: fmt.Sprintf("is not closed (ends at %s, %s)", formatCoord(last[0]), formatCoord(last[1])), At: r[0], HasAt: true, Vertex: -1}
	}
	// Drop repeated consecutive vertices; orig maps the kept ones back to r.
	v := make([]orb.Point, 0, len(r))
	orig := make([]int, 0, len(r))
	for k, p := range r {
		if len(v) == 0 || v[len(v)-1] != p {
			v = append(v, p)
			orig = append(orig, k)
		}
	}
	distinct := len(v) - 1
	if distinct < 3 {
		return &ValidationError{Rule: fmt.Sprintf("has %d distinct vertices, needs at least 3", max(distinct, 1)), At: r[0], HasAt: true, Vertex: -1}
	}
	if at, k, bad := ringSelfIntersection(v); bad {
		return &ValidationError{Rule: "self-intersects", At: at, HasAt: true, Vertex: orig[k]}
	}
	return nil
}

// orient returns the sign of the cross product (b−a)×(c−a): > 0 when c is left of a→b.
func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

// onSegment reports whether c, collinear with a–b, lies within its bounding box.
func onSegment(a, b, c orb.Point) bool {
	return c[0] >= math.Min(a[0], b[0]) && c[0] <= math.Max(a[0], b[0]) &&
		c[1] >= math.Min(a[1], b[1]) && c[1] <= math.Max(a[1], b[1])
}

// faultVertex is the vertex of edges a and b (a < b) that lies at the meeting point at, else a
// (two edges crossing between vertices).
func faultVertex(v []orb.Point, at orb.Point, a, b int) int {
	for _, k := range []int{b, b + 1, a, a + 1} {
		if v[k] == at {
			return k % (len(v) - 1)
		}
	}
	return a
}

// segmentsMeet reports whether segments p1–p2 and q1–q2 share a point, and one such point.
func segmentsMeet(p1, p2, q1, q2 orb.Point) (orb.Point, bool) {
	d1, d2 := orient(q1, q2, p1), orient(q1, q2, p2)
	d3, d4 := orient(p1, p2, q1), orient(p1, p2, q2)
	if (d1 > 0 && d2 < 0 || d1 < 0 && d2 > 0) && (d3 > 0 && d4 < 0 || d3 < 0 && d4 > 0) {
		t := d1 / (d1 - d2)
		return orb.Point{p1[0] + t*(p2[0]-p1[0]), p1[1] + t*(p2[1]-p1[1])}, true
	}
	switch {
	case d1 == 0 && onSegment(q1, q2, p1):
		return p1, true
	case d2 == 0 && onSegment(q1, q2, p2):
		return p2, true
	case d3 == 0 && onSegment(p1, p2, q1):
		return q1, true
	case d4 == 0 && onSegment(p1, p2, q2):
		return q2, true
	}
	return orb.Point{}, false
}

// ringSelfIntersection finds a point where the closed ring v (no repeated consecutive
// vertices, v[0] == v[len−1]) touches or crosses itself other than at the shared vertex of
// consecutive edges, and the vertex where the fault is: the tip of a spike, the vertex that
// touches another edge, else the first vertex of the earlier of two crossing edges. Edges are swept in order of their smallest x.
func ringSelfIntersection(v []orb.Point) (orb.Point, int, bool) {
	m := len(v) - 1 // number of edges; edge k runs v[k]→v[k+1]
	order := make([]int, m)
	for k := range order {
		order[k] = k
	}
	minX := func(k int) float64 { return math.Min(v[k][0], v[k+1][0]) }
	maxX := func(k int) float64 { return math.Max(v[k][0], v[k+1][0]) }
	slices.SortFunc(order, func(a, b int) int {
		switch ax, bx := minX(a), minX(b); {
		case ax < bx:
			return -1
		case ax > bx:
			return 1
		}
		return a - b
	})
	for oi, k := range order {
		kMax := maxX(k)
		for _, l := range order[oi+1:] {
			if minX(l) > kMax {
				break
			}
			a, b := min(k, l), max(k, l)
			adjacent := b == a+1 || a == 0 && b == m-1
			if adjacent {
				// Consecutive edges share one vertex; they are bad only if they double
				// back along each other (a spike).
				var shared, pa, pb orb.Point
				var tip int
				if b == a+1 {
					shared, pa, pb, tip = v[b], v[a], v[b+1], b
				} else {
					shared, pa, pb, tip = v[0], v[1], v[m-1], 0
				}
				if orient(shared, pa, pb) == 0 && (pa[0]-shared[0])*(pb[0]-shared[0])+(pa[1]-shared[1])*(pb[1]-shared[1]) > 0 {
					return shared, tip, true
				}
				continue
			}
			if at, ok := segmentsMeet(v[a], v[a+1], v[b], v[b+1]); ok {
				return at, faultVertex(v, at, a, b), true
			}
		}
	}
	return orb.Point{}, -1, false
}
