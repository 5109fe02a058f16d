package facilities_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/facilities/synth"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
)

// sitingSynth builds an analyzer over a generated one-county dataset.
func sitingSynth(t testing.TB, villages, fac int, seed uint64, shuffle bool) (*facilities.Analyzer, *synth.Data) {
	t.Helper()
	d, err := synth.Generate(synth.Config{Villages: villages, Facilities: fac, Counties: 1, Seed: seed,
		Kinds: []facilities.Kind{facilities.MutualAidElderly, facilities.WelfareHome}})
	if err != nil {
		t.Fatal(err)
	}
	divs, fs := slices.Clone(d.Divisions), slices.Clone(d.Facilities)
	if shuffle {
		rng := rand.New(rand.NewPCG(seed, 99))
		rng.Shuffle(len(divs), func(i, j int) { divs[i], divs[j] = divs[j], divs[i] })
		rng.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
	}
	tr, err := divisions.NewTree(divs)
	if err != nil {
		t.Fatal(err)
	}
	a, err := facilities.NewAnalyzer(tr, facilities.NewRegistry(fs), nil)
	if err != nil {
		t.Fatal(err)
	}
	return a, d
}

// oracle is an independent brute-force model of a radius-mode instance: village committees with
// elderly, covered-before flags from the coverage analysis, and candidate village points.
type oracle struct {
	code    []divisions.Code
	elderly []int64
	pt      []orb.Point
	covered []bool
	cands   []orb.Point
	in      map[[2]int]bool // (village, candidate) within the radius, filled by reach
	byCount bool            // value counts villages instead of elderly
}

// w is the weight value counts for village i.
func (o *oracle) w(i int) int64 {
	if o.byCount {
		return 1
	}
	return o.elderly[i]
}

// reach precomputes, by direct geodesic distances, which candidates reach which villages.
func (o *oracle) reach(r float64) {
	o.in = map[[2]int]bool{}
	for i := range o.pt {
		for j := range o.cands {
			if geo.DistanceM(o.pt[i], o.cands[j]) <= r {
				o.in[[2]int{i, j}] = true
			}
		}
	}
}

func newOracle(t *testing.T, a *facilities.Analyzer, d *synth.Data, kind facilities.Kind, r float64) *oracle {
	t.Helper()
	cov, err := a.Coverage(facilities.Params{Kind: kind, Mode: facilities.ModeRadius, RadiusM: r})
	if err != nil {
		t.Fatal(err)
	}
	o := &oracle{}
	for _, v := range cov.Villages {
		o.code = append(o.code, v.Code)
		o.elderly = append(o.elderly, v.Elderly)
		o.pt = append(o.pt, v.Point)
		o.covered = append(o.covered, v.Covered)
	}
	for _, v := range d.Villages() {
		o.cands = append(o.cands, v.Seat)
	}
	return o
}

// value is the elderly newly covered by sites (indexes into cands) within r, by direct distances.
func (o *oracle) value(sites []int, r float64) int64 {
	if o.in == nil {
		o.reach(r)
	}
	var v int64
	for i := range o.pt {
		if o.covered[i] {
			continue
		}
		for _, j := range sites {
			if o.in[[2]int{i, j}] {
				v += o.w(i)
				break
			}
		}
	}
	return v
}

// best enumerates every set of p candidates.
func (o *oracle) best(p int, r float64) int64 {
	n := len(o.cands)
	pick := make([]int, p)
	var best int64
	var rec func(start, k int)
	rec = func(start, k int) {
		if k == p {
			best = max(best, o.value(pick, r))
			return
		}
		for j := start; j <= n-(p-k); j++ {
			pick[k] = j
			rec(j+1, k+1)
		}
	}
	rec(0, 0)
	return best
}

func TestSitingMCLPAgainstEnumeration(t *testing.T) {
	for _, tc := range []struct {
		seed uint64
		p    int
		r    float64
	}{{1, 2, 2000}, {2, 3, 2000}, {3, 3, 1500}, {4, 2, 3000}} {
		a, d := sitingSynth(t, 30, 4, tc.seed, false)
		o := newOracle(t, a, d, facilities.MutualAidElderly, tc.r)
		opt := o.best(tc.p, tc.r)
		s, err := a.Siting(facilities.SitingParams{Params: facilities.Params{Kind: facilities.MutualAidElderly,
			Mode: facilities.ModeRadius, RadiusM: tc.r}, Objective: facilities.ObjectiveMCLP, P: tc.p})
		if err != nil {
			t.Fatal(err)
		}
		var idx []int
		for _, site := range s.Sites {
			for j, c := range o.cands {
				if c == site.Point {
					idx = append(idx, j)
					break
				}
			}
		}
		if got := o.value(idx, tc.r); float64(got) != s.Value {
			t.Errorf("seed %d: reported value %g, the sites cover %d by direct distances", tc.seed, s.Value, got)
		}
		if s.Value < 0.98*float64(opt) {
			t.Errorf("seed %d p=%d: value %g, optimum %d (more than 2%% off)", tc.seed, tc.p, s.Value, opt)
		}
		if s.Bound < float64(opt) {
			t.Errorf("seed %d p=%d: bound %g below the optimum %d", tc.seed, tc.p, s.Bound, opt)
		}
		if gain := s.After.ElderlyCovered - s.Before.ElderlyCovered; float64(gain) != s.Value {
			t.Errorf("seed %d: after−before elderly %d ≠ value %g", tc.seed, gain, s.Value)
		}
		var sum int64
		for _, site := range s.Sites {
			sum += site.Gain
		}
		if float64(sum) != s.Value {
			t.Errorf("seed %d: site gains sum to %d, value %g", tc.seed, sum, s.Value)
		}
	}
}

// LSCP's target is a share of village committees by default (the official indicator), or of
// the elderly with target_of=elderly; both against the fewest sites found by enumeration.
func TestSitingLSCPAgainstEnumeration(t *testing.T) {
	a, d := sitingSynth(t, 24, 3, 7, false)
	const r = 2500.0
	o := newOracle(t, a, d, facilities.MutualAidElderly, r)
	for _, of := range []facilities.TargetOf{"", facilities.TargetOfElderly} {
		o.byCount = of != facilities.TargetOfElderly
		var total, before int64
		for i := range o.elderly {
			total += o.w(i)
			if o.covered[i] {
				before += o.w(i)
			}
		}
		for _, target := range []float64{0.5, 0.8} {
			need := int64(math.Ceil(target*float64(total))) - before
			opt := -1
			for p := 1; p <= 6 && opt < 0; p++ {
				if o.best(p, r) >= need {
					opt = p
				}
			}
			if opt < 0 {
				t.Fatalf("%q target %.1f needs more than 6 sites; pick another instance", of, target)
			}
			s, err := a.Siting(facilities.SitingParams{Params: facilities.Params{Kind: facilities.MutualAidElderly,
				Mode: facilities.ModeRadius, RadiusM: r}, Objective: facilities.ObjectiveLSCP, Target: target, TargetOf: of})
			if err != nil {
				t.Fatal(err)
			}
			if !s.Feasible || len(s.Sites) != opt {
				t.Errorf("%q target %.1f: %d sites (feasible %v), optimum %d", of, target, len(s.Sites), s.Feasible, opt)
			}
			if s.Bound > float64(opt) {
				t.Errorf("%q target %.1f: lower bound %g above the optimum %d", of, target, s.Bound, opt)
			}
			// The share reached, recounted from the sites' points by direct distances.
			var idx []int
			for _, site := range s.Sites {
				idx = append(idx, slices.Index(o.cands, site.Point))
			}
			if got := float64(before+o.value(idx, r)) / float64(total); got < target {
				t.Errorf("%q target %.1f: the sites reach %.4f", of, target, got)
			}
		}
	}
}

// With weight=villages every covering answer counts villages; among equal counts the sites serve
// the most elderly. Checked against every set of p candidates, ordered by (villages, elderly).
func TestSitingVillagesWeightTiesByElderly(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		a, d := sitingSynth(t, 30, 4, seed, false)
		const r, p = 1500.0, 3
		o := newOracle(t, a, d, facilities.MutualAidElderly, r)
		o.reach(r)
		count := func(sites []int) (villages, elderly int64) {
			for i := range o.pt {
				if o.covered[i] {
					continue
				}
				for _, j := range sites {
					if o.in[[2]int{i, j}] {
						villages, elderly = villages+1, elderly+o.elderly[i]
						break
					}
				}
			}
			return villages, elderly
		}
		var bestV, bestE int64
		pick := make([]int, p)
		var rec func(start, k int)
		rec = func(start, k int) {
			if k == p {
				v, e := count(pick)
				if v > bestV || (v == bestV && e > bestE) {
					bestV, bestE = v, e
				}
				return
			}
			for j := start; j <= len(o.cands)-(p-k); j++ {
				pick[k] = j
				rec(j+1, k+1)
			}
		}
		rec(0, 0)
		s, err := a.Siting(facilities.SitingParams{Params: facilities.Params{Kind: facilities.MutualAidElderly,
			Mode: facilities.ModeRadius, RadiusM: r}, Objective: facilities.ObjectiveMCLP, P: p, Weight: facilities.WeightVillages})
		if err != nil {
			t.Fatal(err)
		}
		var idx []int
		for _, site := range s.Sites {
			idx = append(idx, slices.Index(o.cands, site.Point))
		}
		v, e := count(idx)
		if float64(v) != s.Value || v != bestV {
			t.Errorf("seed %d: %d villages (reported %g), best %d", seed, v, s.Value, bestV)
		}
		if v == bestV && e != bestE {
			t.Errorf("seed %d: %d villages with %d elderly; the best set with %d villages serves %d elderly", seed, v, e, bestV, bestE)
		}
	}
}

func TestSitingPCenterAgainstEnumeration(t *testing.T) {
	for _, seed := range []uint64{11, 12, 13, 14} {
		pcenterCase(t, seed)
	}
}

func pcenterCase(t *testing.T, seed uint64) {
	a, d := sitingSynth(t, 18, 2, seed, false)
	cov, err := a.Coverage(facilities.Params{Kind: facilities.MutualAidElderly, Mode: facilities.ModeRadius, RadiusM: 1000, Nearest: true})
	if err != nil {
		t.Fatal(err)
	}
	var cands []orb.Point
	for _, v := range d.Villages() {
		cands = append(cands, v.Seat)
	}
	obj := func(sites ...int) float64 {
		worst := 0.0
		for _, v := range cov.Villages {
			best := math.Inf(1)
			if v.Nearest != nil {
				best = v.Nearest.DistanceM
			}
			for _, j := range sites {
				best = min(best, geo.DistanceM(v.Point, cands[j]))
			}
			worst = max(worst, best)
		}
		return worst
	}
	opt := math.Inf(1)
	for i := range cands {
		for j := i + 1; j < len(cands); j++ {
			opt = min(opt, obj(i, j))
		}
	}
	s, err := a.Siting(facilities.SitingParams{Params: facilities.Params{Kind: facilities.MutualAidElderly, RadiusM: 1000,
		Mode: facilities.ModeRadius}, Objective: facilities.ObjectivePCenter, P: 2})
	if err != nil {
		t.Fatal(err)
	}
	var idx []int
	for _, site := range s.Sites {
		for j, c := range cands {
			if c == site.Point {
				idx = append(idx, j)
			}
		}
	}
	if got := obj(idx...); math.Abs(got-s.Value) > 1e-6 {
		t.Errorf("seed %d: reported %g m, the sites give %g m", seed, s.Value, got)
	}
	if s.Bound > opt+1e-6 {
		t.Errorf("seed %d: lower bound %g above the optimum %g", seed, s.Bound, opt)
	}
	if s.Value > 1.05*opt {
		t.Errorf("seed %d: value %g more than 5%% above the optimum %g", seed, s.Value, opt)
	}
	if s.Gap != nil && s.Value > 0 && *s.Gap < (s.Value-opt)/opt-1e-9 {
		t.Errorf("seed %d: reported gap %g smaller than the true gap %g", seed, *s.Gap, (s.Value-opt)/opt)
	}
}

func TestSitingDeterministic(t *testing.T) {
	for _, obj := range []facilities.Objective{facilities.ObjectiveMCLP, facilities.ObjectiveLSCP, facilities.ObjectivePCenter} {
		var first []divisions.Code
		for run := 0; run < 3; run++ {
			a, _ := sitingSynth(t, 300, 40, 5, run > 0)
			s, err := a.Siting(facilities.SitingParams{Params: facilities.Params{Kind: facilities.MutualAidElderly,
				Mode: facilities.ModeRadius, RadiusM: 1500}, Objective: obj, P: 8, Target: 0.5})
			if err != nil {
				t.Fatal(err)
			}
			var codes []divisions.Code
			for _, site := range s.Sites {
				codes = append(codes, site.Code)
			}
			if run == 0 {
				first = codes
				if len(codes) == 0 {
					t.Fatalf("%s: no sites", obj)
				}
			} else if !slices.Equal(first, codes) {
				t.Errorf("%s run %d (shuffled input): sites %v, first run %v", obj, run, codes, first)
			}
		}
	}
}

func TestSitingBadInput(t *testing.T) {
	a, _ := sitingSynth(t, 30, 4, 1, false)
	base := facilities.Params{Kind: facilities.MutualAidElderly, Mode: facilities.ModeRadius, RadiusM: 1000}
	for _, tc := range []struct {
		name  string
		sp    facilities.SitingParams
		param string
	}{
		{"unknown objective", facilities.SitingParams{Params: base, Objective: "best", P: 2}, "objective"},
		{"p zero", facilities.SitingParams{Params: base, Objective: facilities.ObjectiveMCLP}, "p"},
		{"p above candidates", facilities.SitingParams{Params: base, Objective: facilities.ObjectiveMCLP, P: 31}, "p"},
		{"target percent", facilities.SitingParams{Params: base, Objective: facilities.ObjectiveLSCP, Target: 80}, "target"},
		{"unknown weight", facilities.SitingParams{Params: base, Objective: facilities.ObjectiveMCLP, P: 2, Weight: "people"}, "weight"},
		{"capacity on a non-bed kind", facilities.SitingParams{Params: base, Objective: facilities.ObjectiveMCLP, P: 2,
			Capacity: &facilities.CapacityParams{BedsPerSite: 20}}, "capacity"},
		{"bad exclude", facilities.SitingParams{Params: base, Objective: facilities.ObjectiveMCLP, P: 2, Exclude: []divisions.Code{"12x"}}, "exclude"},
		{"unknown mode", facilities.SitingParams{Params: facilities.Params{Kind: facilities.MutualAidElderly, Mode: "walk"},
			Objective: facilities.ObjectiveMCLP, P: 2}, "mode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := a.Siting(tc.sp)
			var pe *facilities.ParamError
			if !errors.As(err, &pe) || pe.Param != tc.param {
				t.Fatalf("got %v, want a ParamError on %s", err, tc.param)
			}
		})
	}
	// A division with no village committees: only residents' committees in it.
	tr := handTree(t)
	ha, err := facilities.NewAnalyzer(tr, facilities.NewRegistry(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ha.Siting(facilities.SitingParams{Params: facilities.Params{Kind: facilities.MutualAidElderly,
		Division: "420101100001"}, Objective: facilities.ObjectiveMCLP, P: 1})
	var pe *facilities.ParamError
	if !errors.As(err, &pe) || pe.Param != "division" {
		t.Fatalf("empty division: got %v, want a ParamError on division", err)
	}
	_, err = ha.Siting(facilities.SitingParams{Params: facilities.Params{Kind: facilities.MutualAidElderly,
		Division: "429999"}, Objective: facilities.ObjectiveMCLP, P: 1})
	if !facilities.IsNotFound(err) {
		t.Fatalf("unknown division: got %v, want not found", err)
	}
}

func TestSitingInfeasibleTarget(t *testing.T) {
	a := handAnalyzer(t, handFacilities())
	// Radius mode, 100 m: only V2 can be newly covered (from its own point); exclude everything else.
	s, err := a.Siting(facilities.SitingParams{Params: facilities.Params{Kind: facilities.MutualAidElderly,
		Mode: facilities.ModeRadius, RadiusM: 100}, Objective: facilities.ObjectiveLSCP, Target: 0.9,
		TargetOf: facilities.TargetOfElderly, Exclude: []divisions.Code{"420101101"}})
	if err != nil {
		t.Fatal(err)
	}
	// Village committees: V1 (100, covered by facility 1), V2 (200), V3 (300), V4 (400); 1000 elderly.
	if s.Feasible || s.Reachable == nil || math.Abs(*s.Reachable-0.3) > 1e-12 {
		t.Fatalf("feasible %v reachable %v, want infeasible with 0.3 reachable", s.Feasible, s.Reachable)
	}
	if len(s.Sites) != 1 || s.Sites[0].Code != "420101100202" {
		t.Fatalf("sites %+v, want the one site at V2", s.Sites)
	}
	// The official indicator: 2 of 4 village committees; target 0.9 of the elderly is not its target.
	if s.Indicator.Name != facilities.IndicatorVillageShare || s.Indicator.Value != 0.5 {
		t.Errorf("indicator %+v, want village_committee_share 0.5", s.Indicator)
	}
	if s.Reasons[facilities.ReasonNoCandidate] != 2 {
		t.Errorf("reasons %v, want 2 villages with no candidate in reach", s.Reasons)
	}
	if len(s.Uncovered) != 2 || s.Uncovered[0].Code != "420101101202" {
		t.Errorf("uncovered %+v, want V4 then V3", s.Uncovered)
	}
}

func TestSitingJurisdictionAndTownships(t *testing.T) {
	a := handAnalyzer(t, handFacilities())
	s, err := a.Siting(facilities.SitingParams{Params: facilities.Params{Kind: facilities.MutualAidElderly,
		Mode: facilities.ModeJurisdiction}, Objective: facilities.ObjectiveMCLP, P: 2, Weight: facilities.WeightVillages})
	if err != nil {
		t.Fatal(err)
	}
	// Every uncovered village committee is covered by a site in itself; two sites cover 2 villages.
	if s.Value != 2 || !s.Optimal || s.Before.Covered != 1 || s.After.Covered != 3 {
		t.Fatalf("value %g optimal %v before %d after %d", s.Value, s.Optimal, s.Before.Covered, s.After.Covered)
	}
	// Villages weight: every site adds one village; ties go to the most elderly → V4 (400,
	// 420101101202) and V3 (300, 420101101201), not V2 (200) by code order.
	if s.Sites[0].Code != "420101101202" || s.Sites[1].Code != "420101101201" {
		t.Errorf("sites %s, %s; want V4 then V3", s.Sites[0].Code, s.Sites[1].Code)
	}
	if len(s.Townships) != 2 || s.Townships[0].CoveredAfter != 1 || s.Townships[1].CoveredAfter != 2 || s.Townships[1].NewSites != 2 {
		t.Errorf("townships %+v", s.Townships)
	}
}

func TestSitingCapacityHandCase(t *testing.T) {
	// Welfare homes, radius 2 km, norm 35: V1 100 → 3.5 beds, V2 200 → 7, V3 300 → 10.5, V4 400 → 14
	// (35 beds in all). The existing home (40 beds) at T1 reaches V1 and V2 (≈ 0.5 / 0.6 km) → 10.5
	// served. One new site of 20 beds at V3 or V4 reaches both (1 km apart) → 20 more.
	a := handAnalyzer(t, handFacilities())
	s, err := a.Siting(facilities.SitingParams{Params: facilities.Params{Kind: facilities.WelfareHome,
		Mode: facilities.ModeRadius, RadiusM: 2000}, Objective: facilities.ObjectiveMCLP, P: 1,
		Capacity: &facilities.CapacityParams{BedsPerSite: 20}})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Capacity
	if c == nil || c.DemandBeds != 35 || c.ServedBefore != 10.5 || c.ServedAfter != 30.5 || s.Value != 20 {
		t.Fatalf("capacity %+v value %g", c, s.Value)
	}
	if s.Bound < 20 || s.Bound > 24.5 {
		t.Errorf("bound %g: must be ≥ 20 (the optimum) and ≤ the 24.5 beds unserved", s.Bound)
	}
	if len(s.Sites) != 1 || s.Sites[0].AllocatedBeds != 20 {
		t.Errorf("sites %+v", s.Sites)
	}
}

func TestSitingUpgrade(t *testing.T) {
	fs := handFacilities()
	fs = append(fs, facilities.Facility{ID: 5, Kind: facilities.WelfareHome, Name: "乙镇敬老院",
		DivisionCode: divisions.MustCode("420101101"), Point: orb.Point{114.405, 30.5}, Status: facilities.StatusOperating,
		Beds: 30, Provenance: divisions.Real})
	a := handAnalyzer(t, fs)
	s, err := a.Siting(facilities.SitingParams{Params: facilities.Params{Mode: facilities.ModeRadius, RadiusM: 3000},
		Objective: facilities.ObjectiveUpgrade, P: 1})
	if err != nil {
		t.Fatal(err)
	}
	// 乙镇敬老院 reaches V3 + V4 (700 elderly); 甲镇福利院 V1 + V2 (300).
	if len(s.Sites) != 1 || s.Sites[0].FacilityID != 5 || s.Value != 700 || s.Query.Kind != facilities.RegionalCareCenter {
		t.Fatalf("sites %+v value %g kind %s", s.Sites, s.Value, s.Query.Kind)
	}
}

// Supplied candidates in any order give the same sites; a candidate without a code is placed in
// the nearest village of the division.
func TestSitingSuppliedCandidatesOrder(t *testing.T) {
	a, d := sitingSynth(t, 120, 10, 21, false)
	var cands []facilities.CandidateSite
	for k, v := range d.Villages() {
		if k%3 == 0 {
			cands = append(cands, facilities.CandidateSite{Name: "school " + string(v.Code[9:]), Point: orb.Point{v.Seat[0] + 0.001, v.Seat[1]}})
		}
	}
	run := func(cs []facilities.CandidateSite) []string {
		s, err := a.Siting(facilities.SitingParams{Params: facilities.Params{Kind: facilities.MutualAidElderly,
			Mode: facilities.ModeRadius, RadiusM: 1500}, Objective: facilities.ObjectiveMCLP, P: 4, Candidates: cs})
		if err != nil {
			t.Fatal(err)
		}
		if s.Candidates != len(cs) {
			t.Fatalf("%d candidates considered, %d supplied", s.Candidates, len(cs))
		}
		var out []string
		for _, site := range s.Sites {
			if site.Code == "" || site.Code.Level() != divisions.Village {
				t.Errorf("site %s placed in %q, want a village code", site.Name, site.Code)
			}
			out = append(out, site.Name)
		}
		return out
	}
	first := run(cands)
	rng := rand.New(rand.NewPCG(3, 3))
	for k := 0; k < 3; k++ {
		sh := slices.Clone(cands)
		rng.Shuffle(len(sh), func(i, j int) { sh[i], sh[j] = sh[j], sh[i] })
		if got := run(sh); !slices.Equal(got, first) {
			t.Fatalf("shuffled candidates: %v, first %v", got, first)
		}
	}
	if len(first) == 0 {
		t.Fatal("no site proposed")
	}
}

// An already met target needs no site and says so, with a zero gap.
func TestSitingTargetAlreadyMet(t *testing.T) {
	a := handAnalyzer(t, handFacilities())
	s, err := a.Siting(facilities.SitingParams{Params: facilities.Params{Kind: facilities.MutualAidElderly},
		Objective: facilities.ObjectiveLSCP, Target: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Sites) != 0 || !s.Feasible || !s.Optimal || s.Gap == nil || *s.Gap != 0 {
		t.Fatalf("sites %d feasible %v optimal %v gap %v", len(s.Sites), s.Feasible, s.Optimal, s.Gap)
	}
}

// radius_in_jurisdiction: a mutual-aid site (serves its village) covers only its own village,
// however large the radius; plain radius mode lets one site reach several villages. At 5 km the
// existing site in V1 reaches V2 (≈ 0.9 km) in radius mode; V3 and V4 (≈ 1 km apart) remain and one
// site covers both. In radius_in_jurisdiction the existing site covers V1 only, and a new site one
// village.
func TestSitingRadiusInJurisdiction(t *testing.T) {
	a := handAnalyzer(t, handFacilities())
	for _, tc := range []struct {
		mode facilities.Mode
		want float64
	}{{facilities.ModeRadius, 2}, {facilities.ModeRadiusInJurisdiction, 1}} {
		s, err := a.Siting(facilities.SitingParams{Params: facilities.Params{Kind: facilities.MutualAidElderly,
			Mode: tc.mode, RadiusM: 5000}, Objective: facilities.ObjectiveMCLP, P: 1, Weight: facilities.WeightVillages})
		if err != nil {
			t.Fatal(err)
		}
		if s.Value != tc.want || !s.Optimal {
			t.Errorf("%s: value %g (optimal %v), want %g", tc.mode, s.Value, s.Optimal, tc.want)
		}
	}
}

// ekMaxFlow is an independent max-flow oracle (Edmonds–Karp on an adjacency matrix).
func ekMaxFlow(c [][]int64, s, t int) int64 {
	n := len(c)
	var total int64
	for {
		prev := make([]int, n)
		for i := range prev {
			prev[i] = -1
		}
		prev[s] = s
		q := []int{s}
		for len(q) > 0 && prev[t] < 0 {
			u := q[0]
			q = q[1:]
			for v := 0; v < n; v++ {
				if prev[v] < 0 && c[u][v] > 0 {
					prev[v] = u
					q = append(q, v)
				}
			}
		}
		if prev[t] < 0 {
			return total
		}
		f := int64(math.MaxInt64)
		for v := t; v != s; v = prev[v] {
			f = min(f, c[prev[v]][v])
		}
		for v := t; v != s; v = prev[v] {
			c[prev[v]][v] -= f
			c[v][prev[v]] += f
		}
		total += f
	}
}

// Capacity: the served beds civplan reports equal an independent max flow for its sites, and its
// bound is at least the best any pair of candidates achieves (enumerated with the same oracle).
func TestSitingCapacityAgainstEnumeration(t *testing.T) {
	for _, seed := range []uint64{31, 32} {
		a, d := sitingSynth(t, 30, 3, seed, false)
		const r, beds, norm = 2500.0, 60, 35.0
		cov, err := a.Coverage(facilities.Params{Kind: facilities.WelfareHome, Mode: facilities.ModeRadius, RadiusM: r})
		if err != nil {
			t.Fatal(err)
		}
		var sites []orb.Point
		var caps []int64
		for _, f := range d.Facilities {
			if f.Kind == facilities.WelfareHome && f.Status == facilities.StatusOperating {
				sites, caps = append(sites, f.Point), append(caps, int64(f.Beds)*1000)
			}
		}
		nExist := len(sites)
		var cands []orb.Point
		for _, v := range d.Villages() {
			cands = append(cands, v.Seat)
		}
		served := func(extra ...int) int64 {
			ss, cs := slices.Clone(sites), slices.Clone(caps)
			for _, j := range extra {
				ss, cs = append(ss, cands[j]), append(cs, beds*1000)
			}
			nv := len(cov.Villages)
			n := nv + len(ss) + 2
			c := make([][]int64, n)
			for i := range c {
				c[i] = make([]int64, n)
			}
			src, snk := n-2, n-1
			for i, v := range cov.Villages {
				c[src][i] = int64(math.Round(float64(v.Elderly) * norm))
				for k, p := range ss {
					if geo.DistanceM(v.Point, p) <= r {
						c[i][nv+k] = math.MaxInt64 / 4
					}
				}
			}
			for k := range ss {
				c[nv+k][snk] = cs[k]
			}
			return ekMaxFlow(c, src, snk)
		}
		base := served()
		best := int64(0)
		for i := range cands {
			for j := i + 1; j < len(cands); j++ {
				best = max(best, served(i, j)-base)
			}
		}
		s, err := a.Siting(facilities.SitingParams{Params: facilities.Params{Kind: facilities.WelfareHome,
			Mode: facilities.ModeRadius, RadiusM: r}, Objective: facilities.ObjectiveMCLP, P: 2,
			Capacity: &facilities.CapacityParams{BedsPerSite: beds, NormPer1000: norm}})
		if err != nil {
			t.Fatal(err)
		}
		var idx []int
		for _, site := range s.Sites {
			idx = append(idx, slices.Index(cands, site.Point))
		}
		if got := float64(served(idx...)) / 1000; math.Abs(got-s.Capacity.ServedAfter) > 1e-9 || math.Abs(float64(base)/1000-s.Capacity.ServedBefore) > 1e-9 {
			t.Errorf("seed %d: served before/after %g/%g, oracle %g/%g", seed, s.Capacity.ServedBefore, s.Capacity.ServedAfter, float64(base)/1000, got)
		}
		if s.Bound*1000 < float64(best)-1e-6 {
			t.Errorf("seed %d: bound %g beds below the best pair's %g", seed, s.Bound, float64(best)/1000)
		}
		if s.Value*1000 < 0.95*float64(best) {
			t.Errorf("seed %d: %g beds newly served, the best pair serves %g", seed, s.Value, float64(best)/1000)
		}
		t.Logf("seed %d: %d existing homes, value %g, best pair %g, bound %g", seed, nExist, s.Value, float64(best)/1000, s.Bound)
	}
}
