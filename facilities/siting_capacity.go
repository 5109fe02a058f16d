package facilities

import (
	"fmt"
	"math"
	"slices"

	"github.com/civplan/civplan/divisions"
)

// flowNet is a max-flow network (Dinic) with int64 capacities that can grow between runs: new
// edges may be added after a flow was computed and MaxFlow continues from the current flow.
type flowNet struct {
	head  []int32
	next  []int32
	to    []int32
	cap   []int64 // residual capacity
	level []int32
	it    []int32
}

func newFlowNet(n int) *flowNet {
	f := &flowNet{head: make([]int32, n)}
	for i := range f.head {
		f.head[i] = -1
	}
	return f
}

func (f *flowNet) addNode() int {
	f.head = append(f.head, -1)
	return len(f.head) - 1
}

// addEdge adds u→v with capacity c and returns the edge index (its reverse is index+1).
func (f *flowNet) addEdge(u, v int, c int64) int {
	e := len(f.to)
	f.to = append(f.to, int32(v), int32(u))
	f.cap = append(f.cap, c, 0)
	f.next = append(f.next, f.head[u], f.head[v])
	f.head[u], f.head[v] = int32(e), int32(e+1)
	return e
}

// flowOn is the flow on edge e (the residual capacity of its reverse).
func (f *flowNet) flowOn(e int) int64 { return f.cap[e+1] }

func (f *flowNet) bfs(s, t int) bool {
	n := len(f.head)
	f.level = slices.Grow(f.level[:0], n)[:n]
	for i := range f.level {
		f.level[i] = -1
	}
	f.level[s] = 0
	queue := []int32{int32(s)}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for e := f.head[u]; e >= 0; e = f.next[e] {
			if v := f.to[e]; f.cap[e] > 0 && f.level[v] < 0 {
				f.level[v] = f.level[u] + 1
				queue = append(queue, v)
			}
		}
	}
	return f.level[t] >= 0
}

func (f *flowNet) dfs(u, t int, pushed int64) int64 {
	if u == t {
		return pushed
	}
	for ; f.it[u] >= 0; f.it[u] = f.next[f.it[u]] {
		e := f.it[u]
		v := int(f.to[e])
		if f.cap[e] <= 0 || f.level[v] != f.level[u]+1 {
			continue
		}
		if d := f.dfs(v, t, min(pushed, f.cap[e])); d > 0 {
			f.cap[e] -= d
			f.cap[e^1] += d
			return d
		}
	}
	return 0
}

// maxFlow augments the current flow to a maximum and returns the amount added.
func (f *flowNet) maxFlow(s, t int) int64 {
	var total int64
	for f.bfs(s, t) {
		f.it = append(f.it[:0], f.head...)
		for {
			d := f.dfs(s, t, math.MaxInt64)
			if d == 0 {
				break
			}
			total += d
		}
	}
	return total
}

// bedUnit is the flow unit: thousandths of a bed.
const bedUnit = 1000

// capacityRun is a capacitated instance: bed demand per village (in bedUnit), a flow network
// source → village → site → sink with the existing facilities, and the candidates' reach.
type capacityRun struct {
	su        *sitingSetup
	demand    []int64 // per village of su.vs
	total     int64
	net       *flowNet
	src, sink int
	srcEdge   []int     // per village: its source edge (the flow on it is its served demand)
	siteCap   int64     // capacity of a new site
	candSets  [][]int32 // per candidate: the villages it covers under the mode
	reachable []bool    // per village: some existing facility or candidate covers it
	existBeds int       // beds of the existing facilities that reach a village in scope
}

// capacitated answers mclp with capacity: p new sites of BedsPerSite beds maximising the bed
// demand served (elderly × norm / 1000 per village), demand allocated by maximum flow to sites
// that cover the village under the request's mode.
func (a *Analyzer) capacitated(su *sitingSetup) *Siting {
	cap := su.sp.Capacity
	s := a.newAnswer(su)
	s.Feasible, s.ValueUnit = true, "beds newly served"
	cr := a.newCapacityRun(su)
	served0 := cr.net.maxFlow(cr.src, cr.sink)
	ub := cr.upperBound(served0)
	chosen, gains, siteEdge := cr.greedy()
	served := served0
	for _, g := range gains {
		served += g
	}
	s.Value, s.Bound = float64(served-served0)/bedUnit, float64(max(ub, served-served0))/bedUnit
	s.setGapMax(s.Value, s.Bound)
	s.Method = "lazy greedy on min(site beds, unmet demand in reach) (ties by code); demand allocated by maximum flow (Dinic), recomputed after each site"
	s.BoundMethod = "sum of the p largest min(site beds, demand in reach) over candidates, capped by the reachable demand not served by existing facilities"
	s.Capacity = &CapacityResult{NormPer1000: cap.NormPer1000, BedsPerSite: cap.BedsPerSite, DemandBeds: float64(cr.total) / bedUnit,
		ServedBefore: float64(served0) / bedUnit, ServedAfter: float64(served) / bedUnit, ExistingBeds: cr.existBeds,
		Allocation: "maximum flow: each village's demand may go to any site that covers it under the mode and radius; a site takes at most its beds",
		NormSource: a.cfg.Beds.Source}
	if len(chosen) < su.sp.P {
		s.Notes = append(s.Notes, fmt.Sprintf("only %d sites can serve unmet demand", len(chosen)))
	}
	after := slices.Clone(su.before)
	s.Sites = a.capacityExplain(cr, chosen, gains, siteEdge, after)
	a.finishAnswer(su, s, after, func(i int) string {
		if !su.vs[i].HasSeat && su.q.Mode != ModeJurisdiction {
			return ReasonNoPoint
		}
		if !cr.reachable[i] {
			return ReasonNoCandidate
		}
		return ReasonNotSelected
	})
	for i := range su.vs {
		if after[i].Covered && cr.unmet(i) > 0 {
			s.Reasons[ReasonCapacityFull]++
		}
	}
	return s
}

// newCapacityRun computes the bed demand of each village and builds the flow network with the
// existing usable facilities of the kind (each taking at most its beds) and the candidates' reach.
func (a *Analyzer) newCapacityRun(su *sitingSetup) *capacityRun {
	q := &su.q
	n := len(su.vs)
	cr := &capacityRun{su: su, demand: make([]int64, n), net: newFlowNet(n + 2), src: n, sink: n + 1,
		srcEdge: make([]int, n), siteCap: int64(su.sp.Capacity.BedsPerSite) * bedUnit, reachable: make([]bool, n)}
	for i, v := range su.vs {
		cr.demand[i] = int64(math.Round(float64(q.Elderly.of(v.Population)) * su.sp.Capacity.NormPer1000))
		cr.total += cr.demand[i]
		cr.srcEdge[i] = cr.net.addEdge(cr.src, i, cr.demand[i])
	}
	ki := a.reg.kind(q.Kind)
	var exist []candidate
	for _, f := range ki.fs {
		exist = append(exist, candidate{code: f.DivisionCode, name: f.Name, point: f.Point, hasPoint: true, facilityID: f.ID, prov: f.Provenance, beds: f.Beds})
	}
	all := func(int) bool { return true }
	for k, set := range a.reachSets(su, exist, all) {
		if len(set) == 0 || exist[k].beds <= 0 {
			continue
		}
		cr.existBeds += exist[k].beds
		cr.addSupply(set, int64(exist[k].beds)*bedUnit)
	}
	cr.candSets = a.reachSets(su, su.cands, all)
	for _, set := range cr.candSets {
		for _, i := range set {
			cr.reachable[i] = true
		}
	}
	return cr
}

// addSupply adds a facility node reached from the villages of set, taking at most c, and
// returns its edge to the sink.
func (cr *capacityRun) addSupply(set []int32, c int64) int {
	node := cr.net.addNode()
	for _, i := range set {
		cr.net.addEdge(int(i), node, math.MaxInt64/4)
		cr.reachable[i] = true
	}
	return cr.net.addEdge(node, cr.sink, c)
}

// unmet is village i's demand not allocated by the current flow.
func (cr *capacityRun) unmet(i int) int64 { return cr.demand[i] - cr.net.flowOn(cr.srcEdge[i]) }

// upperBound bounds the demand p new sites can newly serve: each carries at most min(its beds,
// the demand it reaches), and nothing unreachable (beyond what existing facilities serve) is served.
func (cr *capacityRun) upperBound(served0 int64) int64 {
	carry := make([]float64, len(cr.candSets))
	idx := make([]int32, len(cr.candSets))
	for j, set := range cr.candSets {
		var d int64
		for _, i := range set {
			d += cr.demand[i]
		}
		carry[j], idx[j] = float64(min(cr.siteCap, d)), int32(j)
	}
	var reach int64
	for i, ok := range cr.reachable {
		if ok {
			reach += cr.demand[i]
		}
	}
	p := min(cr.su.sp.P, len(idx))
	topP(idx, carry, p)
	var ubSum int64
	for _, j := range idx[:p] {
		ubSum += int64(carry[j])
	}
	return min(ubSum, reach-served0)
}

// greedy adds up to p sites by lazy greedy on the estimate min(site beds, unmet demand in reach)
// (ties: lower candidate index), re-allocating by maximum flow after each; unmet demand only
// shrinks as flow grows, so a fresh estimate on top is the largest. It returns the candidates in
// the order added, the demand each newly served and its edge to the sink.
func (cr *capacityRun) greedy() (chosen []int, gains []int64, siteEdge []int) {
	est := func(j int) int64 {
		var d int64
		for _, i := range cr.candSets[j] {
			d += cr.unmet(int(i))
		}
		return min(cr.siteCap, d)
	}
	type entry struct {
		g     int64
		j     int
		fresh bool
	}
	var h []entry
	for j := range cr.candSets {
		if g := est(j); g > 0 {
			h = append(h, entry{g, j, true})
		}
	}
	better := func(x, y entry) int {
		if x.g != y.g {
			return cmpInt64(y.g, x.g)
		}
		return x.j - y.j
	}
	slices.SortFunc(h, better)
	for len(chosen) < cr.su.sp.P && len(h) > 0 && !cr.su.stopped() {
		top := h[0]
		if !top.fresh {
			h[0] = entry{est(top.j), top.j, true}
			if h[0].g == 0 {
				h = h[1:]
			}
			slices.SortFunc(h, better) // small lists: a sort keeps this simple
			continue
		}
		h = h[1:]
		siteEdge = append(siteEdge, cr.addSite(cr.candSets[top.j]))
		chosen = append(chosen, top.j)
		gains = append(gains, cr.net.maxFlow(cr.src, cr.sink))
		for k := range h {
			h[k].fresh = false
		}
	}
	return chosen, gains, siteEdge
}

// addSite adds a new site reached from the villages of set, without marking them reachable
// (they are already), and returns its edge to the sink.
func (cr *capacityRun) addSite(set []int32) int {
	node := cr.net.addNode()
	for _, i := range set {
		cr.net.addEdge(int(i), node, math.MaxInt64/4)
	}
	return cr.net.addEdge(node, cr.sink, cr.siteCap)
}

// capacityExplain lists the chosen sites in the order added with their beds, allocated and newly
// served demand and the villages each newly covers, marking those covered in after.
func (a *Analyzer) capacityExplain(cr *capacityRun, chosen []int, gains []int64, siteEdge []int, after []VillageResult) []ProposedSite {
	su := cr.su
	out := []ProposedSite{}
	for r, j := range chosen {
		c := &su.cands[j]
		ps := a.site(su, c, r+1)
		ps.Beds = su.sp.Capacity.BedsPerSite
		ps.AllocatedBeds = float64(cr.net.flowOn(siteEdge[r])) / bedUnit
		ps.GainBeds = float64(gains[r]) / bedUnit
		ps.Gain = gains[r] / bedUnit
		for _, i := range cr.candSets[j] {
			v := &after[i]
			if v.Covered {
				continue
			}
			v.Covered, v.Provenance = true, divisions.Weakest(v.Provenance, c.prov, divisions.Derived)
			ps.GainElderly += v.Elderly
			ps.GainVillages++
			ps.NewVillages = append(ps.NewVillages, v.Code)
		}
		out = append(out, ps)
	}
	return out
}
