package web

import (
	"fmt"
	"hash/fnv"
	"sync"
	"sync/atomic"

	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// tileCache holds encoded tiles (raw and gzipped), at most tileCacheBytes. It belongs to one
// ogcData; a snapshot step hands it to the successor's ogcData with the tiles the step changed
// taken out (ogcData.successor), and the old ogcData keeps none (retired).
type tileCache struct {
	tiles   map[string]*cachedTile
	bytes   int
	retired bool // handed on to a successor: nothing is served from or stored here any more
}

// cachedTile is an encoded tile of a tileset: its layers' parts (encodeParts), and the whole
// tile raw and gzipped; raw nil is an empty tile. The ETag is a hash of the tile's address and
// raw bytes, so it changes exactly when the bytes do. A tile some of whose layers a snapshot
// step changed is kept as its parts with those layers marked in redo (no raw, gz or ETag): the
// next request re-encodes only them.
type cachedTile struct {
	name  string // the tileset
	tile  maptile.Tile
	parts [][]byte
	redo  []bool // nil: complete
	raw   []byte
	etag  string // strong ETag of raw; the gzip form's is etag with "-gzip"

	gzMu sync.Mutex
	gz   atomic.Pointer[[]byte] // the gzip form of raw, made on the first request that accepts gzip
}

// gzipped returns the gzip form of the tile (nil for an empty tile), compressing it on first
// use; its bytes are counted against the cache of d when the tile is held there (the count is
// approximate for a tile compressed while a step hands it on).
func (ct *cachedTile) gzipped(d *ogcData, key string) ([]byte, error) {
	if ct.raw == nil {
		return nil, nil
	}
	if p := ct.gz.Load(); p != nil {
		return *p, nil
	}
	ct.gzMu.Lock()
	defer ct.gzMu.Unlock()
	if p := ct.gz.Load(); p != nil {
		return *p, nil
	}
	gz, err := gzipBytes(ct.raw)
	if err != nil {
		return nil, fmt.Errorf("gzip tile %s: %w", key, err)
	}
	ct.gz.Store(&gz)
	d.mu.Lock()
	if d.tiles != nil && !d.tiles.retired && d.tiles.tiles[key] == ct {
		d.tiles.bytes += len(gz)
	}
	d.mu.Unlock()
	return gz, nil
}

// size is the bytes the entry holds under key, counted against tileCacheBytes (the gzip form
// once made).
func (ct *cachedTile) size(key string) int {
	n := len(key) + len(ct.raw) + ct.gzLen()
	for _, p := range ct.parts {
		n += len(p)
	}
	return n
}

// gzLen is the size of the gzip form made so far (0 while none is).
func (ct *cachedTile) gzLen() int {
	if p := ct.gz.Load(); p != nil {
		return len(*p)
	}
	return 0
}

// tileStats counts tile cache lookups and the tiles snapshot steps changed or carried over
// (metrics, tests); one per server.
type tileStats struct{ hits, misses, dropped, carried atomic.Int64 }

func newCachedTile(name string, t maptile.Tile, key string, parts [][]byte) (*cachedTile, error) {
	raw := joinParts(parts)
	h := fnv.New64a()
	h.Write([]byte(key))
	h.Write([]byte{0})
	h.Write(raw)
	return &cachedTile{name: name, tile: t, parts: parts, raw: raw, etag: fmt.Sprintf(`"%x"`, h.Sum64())}, nil
}

func (d *ogcData) cachedTile(key string) (*cachedTile, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tiles == nil || d.tiles.retired {
		return nil, false
	}
	t, ok := d.tiles.tiles[key]
	return t, ok
}

// storeTile keeps t under key, replacing a tile kept as parts to redo.
func (d *ogcData) storeTile(key string, t *cachedTile) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tiles == nil {
		d.tiles = &tileCache{tiles: map[string]*cachedTile{}}
	}
	if d.tiles.retired {
		return // computed from a snapshot that is no longer served
	}
	old, had := d.tiles.tiles[key]
	if had && old.redo == nil {
		return // a concurrent request stored it
	}
	n := t.size(key)
	if had {
		n -= old.size(key)
	}
	if d.tiles.bytes+n > tileCacheBytes {
		if had {
			delete(d.tiles.tiles, key)
			d.tiles.bytes -= old.size(key)
		}
		return // full: later tiles are encoded on every request
	}
	d.tiles.tiles[key] = t
	d.tiles.bytes += n
}

// tile returns the cached tile under key or encodes it (only its layers to redo, when a step
// left it as parts); concurrent requests for one key wait for a single encoding.
func (d *ogcData) tile(name string, t maptile.Tile, key string, stats *tileStats) (*cachedTile, error) {
	if ct, ok := d.cachedTile(key); ok && ct.redo == nil {
		stats.hits.Add(1)
		return ct, nil
	}
	stats.misses.Add(1)
	return d.flight.do(key, func() (*cachedTile, error) {
		ct, ok := d.cachedTile(key)
		if ok && ct.redo == nil {
			return ct, nil
		}
		var reuse [][]byte
		var redo []bool
		if ok {
			reuse, redo = ct.parts, ct.redo
		}
		parts, err := d.encodeParts(name, t, reuse, redo)
		if err != nil {
			return nil, err
		}
		if ct, err = newCachedTile(name, t, key, parts); err != nil {
			return nil, err
		}
		d.storeTile(key, ct)
		return ct, nil
	})
}

// flight runs one computation per key at a time; callers asking for a key being computed wait
// for its result instead of computing it again.
type flight[V any] struct {
	mu sync.Mutex
	m  map[string]*flightCall[V]
}

type flightCall[V any] struct {
	done chan struct{}
	v    V
	err  error
}

func (f *flight[V]) do(key string, fn func() (V, error)) (V, error) {
	f.mu.Lock()
	if c, ok := f.m[key]; ok {
		f.mu.Unlock()
		<-c.done
		return c.v, c.err
	}
	if f.m == nil {
		f.m = map[string]*flightCall[V]{}
	}
	c := &flightCall[V]{done: make(chan struct{})}
	f.m[key] = c
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.m, key)
		f.mu.Unlock()
		close(c.done)
	}()
	c.v, c.err = fn()
	return c.v, c.err
}

// facilityChange is one facility of a change set: its state before (nil: new) and after (nil:
// deleted).
type facilityChange struct{ old, new *facilities.Facility }

// facilityChanges lists the facility changes of cs against the registry before it.
func facilityChanges(before *facilities.Registry, cs *store.ChangeSet) []facilityChange {
	var out []facilityChange
	for i := range cs.Facilities {
		ch := facilityChange{new: &cs.Facilities[i]}
		if old, ok := before.Get(cs.Facilities[i].ID); ok {
			ch.old = &old
		}
		out = append(out, ch)
	}
	for _, id := range cs.Deleted {
		if old, ok := before.Get(id); ok {
			out = append(out, facilityChange{old: &old})
		}
	}
	return out
}

// dirtyRegion is where a layer's features may have changed: every tile whose buffered bound
// holds one of pts is stale; all = every tile carrying the layer.
type dirtyRegion struct {
	all bool
	pts []orb.Point
}

// maxDirtyPoints bounds the points of a region; past it every tile of the layer is dropped.
const maxDirtyPoints = 512

// hits reports whether the tile bound b (the tile's buffered bound) may hold a changed feature.
func (r *dirtyRegion) hits(b orb.Bound) bool {
	if r.all {
		return true
	}
	const eps = 1e-9 // degrees: a point on the edge counts
	b = orb.Bound{Min: orb.Point{b.Min[0] - eps, b.Min[1] - eps}, Max: orb.Point{b.Max[0] + eps, b.Max[1] + eps}}
	for _, p := range r.pts {
		if b.Contains(p) {
			return true
		}
	}
	return false
}

// successorPrep is what ogcData.successor computes before the snapshot swap.
type successorPrep struct {
	next  *snapshot
	items map[string]*itemSet     // item lists of next known already (carried or spliced)
	dirty map[string]*dirtyRegion // per collection id: where its features changed
}

// prepare computes, without holding the server's OGC lock, what the step of d's snapshot to
// next by cs changes: per collection, the region whose tile features may differ, and the item
// lists of next that are known — carried over (divisions; kinds no change touched) or spliced
// (facility lists; the uncovered villages where the list before was built, by spliceGaps).
func (d *ogcData) prepare(next *snapshot, cs *store.ChangeSet) *successorPrep {
	p := &successorPrep{next: next, items: map[string]*itemSet{}, dirty: map[string]*dirtyRegion{}}
	changes := facilityChanges(d.snap.registry, cs)
	touched := map[facilities.Kind]bool{}
	region := func(id string) *dirtyRegion {
		r := p.dirty[id]
		if r == nil {
			r = &dirtyRegion{}
			p.dirty[id] = r
		}
		return r
	}
	for _, ch := range changes {
		for _, f := range []*facilities.Facility{ch.old, ch.new} {
			if f != nil {
				touched[f.Kind] = true
				r := region(string(f.Kind))
				r.pts = append(r.pts, f.Point)
			}
		}
	}
	d.mu.Lock()
	old := make(map[string]*itemSet, len(d.items))
	for id, set := range d.items {
		old[id] = set
	}
	d.mu.Unlock()
	for id, set := range old {
		if col := d.byID[id]; col.source == srcDivisions || !touched[col.kind] {
			p.items[id] = set
		}
	}
	for _, k := range facilities.Kinds() {
		if !touched[k.Kind] {
			continue
		}
		if set := old[string(k.Kind)]; set != nil && set.ready.Load() && set.err == nil {
			p.items[string(k.Kind)] = spliceFacilities(set, k.Kind, changes)
		}
		gid := "uncovered_" + string(k.Kind)
		r := region(gid)
		set := old[gid]
		if set == nil || !set.ready.Load() || set.err != nil {
			r.all = true // no list before the change to compare with: every tile of the layer goes
			continue
		}
		spliced, pts, ok := d.spliceGaps(set, k.Kind, changes, next)
		if !ok {
			r.all = true
			continue
		}
		p.items[gid] = spliced
		r.pts = pts
	}
	for _, r := range p.dirty {
		if len(r.pts) > maxDirtyPoints {
			r.all, r.pts = true, nil
		}
	}
	return p
}

// spliceFacilities is the item list of facility kind k after the changes: old's items without
// the changed facilities, with the changed ones now of kind k, by id.
func spliceFacilities(old *itemSet, k facilities.Kind, changes []facilityChange) *itemSet {
	gone := map[int64]bool{}
	var add []ogcItem
	for _, ch := range changes {
		for _, f := range []*facilities.Facility{ch.old, ch.new} {
			if f != nil {
				gone[f.ID] = true
			}
		}
		if ch.new != nil && ch.new.Kind == k {
			f := *ch.new
			add = append(add, ogcItem{id: f.ID, geom: f.Point, bound: f.Point.Bound(), fac: &f})
		}
	}
	keep := make([]ogcItem, 0, len(old.items))
	for _, it := range old.items {
		if !gone[it.id] {
			keep = append(keep, it)
		}
	}
	set := &itemSet{items: mergeByID(keep, add)}
	set.finish()
	return set
}

// successor returns the OGC data of p.next from d: the item lists p knows, and every cached tile
// none of whose layers changed where the tile lies. d is retired: its tiles are served and
// stored no more. The caller holds the server's OGC lock (a short pass over the cached tiles).
func (d *ogcData) successor(p *successorPrep, stats *tileStats) *ogcData {
	nd := &ogcData{snap: p.next, collections: d.collections, byID: d.byID, items: p.items, grid: d.grid}
	if d.snap.tree != p.next.tree {
		nd.grid = &sharedGrid{tree: p.next.tree}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tiles == nil || d.tiles.retired {
		return nd
	}
	nd.tiles, d.tiles = d.tiles, &tileCache{retired: true}
	if len(p.dirty) == 0 {
		stats.carried.Add(int64(len(nd.tiles.tiles)))
		return nd
	}
	for key, ct := range nd.tiles.tiles {
		redo := d.staleLayers(ct, p.dirty)
		if redo == nil {
			stats.carried.Add(1)
			continue
		}
		stats.dropped.Add(1)
		if ct.redo != nil { // already parts: more layers to redo
			for i := range redo {
				redo[i] = redo[i] || ct.redo[i]
			}
		}
		kept := &cachedTile{name: ct.name, tile: ct.tile, parts: ct.parts, redo: redo}
		nd.tiles.bytes += kept.size(key) - ct.size(key)
		nd.tiles.tiles[key] = kept
	}
	return nd
}

// staleLayers marks the layers of ct's tileset at its zoom that changed within its buffered
// bound; nil when none did.
func (d *ogcData) staleLayers(ct *cachedTile, dirty map[string]*dirtyRegion) []bool {
	cols, _ := d.tileLayers(ct.name, int(ct.tile.Z))
	var b orb.Bound
	bounded := false
	var redo []bool
	for i, col := range cols {
		r := dirty[col.id]
		if r == nil {
			continue
		}
		if !bounded {
			b, bounded = ct.tile.Bound(tileBuffer), true
		}
		if r.hits(b) {
			if redo == nil {
				redo = make([]bool, len(cols))
			}
			redo[i] = true
		}
	}
	return redo
}
