package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// Bounds used by the point index to prune without computing geodesics. Both are rigorous for
// the ellipsoid, then loosened by boundSlackRel and boundSlackAbs so rounding never prunes a
// true answer:
//
//   - chord: the straight-line (ECEF) distance c never exceeds the geodesic s;
//   - curvature: a geodesic's curvature in space is at most 1/rMin (rMin = b²/a, the smallest
//     radius of curvature of the ellipsoid), so by Schur's comparison theorem
//     s ≤ 2·rMin·asin(c/(2·rMin)) while s ≤ π·rMin; it is used for c ≤ chordUpperMax only.
const (
	rMin          = wgsB * wgsB / wgsA // metres
	chordUpperMax = 1e6                // metres
	boundSlackRel = 1e-10
	boundSlackAbs = 1e-6 // metres; covers float rounding and Karney's ≈ 15 nm
)

// ecef is a point in earth-centred earth-fixed coordinates, metres.
type ecef [3]float64

func toECEF(p orb.Point) ecef {
	sphi, cphi := math.Sincos(p[1] * degree)
	slam, clam := math.Sincos(p[0] * degree)
	n := wgsA / math.Sqrt(1-wgs84.e2*sphi*sphi)
	return ecef{n * cphi * clam, n * cphi * slam, n * (1 - wgs84.e2) * sphi}
}

// chord2 is the squared chord; the walks compare it with the squared bound before taking a
// square root.
func chord2(a, b *ecef) float64 {
	dx, dy, dz := a[0]-b[0], a[1]-b[1], a[2]-b[2]
	return dx*dx + dy*dy + dz*dz
}

// square2 is tau², loosened by a few ulps so that every chord c ≤ tau passes c² ≤ square2(tau)
// whatever the rounding of the square root: the exact test c > tau still follows.
func square2(tau float64) float64 { return tau * tau * (1 + 1e-15) }

func chord(a, b *ecef) float64 {
	dx, dy, dz := a[0]-b[0], a[1]-b[1], a[2]-b[2]
	return math.Sqrt(dx*dx + dy*dy + dz*dz)
}

// lowerFromChord is a lower bound of the geodesic distance given the chord c.
func lowerFromChord(c float64) float64 { return c*(1-boundSlackRel) - boundSlackAbs }

// upperFromChord is an upper bound of the geodesic distance given the chord c (+Inf beyond
// chordUpperMax).
func upperFromChord(c float64) float64 {
	if c > chordUpperMax {
		return math.Inf(1)
	}
	if c <= chordSeriesMax {
		// 2ρ·asin(c/2ρ) = c + c³/24ρ² + 3c⁵/640ρ⁴ + 5c⁷/7168ρ⁶ + …, every term positive and
		// each below x = c²/ρ² ≤ 2.5e-4 times the one before for c ≤ 100 km, so 1e-3·c⁷/ρ⁶
		// bounds the tail from above.
		x := c * c / (rMin * rMin)
		return c*(1+x*(1.0/24+x*(3.0/640+x*1e-3)))*(1+boundSlackRel) + boundSlackAbs
	}
	return 2*rMin*math.Asin(c/(2*rMin))*(1+boundSlackRel) + boundSlackAbs
}

// chordSeriesMax is the longest chord, metres, for which upperFromChord sums its series.
const chordSeriesMax = 100_000

// PointIndex answers radius and nearest-neighbour queries over a fixed set of points with
// exact geodesic (WGS84) distances. It is a static k-d tree over the points' earth-centred
// (ECEF) coordinates: the chord is a lower bound of the geodesic and, through the ellipsoid's
// curvature, gives an upper bound too, so queries compute DistanceM only where the chord
// cannot decide. It needs no special case at the antimeridian or the poles. Immutable after
// NewPointIndex and safe for concurrent readers.
type PointIndex struct {
	n   int         // points given, invalid ones included
	xyz []ecef      // the valid points' earth-centred coordinates, in tree order (what the walks read)
	idx []int32     // the caller's index of each, in tree order
	pts []orb.Point // the points as given, in tree order (only lines too long for shortLineM read them)
	// nodes holds the internal nodes in breadth-first order (root 1, children 2j and 2j+1):
	// the descent reads this small array instead of one cache line per median.
	nodes []kdNode
}

// kdNode is an internal node of the k-d tree: entries at or below the median (at
// coordinate split on axis) go left.
type kdNode struct {
	split float64
	axis  uint8
}

// leafSize is the largest subtree scanned without splitting.
const leafSize = 8

func validPoint(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsInf(p[0], 0) && p[1] >= -90 && p[1] <= 90
}

// NewPointIndex indexes pts (copied). Points with a NaN or infinite longitude or a latitude
// outside [−90°, 90°] are kept in Len but never returned by a query. At most 2³¹−1 points.
func NewPointIndex(pts []orb.Point) *PointIndex {
	ix := &PointIndex{n: len(pts)}
	valid := 0
	for _, p := range pts {
		if validPoint(p) {
			valid++
		}
	}
	ix.idx = make([]int32, 0, valid)
	ix.pts = make([]orb.Point, 0, valid)
	ix.xyz = make([]ecef, 0, valid)
	for i, p := range pts {
		if validPoint(p) {
			ix.idx = append(ix.idx, int32(i))
			ix.pts = append(ix.pts, p)
			ix.xyz = append(ix.xyz, toECEF(p))
		}
	}
	depth := 0
	for n := len(ix.idx); n > leafSize; n /= 2 {
		depth++
	}
	ix.nodes = make([]kdNode, 1<<(depth+1))
	ix.build(1, 0, len(ix.idx))
	return ix
}

// build arranges entries lo:hi as the k-d subtree of node id: the median on the axis of
// largest spread sits at the middle, smaller-or-equal coordinates before it,
// greater-or-equal after.
func (ix *PointIndex) build(id, lo, hi int) {
	if hi-lo <= leafSize {
		return
	}
	var mn, mx ecef = ix.xyz[lo], ix.xyz[lo]
	for k := lo + 1; k < hi; k++ {
		for a := 0; a < 3; a++ {
			mn[a] = math.Min(mn[a], ix.xyz[k][a])
			mx[a] = math.Max(mx[a], ix.xyz[k][a])
		}
	}
	ax := 0
	for a := 1; a < 3; a++ {
		if mx[a]-mn[a] > mx[ax]-mn[ax] {
			ax = a
		}
	}
	mid := (lo + hi) / 2
	ix.selectNth(lo, hi, mid, ax)
	ix.nodes[id] = kdNode{ix.xyz[mid][ax], uint8(ax)}
	ix.build(2*id, lo, mid)
	ix.build(2*id+1, mid+1, hi)
}

func (ix *PointIndex) swap(i, j int) {
	ix.xyz[i], ix.xyz[j] = ix.xyz[j], ix.xyz[i]
	ix.idx[i], ix.idx[j] = ix.idx[j], ix.idx[i]
	ix.pts[i], ix.pts[j] = ix.pts[j], ix.pts[i]
}

// selectNth partially sorts lo:hi on axis ax so that entry n holds the n-th smallest
// coordinate (Hoare quickselect with median-of-three pivots).
func (ix *PointIndex) selectNth(lo, hi, n, ax int) {
	hi--
	for hi > lo {
		m := lo + (hi-lo)/2
		if ix.xyz[m][ax] < ix.xyz[lo][ax] {
			ix.swap(m, lo)
		}
		if ix.xyz[hi][ax] < ix.xyz[lo][ax] {
			ix.swap(hi, lo)
		}
		if ix.xyz[hi][ax] < ix.xyz[m][ax] {
			ix.swap(hi, m)
		}
		pivot := ix.xyz[m][ax]
		i, j := lo, hi
		for i <= j {
			for ix.xyz[i][ax] < pivot {
				i++
			}
			for ix.xyz[j][ax] > pivot {
				j--
			}
			if i <= j {
				ix.swap(i, j)
				i++
				j--
			}
		}
		switch {
		case n <= j:
			hi = j
		case n >= i:
			lo = i
		default:
			return
		}
	}
}

// Len returns the number of points given to NewPointIndex, invalid ones included.
func (ix *PointIndex) Len() int { return ix.n }

// ball calls visit(k, chord) for every entry k of node id's subtree (entries lo:hi) whose
// chord to q is at most *tau, in near-first order; visit may lower *tau and returns false to
// stop. It reports whether the walk ran to completion.
func (ix *PointIndex) ball(q *ecef, id, lo, hi int, tau *float64, visit func(k int, c float64) bool) bool {
	for hi-lo > leafSize {
		mid := (lo + hi) / 2
		nd := ix.nodes[id]
		d := q[nd.axis] - nd.split
		nid, nlo, nhi, fid, flo, fhi := 2*id, lo, mid, 2*id+1, mid+1, hi
		if d > 0 {
			nid, nlo, nhi, fid, flo, fhi = 2*id+1, mid+1, hi, 2*id, lo, mid
		}
		if !ix.ball(q, nid, nlo, nhi, tau, visit) {
			return false
		}
		if math.Abs(d) > *tau {
			return true
		}
		if c := chord(q, &ix.xyz[mid]); c <= *tau {
			if !visit(mid, c) {
				return false
			}
		}
		id, lo, hi = fid, flo, fhi
	}
	for k := lo; k < hi; k++ {
		if c := chord(q, &ix.xyz[k]); c <= *tau {
			if !visit(k, c) {
				return false
			}
		}
	}
	return true
}

// chordReach is the largest chord a point within geodesic distance r can have, loosened.
func chordReach(r float64) float64 { return (r + boundSlackAbs) * (1 + boundSlackRel) }

// Within calls fn for each indexed point within radiusM metres (geodesic, inclusive) of p,
// with its index and exact distance DistanceM(p, point), in no particular order; fn returns
// false to stop early. Nothing is called for a negative or NaN radius or an invalid p.
func (ix *PointIndex) Within(p orb.Point, radiusM float64, fn func(i int, distM float64) bool) {
	if len(ix.idx) == 0 || !validPoint(p) || !(radiusM >= 0) {
		return
	}
	q := toECEF(p)
	tau := chordReach(radiusM)
	ix.ball(&q, 1, 0, len(ix.idx), &tau, func(k int, _ float64) bool {
		if s := ix.distTo(p, &q, k); s <= radiusM {
			return fn(int(ix.idx[k]), s)
		}
		return true
	})
}

// Query is a query point prepared once for many PointIndex queries (its earth-centred
// coordinates computed): a pass over many villages keeps one per village instead of
// recomputing them per query. The zero Query is invalid and finds nothing.
type Query struct {
	p     orb.Point
	q     ecef
	valid bool
}

// PrepareQuery prepares p; a point with a NaN or infinite longitude or a latitude outside
// [−90°, 90°] gives a Query that finds nothing.
func PrepareQuery(p orb.Point) Query {
	if !validPoint(p) {
		return Query{p: p}
	}
	return Query{p: p, q: toECEF(p), valid: true}
}

// Point returns the point q was prepared from.
func (q *Query) Point() orb.Point { return q.p }

// AnyWithin reports whether some indexed point lies within radiusM metres (geodesic,
// inclusive) of p; it stops at the first one found.
func (ix *PointIndex) AnyWithin(p orb.Point, radiusM float64) bool {
	q := PrepareQuery(p)
	return ix.AnyWithinQuery(&q, radiusM)
}

// AnyWithinQuery is AnyWithin for a prepared query point.
func (ix *PointIndex) AnyWithinQuery(q *Query, radiusM float64) bool {
	hint := int32(-1)
	return ix.anyWithinBounds(q, radiusM, chordReach(radiusM), chordAccept(radiusM), &hint)
}

// anyWalk is the state of one AnyWithin query's walk.
type anyWalk struct {
	q    ecef
	p    orb.Point
	r    float64    // radius, metres
	tau  float64    // chords above it are out
	tau2 float64    // square2(tau)
	cAcc float64    // chords at or below it are in (their curvature bound is within r)
	off  [3]float64 // the query's distance from the current cell along each axis
	hit  int32      // the entry found
}

// accept reports whether entry k, at chord c, lies within the radius.
func (ix *PointIndex) accept(w *anyWalk, k int, c float64) bool {
	if c > w.tau {
		return false
	}
	if c <= w.cAcc || upperFromChord(c) <= w.r || ix.distTo(w.p, &w.q, k) <= w.r {
		w.hit = int32(k)
		return true
	}
	return false
}

// chordAccept is the largest chord whose curvature bound upperFromChord is surely within r
// (0 when none is).
func chordAccept(r float64) float64 {
	s := (r - boundSlackAbs) / (1 + boundSlackRel)
	if s <= 0 || s >= math.Pi*rMin {
		return 0
	}
	return 2 * rMin * math.Sin(s/(2*rMin)) * (1 - 1e-12)
}

// anyWithin walks node id's subtree (entries lo:hi), nearer child first, and reports whether
// an entry lies within the radius; rd is the squared distance from the query to the subtree's
// cell (a lower bound of any entry's squared chord), kept along the walk from w.off.
func (ix *PointIndex) anyWithin(w *anyWalk, id, lo, hi int, rd float64) bool {
	if hi-lo > leafSize {
		mid := (lo + hi) / 2
		nd := ix.nodes[id]
		ax := nd.axis
		d := w.q[ax] - nd.split
		fid, flo, fhi := 2*id, lo, mid
		if d > 0 {
			if ix.anyWithin(w, 2*id+1, mid+1, hi, rd) {
				return true
			}
		} else {
			if ix.anyWithin(w, 2*id, lo, mid, rd) {
				return true
			}
			fid, flo, fhi = 2*id+1, mid+1, hi
		}
		old := w.off[ax]
		far := rd + d*d - old*old
		if far > w.tau2 {
			return false
		}
		if d2 := chord2(&w.q, &ix.xyz[mid]); d2 <= w.tau2 && ix.accept(w, mid, math.Sqrt(d2)) {
			return true
		}
		w.off[ax] = math.Abs(d)
		found := ix.anyWithin(w, fid, flo, fhi, far)
		w.off[ax] = old
		return found
	}
	for k := lo; k < hi; k++ {
		if d2 := chord2(&w.q, &ix.xyz[k]); d2 <= w.tau2 && ix.accept(w, k, math.Sqrt(d2)) {
			return true
		}
	}
	return false
}

// anyWithinBounds is AnyWithinQuery with the radius's chord bounds given (tau = chordReach(r),
// cAcc = chordAccept(r)) that first tries entry *hint (tree order; -1 none) and sets *hint to
// the entry found.
func (ix *PointIndex) anyWithinBounds(q *Query, radiusM, tau, cAcc float64, hint *int32) bool {
	if len(ix.idx) == 0 || !q.valid || !(radiusM >= 0) {
		return false
	}
	w := anyWalk{q: q.q, p: q.p, r: radiusM, tau: tau, cAcc: cAcc}
	w.tau2 = square2(w.tau)
	if h := *hint; h >= 0 && int(h) < len(ix.idx) && ix.accept(&w, int(h), chord(&w.q, &ix.xyz[h])) {
		return true
	}
	if ix.anyWithin(&w, 1, 0, len(ix.idx), 0) {
		*hint = w.hit
		return true
	}
	return false
}

// Walker answers a sequence of queries over one index, starting each from the previous
// answer: in a pass over villages in code order, where neighbours follow each other, the last
// facility found usually settles the next query at once (AnyWithin) or bounds its search from
// the start (Nearest). Answers are exactly those of the index's own methods. A Walker is not
// safe for concurrent use: take one per goroutine.
type Walker struct {
	ix   *PointIndex
	last int32 // entry (tree order) of the last answer; -1 none
	// the chord bounds of the last radius (a pass asks one radius many times)
	r, tau, cAcc float64
	nw           nearWalk // Nearest's walk state, reused
}

// Walker returns a new walker over ix.
func (ix *PointIndex) Walker() *Walker { return &Walker{ix: ix, last: -1, r: math.NaN()} }

// AnyWithin is PointIndex.AnyWithinQuery.
func (w *Walker) AnyWithin(q *Query, radiusM float64) bool {
	if radiusM != w.r {
		w.r, w.tau, w.cAcc = radiusM, chordReach(radiusM), chordAccept(radiusM)
	}
	return w.ix.anyWithinBounds(q, radiusM, w.tau, w.cAcc, &w.last)
}

// Nearest is PointIndex.NearestQuery.
func (w *Walker) Nearest(q *Query, maxM float64) (i int, distM float64, ok bool) {
	return w.ix.nearestHint(q, maxM, &w.last, &w.nw)
}

type nearCand struct {
	c float64 // chord, metres
	k int32   // entry
}

// nearWalk is the state of one Nearest query's walk.
type nearWalk struct {
	q     ecef
	p     orb.Point
	tau   float64 // chords above it cannot hold the nearest point
	tau2  float64 // square2(tau)
	u     float64 // upper bound of the nearest geodesic distance
	cBest float64 // the least chord seen (u = upperFromChord(cBest) once finite)
	bestS float64 // exact distance of bestI (points settled during the walk)
	bestI int
	bestK int32        // entry of bestI
	off   [3]float64   // the query's distance from the current cell along each axis
	n     int          // candidates in buf
	buf   [32]nearCand // the first candidates (no allocation for a usual query)
	more  []nearCand   // the rest
}

// nearest walks node id's subtree (entries lo:hi), nearer child first, collecting every entry
// whose chord to the query is at most tau as a candidate and lowering tau through the
// curvature bound of the least chord seen; rd is the squared distance from the query to the
// subtree's cell, kept along the walk from w.off. It is ball with the visit written in, without
// an indirect call per entry and with the bound's asin computed only when the least chord drops.
func (ix *PointIndex) nearest(w *nearWalk, id, lo, hi int, rd float64) {
	if hi-lo > leafSize {
		mid := (lo + hi) / 2
		nd := ix.nodes[id]
		ax := nd.axis
		d := w.q[ax] - nd.split
		fid, flo, fhi := 2*id, lo, mid
		if d > 0 {
			ix.nearest(w, 2*id+1, mid+1, hi, rd)
		} else {
			ix.nearest(w, 2*id, lo, mid, rd)
			fid, flo, fhi = 2*id+1, mid+1, hi
		}
		old := w.off[ax]
		far := rd + d*d - old*old
		if far > w.tau2 {
			return
		}
		ix.nearVisit(w, mid)
		w.off[ax] = math.Abs(d)
		ix.nearest(w, fid, flo, fhi, far)
		w.off[ax] = old
		return
	}
	for k := lo; k < hi; k++ {
		ix.nearVisit(w, k)
	}
}

// nearVisit considers entry k for the Nearest walk w.
func (ix *PointIndex) nearVisit(w *nearWalk, k int) {
	d2 := chord2(&w.q, &ix.xyz[k])
	if d2 > w.tau2 {
		return
	}
	c := math.Sqrt(d2)
	if c > w.tau {
		return
	}
	if c < w.cBest {
		w.cBest = c
		ub := upperFromChord(c)
		if math.IsInf(ub, 1) {
			// Too far for the curvature bound: settle it exactly.
			i := int(ix.idx[k])
			s := ix.distTo(w.p, &w.q, k)
			if s < w.bestS || s == w.bestS && i < w.bestI {
				w.bestS, w.bestI, w.bestK = s, i, int32(k)
			}
			ub = s
		}
		if ub < w.u {
			w.u = ub
			w.tau = chordReach(ub)
			w.tau2 = square2(w.tau)
		}
	} else if c > chordUpperMax {
		// Beyond the curvature bound the least chord does not bound the distance: settle it.
		i := int(ix.idx[k])
		s := ix.distTo(w.p, &w.q, k)
		if s < w.bestS || s == w.bestS && i < w.bestI {
			w.bestS, w.bestI, w.bestK = s, i, int32(k)
		}
		if s < w.u {
			w.u = s
			w.tau = chordReach(s)
			w.tau2 = square2(w.tau)
		}
	}
	if w.n < len(w.buf) {
		w.buf[w.n] = nearCand{c, int32(k)}
		w.n++
	} else {
		w.more = append(w.more, nearCand{c, int32(k)})
	}
}

// Nearest returns the index of the indexed point nearest to p (geodesic) within maxM metres
// (maxM <= 0: no limit) and its distance DistanceM(p, point); ok is false when there is none
// (empty index, invalid p, nothing within maxM). Ties are broken by the lower index.
func (ix *PointIndex) Nearest(p orb.Point, maxM float64) (i int, distM float64, ok bool) {
	q := PrepareQuery(p)
	return ix.NearestQuery(&q, maxM)
}

// NearestQuery is Nearest for a prepared query point.
func (ix *PointIndex) NearestQuery(q *Query, maxM float64) (i int, distM float64, ok bool) {
	hint := int32(-1)
	var w nearWalk
	return ix.nearestHint(q, maxM, &hint, &w)
}

// nearestHint is NearestQuery that starts from the bound given by entry *hint (tree order; -1
// none) and sets *hint to the entry found; w is the walk state it fills (a Walker passes its
// own, so the candidate buffer is not cleared per query).
func (ix *PointIndex) nearestHint(q *Query, maxM float64, hint *int32, w *nearWalk) (i int, distM float64, ok bool) {
	if len(ix.idx) == 0 || !q.valid || math.IsNaN(maxM) {
		return 0, 0, false
	}
	p := q.p
	// Every field but the candidate buffer, which only the first w.n entries of are read (a
	// Walker reuses its walk state: clearing the buffer cost as much as a short walk).
	w.u, w.cBest, w.bestS, w.bestI, w.bestK, w.p = math.Inf(1), math.Inf(1), math.Inf(1), -1, -1, p
	w.off, w.n, w.more = [3]float64{}, 0, w.more[:0]
	if maxM > 0 {
		w.u = maxM
	}
	w.q = q.q
	if h := *hint; h >= 0 && int(h) < len(ix.idx) {
		// Any entry's distance bounds the nearest one's: start from the last answer's.
		if ub := upperFromChord(chord(&w.q, &ix.xyz[h])); ub < w.u {
			w.u = ub
		}
	}
	w.tau = chordReach(w.u)
	w.tau2 = square2(w.tau)
	ix.nearest(w, 1, 0, len(ix.idx), 0)
	cands, u, bestS, bestK := w.buf[:w.n], w.u, w.bestS, w.bestK
	if len(w.more) > 0 {
		cands = append(cands[:w.n:w.n], w.more...)
	}
	// Only candidates whose chord's lower bound is within the final bound can be nearest;
	// usually one or two are left of all those seen while the bound was falling.
	lim := math.Min(bestS, u)
	kept := cands[:0]
	for _, cd := range cands {
		if lowerFromChord(cd.c) <= lim {
			kept = append(kept, cd)
		}
	}
	cands = kept
	// Settle exactly, nearest chord first, until the chord bound exceeds the best distance.
	slices.SortFunc(cands, func(a, b nearCand) int {
		switch {
		case a.c < b.c:
			return -1
		case a.c > b.c:
			return 1
		}
		return int(ix.idx[a.k]) - int(ix.idx[b.k])
	})
	for _, cd := range cands {
		if lowerFromChord(cd.c) > math.Min(bestS, u) {
			break
		}
		if cd.k == bestK {
			continue
		}
		s := ix.distTo(p, &q.q, int(cd.k))
		if s < bestS || s == bestS && bestK >= 0 && ix.idx[cd.k] < ix.idx[bestK] {
			bestS, bestK = s, cd.k
		}
	}
	if bestK < 0 || maxM > 0 && bestS > maxM {
		return 0, 0, false
	}
	*hint = bestK
	return int(ix.idx[bestK]), bestS, true
}

// distTo is DistanceM from p, whose earth-centred point is q, to entry k: from the entries'
// earth-centred coordinates alone unless the line is too long for shortLineM.
func (ix *PointIndex) distTo(p orb.Point, q *ecef, k int) float64 {
	if c := chord(q, &ix.xyz[k]); c <= shortLineMaxChord {
		return shortLineM(q, &ix.xyz[k], c)
	}
	return karneyM(p, ix.pts[k])
}
