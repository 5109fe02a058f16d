package facilities

import (
	"sort"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
)

// Registry is an immutable set of facilities with a point index per kind over the facilities
// that count for coverage ("usable"): operating ones, plus the planned facilities of one saved
// plan when built with WithPlanned. Safe for concurrent readers.
type Registry struct {
	fs     []Facility // sorted by id
	byID   map[int64]int
	planID int64
	kinds  map[Kind]*kindIndex
}

// kindIndex holds the usable facilities of one kind.
type kindIndex struct {
	info    KindInfo
	pos     []int                    // positions in Registry.fs, in index order
	ix      *geo.PointIndex          // over fs[pos[i]].Point
	byUnit  map[divisions.Code][]int // unit at info.Serves → indexes into pos
	byShort map[string][]int         // the same keyed by the unit's significant digits (no allocation to look up)
	weakest divisions.Provenance     // weakest provenance over the usable facilities of the kind
}

// NewRegistry indexes a copy of fs. Facilities with an unknown kind are kept for listing but never
// count for coverage; a facility's division_code is expected in 12-digit form.
func NewRegistry(fs []Facility) *Registry { return newRegistry(fs, 0) }

func newRegistry(fs []Facility, planID int64) *Registry {
	r := &Registry{fs: append([]Facility(nil), fs...), planID: planID, kinds: map[Kind]*kindIndex{}}
	sort.SliceStable(r.fs, func(i, j int) bool { return r.fs[i].ID < r.fs[j].ID })
	r.byID = make(map[int64]int, len(r.fs))
	for i, f := range r.fs {
		r.byID[f.ID] = i
	}
	for _, info := range Kinds() {
		ki := &kindIndex{info: info, byUnit: map[divisions.Code][]int{}, byShort: map[string][]int{}}
		var pts []orb.Point
		for i := range r.fs {
			f := &r.fs[i]
			if f.Kind != info.Kind || !r.usable(f) {
				continue
			}
			if u := unitAt(f.DivisionCode, info.Serves); u != "" {
				ki.byUnit[u] = append(ki.byUnit[u], len(ki.pos))
				ki.byShort[string(u[:codeLen[info.Serves]])] = ki.byUnit[u]
			}
			ki.pos = append(ki.pos, i)
			ki.weakest = divisions.Weakest(ki.weakest, f.Provenance)
			pts = append(pts, f.Point)
		}
		ki.ix = geo.NewPointIndex(pts)
		r.kinds[info.Kind] = ki
	}
	return r
}

// WithPlanned returns a registry in which the planned facilities of saved plan planID (status
// planned, PlanID == planID) also count as usable; planID ≤ 0 returns the operating-only view.
func (r *Registry) WithPlanned(planID int64) *Registry {
	if planID <= 0 {
		if r.planID == 0 {
			return r
		}
		return newRegistry(r.fs, 0)
	}
	return newRegistry(r.fs, planID)
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
func (r *Registry) Len() int { return len(r.fs) }

// All returns every facility sorted by id. The slice is shared: do not modify it.
func (r *Registry) All() []Facility { return r.fs }

// Get returns the facility with id, or ok=false.
func (r *Registry) Get(id int64) (Facility, bool) {
	i, ok := r.byID[id]
	if !ok {
		return Facility{}, false
	}
	return r.fs[i], true
}

// UsableOf returns the usable facilities of kind k sorted by id (nil for an unknown kind).
func (r *Registry) UsableOf(k Kind) []Facility {
	ki := r.kinds[k]
	if ki == nil {
		return nil
	}
	out := make([]Facility, len(ki.pos))
	for j, p := range ki.pos {
		out[j] = r.fs[p]
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
	for _, x := range r.fs {
		if f.Kind != "" && x.Kind != f.Kind {
			continue
		}
		if f.Status != "" && x.Status != f.Status {
			continue
		}
		if f.Division != "" && !codeWithin(x.DivisionCode, f.Division) {
			continue
		}
		if f.BBox != nil && !f.BBox.Contains(x.Point) {
			continue
		}
		out = append(out, x)
	}
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
