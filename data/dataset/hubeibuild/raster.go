package hubeibuild

import (
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// grid is a regular lon/lat raster over a county's bounding box. Cell (i, j) spans
// [x0+i·dx, x0+(i+1)·dx] × [y0+j·dy, y0+(j+1)·dy]; all corner coordinates are whole
// microdegrees so that neighbouring cells share exactly the same vertex coordinates.
type grid struct {
	x0, y0, dx, dy int64 // microdegrees
	nx, ny         int
	kx             float64 // metres per degree of longitude at the box centre
	ky             float64 // metres per degree of latitude
}

// newGrid covers bound with cells of about cellM metres, coarsened so that there are at most
// maxCells cells.
func newGrid(bound orb.Bound, cellM float64, maxCells int) grid {
	latC := (bound.Min[1] + bound.Max[1]) / 2
	g := grid{kx: 111320 * math.Cos(latC*math.Pi/180), ky: 110574}
	w, h := (bound.Max[0]-bound.Min[0])*g.kx, (bound.Max[1]-bound.Min[1])*g.ky
	for (w/cellM+2)*(h/cellM+2) > float64(maxCells) {
		cellM *= 1.1
	}
	g.dx = int64(math.Round(cellM / g.kx * 1e6))
	g.dy = int64(math.Round(cellM / g.ky * 1e6))
	g.x0 = int64(math.Floor(bound.Min[0]*1e6)) - g.dx/2
	g.y0 = int64(math.Floor(bound.Min[1]*1e6)) - g.dy/2
	g.nx = int((int64(math.Ceil(bound.Max[0]*1e6))-g.x0)/g.dx) + 2
	g.ny = int((int64(math.Ceil(bound.Max[1]*1e6))-g.y0)/g.dy) + 2
	return g
}

func (g grid) n() int { return g.nx * g.ny }

// vx and vy are the coordinates of vertex column i and vertex row j.
func (g grid) vx(i int) float64 { return float64(g.x0+int64(i)*g.dx) / 1e6 }
func (g grid) vy(j int) float64 { return float64(g.y0+int64(j)*g.dy) / 1e6 }

// centre returns the centre of cell k.
func (g grid) centre(k int) orb.Point {
	i, j := k%g.nx, k/g.nx
	return orb.Point{(float64(g.x0) + (float64(i)+0.5)*float64(g.dx)) / 1e6, (float64(g.y0) + (float64(j)+0.5)*float64(g.dy)) / 1e6}
}

// cellOf returns the cell containing p, or -1 outside the grid.
func (g grid) cellOf(p orb.Point) int {
	i := int(math.Floor((p[0]*1e6 - float64(g.x0)) / float64(g.dx)))
	j := int(math.Floor((p[1]*1e6 - float64(g.y0)) / float64(g.dy)))
	if i < 0 || j < 0 || i >= g.nx || j >= g.ny {
		return -1
	}
	return j*g.nx + i
}

// dist2 is the squared distance in metres between two points (local equirectangular).
func (g grid) dist2(a, b orb.Point) float64 {
	dx, dy := (a[0]-b[0])*g.kx, (a[1]-b[1])*g.ky
	return dx*dx + dy*dy
}

// inside marks the cells whose centre lies inside mp (even-odd scanline fill).
func (g grid) inside(mp orb.MultiPolygon) []bool {
	in := make([]bool, g.n())
	var xs []float64
	for j := 0; j < g.ny; j++ {
		y := (float64(g.y0) + (float64(j)+0.5)*float64(g.dy)) / 1e6
		xs = xs[:0]
		for _, poly := range mp {
			for _, r := range poly {
				for k := 0; k+1 < len(r); k++ {
					a, b := r[k], r[k+1]
					if (a[1] <= y) != (b[1] <= y) {
						xs = append(xs, a[0]+(y-a[1])*(b[0]-a[0])/(b[1]-a[1]))
					}
				}
			}
		}
		sort.Float64s(xs)
		for k := 0; k+1 < len(xs); k += 2 {
			lo := int(math.Ceil((xs[k]*1e6-float64(g.x0))/float64(g.dx) - 0.5))
			hi := int(math.Ceil((xs[k+1]*1e6-float64(g.x0))/float64(g.dx)-0.5)) - 1
			if lo < 0 {
				lo = 0
			}
			if hi >= g.nx {
				hi = g.nx - 1
			}
			for i := lo; i <= hi; i++ {
				in[j*g.nx+i] = true
			}
		}
	}
	return in
}

// neighbours4 appends the 4-neighbours of cell k.
func (g grid) neighbours4(k int, buf []int) []int {
	i, j := k%g.nx, k/g.nx
	buf = buf[:0]
	if i > 0 {
		buf = append(buf, k-1)
	}
	if i+1 < g.nx {
		buf = append(buf, k+1)
	}
	if j > 0 {
		buf = append(buf, k-g.nx)
	}
	if j+1 < g.ny {
		buf = append(buf, k+g.nx)
	}
	return buf
}

// seed is one growth source: a point and the label (township index) it grows.
type seed struct {
	p     orb.Point
	label int32
}

type pqItem struct {
	d    float64
	seq  int64
	cell int
	src  int32 // seed index
}

func (a pqItem) less(b pqItem) bool {
	if a.d != b.d {
		return a.d < b.d
	}
	return a.seq < b.seq
}

// pq is a binary min-heap of pqItem ordered by (d, seq): a total order, so pops are
// deterministic.
type pq []pqItem

func (q pq) Len() int { return len(q) }

func (q *pq) push(it pqItem) {
	h := append(*q, it)
	k := len(h) - 1
	for k > 0 {
		p := (k - 1) / 2
		if !h[k].less(h[p]) {
			break
		}
		h[k], h[p] = h[p], h[k]
		k = p
	}
	*q = h
}

func (q *pq) pop() pqItem {
	h := *q
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	k := 0
	for {
		l, r, m := 2*k+1, 2*k+2, k
		if l < n && h[l].less(h[m]) {
			m = l
		}
		if r < n && h[r].less(h[m]) {
			m = r
		}
		if m == k {
			break
		}
		h[k], h[m] = h[m], h[k]
		k = m
	}
	*q = h
	return top
}

// grow labels the cells: first a Dijkstra-like growth from the seeds through cells inside the
// county (the priority of a cell is its Euclidean distance to the seed that reached it, and a
// cell is only reached from a 4-neighbour of the same label, so every seed's region is
// 4-connected), then a breadth-first fill of the remaining cells of the box. A seed whose cell
// is already taken by an earlier seed is skipped; the returned slice says which seeds were used.
func (g grid) grow(in []bool, seeds []seed) (labels []int32, used []bool) {
	n := g.n()
	labels = make([]int32, n)
	src := make([]int32, n)
	for k := range labels {
		labels[k] = -1
	}
	used = make([]bool, len(seeds))
	q := &pq{}
	var seq int64
	for si, s := range seeds {
		k := g.cellOf(s.p)
		if k < 0 || labels[k] >= 0 {
			continue
		}
		used[si] = true
		labels[k], src[k] = s.label, int32(si)
		seq++
		q.push(pqItem{0, seq, k, int32(si)})
	}
	done := make([]bool, n)
	var buf []int
	for q.Len() > 0 {
		it := q.pop()
		if done[it.cell] || src[it.cell] != it.src {
			continue
		}
		done[it.cell] = true
		for _, nb := range g.neighbours4(it.cell, buf) {
			if !in[nb] || done[nb] {
				continue
			}
			d := g.dist2(g.centre(nb), seeds[it.src].p)
			if labels[nb] >= 0 {
				old := g.dist2(g.centre(nb), seeds[src[nb]].p)
				if old <= d {
					continue
				}
			}
			labels[nb], src[nb] = labels[it.cell], it.src
			seq++
			q.push(pqItem{d, seq, nb, it.src})
		}
	}
	// Breadth-first fill of everything left (cells outside the county, unreached parts).
	var fifo []int
	for k := 0; k < n; k++ {
		if labels[k] >= 0 {
			fifo = append(fifo, k)
		}
	}
	for h := 0; h < len(fifo); h++ {
		k := fifo[h]
		for _, nb := range g.neighbours4(k, buf) {
			if labels[nb] < 0 {
				labels[nb] = labels[k]
				fifo = append(fifo, nb)
			}
		}
	}
	return labels, used
}

// distField is the approximate Euclidean distance (metres, chamfer propagation over
// 8-neighbours) from every cell to the nearest source: cells outside the county and seed cells.
type distField struct {
	g    grid
	in   []bool
	dist []float64
	cx   float64 // cell width, metres
	cy   float64 // cell height, metres
	diag float64
	q    pq
	seq  int64
}

// newDistField starts a field whose sources are the cells outside the county and the seeds.
func (g grid) newDistField(in []bool, seeds []orb.Point) *distField {
	f := &distField{g: g, in: in, dist: make([]float64, g.n())}
	f.cx, f.cy = float64(g.dx)/1e6*g.kx, float64(g.dy)/1e6*g.ky
	f.diag = math.Hypot(f.cx, f.cy)
	for k := range f.dist {
		f.dist[k] = math.Inf(1)
		if !in[k] {
			f.dist[k] = 0
			f.seq++
			f.q.push(pqItem{0, f.seq, k, -1})
		}
	}
	for _, s := range seeds {
		f.addSource(s)
	}
	f.propagate()
	return f
}

func (f *distField) addSource(p orb.Point) {
	if k := f.g.cellOf(p); k >= 0 && f.dist[k] > 0 {
		f.dist[k] = 0
		f.seq++
		f.q.push(pqItem{0, f.seq, k, -1})
	}
}

// add makes p a source and updates the distances it shortens.
func (f *distField) add(p orb.Point) {
	f.addSource(p)
	f.propagate()
}

func (f *distField) propagate() {
	g := f.g
	for f.q.Len() > 0 {
		it := f.q.pop()
		if it.d > f.dist[it.cell] {
			continue
		}
		i, j := it.cell%g.nx, it.cell/g.nx
		for dj := -1; dj <= 1; dj++ {
			jj := j + dj
			if jj < 0 || jj >= g.ny {
				continue
			}
			for di := -1; di <= 1; di++ {
				ii := i + di
				if (di == 0 && dj == 0) || ii < 0 || ii >= g.nx {
					continue
				}
				step := f.diag
				if di == 0 {
					step = f.cy
				} else if dj == 0 {
					step = f.cx
				}
				nb := jj*g.nx + ii
				if d := it.d + step; d < f.dist[nb] {
					f.dist[nb] = d
					f.seq++
					f.q.push(pqItem{d, f.seq, nb, -1})
				}
			}
		}
	}
}

// emptiest returns the inside cell among candidates farthest from every source (ties: lowest
// index), or -1 if there is none.
func (f *distField) emptiest(candidate func(k int) bool) int {
	best, bestD := -1, -1.0
	for k, d := range f.dist {
		if f.in[k] && d > bestD && candidate(k) {
			best, bestD = k, d
		}
	}
	return best
}

// ivertex is a grid vertex: column i, row j.
type ivertex struct{ i, j int }

// polygonize traces the boundary of the cells labelled l into an orb multipolygon: exteriors
// counter-clockwise, holes clockwise, collinear vertices merged, rings pinched at a vertex split
// into simple rings so that the result is OGC-valid.
func (g grid) polygonize(labels []int32, l int32) (orb.MultiPolygon, error) {
	type edge struct {
		to   ivertex
		dir  int // 0 E, 1 N, 2 W, 3 S
		used bool
	}
	vid := func(v ivertex) int { return v.j*(g.nx+1) + v.i }
	out := map[int][]*edge{}
	var order []int // vertex ids in creation order, for deterministic tracing
	add := func(from, to ivertex, dir int) {
		id := vid(from)
		if _, ok := out[id]; !ok {
			order = append(order, id)
		}
		out[id] = append(out[id], &edge{to: to, dir: dir})
	}
	lab := func(i, j int) int32 {
		if i < 0 || j < 0 || i >= g.nx || j >= g.ny {
			return -2
		}
		return labels[j*g.nx+i]
	}
	for j := 0; j < g.ny; j++ {
		for i := 0; i < g.nx; i++ {
			if labels[j*g.nx+i] != l {
				continue
			}
			if lab(i, j-1) != l {
				add(ivertex{i, j}, ivertex{i + 1, j}, 0)
			}
			if lab(i+1, j) != l {
				add(ivertex{i + 1, j}, ivertex{i + 1, j + 1}, 1)
			}
			if lab(i, j+1) != l {
				add(ivertex{i + 1, j + 1}, ivertex{i, j + 1}, 2)
			}
			if lab(i-1, j) != l {
				add(ivertex{i, j + 1}, ivertex{i, j}, 3)
			}
		}
	}
	var rings [][]ivertex
	for _, start := range order {
		for _, e0 := range out[start] {
			if e0.used {
				continue
			}
			var ring []ivertex
			cur := ivertex{start % (g.nx + 1), start / (g.nx + 1)}
			e := e0
			for {
				e.used = true
				ring = append(ring, cur)
				cur = e.to
				if vid(cur) == start {
					break
				}
				// Prefer the left turn, then straight, then right.
				var next *edge
				for _, turn := range []int{1, 0, 3} {
					want := (e.dir + turn) % 4
					for _, c := range out[vid(cur)] {
						if !c.used && c.dir == want {
							next = c
							break
						}
					}
					if next != nil {
						break
					}
				}
				if next == nil {
					return nil, fmt.Errorf("label %d: open boundary at vertex (%d, %d)", l, cur.i, cur.j)
				}
				e = next
			}
			rings = append(rings, splitPinches(ring)...)
		}
	}
	// Classify rings by orientation and assign holes to the smallest exterior around them.
	type iring struct {
		v    []ivertex
		area float64 // twice the signed area in cell units
	}
	var ext, holes []iring
	for _, r := range rings {
		r = mergeCollinear(r)
		if len(r) < 4 {
			continue
		}
		a := signedArea2(r)
		switch {
		case a > 0:
			ext = append(ext, iring{r, a})
		case a < 0:
			holes = append(holes, iring{r, a})
		}
	}
	polys := make([]orb.Polygon, len(ext))
	for i, e := range ext {
		polys[i] = orb.Polygon{g.toRing(e.v)}
	}
	for _, h := range holes {
		// The labelled cell left of the hole's first edge is inside the owning exterior.
		a, b := h.v[0], h.v[1]
		dx, dy := sign(b.i-a.i), sign(b.j-a.j)
		px := float64(a.i) + 0.5*float64(dx) - 0.5*float64(dy)
		py := float64(a.j) + 0.5*float64(dy) + 0.5*float64(dx)
		best := -1
		for k, e := range ext {
			if pointInIRing(px, py, e.v) && (best < 0 || e.area < ext[best].area) {
				best = k
			}
		}
		if best < 0 {
			return nil, fmt.Errorf("label %d: a hole has no exterior ring", l)
		}
		polys[best] = append(polys[best], g.toRing(h.v))
	}
	return orb.MultiPolygon(polys), nil
}

func sign(x int) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

func (g grid) toRing(v []ivertex) orb.Ring {
	r := make(orb.Ring, 0, len(v)+1)
	for _, p := range v {
		r = append(r, orb.Point{g.vx(p.i), g.vy(p.j)})
	}
	return append(r, r[0])
}

// splitPinches splits a closed ring that passes a vertex more than once into simple rings.
func splitPinches(ring []ivertex) [][]ivertex {
	var out [][]ivertex
	var stack []ivertex
	pos := map[ivertex]int{}
	for _, v := range ring {
		if p, ok := pos[v]; ok {
			loop := append([]ivertex(nil), stack[p:]...)
			out = append(out, loop)
			for _, w := range stack[p+1:] {
				delete(pos, w)
			}
			stack = stack[:p+1]
			continue
		}
		pos[v] = len(stack)
		stack = append(stack, v)
	}
	if len(stack) > 0 {
		out = append(out, stack)
	}
	return out
}

// mergeCollinear drops vertices between two collinear edges.
func mergeCollinear(r []ivertex) []ivertex {
	n := len(r)
	if n < 3 {
		return r
	}
	out := make([]ivertex, 0, n)
	for k := 0; k < n; k++ {
		a, b, c := r[(k+n-1)%n], r[k], r[(k+1)%n]
		if (b.i-a.i)*(c.j-b.j)-(b.j-a.j)*(c.i-b.i) == 0 {
			continue
		}
		out = append(out, b)
	}
	return out
}

func signedArea2(r []ivertex) float64 {
	var s int64
	for k := range r {
		a, b := r[k], r[(k+1)%len(r)]
		s += int64(a.i)*int64(b.j) - int64(b.i)*int64(a.j)
	}
	return float64(s)
}

func pointInIRing(x, y float64, r []ivertex) bool {
	in := false
	for k := range r {
		a, b := r[k], r[(k+1)%len(r)]
		ay, by := float64(a.j), float64(b.j)
		if (ay > y) != (by > y) {
			xi := float64(a.i) + (y-ay)*float64(b.i-a.i)/(by-ay)
			if x < xi {
				in = !in
			}
		}
	}
	return in
}
