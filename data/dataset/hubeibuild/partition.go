package hubeibuild

import (
	"fmt"
	"math"
	"sort"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
)

// Partition parameters.
const (
	minCellM       = 60.0    // raster cell size, metres: about √(box area / targetCells), at least …
	maxCellM       = 250.0   // … and at most this
	targetCells    = 120_000 // cells per county box aimed at
	maxCells       = 400_000 // hard cap on cells per county box (the cell grows to stay under it)
	urbanRadiusM   = 6000.0  // generated subdistrict seeds stay this close to the county seat
	villageSpacing = 8       // candidates per generated village point (best-candidate sampling)
)

// township is one township-level unit while the dataset is being built.
type township struct {
	unit
	county   divisions.Code
	seatReal bool      // has a real seat point inside its county
	seat     orb.Point // the seat finally used
	seatProv divisions.Provenance
	evidence string // "seat", "villages" or "none"
	area     orb.MultiPolygon
	villages []*village
}

// village is one village-level unit while the dataset is being built.
type village struct {
	unit
	town *township
	p    orb.Point
	real bool
}

// partStats counts what the partition did, for the log and Meta.Notes.
type partStats struct {
	seedConflicts   int // real village points not used as seeds because another township's seed took their cell
	orphanPieces    int // pieces cut off by the county boundary and handed to a neighbour
	keptPieces      int // extra pieces kept (separate parts of a multi-part county)
	unroundable     int // areas kept at full precision because rounding broke validity
	villagesMovedTo int // real village points that ended outside their township area (made generated)
	seatFallbacks   int // seats not inside their area, replaced by a generated point
}

func (s *partStats) add(o partStats) {
	s.seedConflicts += o.seedConflicts
	s.orphanPieces += o.orphanPieces
	s.keptPieces += o.keptPieces
	s.unroundable += o.unroundable
	s.villagesMovedTo += o.villagesMovedTo
	s.seatFallbacks += o.seatFallbacks
}

// partitionCounty derives the township areas of one county: seeds from real seats and real
// village points, generated seeds for townships without evidence (farthest-point sampling),
// a connected raster growth from the seeds, polygonisation, clipping to the county polygon
// and reassignment of cut-off pieces. It sets every township's area, and seat and seatProv
// where it generates the seed.
func partitionCounty(cs *countyShape, towns []*township, st *partStats, notes *[]string) error {
	g := newGrid(cs.shape.Bound(), cellSize(cs.shape.Bound()), maxCells)
	in := g.inside(cs.shape)
	taken := map[int]int{} // cell → township index
	var seeds []seed
	primary := make([]orb.Point, len(towns))
	hasPrimary := make([]bool, len(towns))
	addSeed := func(ti int, p orb.Point) bool {
		k := g.cellOf(p)
		if k < 0 {
			return false
		}
		if o, ok := taken[k]; ok && o != ti {
			return false
		}
		taken[k] = ti
		seeds = append(seeds, seed{p, int32(ti)})
		if !hasPrimary[ti] {
			primary[ti], hasPrimary[ti] = p, true
		}
		return true
	}
	// Real seats first, then real village points.
	for ti, t := range towns {
		if t.seatReal && !addSeed(ti, t.seat) {
			st.seedConflicts++
			*notes = append(*notes, fmt.Sprintf("township %s %s: real seat shares a raster cell with another township's seat; not used as a seed", t.code, t.name))
			t.seatReal = false
		}
	}
	for ti, t := range towns {
		for _, v := range t.villages {
			if v.real && !addSeed(ti, v.p) {
				st.seedConflicts++ // not a seed; the point stays real if it ends inside its area
			}
		}
	}
	// Generated seeds for townships without any evidence, in code order.
	var field *distField
	for ti, t := range towns {
		if hasPrimary[ti] {
			continue
		}
		if field == nil {
			pts := make([]orb.Point, len(seeds))
			for k, s := range seeds {
				pts[k] = s.p
			}
			field = g.newDistField(in, pts)
		}
		free := func(k int) bool { _, tk := taken[k]; return !tk }
		cand := free
		if divisions.KindOf(t.code, t.name) == divisions.KindSubdistrict {
			r2 := urbanRadiusM * urbanRadiusM
			cand = func(k int) bool { return free(k) && g.dist2(g.centre(k), cs.centre) <= r2 }
		}
		k := field.emptiest(cand)
		if k < 0 {
			k = field.emptiest(free)
		}
		if k < 0 {
			return fmt.Errorf("county %s: no room for a seed of township %s", cs.code, t.code)
		}
		p := roundPt(g.centre(k))
		if !addSeed(ti, p) {
			return fmt.Errorf("county %s: generated seed of township %s collides", cs.code, t.code)
		}
		t.seat, t.seatProv = p, divisions.Generated
		field.add(p)
	}
	labels, _ := g.grow(in, seeds)
	countyG := geo.ToSF(cs.shape).AsGeometry()
	pieces := make([][]orb.Polygon, len(towns))
	for ti := range towns {
		raster, err := g.polygonize(labels, int32(ti))
		if err != nil {
			return fmt.Errorf("county %s township %s: %w", cs.code, towns[ti].code, err)
		}
		if err := validate(raster); err != nil {
			return fmt.Errorf("county %s township %s: raster polygon invalid: %w", cs.code, towns[ti].code, err)
		}
		x, err := geom.Intersection(geo.ToSF(raster).AsGeometry(), countyG)
		if err != nil {
			return fmt.Errorf("county %s township %s: clipping to the county: %w", cs.code, towns[ti].code, err)
		}
		pieces[ti] = geo.FromSF(x)
	}
	// The main piece of each township holds its primary seed; the others are orphans.
	main := make([]orb.Polygon, len(towns))
	type orphan struct {
		owner int
		p     orb.Polygon
	}
	var orphans []orphan
	for ti, ps := range pieces {
		if len(ps) == 0 {
			return fmt.Errorf("county %s township %s: empty area after clipping", cs.code, towns[ti].code)
		}
		best := -1
		for k, p := range ps {
			if contains(orb.MultiPolygon{p}, primary[ti]) {
				best = k
				break
			}
		}
		if best < 0 {
			best = largest(ps)
		}
		main[ti] = ps[best]
		for k, p := range ps {
			if k != best {
				orphans = append(orphans, orphan{ti, p})
			}
		}
	}
	extra := make([][]orb.Polygon, len(towns))
	for changed := true; changed && len(orphans) > 0; {
		changed = false
		var rest []orphan
		for _, o := range orphans {
			to, shared := -1, 0.0
			ob := o.p.Bound()
			og := polySF(o.p).AsGeometry()
			for tj := range towns {
				if tj == o.owner || !main[tj].Bound().Intersects(ob) {
					continue
				}
				l, err := sharedLength(og, polySF(main[tj]).AsGeometry())
				if err != nil {
					return fmt.Errorf("county %s: shared edge of a piece of %s and %s: %w", cs.code, towns[o.owner].code, towns[tj].code, err)
				}
				if l > shared {
					to, shared = tj, l
				}
			}
			if to < 0 || shared < 1e-9 {
				rest = append(rest, o)
				continue
			}
			u, err := geom.Union(polySF(main[to]).AsGeometry(), og)
			if err != nil {
				return fmt.Errorf("county %s: merging a piece of %s into %s: %w", cs.code, towns[o.owner].code, towns[to].code, err)
			}
			um := geo.FromSF(u)
			if len(um) != 1 {
				rest = append(rest, o)
				continue
			}
			main[to] = um[0]
			st.orphanPieces++
			changed = true
		}
		orphans = rest
	}
	for _, o := range orphans {
		extra[o.owner] = append(extra[o.owner], o.p)
		st.keptPieces++
	}
	for ti, t := range towns {
		area := orb.MultiPolygon{main[ti]}
		if len(extra[ti]) > 0 {
			u, err := unionAll([]orb.MultiPolygon{area, orb.MultiPolygon(extra[ti])})
			if err != nil {
				return fmt.Errorf("county %s township %s: joining its pieces: %w", cs.code, t.code, err)
			}
			area = u
		}
		if r, err := roundMP(area); err == nil {
			area = r
		} else {
			st.unroundable++
			if err := validate(area); err != nil {
				return fmt.Errorf("county %s township %s: derived area invalid: %w", cs.code, t.code, err)
			}
			area = orient(area)
		}
		t.area = area
	}
	return nil
}

// cellSize picks the raster cell size (metres) for a county box: fine for small urban
// districts, coarser for large rural counties.
func cellSize(b orb.Bound) float64 {
	w := (b.Max[0] - b.Min[0]) * 111320 * math.Cos(b.Center()[1]*math.Pi/180)
	h := (b.Max[1] - b.Min[1]) * 110574
	return math.Max(minCellM, math.Min(maxCellM, math.Sqrt(w*h/targetCells)))
}

// sharedLength is the length of the common boundary of two polygons (degrees, planar).
func sharedLength(a, b geom.Geometry) (float64, error) {
	x, err := geom.Intersection(a.Boundary(), b.Boundary())
	if err != nil {
		return 0, err
	}
	return x.Length(), nil
}

func largest(ps []orb.Polygon) int {
	best, ba := 0, -1.0
	for k, p := range ps {
		if a := math.Abs(polyArea(p)); a > ba {
			best, ba = k, a
		}
	}
	return best
}

func polyArea(p orb.Polygon) float64 {
	a := 0.0
	for j, r := range p {
		ra := math.Abs(ringArea(r))
		if j == 0 {
			a += ra
		} else {
			a -= ra
		}
	}
	return a
}

func ringArea(r orb.Ring) float64 {
	s := 0.0
	for k := 0; k+1 < len(r); k++ {
		s += r[k][0]*r[k+1][1] - r[k+1][0]*r[k][1]
	}
	return s / 2
}

// medoid returns the point of pts closest to their mean.
func medoid(pts []orb.Point) orb.Point {
	var mx, my float64
	for _, p := range pts {
		mx += p[0]
		my += p[1]
	}
	mx /= float64(len(pts))
	my /= float64(len(pts))
	best, bd := 0, math.Inf(1)
	for k, p := range pts {
		if d := (p[0]-mx)*(p[0]-mx) + (p[1]-my)*(p[1]-my); d < bd {
			best, bd = k, d
		}
	}
	return pts[best]
}

// samplePoint places a point inside area deterministically: best-candidate sampling keeps it
// away from the fixed points; radiusM > 0 restricts the search to that distance around near.
// ok is false when rejection sampling found no point inside area.
func samplePoint(r *rng, area orb.MultiPolygon, fixed []orb.Point, near orb.Point, radiusM float64) (orb.Point, bool) {
	b := area.Bound()
	kx := 111320 * math.Cos(b.Center()[1]*math.Pi/180)
	if radiusM > 0 {
		rb := orb.Bound{Min: orb.Point{near[0] - radiusM/kx, near[1] - radiusM/110574}, Max: orb.Point{near[0] + radiusM/kx, near[1] + radiusM/110574}}
		if rb.Intersects(b) {
			b = orb.Bound{Min: orb.Point{math.Max(b.Min[0], rb.Min[0]), math.Max(b.Min[1], rb.Min[1])},
				Max: orb.Point{math.Min(b.Max[0], rb.Max[0]), math.Min(b.Max[1], rb.Max[1])}}
		}
	}
	var best orb.Point
	bestD, found := -1.0, false
	for c, tries := 0, 0; c < villageSpacing && tries < 400; tries++ {
		p := roundPt(orb.Point{b.Min[0] + r.float()*(b.Max[0]-b.Min[0]), b.Min[1] + r.float()*(b.Max[1]-b.Min[1])})
		if !contains(area, p) {
			continue
		}
		c++
		d := math.Inf(1)
		for _, q := range fixed {
			dx, dy := (p[0]-q[0])*kx, (p[1]-q[1])*110574
			d = math.Min(d, dx*dx+dy*dy)
		}
		if d > bestD {
			best, bestD, found = p, d, true
		}
	}
	return best, found
}

// sortTowns orders townships by code.
func sortTowns(ts []*township) {
	sort.Slice(ts, func(i, j int) bool { return ts[i].code < ts[j].code })
}
