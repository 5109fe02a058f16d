package divisions

import (
	"fmt"
	"sort"

	"github.com/paulmach/orb"
)

// UnionOptions are the tolerances of boundary unions. Derived township boundaries meet along
// shared edges whose vertices may differ by rounding; snapping first makes those edges
// coincide, and slivers (tiny gaps or overlaps left between neighbours) are dropped.
type UnionOptions struct {
	// SnapDeg is the grid the vertices are snapped to before the union, in degrees
	// (1e-6° ≈ 0.11 m, the precision of the embedded dataset).
	SnapDeg float64 `json:"snap_deg"`
	// SliverM2 is the area below which a gap or overlap is treated as a sliver and dropped
	// (and below which a hole of the union is not reported), in m².
	SliverM2 float64 `json:"sliver_m2"`
}

// DefaultUnionOptions snaps to 1e-6° (≈ 0.1 m, the precision of the embedded dataset) and
// drops gaps, overlaps and pieces below 1,000 m² (a 30 m square): far above rounding noise,
// far below anything a planner would draw (a township covers about 126 km² on average).
func DefaultUnionOptions() UnionOptions { return UnionOptions{SnapDeg: 1e-6, SliverM2: 1000} }

// Blemish is a gap or overlap left by a union: where it is (a representative point, WGS84)
// and how large (m²).
type Blemish struct {
	At      orb.Point `json:"at"`
	AreaM2  float64   `json:"area_m2"`
	Between []Code    `json:"between,omitempty"` // the parts involved, for overlaps
}

// GeometryReport describes a boundary the scenario rebuilt: a merged township (union of its
// parts) or a county whose townships changed (union of its townships). Areas in km², lengths
// in km, geodesic on WGS84. Derived boundaries are approximate and are not legal boundaries.
type GeometryReport struct {
	Code         Code      `json:"code"`
	Name         string    `json:"name"`
	Level        Level     `json:"level"`
	Parts        []Code    `json:"parts"`
	Rebuilt      bool      `json:"rebuilt"` // false when a part has no boundary (the old boundary, if any, is kept)
	Valid        bool      `json:"valid"`
	Pieces       int       `json:"pieces"`     // polygons of the result; 1 = one connected area
	Contiguous   bool      `json:"contiguous"` // Pieces == 1
	AreaKM2      float64   `json:"area_km2"`
	PartsAreaKM2 float64   `json:"parts_area_km2"` // sum of the parts' areas
	PerimeterKM  float64   `json:"perimeter_km"`
	Gaps         []Blemish `json:"gaps,omitempty"`     // holes of the union that no part had, above the sliver size
	Overlaps     []Blemish `json:"overlaps,omitempty"` // pairs of parts that overlap by more than the sliver size
	Problem      string    `json:"problem,omitempty"`
}

// AreaKM2 is the geodesic area of a multipolygon in km² (0 for nil).
func AreaKM2(mp orb.MultiPolygon) float64 { return multiAreaM2(mp) / 1e6 }

// PerimeterKM is the geodesic length of every ring of a multipolygon in km.
func PerimeterKM(mp orb.MultiPolygon) float64 {
	var m float64
	for _, p := range mp {
		m += polygonPerimeterM(p)
	}
	return m / 1000
}

// unionReport unions the parts' boundaries and describes the result. areaOf gives a part's
// area in km² (AreaKM2 of its boundary, possibly memoised); nil = AreaKM2.
func unionReport(code Code, name string, lvl Level, parts []part, opt UnionOptions, areaOf func(part) float64) (orb.MultiPolygon, GeometryReport) {
	if areaOf == nil {
		areaOf = func(p part) float64 { return AreaKM2(p.boundary) }
	}
	r := GeometryReport{Code: code, Name: name, Level: lvl}
	var mps []orb.MultiPolygon
	for _, p := range parts {
		r.Parts = append(r.Parts, p.code)
		if len(p.boundary) == 0 {
			r.Problem = fmt.Sprintf("part %s has no boundary: the union cannot be built", p.code)
			return nil, r
		}
		mps = append(mps, p.boundary)
		r.PartsAreaKM2 += areaOf(p)
	}
	u, err := unionMP(mps, opt)
	if err != nil {
		r.Problem = fmt.Sprintf("union failed: %v", err)
		return nil, r
	}
	r.Rebuilt = true
	r.Valid = validMP(u) == nil
	r.Pieces = len(u)
	r.Contiguous = r.Pieces == 1
	r.AreaKM2 = AreaKM2(u)
	r.PerimeterKM = PerimeterKM(u)
	// Gaps: holes of the union larger than a sliver that lie in no part's own hole.
	for _, poly := range u {
		for _, hole := range poly[1:] {
			a := ringAreaM2(hole)
			if a < opt.SliverM2 {
				continue
			}
			c := ringInterior(hole)
			inPartHole := false
			for _, m := range mps {
				for _, pp := range m {
					for _, h := range pp[1:] {
						if ringContains(h, c) {
							inPartHole = true
						}
					}
				}
			}
			if !inPartHole {
				r.Gaps = append(r.Gaps, Blemish{At: c, AreaM2: a})
			}
		}
	}
	// Overlaps: only when the parts' areas exceed the union's by more than a sliver, look for
	// the pairs whose bounds meet and intersect them (geo.Intersection) to locate each overlap.
	if (r.PartsAreaKM2-r.AreaKM2)*1e6 > opt.SliverM2 {
		for i := 0; i < len(mps); i++ {
			for j := i + 1; j < len(mps); j++ {
				if !mps[i].Bound().Intersects(mps[j].Bound()) {
					continue
				}
				x, err := intersectMP(mps[i], mps[j])
				if err != nil {
					continue
				}
				if a := multiAreaM2(x); a > opt.SliverM2 {
					r.Overlaps = append(r.Overlaps, Blemish{At: ringInterior(largestRing(x)), AreaM2: a, Between: []Code{parts[i].code, parts[j].code}})
				}
			}
		}
	}
	sort.Slice(r.Gaps, func(a, b int) bool { return r.Gaps[a].AreaM2 > r.Gaps[b].AreaM2 })
	return u, r
}

// largestRing is the outer ring of the largest polygon of mp.
func largestRing(mp orb.MultiPolygon) orb.Ring {
	var best orb.Ring
	ba := -1.0
	for _, p := range mp {
		if len(p) == 0 {
			continue
		}
		if a := ringAreaM2(p[0]); a > ba {
			best, ba = p[0], a
		}
	}
	return best
}

// ringInterior returns a point inside ring r (the centroid when it is inside, else the middle
// of the widest horizontal chord through the centroid's latitude).
func ringInterior(r orb.Ring) orb.Point {
	var cx, cy float64
	n := len(r)
	if n > 1 && r[0] == r[n-1] {
		n--
	}
	for _, p := range r[:n] {
		cx += p[0]
		cy += p[1]
	}
	c := orb.Point{cx / float64(n), cy / float64(n)}
	if ringContains(r, c) {
		return c
	}
	var xs []float64
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		if (a[1] > c[1]) != (b[1] > c[1]) {
			xs = append(xs, a[0]+(c[1]-a[1])*(b[0]-a[0])/(b[1]-a[1]))
		}
	}
	sort.Float64s(xs)
	best, bw := c, -1.0
	for i := 0; i+1 < len(xs); i += 2 {
		if w := xs[i+1] - xs[i]; w > bw {
			best, bw = orb.Point{(xs[i] + xs[i+1]) / 2, c[1]}, w
		}
	}
	return best
}

// ringContains is the even-odd point-in-ring test (planar in lon/lat).
func ringContains(r orb.Ring, p orb.Point) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}
