package facilities

import (
	"cmp"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
)

// Registry is an immutable set of facilities with a point index per kind over the facilities
// that count for coverage ("usable"): operating ones, plus the planned facilities of one saved
// plan when built with WithPlanned. Safe for concurrent readers. Apply makes a copy-on-write
// successor: the facilities live in chunks by id that successors share, and a kind's index is
// reused (a pointer swapped for an attribute change) or rebuilt on first use.
type Registry struct {
	chunks [][]Facility // every facility sorted by id, in chunks of at most 2·chunkSize; never modified once published
	n      int
	planID int64
	kinds  map[Kind]*kindSlot // one per kind of Kinds()

	flatOnce sync.Once
	flat     []Facility // All(), materialised on first use
}

// chunkSize is the target length of a chunk: an Apply of one facility copies one chunk
// (≈ 45 KB) and the chunk list (n/chunkSize pointers).
const chunkSize = 256

// kindSlot holds the index of one kind, built on first use from the registry it was made for.
type kindSlot struct {
	once  sync.Once
	built atomic.Bool // set once ki is ready
	info  KindInfo
	src   *Registry // cleared once built
	ki    *kindIndex
}

// index returns the kind's index, building it on first use.
func (s *kindSlot) index() *kindIndex {
	s.once.Do(func() {
		s.ki = s.src.buildKind(s.info)
		s.src = nil
		s.built.Store(true)
	})
	return s.ki
}

// builtSlot is a slot holding a ready index.
func builtSlot(ki *kindIndex) *kindSlot {
	s := &kindSlot{info: ki.info, ki: ki}
	s.once.Do(func() {})
	s.built.Store(true)
	return s
}

// kindIndex holds the usable facilities of one kind.
type kindIndex struct {
	info    KindInfo
	fs      []*Facility          // the usable facilities, sorted by id (pointing into registry chunks)
	prov    provClasses          // fs[i].Provenance, read without following fs[i] (hot path)
	ix      *geo.PointIndex      // over fs[i].Point
	units   []uint64             // units at info.Serves with a usable facility, as unitKey, ascending
	spans   []span               // spans[u] is units[u]'s run of unitPos
	unitPos []int32              // positions in fs grouped by unit (units' order), ascending within a unit
	weakest divisions.Provenance // weakest provenance over the usable facilities of the kind
	// order lists positions in fs sorted by division code, built on first use (unitRange);
	// shared by swapped copies, whose positions and codes are the same.
	order *codeOrder
}

// codeOrder is a lazily built permutation of a kind's facilities by division code.
type codeOrder struct {
	once sync.Once
	idx  []int32
}

// within calls fn for every usable facility registered within unit u at level l (those whose
// unitAt(…, l) is u), through the division-code order: O(log n + matches).
func (ki *kindIndex) within(u divisions.Code, l divisions.Level, fn func(f *Facility)) {
	sh := shortAt(u, l)
	if sh == "" || ki.order == nil {
		return
	}
	o := ki.order
	o.once.Do(func() {
		o.idx = make([]int32, len(ki.fs))
		for i := range o.idx {
			o.idx[i] = int32(i)
		}
		sort.Slice(o.idx, func(a, b int) bool { return ki.fs[o.idx[a]].DivisionCode < ki.fs[o.idx[b]].DivisionCode })
	})
	lo := sort.Search(len(o.idx), func(i int) bool { return string(ki.fs[o.idx[i]].DivisionCode) >= sh })
	for _, j := range o.idx[lo:] {
		f := ki.fs[j]
		if !strings.HasPrefix(string(f.DivisionCode), sh) {
			return
		}
		if shortAt(f.DivisionCode, l) == sh {
			fn(f)
		}
	}
}

// NewRegistry indexes a copy of fs. Facilities with an unknown kind are kept for listing but never
// count for coverage; a facility's division_code is expected in 12-digit form. Of several
// facilities with one id the last wins.
func NewRegistry(fs []Facility) *Registry {
	return NewRegistryOwning(append([]Facility(nil), fs...))
}

// NewRegistryOwning is NewRegistry without the copy, for a slice nobody else holds (a store's
// whole read): the registry takes fs over, sorting it in place unless it is already sorted by
// unique id, so the caller must not use fs afterwards.
func NewRegistryOwning(fs []Facility) *Registry {
	sorted := true
	for i := 1; i < len(fs) && sorted; i++ {
		sorted = fs[i-1].ID < fs[i].ID
	}
	if sorted {
		return fromSorted(fs, 0)
	}
	all := fs
	sort.SliceStable(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	w := 0
	for i := range all {
		if w > 0 && all[w-1].ID == all[i].ID {
			all[w-1] = all[i]
			continue
		}
		all[w] = all[i]
		w++
	}
	return fromSorted(all[:w], 0)
}

// fromSorted makes a registry over all (sorted by unique id; owned by the registry).
func fromSorted(all []Facility, planID int64) *Registry {
	r := &Registry{n: len(all), planID: planID}
	for lo := 0; lo < len(all); lo += chunkSize {
		r.chunks = append(r.chunks, all[lo:min(lo+chunkSize, len(all)):min(lo+chunkSize, len(all))])
	}
	r.resetKinds()
	return r
}

// resetKinds gives r a fresh, unbuilt slot for every kind.
func (r *Registry) resetKinds() {
	r.kinds = make(map[Kind]*kindSlot, len(kindInfos))
	for _, info := range kindInfos {
		r.kinds[info.Kind] = &kindSlot{info: info, src: r}
	}
}

// kind returns the index of kind k (nil for an unknown kind).
func (r *Registry) kind(k Kind) *kindIndex {
	if s := r.kinds[k]; s != nil {
		return s.index()
	}
	return nil
}

// span is a run lo:hi of kindIndex.unitPos.
type span struct{ lo, hi int32 }

// inUnit returns the positions in fs (ascending) of the usable facilities registered in the
// unit with significant digits short (shortAt at info.Serves); nil for none. Shared: do not modify.
func (ki *kindIndex) inUnit(short string) []int32 {
	k, ok := unitKey(short)
	if !ok {
		return nil
	}
	if u, found := slices.BinarySearch(ki.units, k); found {
		s := ki.spans[u]
		return ki.unitPos[s.lo:s.hi:s.hi]
	}
	return nil
}

// unitKey is the number the significant digits of a unit's code spell (codes of one level have
// the same number of digits, so numeric order is code order); ok is false for "" or a non-digit.
func unitKey(short string) (uint64, bool) {
	if short == "" || len(short) > 19 {
		return 0, false
	}
	var k uint64
	for i := 0; i < len(short); i++ {
		d := short[i] - '0'
		if d > 9 {
			return 0, false
		}
		k = k*10 + uint64(d)
	}
	return k, true
}

// provClasses holds one provenance per facility of a kind as a one-byte class, so that a pass
// over hundreds of thousands of villages reads a 1-byte array (which stays in cache) instead of
// a 16-byte string per facility at random places. A kind with more than provOverflow distinct
// provenances (never in practice: there are four grades) keeps the rest in other.
type provClasses struct {
	class []uint8
	tab   []divisions.Provenance // class → provenance (at most provOverflow entries)
	other map[int]divisions.Provenance
}

// provOverflow is the class of a facility whose provenance is in provClasses.other.
const provOverflow = 255

// at returns the provenance of facility i.
func (pc *provClasses) at(i int32) divisions.Provenance {
	if c := pc.class[i]; c != provOverflow {
		return pc.tab[c]
	}
	return pc.other[int(i)]
}

// classOf returns p's class, adding it to the table when there is room.
func (pc *provClasses) classOf(p divisions.Provenance) uint8 {
	for c, q := range pc.tab {
		if q == p {
			return uint8(c)
		}
	}
	if len(pc.tab) < provOverflow {
		pc.tab = append(pc.tab, p)
		return uint8(len(pc.tab) - 1)
	}
	return provOverflow
}

// add appends the provenance of the next facility.
func (pc *provClasses) add(p divisions.Provenance) {
	pc.class = append(pc.class, 0)
	pc.set(len(pc.class)-1, p)
}

// set records p as the provenance of facility i.
func (pc *provClasses) set(i int, p divisions.Provenance) {
	c := pc.classOf(p)
	pc.class[i] = c
	if c == provOverflow {
		if pc.other == nil {
			pc.other = map[int]divisions.Provenance{}
		}
		pc.other[i] = p
	} else if pc.other != nil {
		delete(pc.other, i)
	}
}

// clone returns a copy that set can change without touching pc.
func (pc *provClasses) clone() provClasses {
	c := provClasses{class: slices.Clone(pc.class), tab: slices.Clone(pc.tab)}
	if pc.other != nil {
		c.other = maps.Clone(pc.other)
	}
	return c
}

// pos returns the position in fs of the facility with id, by binary search (fs is sorted by id).
func (ki *kindIndex) pos(id int64) (int, bool) {
	j := sort.Search(len(ki.fs), func(i int) bool { return ki.fs[i].ID >= id })
	return j, j < len(ki.fs) && ki.fs[j].ID == id
}

// buildKind indexes the usable facilities of one kind: a point index, and the facilities
// grouped by unit in sorted arrays (no map and nothing allocated per unit).
func (r *Registry) buildKind(info KindInfo) *kindIndex {
	ki := &kindIndex{info: info, order: &codeOrder{}}
	var pts []orb.Point
	type keyed struct {
		key uint64
		pos int32
	}
	var byKey []keyed
	for _, c := range r.chunks {
		for i := range c {
			f := &c[i]
			if f.Kind != info.Kind || !r.usable(f) {
				continue
			}
			if k, ok := unitKey(shortAt(f.DivisionCode, info.Serves)); ok {
				byKey = append(byKey, keyed{k, int32(len(ki.fs))})
			}
			ki.fs = append(ki.fs, f)
			ki.prov.add(f.Provenance)
			ki.weakest = divisions.Weakest(ki.weakest, f.Provenance)
			pts = append(pts, f.Point)
		}
	}
	// By unit, then position: a stable order, so each unit's run is ascending.
	slices.SortFunc(byKey, func(a, b keyed) int {
		if a.key != b.key {
			return cmp.Compare(a.key, b.key)
		}
		return cmp.Compare(a.pos, b.pos)
	})
	ki.unitPos = make([]int32, len(byKey))
	for i, e := range byKey {
		ki.unitPos[i] = e.pos
		if n := len(ki.units); n == 0 || ki.units[n-1] != e.key {
			ki.units = append(ki.units, e.key)
			ki.spans = append(ki.spans, span{int32(i), int32(i)})
		}
		ki.spans[len(ki.spans)-1].hi++
	}
	ki.ix = geo.NewPointIndex(pts)
	return ki
}

// Warm builds the index of every kind now instead of on first use (a server calls it in the
// background after loading a snapshot, so that the first coverage answer does not pay for it).
func (r *Registry) Warm() {
	for _, info := range kindInfos {
		r.kind(info.Kind)
	}
}

// WithPlanned returns a registry in which the planned facilities of saved plan planID (status
// planned, PlanID == planID) also count as usable; planID ≤ 0 returns the operating-only view.
func (r *Registry) WithPlanned(planID int64) *Registry {
	if planID < 0 {
		planID = 0
	}
	if planID == r.planID {
		return r
	}
	v := &Registry{chunks: r.chunks, n: r.n, planID: planID}
	v.resetKinds()
	return v
}

// Apply returns a successor of r in which the facilities of changed replace those with their
// ids (or are added) and the facilities with the ids in deleted are gone; r is unchanged.
// Kinds no change touches share r's indexes; a change of attributes only (not kind, point,
// division or whether it counts) swaps one pointer in its kind's index; other touched kinds
// are rebuilt on first use. A large change rebuilds everything.
func (r *Registry) Apply(changed []Facility, deleted []int64) *Registry {
	if len(changed)+len(deleted) == 0 {
		return r
	}
	if len(changed)+len(deleted) > 64 && (len(changed)+len(deleted))*16 > r.n {
		return r.rebuildWith(changed, deleted)
	}
	next := &Registry{chunks: append([][]Facility(nil), r.chunks...), n: r.n, planID: r.planID}
	copied := map[int]bool{} // chunks already copied for this successor
	type touch struct {
		old *Facility // nil: new
		pos int       // the changed facility's index in changed (-1: deleted)
	}
	var touched []touch
	for _, id := range deleted {
		if old, ok := r.Get(id); ok {
			o := old
			touched = append(touched, touch{&o, -1})
			next.remove(id, copied)
		}
	}
	for i := range changed {
		var o *Facility
		if old, ok := next.Get(changed[i].ID); ok {
			o = &old
		}
		touched = append(touched, touch{o, i})
		next.upsert(changed[i], copied)
	}
	// Decide per kind: keep the slot, swap pointers, or rebuild.
	rebuild := map[Kind]bool{}
	swap := map[Kind][]int64{}
	for _, t := range touched {
		var nf *Facility
		if t.pos >= 0 {
			nf = &changed[t.pos]
		}
		oldU := t.old != nil && r.usable(t.old)
		newU := nf != nil && r.usable(nf)
		switch {
		case oldU && newU && t.old.Kind == nf.Kind && t.old.Point == nf.Point && t.old.DivisionCode == nf.DivisionCode:
			swap[nf.Kind] = append(swap[nf.Kind], nf.ID)
		default:
			if oldU {
				rebuild[t.old.Kind] = true
			}
			if newU {
				rebuild[nf.Kind] = true
			}
		}
	}
	next.kinds = make(map[Kind]*kindSlot, len(r.kinds))
	for k, s := range r.kinds {
		switch {
		case rebuild[k]:
			next.kinds[k] = &kindSlot{info: s.info, src: next}
		case len(swap[k]) > 0:
			next.kinds[k] = next.swapped(s, swap[k])
		default:
			next.kinds[k] = s
		}
	}
	return next
}

// swapped returns a slot for kind s whose index is s's with the facilities ids pointing at
// their versions in r (same positions, points and units; provenance recomputed). An unbuilt s
// gives an unbuilt slot over r.
func (r *Registry) swapped(s *kindSlot, ids []int64) *kindSlot {
	if !s.built.Load() { // nothing built to reuse: build r's own on first use
		return &kindSlot{info: s.info, src: r}
	}
	old := s.ki
	ki := *old
	ki.fs = append([]*Facility(nil), old.fs...)
	ki.prov = old.prov.clone()
	for _, id := range ids {
		j, ok := old.pos(id)
		if !ok {
			continue
		}
		ci, i := r.find(id)
		if ci < 0 {
			continue
		}
		ki.fs[j] = &r.chunks[ci][i]
		ki.prov.set(j, ki.fs[j].Provenance)
	}
	ki.weakest = ""
	for _, f := range ki.fs {
		ki.weakest = divisions.Weakest(ki.weakest, f.Provenance)
	}
	return builtSlot(&ki)
}

// rebuildWith is Apply by a full rebuild.
func (r *Registry) rebuildWith(changed []Facility, deleted []int64) *Registry {
	gone := make(map[int64]bool, len(deleted)+len(changed))
	for _, id := range deleted {
		gone[id] = true
	}
	for i := range changed {
		gone[changed[i].ID] = true
	}
	all := make([]Facility, 0, r.n+len(changed))
	for _, c := range r.chunks {
		for i := range c {
			if !gone[c[i].ID] {
				all = append(all, c[i])
			}
		}
	}
	all = append(all, changed...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	return fromSorted(all, r.planID)
}

// find locates id: the chunk index and the position in it, or (-1, -1).
func (r *Registry) find(id int64) (int, int) {
	ci := sort.Search(len(r.chunks), func(i int) bool { c := r.chunks[i]; return c[len(c)-1].ID >= id })
	if ci == len(r.chunks) {
		return -1, -1
	}
	c := r.chunks[ci]
	i := sort.Search(len(c), func(i int) bool { return c[i].ID >= id })
	if i == len(c) || c[i].ID != id {
		return -1, -1
	}
	return ci, i
}

// own returns chunk ci of a successor under construction, copied once so it can be modified.
func (r *Registry) own(ci int, copied map[int]bool, extra int) []Facility {
	if !copied[ci] {
		c := r.chunks[ci]
		r.chunks[ci] = append(make([]Facility, 0, len(c)+extra), c...)
		copied[ci] = true
	}
	return r.chunks[ci]
}

// upsert puts f into a successor under construction (replacing the facility with its id).
func (r *Registry) upsert(f Facility, copied map[int]bool) {
	if ci, i := r.find(f.ID); ci >= 0 {
		r.own(ci, copied, 0)[i] = f
		return
	}
	r.n++
	if len(r.chunks) == 0 {
		r.chunks = [][]Facility{{f}}
		copied[0] = true
		return
	}
	// The chunk whose range should hold f: the first whose last id is above f.ID, else the last.
	ci := sort.Search(len(r.chunks), func(i int) bool { c := r.chunks[i]; return c[len(c)-1].ID > f.ID })
	if ci == len(r.chunks) {
		ci--
		if len(r.chunks[ci]) >= chunkSize { // appending past the end: start a new chunk
			r.chunks = append(r.chunks, []Facility{f})
			copied[len(r.chunks)-1] = true
			return
		}
	}
	c := r.own(ci, copied, 1)
	i := sort.Search(len(c), func(i int) bool { return c[i].ID > f.ID })
	c = append(c, Facility{})
	copy(c[i+1:], c[i:])
	c[i] = f
	r.chunks[ci] = c
	if len(c) > 2*chunkSize { // split an overfull chunk
		a := append([]Facility(nil), c[:len(c)/2]...)
		b := append([]Facility(nil), c[len(c)/2:]...)
		r.chunks = append(r.chunks[:ci], append([][]Facility{a, b}, r.chunks[ci+1:]...)...)
		shifted := map[int]bool{}
		for k := range copied {
			if k > ci {
				shifted[k+1] = true
			} else {
				shifted[k] = true
			}
		}
		shifted[ci+1] = true
		clear(copied)
		for k := range shifted {
			copied[k] = true
		}
	}
}

// remove deletes id from a successor under construction (no-op if absent).
func (r *Registry) remove(id int64, copied map[int]bool) {
	ci, i := r.find(id)
	if ci < 0 {
		return
	}
	r.n--
	c := r.own(ci, copied, 0)
	c = append(c[:i], c[i+1:]...)
	if len(c) > 0 {
		r.chunks[ci] = c
		return
	}
	r.chunks = append(r.chunks[:ci], r.chunks[ci+1:]...)
	shifted := map[int]bool{}
	for k := range copied {
		switch {
		case k > ci:
			shifted[k-1] = true
		case k < ci:
			shifted[k] = true
		}
	}
	clear(copied)
	for k := range shifted {
		copied[k] = true
	}
}

// PlanID is the plan whose planned facilities count as usable (0 = none).
func (r *Registry) PlanID() int64 { return r.planID }

// usable reports whether f counts for coverage and accessibility.
func (r *Registry) usable(f *Facility) bool {
	return f.Status == StatusOperating || (r.planID > 0 && f.PlanID == r.planID && f.Status == StatusPlanned)
}

// Usable reports whether f counts for coverage in this registry (operating, or planned in its plan).
func (r *Registry) Usable(f Facility) bool { return r.usable(&f) }

// Len is the number of facilities (every status).
func (r *Registry) Len() int { return r.n }

// All returns every facility sorted by id. The slice is shared: do not modify it. The first
// call on a registry made by Apply copies every facility once.
func (r *Registry) All() []Facility {
	r.flatOnce.Do(func() {
		if len(r.chunks) == 1 {
			r.flat = r.chunks[0]
			return
		}
		r.flat = make([]Facility, 0, r.n)
		for _, c := range r.chunks {
			r.flat = append(r.flat, c...)
		}
	})
	return r.flat
}

// Each calls fn with every facility whose id is above after, ascending, until fn returns
// false. fn must not modify the facility; the pointer stays valid (registries never change).
func (r *Registry) Each(after int64, fn func(f *Facility) bool) {
	ci := sort.Search(len(r.chunks), func(i int) bool { c := r.chunks[i]; return c[len(c)-1].ID > after })
	for ; ci < len(r.chunks); ci++ {
		c := r.chunks[ci]
		i := 0
		if c[0].ID <= after {
			i = sort.Search(len(c), func(i int) bool { return c[i].ID > after })
		}
		for ; i < len(c); i++ {
			if !fn(&c[i]) {
				return
			}
		}
	}
}

// Get returns the facility with id, or ok=false.
func (r *Registry) Get(id int64) (Facility, bool) {
	ci, i := r.find(id)
	if ci < 0 {
		return Facility{}, false
	}
	return r.chunks[ci][i], true
}

// UsableOf returns the usable facilities of kind k sorted by id (nil for an unknown kind).
func (r *Registry) UsableOf(k Kind) []Facility {
	ki := r.kind(k)
	if ki == nil {
		return nil
	}
	out := make([]Facility, len(ki.fs))
	for j, f := range ki.fs {
		out[j] = *f
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out
}

// Filter selects facilities for listing; zero fields do not filter. Division matches facilities
// registered in that unit or any unit below it; BBox matches points inside it (edges included).
type Filter struct {
	Kind     Kind
	Status   Status
	Division divisions.Code
	BBox     *orb.Bound
}

// List returns the facilities matching f, sorted by id.
func (r *Registry) List(f Filter) []Facility {
	var out []Facility
	r.Each(0, func(x *Facility) bool {
		if (f.Kind == "" || x.Kind == f.Kind) && (f.Status == "" || x.Status == f.Status) &&
			(f.Division == "" || codeWithin(x.DivisionCode, f.Division)) && (f.BBox == nil || f.BBox.Contains(x.Point)) {
			out = append(out, *x)
		}
		return true
	})
	return out
}

// InDivision returns the facilities registered in code or below it (every kind and status), by id.
func (r *Registry) InDivision(code divisions.Code) []Facility { return r.List(Filter{Division: code}) }

// codeLen is the significant length of a 12-digit code at each level.
var codeLen = [...]int{0, 2, 4, 6, 9, 12}

// unitAt returns the 12-digit code of c's unit at level l ("" if c is malformed or above l).
func unitAt(c divisions.Code, l divisions.Level) divisions.Code {
	if len(c) != 12 || l < divisions.Province || l > divisions.Village || c.Level() < l {
		return ""
	}
	n := codeLen[l]
	return c[:n] + divisions.Code("000000000000"[:12-n])
}

// shortAt returns the significant digits of c's unit at level l, a substring of c ("" if c is
// malformed or above l); unlike unitAt it never allocates.
func shortAt(c divisions.Code, l divisions.Level) string {
	if len(c) != 12 || l < divisions.Province || l > divisions.Village || c.Level() < l {
		return ""
	}
	return string(c[:codeLen[l]])
}

// codeWithin is divisions.Code.Within that tolerates malformed codes (false instead of a panic).
func codeWithin(c, anc divisions.Code) bool {
	if len(c) != 12 || len(anc) != 12 {
		return false
	}
	return c.Within(anc)
}
