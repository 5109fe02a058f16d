package web

import (
	"fmt"
	"hash/fnv"
	"math"
	"sync"
	"sync/atomic"

	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/geo"
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

// cachedTile is an encoded tile of a tileset, raw and gzipped; raw nil is an empty tile. The
// ETag is a hash of the tile's address and raw bytes, so it changes exactly when the bytes do.
type cachedTile struct {
	name    string // the tileset
	tile    maptile.Tile
	raw, gz []byte
	etag    string // strong ETag of raw; the gzip form's is etag with "-gzip"
}

// tileStats counts tile cache lookups and the tiles snapshot steps dropped or carried over
// (metrics, tests); one per server.
type tileStats struct{ hits, misses, dropped, carried atomic.Int64 }

func newCachedTile(name string, t maptile.Tile, key string, raw []byte) (*cachedTile, error) {
	h := fnv.New64a()
	h.Write([]byte(key))
	h.Write([]byte{0})
	h.Write(raw)
	ct := &cachedTile{name: name, tile: t, raw: raw, etag: fmt.Sprintf(`"%x"`, h.Sum64())}
	if raw == nil {
		return ct, nil
	}
	gz, err := gzipBytes(raw)
	if err != nil {
		return nil, fmt.Errorf("gzip tile %s: %w", key, err)
	}
	ct.gz = gz
	return ct, nil
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

func (d *ogcData) storeTile(key string, t *cachedTile) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tiles == nil {
		d.tiles = &tileCache{tiles: map[string]*cachedTile{}}
	}
	if d.tiles.retired {
		return // computed from a snapshot that is no longer served
	}
	n := len(t.raw) + len(t.gz) + len(key)
	if _, dup := d.tiles.tiles[key]; dup || d.tiles.bytes+n > tileCacheBytes {
		return // full: later tiles are encoded on every request
	}
	d.tiles.tiles[key] = t
	d.tiles.bytes += n
}

// tile returns the cached tile under key or encodes it; concurrent first requests for one key
// wait for a single encoding.
func (d *ogcData) tile(name string, t maptile.Tile, key string, stats *tileStats) (*cachedTile, error) {
	if ct, ok := d.cachedTile(key); ok {
		stats.hits.Add(1)
		return ct, nil
	}
	stats.misses.Add(1)
	return d.flight.do(key, func() (*cachedTile, error) {
		if ct, ok := d.cachedTile(key); ok {
			return ct, nil
		}
		b, _, err := d.encodeTile(name, t)
		if err != nil {
			return nil, err
		}
		ct, err := newCachedTile(name, t, key, b)
		if err != nil {
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
// holds one of pts or comes within a disk is stale; all = every tile carrying the layer.
type dirtyRegion struct {
	all   bool
	pts   []orb.Point
	disks []dirtyDisk
}

type dirtyDisk struct {
	c orb.Point
	r float64 // metres
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
	for _, dk := range r.disks {
		q := orb.Point{math.Max(b.Min[0], math.Min(b.Max[0], dk.c[0])), math.Max(b.Min[1], math.Min(b.Max[1], dk.c[1]))}
		// the clamped point is within a few metres of the box's nearest point at these radii:
		// a 2 % + 100 m margin keeps the test on the safe side (a tile too many is re-encoded)
		if q == dk.c || geo.DistanceM(q, dk.c) <= dk.r*1.02+100 {
			return true
		}
	}
	return false
}

// dirtyRegions says, per collection id, where the changes of a step may have changed its tile
// features; collections not named are unchanged. d is the ogcData of the snapshot before the
// step (its gap lists, where built, bound the change of the uncovered-village layers).
func (d *ogcData) dirtyRegions(changes []facilityChange) map[string]*dirtyRegion {
	out := map[string]*dirtyRegion{}
	region := func(id string) *dirtyRegion {
		r := out[id]
		if r == nil {
			r = &dirtyRegion{}
			out[id] = r
		}
		return r
	}
	changedIDs := map[int64]bool{}
	usableNew := map[facilities.Kind][]orb.Point{} // usable positions after the step, by kind
	usableOld := map[facilities.Kind][]orb.Point{}
	reg := d.snap.registry
	for _, ch := range changes {
		for _, f := range []*facilities.Facility{ch.old, ch.new} {
			if f == nil {
				continue
			}
			changedIDs[f.ID] = true
			r := region(string(f.Kind))
			r.pts = append(r.pts, f.Point)
			region("uncovered_" + string(f.Kind)) // the gap layer of every touched kind is examined
		}
		if ch.old != nil && reg.Usable(*ch.old) {
			usableOld[ch.old.Kind] = append(usableOld[ch.old.Kind], ch.old.Point)
		}
		if ch.new != nil && reg.Usable(*ch.new) {
			usableNew[ch.new.Kind] = append(usableNew[ch.new.Kind], ch.new.Point)
		}
	}
	for _, k := range facilities.Kinds() {
		gr := out["uncovered_"+string(k.Kind)]
		if gr == nil {
			continue
		}
		d.gapRegion(gr, k.Kind, changedIDs, usableOld[k.Kind], usableNew[k.Kind])
	}
	for _, r := range out {
		if len(r.pts)+len(r.disks) > maxDirtyPoints {
			r.all, r.pts, r.disks = true, nil, nil
		}
	}
	return out
}

// gapRegion fills r with where the uncovered villages of kind k may change when the facilities
// changedIDs change, usable before at oldU and after at newU: a village joins or leaves the list
// only within the coverage reach of those positions; a listed village's nearest facility (a tile
// property) changes when it was one of the changed ones or a new position is nearer. Without
// the previous gap list at hand, every tile of the layer is stale.
func (d *ogcData) gapRegion(r *dirtyRegion, k facilities.Kind, changedIDs map[int64]bool, oldU, newU []orb.Point) {
	col := d.byID["uncovered_"+string(k)]
	d.mu.Lock()
	set := d.items[col.id]
	d.mu.Unlock()
	if set == nil || !set.ready.Load() || set.err != nil {
		r.all = true
		return
	}
	reach := gapReach(&set.gapQ)
	for _, p := range oldU {
		r.disks = append(r.disks, dirtyDisk{p, reach})
	}
	for _, p := range newU {
		r.disks = append(r.disks, dirtyDisk{p, reach})
	}
	for i := range set.items {
		it := &set.items[i]
		if it.geom == nil {
			continue
		}
		n := it.gap.Nearest
		stale := n != nil && changedIDs[n.ID]
		for j := 0; !stale && j < len(newU); j++ {
			stale = n == nil || geo.DistanceM(it.gap.Point, newU[j]) <= n.DistanceM+1
		}
		if stale {
			r.pts = append(r.pts, it.gap.Point)
			if len(r.pts) > maxDirtyPoints {
				r.all = true
				return
			}
		}
	}
}

// gapReach is the farthest straight-line distance (metres) at which a facility can cover a
// village under q: the radius over the smallest detour factor (detours below 1 stretch it).
func gapReach(q *facilities.Query) float64 {
	minDetour := 1.0
	if q.DetourDefault > 0 {
		minDetour = math.Min(minDetour, q.DetourDefault)
	}
	for _, f := range q.Detour {
		if f > 0 {
			minDetour = math.Min(minDetour, f)
		}
	}
	return q.RadiusM / minDetour
}

// successor returns the OGC data of next, a step of d's snapshot by cs: item lists and extents
// of every collection the changes cannot touch (divisions; facilities and uncovered villages of
// other kinds) are carried over, and so is every cached tile none of whose layers changed where
// the tile lies. d is retired: its tiles are served and stored no more.
func (d *ogcData) successor(next *snapshot, cs *store.ChangeSet, stats *tileStats) *ogcData {
	nd := &ogcData{snap: next, collections: d.collections, byID: d.byID, items: map[string]*itemSet{}}
	changes := facilityChanges(d.snap.registry, cs)
	dirty := d.dirtyRegions(changes)
	d.mu.Lock()
	defer d.mu.Unlock()
	for id, set := range d.items {
		if dirty[id] == nil {
			nd.items[id] = set
		}
	}
	if d.tiles == nil || d.tiles.retired {
		return nd
	}
	nd.tiles, d.tiles = d.tiles, &tileCache{retired: true}
	if len(dirty) == 0 {
		stats.carried.Add(int64(len(nd.tiles.tiles)))
		return nd
	}
	for key, ct := range nd.tiles.tiles {
		if d.tileStale(ct, dirty) {
			delete(nd.tiles.tiles, key)
			nd.tiles.bytes -= len(ct.raw) + len(ct.gz) + len(key)
			stats.dropped.Add(1)
		} else {
			stats.carried.Add(1)
		}
	}
	return nd
}

// tileStale reports whether any layer ct's tileset carries at its zoom changed within its
// buffered bound.
func (d *ogcData) tileStale(ct *cachedTile, dirty map[string]*dirtyRegion) bool {
	cols, _ := d.tileLayers(ct.name, int(ct.tile.Z))
	var b orb.Bound
	bounded := false
	for _, col := range cols {
		r := dirty[col.id]
		if r == nil {
			continue
		}
		if !bounded {
			b, bounded = ct.tile.Bound(tileBuffer), true
		}
		if r.hits(b) {
			return true
		}
	}
	return false
}
