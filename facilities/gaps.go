package facilities

import (
	"container/heap"
	"sort"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
)

// Gaps is the answer of Analyzer.Gaps: the uncovered village committees, elderly descending
// (ties by code), each with its nearest usable facility, and optionally the clusters.
type Gaps struct {
	Query     Query           `json:"query"`
	Summary   Aggregate       `json:"summary"`
	Villages  []VillageResult `json:"villages"`
	Clusters  []Cluster       `json:"clusters,omitempty"`
	Unplaced  int             `json:"unplaced,omitempty"` // uncovered villages without a point: in no cluster
	Excluded  Excluded        `json:"excluded"`
	ClusterBy string          `json:"cluster_by,omitempty"` // how clusters were formed
}

// Cluster is a group of uncovered villages that one new site at Centre could serve: within the
// radius of Centre (radius modes; × detour) or, in jurisdiction mode, in the same unit.
type Cluster struct {
	Rank         int              `json:"rank"` // 1 = most elderly
	Centre       orb.Point        `json:"centre"`
	CentreCode   divisions.Code   `json:"centre_code"`    // the village whose point is the centre
	Unit         divisions.Code   `json:"unit,omitempty"` // jurisdiction modes: the unit at the level the kind serves
	Villages     []divisions.Code `json:"villages"`       // by code
	Elderly      int64            `json:"elderly"`
	MaxDistanceM float64          `json:"max_distance_m"` // farthest member from Centre, straight-line
}

// Gaps lists the uncovered village committees of p (Params.Nearest is implied) and, when
// clusters is true, groups them into clusters that one new site each could serve.
func (a *Analyzer) Gaps(p Params, clusters bool) (*Gaps, error) {
	q, div, err := a.resolve(p)
	if err != nil {
		return nil, err
	}
	pos, ex := a.selectPos(&q)
	cs, sum := a.coverPass(&q, pos, false, true, true)
	var tgt *Target
	if d := a.cfg.Kinds[q.Kind]; d.Target != nil {
		tgt = d.Target
	}
	finish(&sum, tgt)
	g := &Gaps{Query: q, Summary: sum, Excluded: ex}
	if div != nil {
		g.Summary.Code, g.Summary.Name, g.Summary.Level = div.Code, div.Name, div.Level
	} else {
		g.Summary.Name = "全部"
	}
	// Expand only the uncovered villages, with their nearest facility.
	var upos []int32
	for i, p := range pos {
		if !cs[i].covered {
			upos = append(upos, p)
		}
	}
	g.Villages = a.cover(&q, upos, true)
	sortGaps(g.Villages)
	if clusters {
		if q.Mode == ModeJurisdiction {
			g.Clusters, g.Unplaced = unitClusters(g.Villages, q.Serves)
			g.ClusterBy = "unit: the uncovered villages of one unit at the level the kind serves; centre = the member village with the least elderly-weighted straight-line distance to the others"
		} else {
			g.Clusters, g.Unplaced = radiusClusters(g.Villages, &q)
			g.ClusterBy = "greedy: repeatedly the uncovered village point that reaches the most uncovered elderly within the radius (× detour), with those villages"
			if q.Mode == ModeRadiusInJurisdiction {
				g.ClusterBy += ", all in the centre's unit at the level the kind serves"
			}
		}
	}
	return g, nil
}

// sortGaps orders villages by elderly descending, then code.
func sortGaps(vs []VillageResult) {
	sort.SliceStable(vs, func(i, j int) bool {
		if vs[i].Elderly != vs[j].Elderly {
			return vs[i].Elderly > vs[j].Elderly
		}
		return vs[i].Code < vs[j].Code
	})
}

// radiusClusters forms clusters greedily (lazy greedy on the elderly each candidate centre reaches).
func radiusClusters(un []VillageResult, q *Query) ([]Cluster, int) {
	var pos []int // index into un of villages with a point
	var pts []orb.Point
	unplaced := 0
	for i := range un {
		if un[i].HasPoint {
			pos = append(pos, i)
			pts = append(pts, un[i].Point)
		} else {
			unplaced++
		}
	}
	ix := geo.NewPointIndex(pts)
	nbr := make([][]int32, len(pos)) // candidate k → members (indexes into pos), including k
	parallel(len(pos), func(lo, hi int) {
		for k := lo; k < hi; k++ {
			c := &un[pos[k]]
			unit := unitAt(c.Code, q.Serves)
			ix.Within(c.Point, q.RadiusM, func(j int, d float64) bool {
				m := &un[pos[j]]
				if d*m.Detour <= q.RadiusM && (q.Mode != ModeRadiusInJurisdiction || unitAt(m.Code, q.Serves) == unit) {
					nbr[k] = append(nbr[k], int32(j))
				}
				return true
			})
		}
	})
	taken := make([]bool, len(pos))
	gain := func(k int) (int64, int) {
		var e int64
		n := 0
		for _, j := range nbr[k] {
			if !taken[j] {
				e += un[pos[j]].Elderly
				n++
			}
		}
		return e, n
	}
	h := &candHeap{}
	for k := range pos {
		e, n := gain(k)
		h.items = append(h.items, cand{k: k, elderly: e, n: n, code: un[pos[k]].Code})
	}
	heap.Init(h)
	var out []Cluster
	for h.Len() > 0 {
		top := heap.Pop(h).(cand)
		if taken[top.k] {
			continue
		}
		e, n := gain(top.k)
		cur := cand{k: top.k, elderly: e, n: n, code: top.code}
		if h.Len() > 0 && h.less(cur, h.items[0]) {
			heap.Push(h, cur) // stale: someone else may now be better
			continue
		}
		c := &un[pos[top.k]]
		cl := Cluster{Centre: c.Point, CentreCode: c.Code}
		for _, j := range nbr[top.k] {
			if taken[j] {
				continue
			}
			taken[j] = true
			m := &un[pos[j]]
			cl.Villages = append(cl.Villages, m.Code)
			cl.Elderly += m.Elderly
			if d := distanceM(c.Point, m.Point); d > cl.MaxDistanceM {
				cl.MaxDistanceM = d
			}
		}
		sortCodes(cl.Villages)
		out = append(out, cl)
	}
	rankClusters(out)
	return out, unplaced
}

// unitClusters groups uncovered villages by their unit at level l.
func unitClusters(un []VillageResult, l divisions.Level) ([]Cluster, int) {
	byUnit := map[divisions.Code][]*VillageResult{}
	var units []divisions.Code
	unplaced := 0
	for i := range un {
		r := &un[i]
		if !r.HasPoint {
			unplaced++
			continue
		}
		u := unitAt(r.Code, l)
		if _, ok := byUnit[u]; !ok {
			units = append(units, u)
		}
		byUnit[u] = append(byUnit[u], r)
	}
	var out []Cluster
	for _, u := range units {
		ms := byUnit[u]
		best, bestCost := 0, -1.0
		for i, c := range ms {
			cost := 0.0
			for _, m := range ms {
				cost += float64(m.Elderly+1) * distanceM(c.Point, m.Point)
			}
			if bestCost < 0 || cost < bestCost || (cost == bestCost && c.Code < ms[best].Code) {
				best, bestCost = i, cost
			}
		}
		c := ms[best]
		cl := Cluster{Centre: c.Point, CentreCode: c.Code, Unit: u}
		for _, m := range ms {
			cl.Villages = append(cl.Villages, m.Code)
			cl.Elderly += m.Elderly
			if d := distanceM(c.Point, m.Point); d > cl.MaxDistanceM {
				cl.MaxDistanceM = d
			}
		}
		sortCodes(cl.Villages)
		out = append(out, cl)
	}
	rankClusters(out)
	return out, unplaced
}

func sortCodes(cs []divisions.Code) { sort.Slice(cs, func(i, j int) bool { return cs[i] < cs[j] }) }

// rankClusters orders clusters by elderly descending, then size descending, then centre code.
func rankClusters(cs []Cluster) {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Elderly != cs[j].Elderly {
			return cs[i].Elderly > cs[j].Elderly
		}
		if len(cs[i].Villages) != len(cs[j].Villages) {
			return len(cs[i].Villages) > len(cs[j].Villages)
		}
		return cs[i].CentreCode < cs[j].CentreCode
	})
	for i := range cs {
		cs[i].Rank = i + 1
	}
}

type cand struct {
	k       int
	elderly int64
	n       int
	code    divisions.Code
}

// candHeap is a max-heap on (elderly, villages, -code).
type candHeap struct{ items []cand }

func (h *candHeap) less(x, y cand) bool { // x ranks below y
	if x.elderly != y.elderly {
		return x.elderly < y.elderly
	}
	if x.n != y.n {
		return x.n < y.n
	}
	return x.code > y.code
}
func (h *candHeap) Len() int           { return len(h.items) }
func (h *candHeap) Less(i, j int) bool { return h.less(h.items[j], h.items[i]) }
func (h *candHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *candHeap) Push(x any)         { h.items = append(h.items, x.(cand)) }
func (h *candHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
