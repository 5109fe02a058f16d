package web

import (
	"fmt"
	"math"
	"sort"
	"sync"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
)

// villageGridCell is the side of a villageGrid cell in degrees (≈ 5.5 km of latitude).
const villageGridCell = 0.05

// villageGrid finds the village-level units with a point near a position: a grid of
// villageGridCell degrees over the tree's villages. Built once per tree.
type villageGrid struct {
	cells map[[2]int32][]*divisions.Division
}

// sharedGrid is a villageGrid built on first use, shared by the OGC data of every snapshot over
// one tree.
type sharedGrid struct {
	once sync.Once
	tree *divisions.Tree
	g    *villageGrid
}

func (s *sharedGrid) get() *villageGrid {
	s.once.Do(func() {
		g := &villageGrid{cells: map[[2]int32][]*divisions.Division{}}
		for _, v := range s.tree.All() {
			if v.Level == divisions.Village && v.HasSeat {
				c := gridCell(v.Seat)
				g.cells[c] = append(g.cells[c], v)
			}
		}
		s.g = g
	})
	return s.g
}

func gridCell(p orb.Point) [2]int32 {
	return [2]int32{int32(math.Floor(p[0] / villageGridCell)), int32(math.Floor(p[1] / villageGridCell))}
}

// within calls fn with every village whose point is within r metres of p (geodesic).
func (g *villageGrid) within(p orb.Point, r float64, fn func(v *divisions.Division)) {
	// a degree of latitude is ≥ 110,574 m; of longitude ≥ 111,319 m·cos φ at the box's
	// highest |φ|
	dLat := r/110_574 + 1e-9
	phi := math.Min(89, math.Abs(p[1])+dLat)
	dLon := r/(111_319*math.Cos(phi*math.Pi/180)) + 1e-9
	lo, hi := gridCell(orb.Point{p[0] - dLon, p[1] - dLat}), gridCell(orb.Point{p[0] + dLon, p[1] + dLat})
	for x := lo[0]; x <= hi[0]; x++ {
		for y := lo[1]; y <= hi[1]; y++ {
			for _, v := range g.cells[[2]int32{x, y}] {
				if _, ok := geo.WithinM(v.Seat, p, r); ok {
					fn(v)
				}
			}
		}
	}
}

// maxSplicedUnits bounds the townships a gap list is recomputed for after a write; past it the
// whole list is recomputed when next asked for.
const maxSplicedUnits = 96

// spliceGaps returns the uncovered villages of kind k after the facility changes, from the list
// before them (old, built) — recomputing only the townships where a village may change: those
// with a village within the coverage reach of a changed facility's position before or after
// (where it counts), and those of listed villages whose nearest facility changed or may now be
// a changed one — and the points of the villages whose tile features changed (joined or left
// the list, or another nearest distance). ok is false when too many townships are touched (the
// caller rebuilds the list).
func (d *ogcData) spliceGaps(old *itemSet, k facilities.Kind, changes []facilityChange, next *snapshot) (set *itemSet, dirty []orb.Point, ok bool) {
	q := &old.gapQ
	reach := gapReach(q)*1.001 + 1
	before, after := d.snap.registry, next.registry
	towns := map[int64]bool{} // township codes as numbers (a village's id / 1000)
	changedIDs := map[int64]bool{}
	var newU []orb.Point
	grid := d.grid.get()
	for _, ch := range changes {
		oldK, newK := ch.old != nil && ch.old.Kind == k, ch.new != nil && ch.new.Kind == k
		if !oldK && !newK {
			continue
		}
		if oldK && newK && ch.old.Point == ch.new.Point && before.Usable(*ch.old) == after.Usable(*ch.new) {
			// attributes only: coverage and distances stay; a listed village shows its nearest
			// facility's name
			if ch.old.Name != ch.new.Name {
				changedIDs[ch.old.ID] = true
			}
			continue
		}
		for _, f := range []*facilities.Facility{ch.old, ch.new} {
			if f != nil && f.Kind == k {
				changedIDs[f.ID] = true // it may be a listed village's nearest
			}
		}
		if oldK && before.Usable(*ch.old) {
			grid.within(ch.old.Point, reach, func(v *divisions.Division) { towns[townOf(v)] = true })
		}
		if newK && after.Usable(*ch.new) {
			grid.within(ch.new.Point, reach, func(v *divisions.Division) { towns[townOf(v)] = true })
			newU = append(newU, ch.new.Point)
		}
		if len(towns) > maxSplicedUnits {
			return nil, nil, false
		}
	}
	if len(towns) == 0 && len(changedIDs) == 0 {
		return old, nil, true // nothing the list shows changed (e.g. beds)
	}
	for i := range old.items {
		if old.items[i].geom == nil || (len(towns) > 0 && towns[old.items[i].id/1000]) {
			continue // no point: no tile feature, and no nearest facility to change
		}
		g := old.items[i].gap
		n := g.Nearest
		stale := n != nil && changedIDs[n.ID]
		for j := 0; !stale && j < len(newU); j++ {
			switch {
			case n == nil:
				stale = true
			case math.Abs(g.Point[1]-newU[j][1])*110_574 > n.DistanceM+1:
				// a degree of latitude is ≥ 110,574 m: farther than the nearest already
			default:
				_, stale = geo.WithinM(g.Point, newU[j], n.DistanceM+1)
			}
		}
		if stale {
			towns[old.items[i].id/1000] = true
			if len(towns) > maxSplicedUnits {
				return nil, nil, false
			}
		}
	}
	oldIn := map[int64]*facilities.VillageResult{} // the listed villages of the recomputed townships
	keep := make([]ogcItem, 0, len(old.items))
	for i := range old.items {
		it := old.items[i]
		if towns[it.id/1000] {
			oldIn[it.id] = it.gap
			continue
		}
		keep = append(keep, it)
	}
	codes := make([]int64, 0, len(towns))
	for c := range towns {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool { return codes[i] < codes[j] })
	var add []ogcItem
	for _, c := range codes {
		code, err := divisions.ParseCode(fmt.Sprintf("%09d", c))
		if err != nil {
			return nil, nil, false
		}
		gaps, err := next.analyzer.Gaps(facilities.Params{Kind: k, Mode: facilities.ModeRadius, Division: code}, false)
		if err != nil {
			return nil, nil, false
		}
		vs := gaps.Villages
		for i := range vs {
			id, err := codeID(vs[i].Code)
			if err != nil {
				return nil, nil, false
			}
			it := ogcItem{id: id, gap: &vs[i], kind: k}
			if vs[i].HasPoint {
				it.geom = vs[i].Point
				it.bound = it.geom.Bound()
			}
			add = append(add, it)
			was, listed := oldIn[id]
			delete(oldIn, id)
			if vs[i].HasPoint && (!listed || !sameGapTile(was, &vs[i])) {
				dirty = append(dirty, vs[i].Point)
			}
		}
	}
	for _, was := range oldIn { // left the list
		if was.HasPoint {
			dirty = append(dirty, was.Point)
		}
	}
	set = &itemSet{gapQ: old.gapQ, items: mergeByID(keep, add)}
	set.finish()
	return set, dirty, true
}

// mergeByID merges items sorted by id with items in any order into one list by id.
func mergeByID(sorted, add []ogcItem) []ogcItem {
	sort.Slice(add, func(i, j int) bool { return add[i].id < add[j].id })
	out := make([]ogcItem, 0, len(sorted)+len(add))
	i, j := 0, 0
	for i < len(sorted) || j < len(add) {
		if j == len(add) || (i < len(sorted) && sorted[i].id < add[j].id) {
			out = append(out, sorted[i])
			i++
		} else {
			out = append(out, add[j])
			j++
		}
	}
	return out
}

// townOf is the number of a village's township code (the first 9 digits of its code).
func townOf(v *divisions.Division) int64 {
	id, err := codeID(v.Code)
	if err != nil {
		return -1
	}
	return id / 1000
}

// sameGapTile reports whether a listed village's tile feature is the same in a and b (what
// tileProps shows: the village's own values, and the nearest distance).
func sameGapTile(a, b *facilities.VillageResult) bool {
	if a.Point != b.Point || a.Elderly != b.Elderly || a.ShortName != b.ShortName || (a.Nearest == nil) != (b.Nearest == nil) {
		return false
	}
	return a.Nearest == nil || a.Nearest.DistanceM == b.Nearest.DistanceM
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
