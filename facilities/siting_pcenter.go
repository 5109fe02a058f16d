package facilities

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
)

// pcenterDemand is the p-center view of the villages with a point.
type pcenterDemand struct {
	vi     []int       // index into su.vs
	pts    []orb.Point // village points
	det    []float64   // detour factor
	dExist []float64   // detour distance to the nearest usable facility of the kind (+Inf: none)
}

// pcenter answers the p-center objective: p new sites minimising the largest (detour) distance
// from a village with a point to its nearest usable or new site, in any jurisdiction.
func (a *Analyzer) pcenter(su *sitingSetup) *Siting {
	q := &su.q
	s := a.newAnswer(su)
	s.Feasible, s.ValueUnit = true, "metres"
	ki := a.reg.kinds[q.Kind]
	var dm pcenterDemand
	noPoint := 0
	for i, v := range su.vs {
		if !v.HasSeat {
			noPoint++
			continue
		}
		det := q.detourOf(v.Code)
		d := math.Inf(1)
		if _, dd, ok := ki.ix.Nearest(v.Seat, 0); ok {
			d = dd * det
		}
		dm.vi, dm.pts, dm.det, dm.dExist = append(dm.vi, i), append(dm.pts, v.Seat), append(dm.det, det), append(dm.dExist, d)
	}
	if noPoint > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("%d villages without a point are left out of the p-center distances", noPoint))
	}
	if q.Mode != ModeRadius {
		s.Notes = append(s.Notes, "p-center measures distance to the nearest site in any jurisdiction; the mode only applies to the coverage before/after")
	}
	cpts := make([]orb.Point, len(su.cands))
	for j, c := range su.cands {
		cpts[j] = c.point
	}
	cix := geo.NewPointIndex(cpts)
	vix := geo.NewPointIndex(dm.pts)
	before := 0.0
	for _, d := range dm.dExist {
		before = max(before, d)
	}
	if !math.IsInf(before, 1) && len(dm.pts) > 0 {
		b := before
		s.MaxDistanceBeforeM = &b
	}
	// A lower bound for any p: each village's distance to the nearest existing or candidate site.
	lb0 := 0.0
	for k, p := range dm.pts {
		d := dm.dExist[k]
		if _, dc, ok := cix.Nearest(p, 0); ok {
			d = min(d, dc*dm.det[k])
		}
		lb0 = max(lb0, d)
	}
	// Start: farthest-first — open the candidate nearest to the worst-served village.
	cur := slices.Clone(dm.dExist)
	open := make([]bool, len(su.cands))
	var sites []int
	for len(sites) < su.sp.P && len(dm.pts) > 0 && !su.stopped() {
		worst := 0
		for k := range cur {
			if cur[k] > cur[worst] {
				worst = k
			}
		}
		j, _, ok := cix.Nearest(dm.pts[worst], 0)
		if !ok || open[j] {
			break
		}
		open[j] = true
		sites = append(sites, j)
		pcenterUpdate(&dm, vix, cur, su.cands[j].point)
	}
	hi, best := pcenterObjective(&dm, cur), slices.Clone(sites)
	lo := lb0
	// Binary search on the radius with a set-cover heuristic as the feasibility test.
	for it := 0; it < 40 && hi-lo > math.Max(0.5, 1e-5*hi) && !su.stopped(); it++ {
		mid := (lo + hi) / 2
		cp, ok := pcenterCover(&dm, cix, mid)
		if !ok {
			lo = mid
			continue
		}
		cp.stop = su.stopped
		st, _ := cp.minCoverHeuristic(int64(len(cp.Weights)))
		if len(cp.Weights) > 0 && len(st.order) > su.sp.P {
			lo = mid
			continue
		}
		got := slices.Clone(st.order)
		cur := slices.Clone(dm.dExist)
		for _, j := range got {
			pcenterUpdate(&dm, vix, cur, su.cands[j].point)
		}
		if obj := pcenterObjective(&dm, cur); obj <= hi {
			hi, best = obj, got
		} else {
			hi = mid
		}
	}
	// Lower bound: radii proven infeasible (some village out of reach of every candidate, or the
	// Lagrangian MCLP bound with p sites below the villages to cover) — the optimum exceeds them.
	bound := lb0
	blo, bhi, its := lb0, hi, 0
	for it := 0; it < 14 && bhi-blo > math.Max(0.5, 1e-4*bhi) && !su.stopped(); it++ {
		mid := (blo + bhi) / 2
		cp, ok := pcenterCover(&dm, cix, mid)
		if ok {
			cp.stop = su.stopped
		}
		proven := !ok
		if ok && len(cp.Weights) > 0 {
			lr := cp.lagrangeMax(su.sp.P, -1, 150, int64(len(cp.Weights)))
			its += lr.iterations
			proven = min(lr.bound, cp.Coverable()) < int64(len(cp.Weights))
		}
		if proven {
			bound, blo = max(bound, mid), mid
		} else {
			bhi = mid
		}
	}
	s.Value, s.Bound = hi, bound
	s.setGapMin(hi, bound)
	s.Method = "farthest-first start, then binary search on the radius with a greedy set cover (redundancy removal, interchange) as the feasibility test"
	s.BoundMethod = fmt.Sprintf("largest radius proven infeasible: some village out of reach of every candidate, or the Lagrangian MCLP bound with p sites (%d subgradient iterations) below the villages to cover; at least the largest distance from a village to its nearest existing or candidate site", its)
	// Explanations: each site with the villages for which it becomes the nearest site.
	slices.Sort(best)
	nearestSite := make([]int, len(dm.pts))
	nearestD := slices.Clone(dm.dExist)
	for k := range nearestSite {
		nearestSite[k] = -1
	}
	for _, j := range best {
		vix.Within(su.cands[j].point, math.Min(nearestMax(nearestD), 1e9), func(k int, d float64) bool {
			if dd := d * dm.det[k]; dd < nearestD[k] {
				nearestD[k], nearestSite[k] = dd, j
			}
			return true
		})
	}
	byJ := map[int]*ProposedSite{}
	var props []ProposedSite
	for _, j := range best {
		props = append(props, a.site(su, &su.cands[j], 0))
	}
	for k := range props {
		byJ[best[k]] = &props[k]
	}
	for k, j := range nearestSite {
		if j < 0 {
			continue
		}
		ps := byJ[j]
		v := su.vs[dm.vi[k]]
		ps.Gain += su.w[dm.vi[k]]
		ps.GainElderly += q.Elderly.of(v.Population)
		ps.GainVillages++
		ps.NewVillages = append(ps.NewVillages, v.Code)
		ps.MaxDistanceM = max(ps.MaxDistanceM, nearestD[k])
	}
	slices.SortStableFunc(props, func(x, y ProposedSite) int {
		if x.Gain != y.Gain {
			return cmpInt64(y.Gain, x.Gain)
		}
		return strings.Compare(string(x.Code), string(y.Code))
	})
	for k := range props {
		props[k].Rank = k + 1
		slices.Sort(props[k].NewVillages)
	}
	s.Sites = props
	s.Notes = append(s.Notes, "p-center sites are ranked by the weight of the villages for which each becomes the nearest site; gain counts those villages")
	// Coverage before/after under the request's mode and radius.
	chosen := make([]candidate, len(best))
	for k, j := range best {
		chosen[k] = su.cands[j]
	}
	after := slices.Clone(su.before)
	for k, set := range a.reachSets(su, chosen, func(i int) bool { return !su.before[i].Covered }) {
		for _, i := range set {
			after[i].Covered = true
			after[i].Provenance = divisions.Weakest(after[i].Provenance, chosen[k].prov, divisions.Derived)
		}
	}
	a.finishAnswer(su, s, after, func(i int) string {
		if !su.vs[i].HasSeat && q.Mode != ModeJurisdiction {
			return ReasonNoPoint
		}
		return ReasonNotSelected
	})
	return s
}

func nearestMax(ds []float64) float64 {
	m := 0.0
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}

// pcenterUpdate lowers cur to the detour distance to a new site at p.
func pcenterUpdate(dm *pcenterDemand, vix *geo.PointIndex, cur []float64, p orb.Point) {
	r := nearestMax(cur)
	if math.IsInf(r, 1) {
		r = 2.1e7 // half the earth's circumference: every point
	}
	vix.Within(p, r, func(k int, d float64) bool {
		cur[k] = min(cur[k], d*dm.det[k])
		return true
	})
}

func pcenterObjective(dm *pcenterDemand, cur []float64) float64 {
	if len(cur) == 0 {
		return 0
	}
	return nearestMax(cur)
}

// pcenterCover is the set-cover instance for radius r: the villages farther than r from every
// existing facility, each weighing 1, and the candidates within r (× detour) of them. ok is false
// when some such village has no candidate within r (r is then infeasible for any p).
func pcenterCover(dm *pcenterDemand, cix *geo.PointIndex, r float64) (*CoverProblem, bool) {
	cp := &CoverProblem{Sets: make([][]int32, cix.Len())}
	for k, p := range dm.pts {
		if dm.dExist[k] <= r {
			continue
		}
		id := int32(len(cp.Weights))
		cp.Weights = append(cp.Weights, 1)
		n := 0
		cix.Within(p, r/dm.det[k], func(j int, d float64) bool {
			if d*dm.det[k] <= r {
				cp.Sets[j] = append(cp.Sets[j], id)
				n++
			}
			return true
		})
		if n == 0 {
			return nil, false
		}
	}
	cp.Total = int64(len(cp.Weights))
	return cp, true
}
