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

// capacitated answers mclp with capacity: p new sites of BedsPerSite beds maximising the bed
// demand served (elderly × norm / 1000 per village), demand allocated by maximum flow to sites
// that cover the village under the request's mode.
func (a *Analyzer) capacitated(su *sitingSetup) *Siting {
	q := &su.q
	cap := su.sp.Capacity
	s := a.newAnswer(su)
	s.Feasible, s.ValueUnit = true, "beds newly served"
	const unit = 1000 // flows in thousandths of a bed
	n := len(su.vs)
	demand := make([]int64, n)
	var total int64
	for i, v := range su.vs {
		demand[i] = int64(math.Round(float64(q.Elderly.of(v.Population)) * cap.NormPer1000))
		total += demand[i]
	}
	// Existing usable facilities of the kind and the villages they reach.
	ki := a.reg.kinds[q.Kind]
	var exist []candidate
	for _, p := range ki.pos {
		f := &a.reg.fs[p]
		exist = append(exist, candidate{code: f.DivisionCode, name: f.Name, point: f.Point, hasPoint: true, facilityID: f.ID, prov: f.Provenance, beds: f.Beds})
	}
	all := func(int) bool { return true }
	existSets := a.reachSets(su, exist, all)
	candSets := a.reachSets(su, su.cands, all)
	net := newFlowNet(n + 2)
	src, sink := n, n+1
	srcEdge := make([]int, n)
	for i := range su.vs {
		srcEdge[i] = net.addEdge(src, i, demand[i])
	}
	existingBeds := 0
	reachable := make([]bool, n)
	for k, set := range existSets {
		if len(set) == 0 || exist[k].beds <= 0 {
			continue
		}
		existingBeds += exist[k].beds
		node := net.addNode()
		for _, i := range set {
			net.addEdge(int(i), node, math.MaxInt64/4)
			reachable[i] = true
		}
		net.addEdge(node, sink, int64(exist[k].beds)*unit)
	}
	served0 := net.maxFlow(src, sink)
	unmet := func(i int) int64 { return demand[i] - net.flowOn(srcEdge[i]) }
	siteCap := int64(cap.BedsPerSite) * unit
	// Upper bound on the newly served demand: each new site carries at most min(its beds, the
	// demand it reaches), and nothing unreachable is ever served.
	carry := make([]float64, len(candSets))
	idx := make([]int32, len(candSets))
	for j, set := range candSets {
		var d int64
		for _, i := range set {
			d += demand[i]
			reachable[i] = true
		}
		carry[j], idx[j] = float64(min(siteCap, d)), int32(j)
	}
	var reach int64
	for i := range reachable {
		if reachable[i] {
			reach += demand[i]
		}
	}
	p := min(su.sp.P, len(idx))
	topP(idx, carry, p)
	var ubSum int64
	for _, j := range idx[:p] {
		ubSum += int64(carry[j])
	}
	ub := min(ubSum, reach-served0)
	// Lazy greedy on the estimate min(beds, unmet demand in reach); unmet only shrinks as flow grows.
	est := func(j int) int64 {
		var d int64
		for _, i := range candSets[j] {
			d += unmet(int(i))
		}
		return min(siteCap, d)
	}
	type entry struct {
		g     int64
		j     int
		fresh bool
	}
	var h []entry
	for j := range candSets {
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
	var chosen []int
	var gains []int64
	var siteEdge []int
	served := served0
	for len(chosen) < su.sp.P && len(h) > 0 && !su.stopped() {
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
		node := net.addNode()
		for _, i := range candSets[top.j] {
			net.addEdge(int(i), node, math.MaxInt64/4)
		}
		siteEdge = append(siteEdge, net.addEdge(node, sink, siteCap))
		add := net.maxFlow(src, sink)
		served += add
		chosen = append(chosen, top.j)
		gains = append(gains, add)
		for k := range h {
			h[k].fresh = false
		}
	}
	s.Value, s.Bound = float64(served-served0)/unit, float64(max(ub, served-served0))/unit
	s.setGapMax(s.Value, s.Bound)
	s.Method = "lazy greedy on min(site beds, unmet demand in reach) (ties by code); demand allocated by maximum flow (Dinic), recomputed after each site"
	s.BoundMethod = "sum of the p largest min(site beds, demand in reach) over candidates, capped by the reachable demand not served by existing facilities"
	s.Capacity = &CapacityResult{NormPer1000: cap.NormPer1000, BedsPerSite: cap.BedsPerSite, DemandBeds: float64(total) / unit,
		ServedBefore: float64(served0) / unit, ServedAfter: float64(served) / unit, ExistingBeds: existingBeds,
		Allocation: "maximum flow: each village's demand may go to any site that covers it under the mode and radius; a site takes at most its beds",
		NormSource: a.cfg.Beds.Source}
	if len(chosen) < su.sp.P {
		s.Notes = append(s.Notes, fmt.Sprintf("only %d sites can serve unmet demand", len(chosen)))
	}
	after := slices.Clone(su.before)
	for r, j := range chosen {
		c := &su.cands[j]
		ps := a.site(su, c, r+1)
		ps.Beds = cap.BedsPerSite
		ps.AllocatedBeds = float64(net.flowOn(siteEdge[r])) / unit
		ps.GainBeds = float64(gains[r]) / unit
		ps.Gain = gains[r] / unit
		for _, i := range candSets[j] {
			v := &after[i]
			if v.Covered {
				continue
			}
			v.Covered, v.Provenance = true, divisions.Weakest(v.Provenance, c.prov, divisions.Derived)
			ps.GainElderly += v.Elderly
			ps.GainVillages++
			ps.NewVillages = append(ps.NewVillages, v.Code)
		}
		s.Sites = append(s.Sites, ps)
	}
	a.finishAnswer(su, s, after, func(i int) string {
		if !su.vs[i].HasSeat && q.Mode != ModeJurisdiction {
			return ReasonNoPoint
		}
		if !reachable[i] {
			return ReasonNoCandidate
		}
		return ReasonNotSelected
	})
	for i := range su.vs {
		if after[i].Covered && unmet(i) > 0 {
			s.Reasons[ReasonCapacityFull]++
		}
	}
	return s
}
