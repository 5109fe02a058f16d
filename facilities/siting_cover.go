package facilities

import (
	"fmt"
	"math"
	"slices"
)

// CoverProblem is a covering instance over integer-weighted demands that no existing facility
// covers yet and candidate sites that each cover a set of them. It is the neutral core of
// siting (MCLP, LSCP, p-center feasibility); Analyzer.Siting builds it from a division.
type CoverProblem struct {
	Weights []int64   // demand i's weight (elderly or 1 per village), ≥ 0
	Sets    [][]int32 // candidate j → the demands it covers, ascending, without duplicates
	Fixed   int64     // weight already covered by existing facilities (not in Weights)
	Total   int64     // all weight in scope: Fixed + Σ Weights + weight that nothing can cover

	byDem [][]int32 // demand → the candidates covering it, ascending (built by index)
	// stop, when set, reports that the caller gave up (its context ended): the searches then
	// return at once with whatever they hold, which the caller discards.
	stop func() bool
}

// stopped reports whether the caller gave up on this instance.
func (cp *CoverProblem) stopped() bool { return cp.stop != nil && cp.stop() }

// CoverSolution is a heuristic answer with a proven bound on the optimum.
type CoverSolution struct {
	Sites []int // candidate indexes, in the order chosen by the final ranking (largest marginal gain first)
	Value int64 // weight newly covered by Sites (MaxCover), i.e. without Fixed
	// Bound is an upper bound on the best Value any p sites reach (MaxCover), or a lower bound on
	// the number of sites needed (MinCover). It is proven: the optimum lies between Value and Bound.
	// When MinCover is infeasible, Bound is the number of sites returned (it bounds nothing).
	Bound    int64
	Feasible bool // MinCover: the target weight is reached; MaxCover: always true
	Swaps    int  // interchanges applied by local search
	BoundIts int  // subgradient iterations spent on the bound
}

// index builds byDem once.
func (cp *CoverProblem) index() {
	if cp.byDem != nil {
		return
	}
	cnt := make([]int32, len(cp.Weights)+1)
	for _, s := range cp.Sets {
		for _, i := range s {
			cnt[i+1]++
		}
	}
	for i := 1; i < len(cnt); i++ {
		cnt[i] += cnt[i-1]
	}
	flat := make([]int32, cnt[len(cnt)-1])
	fill := slices.Clone(cnt[:len(cnt)-1])
	for j, s := range cp.Sets {
		for _, i := range s {
			flat[fill[i]] = int32(j)
			fill[i]++
		}
	}
	cp.byDem = make([][]int32, len(cp.Weights))
	for i := range cp.byDem {
		cp.byDem[i] = flat[cnt[i]:cnt[i+1]:cnt[i+1]]
	}
}

// Check validates the instance: set members in range and ascending, weights ≥ 0.
func (cp *CoverProblem) Check() error {
	for i, w := range cp.Weights {
		if w < 0 {
			return fmt.Errorf("cover problem: demand %d has negative weight %d", i, w)
		}
	}
	for j, s := range cp.Sets {
		for k, i := range s {
			if i < 0 || int(i) >= len(cp.Weights) {
				return fmt.Errorf("cover problem: candidate %d covers demand %d out of range", j, i)
			}
			if k > 0 && s[k-1] >= i {
				return fmt.Errorf("cover problem: candidate %d: demands not strictly ascending", j)
			}
		}
	}
	return nil
}

// Coverable is the weight that some candidate covers.
func (cp *CoverProblem) Coverable() int64 {
	cp.index()
	var s int64
	for i, w := range cp.Weights {
		if len(cp.byDem[i]) > 0 {
			s += w
		}
	}
	return s
}

// Value is the weight covered by the candidate set sites (duplicates count once).
func (cp *CoverProblem) Value(sites []int) int64 {
	seen := make(map[int32]bool)
	var v int64
	for _, j := range sites {
		for _, i := range cp.Sets[j] {
			if !seen[i] {
				seen[i] = true
				v += cp.Weights[i]
			}
		}
	}
	return v
}

// coverState is a selection with per-demand cover counts.
type coverState struct {
	cp    *CoverProblem
	cnt   []int32
	sel   []bool
	order []int // selected candidates in the order added
	value int64
}

func newCoverState(cp *CoverProblem) *coverState {
	return &coverState{cp: cp, cnt: make([]int32, len(cp.Weights)), sel: make([]bool, len(cp.Sets))}
}

func (s *coverState) gain(j int) int64 {
	var g int64
	for _, i := range s.cp.Sets[j] {
		if s.cnt[i] == 0 {
			g += s.cp.Weights[i]
		}
	}
	return g
}

func (s *coverState) loss(j int) int64 {
	var l int64
	for _, i := range s.cp.Sets[j] {
		if s.cnt[i] == 1 {
			l += s.cp.Weights[i]
		}
	}
	return l
}

func (s *coverState) add(j int) {
	for _, i := range s.cp.Sets[j] {
		if s.cnt[i] == 0 {
			s.value += s.cp.Weights[i]
		}
		s.cnt[i]++
	}
	s.sel[j] = true
	s.order = append(s.order, j)
}

func (s *coverState) remove(j int) {
	for _, i := range s.cp.Sets[j] {
		s.cnt[i]--
		if s.cnt[i] == 0 {
			s.value -= s.cp.Weights[i]
		}
	}
	s.sel[j] = false
	s.order = slices.DeleteFunc(s.order, func(x int) bool { return x == j })
}

// greedy adds sites by largest marginal gain (ties: lower index) with lazy evaluation until
// maxSites are chosen (maxSites < 0: no limit), value reaches need (need < 0: no target) or no
// site adds weight. Exact greedy: gains only shrink, so a fresh top of the heap is the maximum.
func (s *coverState) greedy(maxSites int, need int64) {
	type entry struct {
		g     int64
		j     int32
		round int32
	}
	h := make([]entry, 0, len(s.cp.Sets))
	for j := range s.cp.Sets {
		if !s.sel[j] {
			if g := s.gain(j); g > 0 {
				h = append(h, entry{g, int32(j), 0})
			}
		}
	}
	less := func(a, b entry) bool { // a above b
		if a.g != b.g {
			return a.g > b.g
		}
		return a.j < b.j
	}
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			m := l
			if r := l + 1; r < len(h) && less(h[r], h[l]) {
				m = r
			}
			if !less(h[m], h[i]) {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	round := int32(0)
	for step := 0; len(h) > 0 && (maxSites < 0 || len(s.order) < maxSites) && (need < 0 || s.value < need); step++ {
		if step&1023 == 1023 && s.cp.stopped() {
			return
		}
		top := h[0]
		if top.round != round {
			h[0].g, h[0].round = s.gain(int(top.j)), round
			if h[0].g == 0 {
				h[0] = h[len(h)-1]
				h = h[:len(h)-1]
			}
			down(0)
			continue
		}
		s.add(int(top.j))
		round++
		h[0] = h[len(h)-1]
		h = h[:len(h)-1]
		down(0)
	}
}

// improve applies best-improvement interchanges (one site out, one in) while one raises the
// covered weight; ties prefer the lower outgoing, then the lower incoming index. It returns the
// number of swaps (at most maxSwaps).
func (s *coverState) improve(maxSwaps int) int {
	cp := s.cp
	cp.index()
	n := len(cp.Sets)
	g := make([]int64, n)
	delta := make([]int64, n)
	mark := make([]bool, n)
	order := make([]int32, 0, n)
	var touched []int32
	swaps := 0
	for swaps < maxSwaps && !cp.stopped() {
		order = order[:0]
		for j := 0; j < n; j++ {
			if !s.sel[j] {
				g[j] = s.gain(j)
				order = append(order, int32(j))
			}
		}
		slices.SortFunc(order, func(a, b int32) int {
			if g[a] != g[b] {
				if g[a] > g[b] {
					return -1
				}
				return 1
			}
			return int(a - b)
		})
		bestVal, bestOut, bestIn := int64(0), -1, -1
		outs := slices.Clone(s.order)
		slices.Sort(outs)
		for k, out := range outs {
			if k&63 == 63 && cp.stopped() {
				return swaps
			}
			loss := int64(0)
			touched = touched[:0]
			for _, i := range cp.Sets[out] {
				if s.cnt[i] != 1 {
					continue
				}
				w := cp.Weights[i]
				loss += w
				for _, c := range cp.byDem[i] {
					if s.sel[c] {
						continue
					}
					if !mark[c] {
						mark[c] = true
						touched = append(touched, c)
					}
					delta[c] += w
				}
			}
			inVal, in := int64(-1), -1
			for _, c := range touched {
				if v := g[c] + delta[c]; v > inVal || (v == inVal && int(c) < in) {
					inVal, in = v, int(c)
				}
			}
			for _, c := range order {
				if !mark[c] {
					if v := g[c]; v > inVal || (v == inVal && int(c) < in) {
						inVal, in = v, int(c)
					}
					break
				}
			}
			for _, c := range touched {
				mark[c], delta[c] = false, 0
			}
			if in >= 0 && inVal-loss > bestVal {
				bestVal, bestOut, bestIn = inVal-loss, out, in
			}
		}
		if bestOut < 0 {
			break
		}
		s.remove(bestOut)
		s.add(bestIn)
		swaps++
	}
	return swaps
}

// rank orders the selected sites by successive largest marginal gain (ties: lower index), the
// order the explanation reports.
func (cp *CoverProblem) rank(sites []int) []int {
	s := newCoverState(cp)
	left := slices.Clone(sites)
	slices.Sort(left)
	out := make([]int, 0, len(sites))
	for len(left) > 0 && !cp.stopped() {
		best, bestG := 0, int64(-1)
		for k, j := range left {
			if g := s.gain(j); g > bestG {
				best, bestG = k, g
			}
		}
		s.add(left[best])
		out = append(out, left[best])
		left = slices.Delete(left, best, best+1)
	}
	return out
}

// MaxCover chooses at most p sites that maximise the covered weight (MCLP): lazy greedy, then
// interchange local search, then a Lagrangian relaxation whose subproblem solutions also seed
// another local search. Sites with no gain are not proposed, so fewer than p may come back.
func (cp *CoverProblem) MaxCover(p int) CoverSolution {
	cp.index()
	if p <= 0 || len(cp.Sets) == 0 {
		return CoverSolution{Feasible: true}
	}
	st := newCoverState(cp)
	st.greedy(p, -1)
	swaps := st.improve(4*p + 50)
	best := slices.Clone(st.order)
	bestV := st.value
	lr := cp.lagrangeMax(p, bestV, 300, 0)
	// Polish the best distinct subproblem solutions of the relaxation as further starts, while the
	// proven gap exceeds restartGap.
	for _, start := range lr.starts {
		if float64(lr.bound-bestV) <= restartGap*float64(lr.bound) || cp.stopped() {
			break
		}
		s2 := newCoverState(cp)
		for _, j := range start {
			s2.add(j)
		}
		s2.greedy(p, -1)
		swaps += s2.improve(4*p + 50)
		if s2.value > bestV {
			best, bestV = slices.Clone(s2.order), s2.value
		}
	}
	ub := min(lr.bound, cp.Coverable())
	ub = max(ub, bestV)
	// Drop sites that add nothing (possible only when fewer useful sites exist than p).
	ranked := cp.rank(best)
	s3 := newCoverState(cp)
	kept := ranked[:0]
	for _, j := range ranked {
		if s3.gain(j) > 0 {
			s3.add(j)
			kept = append(kept, j)
		}
	}
	return CoverSolution{Sites: kept, Value: bestV, Bound: ub, Feasible: true, Swaps: swaps, BoundIts: lr.iterations}
}

// MinCover chooses the fewest sites whose covered weight reaches need (LSCP): lazy greedy to the
// target, removal of redundant sites, then repeated attempts to reach the target with one site
// fewer (interchange search). Bound is a lower bound on the number of sites: the smallest p whose
// Lagrangian MCLP bound reaches need. When even every candidate cannot reach need, Feasible is
// false and Sites covers all the coverable weight (Value is then the best reachable).
func (cp *CoverProblem) MinCover(need int64) CoverSolution {
	cp.index()
	if need <= 0 {
		return CoverSolution{Feasible: true}
	}
	if cp.Coverable() < need {
		st := newCoverState(cp)
		st.greedy(-1, -1)
		sites := cp.rank(st.order)
		return CoverSolution{Sites: sites, Value: st.value, Bound: int64(len(sites)), Feasible: false}
	}
	st := newCoverState(cp)
	st.greedy(-1, need)
	st.dropRedundant(need)
	// Lower bound: the smallest q with UB_MCLP(q) ≥ need. UB(q) < need proves q sites too few.
	lo, hi := 0, len(st.order) // UB(lo) < need proven (q = 0 covers nothing); hi reaches need
	its := 0
	for hi-lo > 1 && !cp.stopped() {
		mid := (lo + hi) / 2
		lr := cp.lagrangeMax(mid, -1, 200, need)
		its += lr.iterations
		if min(lr.bound, cp.Coverable()) < need {
			lo = mid
		} else {
			hi = mid
		}
	}
	swaps := 0
	if len(st.order) > lo+1 { // not proven optimal yet: try with fewer sites
		st, swaps = cp.reduce(st, need, lo+1)
	}
	return CoverSolution{Sites: cp.rank(st.order), Value: st.value, Bound: int64(lo + 1), Feasible: true, Swaps: swaps, BoundIts: its}
}

// minCoverHeuristic reaches need with few sites (need ≤ Coverable()): greedy, redundancy removal,
// then attempts with one site fewer.
func (cp *CoverProblem) minCoverHeuristic(need int64) (*coverState, int) {
	st := newCoverState(cp)
	st.greedy(-1, need)
	st.dropRedundant(need)
	return cp.reduce(st, need, 1)
}

// dropRedundant removes sites whose removal keeps the value at need or more, latest chosen first.
func (st *coverState) dropRedundant(need int64) {
	for k := len(st.order) - 1; k >= 0; k-- {
		j := st.order[k]
		if st.value-st.loss(j) >= need {
			st.remove(j)
		}
	}
}

// reduce repeatedly drops the site that loses least (ties: the higher index) and runs the
// interchange search, keeping the smaller solution while it still reaches need; it stops at
// floor sites (a proven lower bound) or at the first failure.
func (cp *CoverProblem) reduce(st *coverState, need int64, floor int) (*coverState, int) {
	swaps := 0
	for len(st.order) > max(1, floor) && !cp.stopped() {
		trial := newCoverState(cp)
		drop, dropL := -1, int64(math.MaxInt64)
		for _, j := range st.order {
			if l := st.loss(j); l < dropL || (l == dropL && j > drop) {
				drop, dropL = j, l
			}
		}
		for _, j := range st.order {
			if j != drop {
				trial.add(j)
			}
		}
		swaps += trial.improve(2*len(trial.order) + 20)
		if trial.value < need {
			break
		}
		st = trial
	}
	return st, swaps
}

type lagrangeResult struct {
	bound      int64 // ⌊min over the multipliers tried of L(λ)⌋: an upper bound on the MCLP optimum
	iterations int
	heurSites  []int // best Lagrangian subproblem solution as a primal solution
	heurValue  int64
	starts     [][]int // up to maxStarts distinct subproblem solutions with the highest values, best first
	startVals  []int64
}

// lagrangeMax bounds the MCLP optimum with p sites from above. Relaxing y_i ≤ Σ_{j∋i} x_j with
// λ_i ∈ [0, w_i] gives L(λ) = Σ_i (w_i − λ_i) + (sum of the p largest c_j = Σ_{i∈S_j} λ_i), an
// upper bound for every such λ; subgradient steps (Held–Karp–Crowder) lower it. lb is a known
// feasible value (−1: none) used for the step length and to stop once ⌊L⌋ ≤ lb (optimal);
// the search also stops once the bound is below stopBelow (0: never), which is all a caller
// proving "p sites cannot reach stopBelow" needs, and then aims its steps at stopBelow − 1.
func (cp *CoverProblem) lagrangeMax(p int, lb int64, maxIts int, stopBelow int64) lagrangeResult {
	cp.index()
	n := len(cp.Sets)
	res := lagrangeResult{bound: math.MaxInt64}
	if p >= n { // every candidate: the relaxation is exact
		all := make([]int, n)
		for j := range all {
			all[j] = j
		}
		v := cp.Coverable()
		return lagrangeResult{bound: v, heurSites: all, heurValue: v}
	}
	lam := make([]float64, len(cp.Weights))
	for i, w := range cp.Weights {
		if k := len(cp.byDem[i]); k > 0 {
			lam[i] = float64(w) / float64(k)
		} else {
			lam[i] = float64(w) // uncoverable: contributes nothing either way
		}
	}
	c := make([]float64, n)
	idx := make([]int32, n)
	cover := make([]int32, len(cp.Weights))
	sub := make([]float64, len(cp.Weights))
	target := float64(lb)
	if lb < 0 {
		target = 0
	}
	if stopBelow > 0 {
		target = max(target, float64(stopBelow-1))
	}
	theta, best, stall := 2.0, math.Inf(1), 0
	for it := 0; it < maxIts && !cp.stopped(); it++ {
		res.iterations = it + 1
		for j, s := range cp.Sets {
			var sum float64
			for _, i := range s {
				sum += lam[i]
			}
			c[j] = sum
			idx[j] = int32(j)
		}
		topP(idx, c, p)
		L := 0.0
		for i, w := range cp.Weights {
			L += float64(w) - lam[i]
		}
		for _, j := range idx[:p] {
			L += c[j]
		}
		// Rounding of the float sums is far below 1e-6 of a weight; keep the bound safe anyway.
		if ub := int64(math.Floor(L*(1+1e-12) + 1e-6)); ub < res.bound {
			res.bound = ub
		}
		if L < best-1e-9 {
			best, stall = L, 0
		} else if stall++; stall >= 20 {
			theta, stall = theta/2, 0
		}
		// Primal heuristic: the subproblem's sites.
		sites := make([]int, p)
		for k, j := range idx[:p] {
			sites[k] = int(j)
		}
		v := cp.Value(sites)
		res.keepStart(sites, v)
		if v > res.heurValue || res.heurSites == nil {
			res.heurValue, res.heurSites = v, sites
			if v > lb {
				lb, target = v, float64(v)
			}
		}
		if res.bound <= lb || theta < 1e-4 || res.bound < stopBelow {
			break
		}
		clear(cover)
		for _, j := range idx[:p] {
			for _, i := range cp.Sets[j] {
				cover[i]++
			}
		}
		norm := 0.0
		for i, w := range cp.Weights {
			g := float64(cover[i])
			if float64(w) > lam[i] || w == 0 {
				g-- // y_i = 1 in the subproblem (coefficient w_i − λ_i ≥ 0)
			}
			if len(cp.byDem[i]) == 0 {
				g = 0
			}
			sub[i] = g
			norm += g * g
		}
		if norm == 0 {
			break // λ is optimal for the dual: L(λ) is the Lagrangian bound
		}
		t := theta * (L - target) / norm
		if t <= 0 {
			t = theta / norm
		}
		for i, w := range cp.Weights {
			lam[i] = min(max(lam[i]-t*sub[i], 0), float64(w))
		}
	}
	return res
}

// restartGap is the relative gap below which MaxCover stops polishing extra starts.
const restartGap = 1e-4

// maxStarts is how many Lagrangian subproblem solutions MaxCover polishes as extra starts.
const maxStarts = 6

// keepStart records sites (value v) among the best distinct starts.
func (r *lagrangeResult) keepStart(sites []int, v int64) {
	key := slices.Clone(sites)
	slices.Sort(key)
	for _, s := range r.starts {
		if slices.Equal(s, key) {
			return
		}
	}
	k := len(r.startVals)
	for k > 0 && r.startVals[k-1] < v {
		k--
	}
	if k >= maxStarts {
		return
	}
	r.starts = slices.Insert(r.starts, k, key)
	r.startVals = slices.Insert(r.startVals, k, v)
	if len(r.starts) > maxStarts {
		r.starts, r.startVals = r.starts[:maxStarts], r.startVals[:maxStarts]
	}
}

// topP moves the p entries of idx with the largest c (ties: lower index) to idx[:p] in that
// order (quickselect, then a sort of the p).
func topP(idx []int32, c []float64, p int) {
	before := func(a, b int32) bool { return c[a] > c[b] || (c[a] == c[b] && a < b) }
	lo, hi := 0, len(idx)-1
	for lo < hi {
		// median of three as the pivot
		mid := lo + (hi-lo)/2
		if before(idx[mid], idx[lo]) {
			idx[mid], idx[lo] = idx[lo], idx[mid]
		}
		if before(idx[hi], idx[lo]) {
			idx[hi], idx[lo] = idx[lo], idx[hi]
		}
		if before(idx[hi], idx[mid]) {
			idx[hi], idx[mid] = idx[mid], idx[hi]
		}
		pivot := idx[mid]
		i, j := lo, hi
		for i <= j {
			for before(idx[i], pivot) {
				i++
			}
			for before(pivot, idx[j]) {
				j--
			}
			if i <= j {
				idx[i], idx[j] = idx[j], idx[i]
				i++
				j--
			}
		}
		switch {
		case p-1 <= j:
			hi = j
		case p-1 >= i:
			lo = i
		default:
			lo = hi
		}
	}
	slices.SortFunc(idx[:p], func(a, b int32) int {
		if before(a, b) {
			return -1
		}
		if before(b, a) {
			return 1
		}
		return 0
	})
}
