package facilities

import (
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/civplan/civplan/divisions"
	"github.com/paulmach/orb"
)

// randomFacility makes facility id with a random kind, status, place, beds and provenance in a
// small area, so edits move facilities between kinds, units and usability.
func randomFacility(rng *rand.Rand, id int64) Facility {
	kinds := Kinds()
	sts := []Status{StatusOperating, StatusOperating, StatusPlanned, StatusClosed}
	provs := []divisions.Provenance{divisions.Real, divisions.Derived, divisions.Generated}
	code := divisions.Code(fmt.Sprintf("4205261%02d%03d", 1+rng.Intn(3), 200+rng.Intn(4)))
	return Facility{
		ID: id, Kind: kinds[rng.Intn(3)].Kind, Name: fmt.Sprintf("f%d-%d", id, rng.Intn(1000)), DivisionCode: code,
		Point:  orb.Point{110.5 + rng.Float64()*0.5, 31 + rng.Float64()*0.5},
		Status: sts[rng.Intn(len(sts))], Beds: rng.Intn(50), PlanID: int64(rng.Intn(2)),
		Provenance: provs[rng.Intn(len(provs))], Version: id,
	}
}

// kindView is what a kind index holds, in an order independent of how it was built.
type kindView struct {
	IDs     []int64
	Points  map[int64]orb.Point
	Units   map[divisions.Code][]int64
	Weakest divisions.Provenance
	Nearest []int64 // nearest facility id to each probe point
}

func viewKind(r *Registry, k Kind, probes []orb.Point) kindView {
	ki := r.kind(k)
	v := kindView{Points: map[int64]orb.Point{}, Units: map[divisions.Code][]int64{}, Weakest: ki.weakest}
	for _, f := range ki.fs {
		v.IDs = append(v.IDs, f.ID)
		v.Points[f.ID] = f.Point
		if j, ok := ki.pos(f.ID); !ok || ki.fs[j] != f {
			panic("pos does not find the facility")
		}
	}
	if !sort.SliceIsSorted(ki.fs, func(a, b int) bool { return ki.fs[a].ID < ki.fs[b].ID }) {
		panic("fs is not sorted by id")
	}
	sort.Slice(v.IDs, func(a, b int) bool { return v.IDs[a] < v.IDs[b] })
	grouped := 0
	if len(ki.spans) != len(ki.units) || !slices.IsSorted(ki.units) {
		panic("units are not one ascending list with a span each")
	}
	for u, s := range ki.spans {
		js := ki.unitPos[s.lo:s.hi]
		if len(js) == 0 || !slices.IsSorted(js) || (u > 0 && ki.units[u-1] == ki.units[u]) {
			panic("a unit's run is empty, not ascending or listed twice")
		}
		grouped += len(js)
		short := shortAt(ki.fs[js[0]].DivisionCode, ki.info.Serves)
		if !slices.Equal(ki.inUnit(short), js) {
			panic("inUnit does not find the unit's run")
		}
		if k, ok := unitKey(short); !ok || k != ki.units[u] {
			panic("a unit is listed under another key")
		}
		unit := unitAt(ki.fs[js[0]].DivisionCode, ki.info.Serves)
		for _, j := range js {
			if shortAt(ki.fs[j].DivisionCode, ki.info.Serves) != short {
				panic("a facility is listed in another unit")
			}
			v.Units[unit] = append(v.Units[unit], ki.fs[j].ID)
		}
	}
	if grouped != len(ki.unitPos) {
		panic("unit runs overlap or leave gaps")
	}
	for _, p := range probes {
		if j, _, ok := ki.ix.Nearest(p, 0); ok {
			v.Nearest = append(v.Nearest, ki.fs[j].ID)
		} else {
			v.Nearest = append(v.Nearest, 0)
		}
	}
	return v
}

// Apply must give the registry NewRegistry builds from the edited list (the oracle), whatever
// mix of attribute edits, moves, kind and status changes, inserts and deletes, small or large,
// and must leave its input registry as it was (readers of the old snapshot keep their view).
func TestRegistryApplyMatchesRebuild(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	probes := []orb.Point{{110.6, 31.1}, {110.9, 31.4}, {110.75, 31.25}}
	for _, n := range []int{0, 1, 300, 2000} {
		for _, plan := range []int64{0, 1} {
			t.Run(fmt.Sprintf("n=%d plan=%d", n, plan), func(t *testing.T) {
				cur := map[int64]Facility{}
				var fs []Facility
				for i := 0; i < n; i++ {
					f := randomFacility(rng, int64(i*2+1))
					fs = append(fs, f)
					cur[f.ID] = f
				}
				reg := NewRegistry(fs).WithPlanned(plan)
				nextID := int64(n*2 + 1)
				for step := 0; step < 40; step++ {
					before := reg.All()
					beforeCopy := append([]Facility(nil), before...)
					// Build some kinds of the old registry (and leave others unbuilt) to
					// exercise both the pointer swap and the lazy rebuild.
					if step%3 != 0 {
						reg.kind(Kinds()[step%3].Kind)
					}
					var changed []Facility
					var deleted []int64
					edits := 1 + rng.Intn(4)
					if step%10 == 9 {
						edits = 200 // a batch: the full rebuild path
					}
					ids := make([]int64, 0, len(cur))
					for id := range cur {
						ids = append(ids, id)
					}
					sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
					done := map[int64]bool{}
					for e := 0; e < edits; e++ {
						switch op := rng.Intn(10); {
						case op < 2 || len(ids) == 0: // insert (ids mostly above, sometimes in gaps)
							id := nextID
							nextID += 2
							if rng.Intn(3) == 0 {
								id = int64(rng.Intn(int(nextID)))*2 + 2
							}
							if _, exists := cur[id]; exists || done[id] {
								continue
							}
							f := randomFacility(rng, id)
							changed, cur[id], done[id] = append(changed, f), f, true
						case op < 3: // delete
							id := ids[rng.Intn(len(ids))]
							if done[id] {
								continue
							}
							deleted, done[id] = append(deleted, id), true
							delete(cur, id)
						default: // edit: attributes only, or a move/kind/status change
							id := ids[rng.Intn(len(ids))]
							if done[id] {
								continue
							}
							f := cur[id]
							if op < 7 {
								f.Beds, f.Name, f.Provenance = rng.Intn(90), f.Name+"'", []divisions.Provenance{divisions.Real, divisions.Estimated}[rng.Intn(2)]
							} else {
								f = randomFacility(rng, id)
							}
							f.Version = int64(1000 + step)
							changed, cur[id], done[id] = append(changed, f), f, true
						}
					}
					next := reg.Apply(changed, deleted)
					if !sameFacilities(reg.All(), beforeCopy) {
						t.Fatalf("step %d: Apply changed its input registry", step)
					}
					var want []Facility
					for _, f := range cur {
						want = append(want, f)
					}
					oracle := NewRegistry(want).WithPlanned(plan)
					if got := next.All(); !sameFacilities(got, oracle.All()) {
						t.Fatalf("step %d: facilities differ: %d vs %d", step, len(got), oracle.Len())
					}
					if next.Len() != oracle.Len() {
						t.Fatalf("step %d: Len %d, want %d", step, next.Len(), oracle.Len())
					}
					for _, id := range append(deleted, ids[:min(5, len(ids))]...) {
						g, ok1 := next.Get(id)
						w, ok2 := oracle.Get(id)
						if ok1 != ok2 || g != w {
							t.Fatalf("step %d: Get(%d) = %v %v, want %v %v", step, id, g, ok1, w, ok2)
						}
					}
					var eachIDs []int64
					after := int64(rng.Intn(int(nextID) + 1))
					next.Each(after, func(f *Facility) bool { eachIDs = append(eachIDs, f.ID); return true })
					var wantEach []int64
					for _, f := range oracle.All() {
						if f.ID > after {
							wantEach = append(wantEach, f.ID)
						}
					}
					if !reflect.DeepEqual(eachIDs, wantEach) {
						t.Fatalf("step %d: Each(%d) = %v, want %v", step, after, eachIDs, wantEach)
					}
					for _, info := range Kinds() {
						if g, w := viewKind(next, info.Kind, probes), viewKind(oracle, info.Kind, probes); !reflect.DeepEqual(g, w) {
							t.Fatalf("step %d kind %s: index\n%+v\nwant\n%+v", step, info.Kind, g, w)
						}
					}
					for ci, c := range next.chunks {
						if len(c) == 0 || len(c) > 2*chunkSize {
							t.Fatalf("step %d: chunk %d has %d facilities", step, ci, len(c))
						}
					}
					reg = next
				}
			})
		}
	}
}

// sameFacilities compares two lists, nil and empty alike.
func sameFacilities(a, b []Facility) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}
