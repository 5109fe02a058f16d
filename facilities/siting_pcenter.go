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

// pcenterSearch is a p-center instance: the villages with a point and the candidate sites,
// each with a point index.
type pcenterSearch struct {
	su  *sitingSetup
	dm  pcenterDemand
	cix *geo.PointIndex // candidate points, by index into su.cands
	vix *geo.PointIndex // village points, by index into dm
}

// pcenter answers the p-center objective: p new sites minimising the largest (detour) distance
// from a village with a point to its nearest usable or new site, in any jurisdiction.
func (a *Analyzer) pcenter(su *sitingSetup) *Siting {
	s := a.newAnswer(su)
	s.Feasible, s.ValueUnit = true, "metres"
	ps := a.newPCenterSearch(su, s)
	if before := nearestMax(ps.dm.dExist); !math.IsInf(before, 1) && len(ps.dm.pts) > 0 {
		s.MaxDistanceBeforeM = &before
	}
	lb0 := ps.nearestAnySite()
	hi, best := ps.searchRadius(lb0)
	bound, its := ps.provenBound(lb0, hi)
	s.Value, s.Bound = hi, bound
	s.setGapMin(hi, bound)
	s.Method = "farthest-first start, then binary search on the radius with a greedy set cover (redundancy removal, interchange) as the feasibility test"
	s.BoundMethod = fmt.Sprintf("largest radius proven infeasible: some village out of reach of every candidate, or the Lagrangian MCLP bound with p sites (%d subgradient iterations) below the villages to cover; at least the largest distance from a village to its nearest existing or candidate site", its)
	s.Sites = a.pcenterExplain(ps, best)
	s.Notes = append(s.Notes, "p-center sites are ranked by the weight of the villages for which each becomes the nearest site; gain counts those villages")
	a.finishAnswer(su, s, a.coveredAfter(su, best), func(i int) string {
		if !su.vs[i].HasSeat && su.q.Mode != ModeJurisdiction {
			return ReasonNoPoint
		}
		return ReasonNotSelected
	})
	return s
}

// newPCenterSearch collects the villages with a point, their detour and their distance to the
// nearest usable facility, and indexes them and the candidates; it notes in s what is left out.
func (a *Analyzer) newPCenterSearch(su *sitingSetup, s *Siting) *pcenterSearch {
	q := &su.q
	ki := a.reg.kind(q.Kind)
	ps := &pcenterSearch{su: su}
	dm := &ps.dm
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
	ps.cix, ps.vix = geo.NewPointIndex(cpts), geo.NewPointIndex(dm.pts)
	return ps
}

// nearestAnySite is a lower bound for any p: the largest distance from a village to its nearest
// existing or candidate site.
func (ps *pcenterSearch) nearestAnySite() float64 {
	lb := 0.0
	for k, p := range ps.dm.pts {
		d := ps.dm.dExist[k]
		if _, dc, ok := ps.cix.Nearest(p, 0); ok {
			d = min(d, dc*ps.dm.det[k])
		}
		lb = max(lb, d)
	}
	return lb
}

// objectiveWith is the largest distance from a village to its nearest existing site or one of
// the sites (indexes into su.cands).
func (ps *pcenterSearch) objectiveWith(sites []int) float64 {
	cur := slices.Clone(ps.dm.dExist)
	for _, j := range sites {
		pcenterUpdate(&ps.dm, ps.vix, cur, ps.su.cands[j].point)
	}
	return pcenterObjective(&ps.dm, cur)
}

// farthestFirst opens, p times, the candidate nearest to the worst-served village (stopping
// early when that candidate is already open) and returns the sites with their objective.
func (ps *pcenterSearch) farthestFirst() (float64, []int) {
	cur := slices.Clone(ps.dm.dExist)
	open := make([]bool, len(ps.su.cands))
	var sites []int
	for len(sites) < ps.su.sp.P && len(ps.dm.pts) > 0 && !ps.su.stopped() {
		worst := 0
		for k := range cur {
			if cur[k] > cur[worst] {
				worst = k
			}
		}
		j, _, ok := ps.cix.Nearest(ps.dm.pts[worst], 0)
		if !ok || open[j] {
			break
		}
		open[j] = true
		sites = append(sites, j)
		pcenterUpdate(&ps.dm, ps.vix, cur, ps.su.cands[j].point)
	}
	return pcenterObjective(&ps.dm, cur), sites
}

// searchRadius improves the farthest-first answer by a binary search on the radius between lo
// (a lower bound) and the best objective, with a set-cover heuristic as the feasibility test:
// it returns the best objective found and its sites.
func (ps *pcenterSearch) searchRadius(lo float64) (float64, []int) {
	hi, best := ps.farthestFirst()
	for it := 0; it < 40 && hi-lo > math.Max(0.5, 1e-5*hi) && !ps.su.stopped(); it++ {
		mid := (lo + hi) / 2
		cp, ok := pcenterCover(&ps.dm, ps.cix, mid)
		if !ok {
			lo = mid
			continue
		}
		cp.stop = ps.su.stopped
		st, _ := cp.minCoverHeuristic(int64(len(cp.Weights)))
		if len(cp.Weights) > 0 && len(st.order) > ps.su.sp.P {
			lo = mid
			continue
		}
		got := slices.Clone(st.order)
		if obj := ps.objectiveWith(got); obj <= hi {
			hi, best = obj, got
		} else {
			hi = mid
		}
	}
	return hi, best
}

// provenBound is the largest radius in [lb0, hi] proven infeasible for p sites (some village out
// of reach of every candidate, or the Lagrangian MCLP bound with p sites below the villages to
// cover): the optimum exceeds it. It returns the bound and the subgradient iterations spent.
func (ps *pcenterSearch) provenBound(lb0, hi float64) (float64, int) {
	bound := lb0
	blo, bhi, its := lb0, hi, 0
	for it := 0; it < 14 && bhi-blo > math.Max(0.5, 1e-4*bhi) && !ps.su.stopped(); it++ {
		mid := (blo + bhi) / 2
		cp, ok := pcenterCover(&ps.dm, ps.cix, mid)
		if ok {
			cp.stop = ps.su.stopped
		}
		proven := !ok
		if ok && len(cp.Weights) > 0 {
			lr := cp.lagrangeMax(ps.su.sp.P, -1, 150, int64(len(cp.Weights)))
			its += lr.iterations
			proven = min(lr.bound, cp.Coverable()) < int64(len(cp.Weights))
		}
		if proven {
			bound, blo = max(bound, mid), mid
		} else {
			bhi = mid
		}
	}
	return bound, its
}

// pcenterExplain lists the sites with the villages for which each becomes the nearest site,
// ranked by the weight of those villages (then code).
func (a *Analyzer) pcenterExplain(ps *pcenterSearch, best []int) []ProposedSite {
	su, dm := ps.su, &ps.dm
	best = slices.Sorted(slices.Values(best))
	nearestSite := make([]int, len(dm.pts))
	nearestD := slices.Clone(dm.dExist)
	for k := range nearestSite {
		nearestSite[k] = -1
	}
	for _, j := range best {
		ps.vix.Within(su.cands[j].point, math.Min(nearestMax(nearestD), 1e9), func(k int, d float64) bool {
			if dd := d * dm.det[k]; dd < nearestD[k] {
				nearestD[k], nearestSite[k] = dd, j
			}
			return true
		})
	}
	props := make([]ProposedSite, 0, len(best))
	byJ := map[int]int{}
	for _, j := range best {
		byJ[j] = len(props)
		props = append(props, a.site(su, &su.cands[j], 0))
	}
	for k, j := range nearestSite {
		if j < 0 {
			continue
		}
		p := &props[byJ[j]]
		v := su.vs[dm.vi[k]]
		p.Gain += su.w[dm.vi[k]]
		p.GainElderly += su.q.Elderly.of(v.Population)
		p.GainVillages++
		p.NewVillages = append(p.NewVillages, v.Code)
		p.MaxDistanceM = max(p.MaxDistanceM, nearestD[k])
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
	return props
}

// coveredAfter is the coverage of su's villages under the request's mode and radius once the
// candidate sites (indexes into su.cands) are added.
func (a *Analyzer) coveredAfter(su *sitingSetup, sites []int) []VillageResult {
	chosen := make([]candidate, len(sites))
	for k, j := range sites {
		chosen[k] = su.cands[j]
	}
	after := slices.Clone(su.before)
	for k, set := range a.reachSets(su, chosen, func(i int) bool { return !su.before[i].Covered }) {
		for _, i := range set {
			after[i].Covered = true
			after[i].Provenance = divisions.Weakest(after[i].Provenance, chosen[k].prov, divisions.Derived)
		}
	}
	return after
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
