package facilities

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
)

// Objective is what a siting request optimises.
type Objective string

// Siting objectives.
const (
	ObjectiveLSCP    Objective = "lscp"    // fewest new sites so coverage reaches Target
	ObjectiveMCLP    Objective = "mclp"    // P new sites covering the most weight
	ObjectivePCenter Objective = "pcenter" // P new sites minimising the largest village-to-nearest-site distance
	ObjectiveUpgrade Objective = "upgrade" // P existing facilities (welfare homes) to upgrade, covering the most weight
)

// ParseObjective validates an objective word.
func ParseObjective(s string) (Objective, error) {
	switch o := Objective(s); o {
	case ObjectiveLSCP, ObjectiveMCLP, ObjectivePCenter, ObjectiveUpgrade:
		return o, nil
	}
	return "", &ParamError{Param: "objective", Value: s, Reason: "want lscp, mclp, pcenter or upgrade"}
}

// Weight is what coverage counts: elderly people or villages.
type Weight string

// Weights.
const (
	WeightElderly  Weight = "elderly"  // the elderly field of the request (age60 by default)
	WeightVillages Weight = "villages" // one per village committee
)

// ParseWeight validates a weight word ("" = elderly).
func ParseWeight(s string) (Weight, error) {
	switch w := Weight(s); w {
	case "":
		return WeightElderly, nil
	case WeightElderly, WeightVillages:
		return w, nil
	}
	return "", &ParamError{Param: "weight", Value: s, Reason: "want elderly or villages"}
}

// TargetOf is what an lscp target is a share of.
type TargetOf string

// Targets of lscp.
const (
	TargetOfVillages TargetOf = "villages" // share of village committees covered: the official indicator (default)
	TargetOfElderly  TargetOf = "elderly"  // share of the elderly covered
)

// ParseTargetOf validates a target_of word ("" = villages).
func ParseTargetOf(s string) (TargetOf, error) {
	switch t := TargetOf(s); t {
	case "":
		return TargetOfVillages, nil
	case TargetOfVillages, TargetOfElderly:
		return t, nil
	}
	return "", &ParamError{Param: "target_of", Value: s, Reason: "want villages (the official indicator) or elderly"}
}

// CandidateSite is a supplied candidate (e.g. an idle school). Code is the village (or township)
// it would be registered in; "" means the village-level unit in scope whose point is nearest.
type CandidateSite struct {
	Code  divisions.Code `json:"code,omitempty"`
	Name  string         `json:"name,omitempty"`
	Point orb.Point      `json:"point"` // WGS84 lon/lat
}

// CapacityParams turns MCLP into a capacitated problem for bed-based kinds: each village demands
// elderly × NormPer1000 / 1000 beds and a site serves at most its beds.
type CapacityParams struct {
	NormPer1000 float64 `json:"norm_per_1000,omitempty"` // 0 = config (35, the 2014 national target)
	BedsPerSite int     `json:"beds_per_site"`           // beds of each new site; required, > 0
}

// SitingParams is a siting request. Params carries kind, division, mode, radius, detour and the
// village selection exactly as for coverage (GroupBy and Nearest are ignored).
type SitingParams struct {
	Params
	Objective   Objective
	P           int             // mclp, pcenter, upgrade: sites to add; lscp: ignored
	Target      float64         // lscp: share to reach in (0, 1] of TargetOf
	TargetOf    TargetOf        // lscp: "" = villages (share of village committees, the official indicator)
	Weight      Weight          // mclp, upgrade: what coverage counts ("" = elderly); lscp: ignored (ties: elderly, then distance)
	Candidates  []CandidateSite // nil = every village-level point in the division (upgrade: the facilities of UpgradeFrom)
	Exclude     []divisions.Code
	ExcludeIDs  []int64         // upgrade: facilities not to upgrade
	UpgradeFrom Kind            // upgrade: "" = welfare_home
	Capacity    *CapacityParams // mclp on bed-based kinds only
}

// ProposedSite is one proposed site with its explanation, in rank order.
type ProposedSite struct {
	Rank          int                  `json:"rank"` // 1 = largest marginal gain
	Code          divisions.Code       `json:"code"` // the village (or township) it would be registered in
	Name          string               `json:"name"`
	Township      divisions.Code       `json:"township,omitempty"`
	TownshipName  string               `json:"township_name,omitempty"`
	Point         orb.Point            `json:"point"`
	FacilityID    int64                `json:"facility_id,omitempty"` // upgrade: the facility to upgrade
	Gain          int64                `json:"gain"`                  // marginal weight newly covered, in rank order
	GainElderly   int64                `json:"gain_elderly"`
	GainVillages  int                  `json:"gain_villages"`
	NewVillages   []divisions.Code     `json:"new_villages"`             // newly covered by this site (not by existing or higher-ranked sites)
	MaxDistanceM  float64              `json:"max_distance_m,omitempty"` // pcenter: farthest village for which it is the nearest site
	Beds          int                  `json:"beds,omitempty"`           // capacity: beds of the site
	AllocatedBeds float64              `json:"allocated_beds,omitempty"` // capacity: beds of demand allocated to it
	GainBeds      float64              `json:"gain_beds,omitempty"`      // capacity: beds of demand newly served when it was added
	Provenance    divisions.Provenance `json:"provenance"`

	newIdx []int // positions in the setup's villages of NewVillages
}

// UnitChange is the coverage of one township before and after the proposed sites.
type UnitChange struct {
	Code                 divisions.Code `json:"code"`
	Name                 string         `json:"name"`
	Villages             int            `json:"villages"`
	Elderly              int64          `json:"elderly"`
	CoveredBefore        int            `json:"covered_before"`
	CoveredAfter         int            `json:"covered_after"`
	ElderlyCoveredBefore int64          `json:"elderly_covered_before"`
	ElderlyCoveredAfter  int64          `json:"elderly_covered_after"`
	RatioBefore          *float64       `json:"ratio_before"`
	RatioAfter           *float64       `json:"ratio_after"`
	NewSites             int            `json:"new_sites"`
}

// Reasons a village stays uncovered after siting.
const (
	ReasonNoPoint      = "no_point"              // no village point: radius modes cannot place it
	ReasonNoCandidate  = "no_candidate_in_reach" // no candidate (after exclusions) covers it
	ReasonNotSelected  = "not_selected"          // some candidate covers it, but the budget or target left it out
	ReasonCapacityFull = "capacity_insufficient" // capacity: demand left unserved
)

// UncoveredVillage is a village still uncovered after siting, and why.
type UncoveredVillage struct {
	Code    divisions.Code `json:"code"`
	Name    string         `json:"name"`
	Elderly int64          `json:"elderly"`
	Reason  string         `json:"reason"`
}

// CapacityResult reports a capacitated answer in beds (elderly × norm / 1000).
type CapacityResult struct {
	NormPer1000  float64 `json:"norm_per_1000"`
	BedsPerSite  int     `json:"beds_per_site"`
	DemandBeds   float64 `json:"demand_beds"`   // total demand of the villages in scope
	ServedBefore float64 `json:"served_before"` // by existing usable facilities (max-flow allocation)
	ServedAfter  float64 `json:"served_after"`  // with the proposed sites
	ExistingBeds int     `json:"existing_beds"` // beds of the existing facilities that reach the scope
	Allocation   string  `json:"allocation"`    // how demand is allocated
	NormSource   string  `json:"norm_source"`
}

// IndicatorVillageShare names the official indicator: the share of village committees covered.
const IndicatorVillageShare = "village_committee_share"

// Indicator is the official indicator after the plan: the share of the village committees in
// scope that are covered, against a target. It is separate from Optimal, which only says that
// no better answer to the objective exists.
type Indicator struct {
	Name   string   `json:"name"`   // IndicatorVillageShare
	Value  float64  `json:"value"`  // covered / village committees after the plan, in [0, 1]
	Target *float64 `json:"target"` // lscp with target_of villages: the request's target; else the kind's target; nil: none
	Met    *bool    `json:"met"`    // Value ≥ Target (covered ≥ ⌈Target × villages⌉); nil without a target
}

// Siting is the answer of Analyzer.Siting: proposals with explanations and an optimality gap.
type Siting struct {
	Query     Query          `json:"query"`
	Objective Objective      `json:"objective"`
	Weight    Weight         `json:"weight"` // what Gain and Value count (lscp: what the target is a share of)
	P         int            `json:"p,omitempty"`
	Target    float64        `json:"target,omitempty"`
	TargetOf  TargetOf       `json:"target_of,omitempty"` // lscp
	Indicator Indicator      `json:"indicator"`
	Sites     []ProposedSite `json:"sites"`

	// Value is the objective reached: weight newly covered (mclp, upgrade; capacity: beds newly
	// served), the number of sites (lscp) or the largest distance in metres (pcenter). Bound
	// bounds the optimum of the same quantity (upper for mclp/upgrade, lower for lscp/pcenter),
	// and Gap = |Bound − Value| / Bound is never smaller than the true gap to the optimum
	// (nil when Bound is 0). Optimal is true when the bound proves the answer optimal.
	Value       float64  `json:"value"`
	Bound       float64  `json:"bound"`
	Gap         *float64 `json:"gap"`
	Optimal     bool     `json:"optimal"`
	ValueUnit   string   `json:"value_unit"`
	Method      string   `json:"method"`
	BoundMethod string   `json:"bound_method"`

	Feasible  bool     `json:"feasible"`            // lscp: the target is reached
	Reachable *float64 `json:"reachable,omitempty"` // lscp: best share every candidate together reaches

	Before    Aggregate          `json:"before"`
	After     Aggregate          `json:"after"`
	Townships []UnitChange       `json:"townships"`
	Uncovered []UncoveredVillage `json:"uncovered"` // elderly descending, then code
	Reasons   map[string]int     `json:"uncovered_reasons"`

	MaxDistanceBeforeM *float64        `json:"max_distance_before_m,omitempty"` // pcenter; nil when some village has no facility at all
	Capacity           *CapacityResult `json:"capacity,omitempty"`

	Candidates int                  `json:"candidates"`          // candidates considered (after exclusions)
	Excluded   int                  `json:"candidates_excluded"` // candidates removed by exclude
	Notes      []string             `json:"notes,omitempty"`
	Provenance divisions.Provenance `json:"provenance"` // weakest of the inputs and "derived" (a computed proposal)
	ElapsedMS  float64              `json:"elapsed_ms"`
}

// candidate is a resolved candidate site.
type candidate struct {
	code       divisions.Code
	name       string
	point      orb.Point
	hasPoint   bool
	facilityID int64
	prov       divisions.Provenance
	beds       int
}

// sitingSetup is a validated request with its demand and candidates.
type sitingSetup struct {
	ctx      context.Context // the caller's: its end stops the search (checked between steps)
	sp       SitingParams
	q        Query
	div      *divisions.Division
	info     KindInfo // the kind coverage is computed for
	vs       []*divisions.Division
	before   []VillageResult // coverage before, per vs
	w        []int64         // weight per vs: what gains count (1 per village or its elderly)
	solverW  []int64         // weight per vs for the covering solver: w, with ties ordered by elderly
	scale    int64           // solverW = w × scale + tie; w = solverW / scale (1: no tie weight)
	cands    []candidate     // sorted, after exclusions
	excluded int
	notes    []string
}

// Siting proposes new sites (or upgrades) for sp and explains them. Bad parameters give a
// *ParamError naming the parameter, an unknown division a *NotFoundError; an unreachable target
// is not an error: the answer says Feasible=false and the best reachable share.
func (a *Analyzer) Siting(sp SitingParams) (*Siting, error) {
	return a.SitingContext(context.Background(), sp)
}

// SitingContext is Siting that gives up when ctx ends (the client went, or a deadline passed):
// the searches check ctx between steps and the error is then ctx.Err().
func (a *Analyzer) SitingContext(ctx context.Context, sp SitingParams) (*Siting, error) {
	t0 := time.Now()
	su, err := a.setupSiting(ctx, sp)
	if err != nil {
		return nil, err
	}
	var s *Siting
	switch {
	case su.sp.Objective == ObjectivePCenter:
		s = a.pcenter(su)
	case su.sp.Capacity != nil:
		s = a.capacitated(su)
	default:
		s = a.covering(su)
	}
	if err := ctx.Err(); err != nil {
		return nil, err // the answer above was cut short
	}
	s.ElapsedMS = float64(time.Since(t0).Microseconds()) / 1000
	return s, nil
}

// SitingProblem returns the covering instance an mclp, lscp or upgrade request solves (for
// comparisons with an exact solver), its need (lscp: weight to add; else 0) and the candidates'
// codes in instance order.
func (a *Analyzer) SitingProblem(sp SitingParams) (cp *CoverProblem, need int64, codes []divisions.Code, err error) {
	su, err := a.setupSiting(context.Background(), sp)
	if err != nil {
		return nil, 0, nil, err
	}
	if su.sp.Objective == ObjectivePCenter || su.sp.Capacity != nil {
		return nil, 0, nil, &ParamError{Param: "objective", Value: string(su.sp.Objective), Reason: "no covering instance for pcenter or capacity"}
	}
	cp, _, _, candOf := a.coverProblem(su)
	for _, c := range candOf {
		codes = append(codes, su.cands[c].code)
	}
	if su.sp.Objective == ObjectiveLSCP {
		need = needFor(su.sp.Target, cp, su.scale)
	}
	return cp, need, codes, nil
}

// needFor is the solver weight to add so that the counted share (weights divided by scale,
// rounded down) reaches target: (⌊Fixed/scale⌋ + added) / ⌊Total/scale⌋ ≥ target. With
// scale > the tie weight of everything, adding ≥ need × scale is the same as adding ≥ need counted.
func needFor(target float64, cp *CoverProblem, scale int64) int64 {
	want := int64(math.Ceil(target*float64(cp.Total/scale) - 1e-9))
	return (want - cp.Fixed/scale) * scale
}

func (a *Analyzer) setupSiting(ctx context.Context, sp SitingParams) (*sitingSetup, error) {
	var err error
	if sp.Objective, err = ParseObjective(string(sp.Objective)); err != nil {
		return nil, err
	}
	if sp.Weight, err = ParseWeight(string(sp.Weight)); err != nil {
		return nil, err
	}
	switch sp.Objective {
	case ObjectiveLSCP:
		if math.IsNaN(sp.Target) || sp.Target <= 0 || sp.Target > 1 {
			return nil, paramErr("target", sp.Target, "want a share in (0, 1] (a fraction: 0.8, not 80)")
		}
		if sp.TargetOf, err = ParseTargetOf(string(sp.TargetOf)); err != nil {
			return nil, err
		}
		// The target decides what counts; the request's weight only ordered ties, which are
		// always broken by elderly served, then distance.
		sp.Weight = Weight(sp.TargetOf)
	default:
		if sp.P < 1 {
			return nil, paramErr("p", sp.P, "want a number of sites ≥ 1")
		}
	}
	if sp.Objective == ObjectiveUpgrade {
		if sp.Kind == "" {
			sp.Kind = RegionalCareCenter
		}
		if sp.UpgradeFrom == "" {
			sp.UpgradeFrom = WelfareHome
		}
		if _, err := ParseKind(string(sp.UpgradeFrom)); err != nil {
			return nil, paramErr("upgrade_from", sp.UpgradeFrom, "unknown facility kind")
		}
		if sp.Candidates != nil {
			return nil, paramErr("candidates", len(sp.Candidates), "upgrade candidates are the existing %s facilities; do not supply candidates", sp.UpgradeFrom)
		}
	}
	q, div, err := a.resolve(sp.Params)
	if err != nil {
		return nil, err
	}
	info, _ := ParseKind(string(q.Kind))
	if sp.Capacity != nil {
		switch {
		case !info.BedBased:
			return nil, paramErr("capacity", q.Kind, "capacity applies to bed-based kinds only (welfare_home, regional_care_center, disability_care_center)")
		case sp.Objective != ObjectiveMCLP:
			return nil, paramErr("capacity", sp.Objective, "capacity works with objective mclp only")
		case sp.Capacity.BedsPerSite <= 0:
			return nil, paramErr("capacity.beds_per_site", sp.Capacity.BedsPerSite, "want the beds of each new site, > 0")
		case math.IsNaN(sp.Capacity.NormPer1000) || sp.Capacity.NormPer1000 < 0 || sp.Capacity.NormPer1000 > 1000:
			return nil, paramErr("capacity.norm_per_1000", sp.Capacity.NormPer1000, "want beds per 1,000 elderly in (0, 1000]")
		}
		if sp.Capacity.NormPer1000 == 0 {
			c := *sp.Capacity
			c.NormPer1000 = a.cfg.Beds.NormPer1000
			sp.Capacity = &c
		}
	}
	su := &sitingSetup{ctx: ctx, sp: sp, q: q, div: div, info: info}
	pos, _ := a.selectPos(&q)
	su.vs = a.villagesAt(pos)
	if len(su.vs) == 0 {
		name := "the whole tree"
		if div != nil {
			name = string(div.Code) + " " + div.Name
		}
		return nil, paramErr("division", q.Division, "%s has no village committees to site for", name)
	}
	su.before = a.cover(&q, pos, false)
	su.weigh()
	if err := a.candidates(su); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if sp.Objective != ObjectiveLSCP && sp.P > len(su.cands) {
		return nil, paramErr("p", sp.P, "p is larger than the %d candidates", len(su.cands))
	}
	if len(su.cands) == 0 {
		return nil, paramErr("candidates", 0, "no candidate sites in scope (after exclusions)")
	}
	return su, nil
}

// weigh sets the weights of the villages: w counts what the objective counts; solverW adds the
// elderly as a tie-breaker when villages are counted: w × scale + elderly with scale > Σ elderly,
// so that more villages always wins and, among equal villages, more elderly.
func (su *sitingSetup) weigh() {
	n := len(su.vs)
	su.w, su.solverW, su.scale = make([]int64, n), make([]int64, n), 1
	elderly := make([]int64, n)
	var total int64
	for i, v := range su.vs {
		elderly[i] = su.q.Elderly.of(v.Population)
		total += elderly[i]
	}
	if su.sp.Weight != WeightVillages {
		copy(su.w, elderly)
		copy(su.solverW, elderly)
		return
	}
	su.scale = total + 1
	for i := range su.vs {
		su.w[i], su.solverW[i] = 1, su.scale+elderly[i]
	}
}

// stopped reports whether the caller gave up (its context ended).
func (su *sitingSetup) stopped() bool { return su.ctx.Err() != nil }

// candidates resolves, filters and sorts the candidate sites.
func (a *Analyzer) candidates(su *sitingSetup) error {
	sp := &su.sp
	var cs []candidate
	switch {
	case sp.Objective == ObjectiveUpgrade:
		for _, f := range a.reg.UsableOf(sp.UpgradeFrom) {
			if su.q.Division != "" && !codeWithin(f.DivisionCode, su.q.Division) {
				continue
			}
			cs = append(cs, candidate{code: f.DivisionCode, name: f.Name, point: f.Point, hasPoint: true,
				facilityID: f.ID, prov: f.Provenance, beds: f.Beds})
		}
	case sp.Candidates != nil:
		var scopeIx *geo.PointIndex
		var scopeVs []*divisions.Division
		for k, c := range sp.Candidates {
			p := c.Point
			if math.IsNaN(p[0]) || math.IsNaN(p[1]) || p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
				return paramErr("candidates", fmt.Sprintf("#%d %v", k+1, p), "point is not a WGS84 lon/lat")
			}
			cd := candidate{name: c.Name, point: p, hasPoint: true, prov: divisions.Real}
			if c.Code != "" {
				code, err := divisions.ParseCode(string(c.Code))
				if err != nil {
					return paramErr("candidates", fmt.Sprintf("#%d code %s", k+1, c.Code), "%v", err)
				}
				if a.tree.Get(code) == nil {
					return paramErr("candidates", fmt.Sprintf("#%d code %s", k+1, c.Code), "no such division")
				}
				if su.q.Division != "" && !codeWithin(code, su.q.Division) {
					return paramErr("candidates", fmt.Sprintf("#%d code %s", k+1, c.Code), "outside division %s", su.q.Division)
				}
				cd.code = code
			} else {
				if scopeIx == nil {
					var pts []orb.Point
					for _, v := range a.scope(su.q.Division) {
						if v.HasSeat {
							scopeVs = append(scopeVs, v)
							pts = append(pts, v.Seat)
						}
					}
					scopeIx = geo.NewPointIndex(pts)
				}
				i, _, ok := scopeIx.Nearest(p, 0)
				if !ok {
					return paramErr("candidates", fmt.Sprintf("#%d", k+1), "no code given and no village point in scope to place it in")
				}
				cd.code = scopeVs[i].Code
				cd.prov = divisions.Derived // the point is given; its village was chosen by civplan
			}
			if cd.name == "" {
				cd.name = fmt.Sprintf("候选点%d", k+1)
			}
			cs = append(cs, cd)
		}
	default:
		for _, v := range a.scope(su.q.Division) {
			if v.HasSeat {
				cs = append(cs, candidate{code: v.Code, name: v.ShortName, point: v.Seat, hasPoint: true, prov: v.Sources.Seat})
			}
		}
	}
	// Exclusions as sets: a candidate is dropped when its code or one of its ancestors is
	// excluded, in O(candidates × levels + exclusions) however many codes are sent.
	excl := make(map[divisions.Code]bool, len(sp.Exclude))
	for k, e := range sp.Exclude {
		if k&4095 == 4095 && su.ctx.Err() != nil {
			return su.ctx.Err()
		}
		c, err := divisions.ParseCode(string(e))
		if err != nil {
			return paramErr("exclude", e, "%v", err)
		}
		excl[c] = true
	}
	ids := make(map[int64]bool, len(sp.ExcludeIDs))
	for _, id := range sp.ExcludeIDs {
		ids[id] = true
	}
	kept := cs[:0]
	for _, c := range cs {
		drop := ids[c.facilityID] && c.facilityID != 0
		if len(excl) > 0 && len(c.code) == 12 {
			for anc := c.code; anc != "" && !drop; anc = anc.Parent() {
				drop = excl[anc]
			}
		}
		if drop {
			su.excluded++
			continue
		}
		kept = append(kept, c)
	}
	su.cands = kept
	slices.SortStableFunc(su.cands, func(x, y candidate) int {
		if c := strings.Compare(string(x.code), string(y.code)); c != 0 {
			return c
		}
		if x.facilityID != y.facilityID {
			return cmpInt64(x.facilityID, y.facilityID)
		}
		if c := strings.Compare(x.name, y.name); c != 0 {
			return c
		}
		if x.point[0] != y.point[0] {
			return cmpFloat(x.point[0], y.point[0])
		}
		return cmpFloat(x.point[1], y.point[1])
	})
	return nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// reachSets returns, for each candidate, the villages of su.vs (those with keep(i)) that a site
// there would cover under the request's mode, ascending.
func (a *Analyzer) reachSets(su *sitingSetup, cands []candidate, keep func(i int) bool) [][]int32 {
	q := &su.q
	serves := su.info.Serves
	sets := make([][]int32, len(cands))
	switch q.Mode {
	case ModeJurisdiction:
		byUnit := map[divisions.Code][]int32{}
		for i, v := range su.vs {
			if keep(i) {
				u := unitAt(v.Code, serves)
				byUnit[u] = append(byUnit[u], int32(i))
			}
		}
		for j, c := range cands {
			sets[j] = byUnit[unitAt(c.code, serves)]
		}
	default:
		var pts []orb.Point
		var pos []int32
		for i, v := range su.vs {
			if keep(i) && v.HasSeat {
				pts = append(pts, v.Seat)
				pos = append(pos, int32(i))
			}
		}
		ix := geo.NewPointIndex(pts)
		parallel(len(cands), func(lo, hi int) {
			for j := lo; j < hi; j++ {
				if j&255 == 255 && su.ctx.Err() != nil {
					return // the caller gives up; the sets are discarded
				}
				c := &cands[j]
				if !c.hasPoint {
					continue
				}
				unit := unitAt(c.code, serves)
				var s []int32
				ix.Within(c.point, q.RadiusM, func(k int, d float64) bool {
					i := pos[k]
					v := su.vs[i]
					if d*q.detourOf(v.Code) <= q.RadiusM && (q.Mode != ModeRadiusInJurisdiction || unitAt(v.Code, serves) == unit) {
						s = append(s, i)
					}
					return true
				})
				slices.Sort(s)
				sets[j] = s
			}
		})
	}
	return sets
}

// coverProblem builds the covering instance over the villages not covered before: demand k is
// village dem[k] weighing su.solverW; candidate j is su.cands[candOf[j]]. Candidates are ordered
// by the mean distance from the site to the villages it can newly cover (nearest first, then
// code), so the solver's ties (which prefer the lower index) go to the closer site.
func (a *Analyzer) coverProblem(su *sitingSetup) (cp *CoverProblem, dem []int, demOf []int32, candOf []int) {
	demOf = make([]int32, len(su.vs))
	cp = &CoverProblem{stop: su.stopped}
	for i := range su.vs {
		cp.Total += su.solverW[i]
		demOf[i] = -1
		if su.before[i].Covered {
			cp.Fixed += su.solverW[i]
			continue
		}
		demOf[i] = int32(len(dem))
		dem = append(dem, i)
		cp.Weights = append(cp.Weights, su.solverW[i])
	}
	sets := a.reachSets(su, su.cands, func(i int) bool { return !su.before[i].Covered })
	meanD := make([]float64, len(sets))
	candOf = make([]int, len(sets))
	for j, set := range sets {
		candOf[j] = j
		meanD[j] = su.meanDistanceM(&su.cands[j], set)
	}
	slices.SortStableFunc(candOf, func(x, y int) int { return cmpFloat(meanD[x], meanD[y]) })
	cp.Sets = make([][]int32, len(sets))
	for j, c := range candOf {
		out := make([]int32, len(sets[c]))
		for k, i := range sets[c] {
			out[k] = demOf[i]
		}
		cp.Sets[j] = out
	}
	return cp, dem, demOf, candOf
}

// meanDistanceM is the mean great-circle distance in metres from c to the villages of set that
// have a point (+Inf when c has no point or none has).
func (su *sitingSetup) meanDistanceM(c *candidate, set []int32) float64 {
	var sum float64
	n := 0
	for _, i := range set {
		if v := su.vs[i]; c.hasPoint && v.HasSeat {
			sum += geo.DistanceM(c.point, v.Seat)
			n++
		}
	}
	if n == 0 {
		return math.Inf(1)
	}
	return sum / float64(n)
}

// covering answers mclp, lscp and upgrade.
func (a *Analyzer) covering(su *sitingSetup) *Siting {
	cp, dem, demOf, candOf := a.coverProblem(su)
	s := a.newAnswer(su)
	var sol CoverSolution
	if su.sp.Objective == ObjectiveLSCP {
		sol = a.lscp(su, s, cp)
	} else {
		sol = a.mclp(su, s, cp)
	}
	s.Sites = a.explainCover(su, cp, dem, candOf, sol.Sites)
	after := slices.Clone(su.before)
	for _, ps := range s.Sites {
		for _, i := range ps.newIdx {
			after[i].Covered, after[i].Provenance = true, divisions.Weakest(after[i].Provenance, ps.Provenance, divisions.Derived)
		}
	}
	cp.index()
	a.finishAnswer(su, s, after, func(i int) string {
		if !su.vs[i].HasSeat && su.q.Mode != ModeJurisdiction {
			return ReasonNoPoint
		}
		if k := demOf[i]; k >= 0 && len(cp.byDem[k]) == 0 {
			return ReasonNoCandidate
		}
		return ReasonNotSelected
	})
	return s
}

// tieMethod says how the covering solvers order ties.
func (su *sitingSetup) tieMethod() string {
	if su.scale > 1 {
		return "ties by elderly served (weight villages × (Σ elderly + 1) + elderly), then by the mean distance to the villages a site newly covers, then by code"
	}
	return "ties by the mean distance to the villages a site newly covers, then by code"
}

// lscp solves the fewest sites reaching the target and fills the value, bound and notes of s.
func (a *Analyzer) lscp(su *sitingSetup, s *Siting, cp *CoverProblem) CoverSolution {
	need := needFor(su.sp.Target, cp, su.scale)
	sol := cp.MinCover(need)
	s.Feasible = sol.Feasible
	s.Value, s.Bound, s.ValueUnit = float64(len(sol.Sites)), float64(sol.Bound), "sites"
	if need <= 0 {
		s.Notes = append(s.Notes, "the target is already met: no new site is needed")
		s.Bound = 0
		s.setGapMin(0, 0)
	}
	if !sol.Feasible {
		r := float64((cp.Fixed+sol.Value)/su.scale) / float64(cp.Total/su.scale)
		s.Reachable = &r
		s.Notes = append(s.Notes, fmt.Sprintf("the target %.3f of %s cannot be reached: every candidate together reaches %.4f; the sites below reach it", su.sp.Target, su.sp.TargetOf, r))
	}
	s.Method = "lazy greedy to the target, removal of redundant sites, then repeated attempts with one site fewer by best-improvement interchange; " + su.tieMethod()
	s.BoundMethod = fmt.Sprintf("lower bound on the number of sites: the smallest p whose Lagrangian MCLP upper bound reaches the target (binary search, %d subgradient iterations)", sol.BoundIts)
	if sol.Feasible && need > 0 {
		s.setGapMin(float64(len(sol.Sites)), float64(sol.Bound))
	}
	return sol
}

// mclp solves p sites covering the most weight (mclp, upgrade) and fills the value, bound and notes of s.
func (a *Analyzer) mclp(su *sitingSetup, s *Siting, cp *CoverProblem) CoverSolution {
	sol := cp.MaxCover(su.sp.P)
	s.Feasible = true
	// Solver weights carry the elderly tie-breaker below scale: the counted value and its bound
	// are the solver's divided by scale, rounded down.
	s.Value, s.Bound, s.ValueUnit = float64(sol.Value/su.scale), float64(sol.Bound/su.scale), string(su.sp.Weight)+" newly covered"
	s.Method = "lazy greedy, best-improvement interchange (1-opt swap) local search, restarted from the Lagrangian subproblem's sites; " + su.tieMethod()
	s.BoundMethod = fmt.Sprintf("Lagrangian relaxation of the coverage constraints, subgradient optimisation (%d iterations): an upper bound on the weight p new sites can newly cover", sol.BoundIts)
	s.setGapMax(s.Value, s.Bound)
	if len(sol.Sites) < su.sp.P {
		s.Notes = append(s.Notes, fmt.Sprintf("only %d sites add coverage; the other %d would cover nothing new", len(sol.Sites), su.sp.P-len(sol.Sites)))
	}
	return sol
}

// explainCover lists the chosen instance candidates in rank order with the villages each newly
// covers (not covered before nor by a higher-ranked site).
func (a *Analyzer) explainCover(su *sitingSetup, cp *CoverProblem, dem []int, candOf []int, sites []int) []ProposedSite {
	out := []ProposedSite{}
	covered := make([]bool, len(cp.Weights))
	for r, j := range sites {
		c := &su.cands[candOf[j]]
		ps := a.site(su, c, r+1)
		for _, k := range cp.Sets[j] {
			if covered[k] {
				continue
			}
			covered[k] = true
			i := dem[k]
			ps.Gain += su.w[i]
			ps.GainElderly += su.before[i].Elderly
			ps.GainVillages++
			ps.NewVillages = append(ps.NewVillages, su.vs[i].Code)
			ps.newIdx = append(ps.newIdx, i)
		}
		out = append(out, ps)
	}
	return out
}

// site starts a proposal for candidate c.
func (a *Analyzer) site(su *sitingSetup, c *candidate, rank int) ProposedSite {
	ps := ProposedSite{Rank: rank, Code: c.code, Name: c.name, Point: c.point, FacilityID: c.facilityID,
		NewVillages: []divisions.Code{}, Provenance: divisions.Weakest(divisions.Derived, c.prov)}
	if t := unitAt(c.code, divisions.Township); t != "" {
		ps.Township = t
		if d := a.tree.Get(t); d != nil {
			ps.TownshipName = d.Name
		}
	}
	return ps
}

func (a *Analyzer) newAnswer(su *sitingSetup) *Siting {
	s := &Siting{Query: su.q, Objective: su.sp.Objective, Weight: su.sp.Weight, Candidates: len(su.cands),
		Excluded: su.excluded, Sites: []ProposedSite{}, Notes: su.notes, Uncovered: []UncoveredVillage{}, Reasons: map[string]int{}}
	if su.sp.Objective == ObjectiveLSCP {
		s.Target, s.TargetOf = su.sp.Target, su.sp.TargetOf
	} else {
		s.P = su.sp.P
	}
	if su.sp.Objective == ObjectiveUpgrade {
		s.Notes = append(s.Notes, fmt.Sprintf("candidates are the operating %s facilities in scope; coverage is counted for %s", su.sp.UpgradeFrom, su.q.Kind))
	}
	return s
}

// setGapMax fills Gap/Optimal for a maximisation with value v and upper bound ub.
func (s *Siting) setGapMax(v, ub float64) {
	s.Optimal = ub <= v
	if ub > 0 {
		g := max(ub-v, 0) / ub
		s.Gap = &g
	} else {
		g := 0.0
		s.Gap = &g
	}
}

// setGapMin fills Gap/Optimal for a minimisation with value v and lower bound lb.
func (s *Siting) setGapMin(v, lb float64) {
	s.Optimal = lb >= v
	switch {
	case lb > 0:
		g := max(v-lb, 0) / lb
		s.Gap = &g
	case v == 0:
		g := 0.0
		s.Gap = &g
	}
}

// finishAnswer fills before/after summaries, townships, uncovered villages and provenance.
func (a *Analyzer) finishAnswer(su *sitingSetup, s *Siting, after []VillageResult, reason func(i int) string) {
	var tgt *Target
	if d := a.cfg.Kinds[su.q.Kind]; d.Target != nil {
		tgt = d.Target
	}
	s.Before, s.After = aggregate(su.before, tgt), aggregate(after, tgt)
	name, code, level := "全部", divisions.Code(""), divisions.Level(0)
	if su.div != nil {
		name, code, level = su.div.Name, su.div.Code, su.div.Level
	}
	for _, g := range []*Aggregate{&s.Before, &s.After} {
		g.Name, g.Code, g.Level = name, code, level
	}
	if su.div == nil || su.div.Level <= divisions.Township {
		gb := a.groups(su.before, su.q.Division, divisions.Township, nil)
		ga := a.groups(after, su.q.Division, divisions.Township, nil)
		newSites := map[divisions.Code]int{}
		for _, ps := range s.Sites {
			newSites[ps.Township]++
		}
		for k := range gb {
			b, f := gb[k], ga[k]
			if b.Villages == 0 {
				continue
			}
			s.Townships = append(s.Townships, UnitChange{Code: b.Code, Name: b.Name, Villages: b.Villages, Elderly: b.Elderly,
				CoveredBefore: b.Covered, CoveredAfter: f.Covered, ElderlyCoveredBefore: b.ElderlyCovered,
				ElderlyCoveredAfter: f.ElderlyCovered, RatioBefore: b.Ratio, RatioAfter: f.Ratio, NewSites: newSites[b.Code]})
		}
	}
	for i := range after {
		if after[i].Covered {
			continue
		}
		r := reason(i)
		s.Reasons[r]++
		s.Uncovered = append(s.Uncovered, UncoveredVillage{Code: after[i].Code, Name: after[i].Name, Elderly: after[i].Elderly, Reason: r})
	}
	slices.SortStableFunc(s.Uncovered, func(x, y UncoveredVillage) int {
		if x.Elderly != y.Elderly {
			return cmpInt64(y.Elderly, x.Elderly)
		}
		return strings.Compare(string(x.Code), string(y.Code))
	})
	s.Indicator = su.indicator(&s.After)
	s.Provenance = divisions.Weakest(s.After.Provenance, divisions.Derived)
	for _, ps := range s.Sites {
		s.Provenance = divisions.Weakest(s.Provenance, ps.Provenance)
	}
}

// indicator is the official indicator over after: the share of village committees covered,
// against the lscp target when it is a share of villages, else against the kind's target.
func (su *sitingSetup) indicator(after *Aggregate) Indicator {
	ind := Indicator{Name: IndicatorVillageShare}
	if after.Ratio != nil {
		ind.Value = *after.Ratio
	}
	switch {
	case su.sp.Objective == ObjectiveLSCP && su.sp.TargetOf == TargetOfVillages:
		t := su.sp.Target
		ind.Target = &t
	case after.Target != nil:
		t := *after.Target
		ind.Target = &t
	}
	if ind.Target != nil {
		// Integer form of Value ≥ Target, free of rounding: covered ≥ ⌈Target × villages⌉.
		met := after.Covered >= int(math.Ceil(*ind.Target*float64(after.Villages)-1e-9))
		ind.Met = &met
	}
	return ind
}

// PlanFacilities turns the proposed sites of s into planned facilities of the answer's kind,
// registered where each site is (status planned; the caller sets PlanID when saving). Provenance
// is the site's: the weakest of "derived" (computed by civplan) and the candidate point's own.
// Upgrades keep the name, beds and floor area of the facility they upgrade; capacity answers give
// each site its beds.
func (a *Analyzer) PlanFacilities(s *Siting) []Facility {
	info, _ := ParseKind(string(s.Query.Kind))
	out := make([]Facility, 0, len(s.Sites))
	for _, ps := range s.Sites {
		f := Facility{Kind: info.Kind, Name: fmt.Sprintf("规划%s（%s）", info.NameZH, ps.Name), DivisionCode: ps.Code,
			Point: ps.Point, Status: StatusPlanned, Provenance: ps.Provenance, Beds: ps.Beds}
		if ps.FacilityID != 0 {
			if old, ok := a.reg.Get(ps.FacilityID); ok {
				f.Name, f.Beds, f.FloorAreaM2 = fmt.Sprintf("%s（升级为%s）", old.Name, info.NameZH), old.Beds, old.FloorAreaM2
			}
		}
		out = append(out, f)
	}
	return out
}

// PlanSummary is what a saved plan keeps of its siting answer.
type PlanSummary struct {
	Objective   Objective            `json:"objective"`
	Weight      Weight               `json:"weight"`
	P           int                  `json:"p,omitempty"`
	Target      float64              `json:"target,omitempty"`
	TargetOf    TargetOf             `json:"target_of,omitempty"`
	Indicator   Indicator            `json:"indicator"`
	Sites       int                  `json:"sites"`
	Value       float64              `json:"value"`
	ValueUnit   string               `json:"value_unit"`
	Bound       float64              `json:"bound"`
	Gap         *float64             `json:"gap"`
	Optimal     bool                 `json:"optimal"`
	Feasible    bool                 `json:"feasible"`
	Method      string               `json:"method"`
	BoundMethod string               `json:"bound_method"`
	Before      Aggregate            `json:"before"`
	After       Aggregate            `json:"after"`
	Provenance  divisions.Provenance `json:"provenance"`
}

// Summary returns the plan summary of s.
func (s *Siting) Summary() PlanSummary {
	return PlanSummary{Objective: s.Objective, Weight: s.Weight, P: s.P, Target: s.Target, TargetOf: s.TargetOf,
		Indicator: s.Indicator, Sites: len(s.Sites),
		Value: s.Value, ValueUnit: s.ValueUnit, Bound: s.Bound, Gap: s.Gap, Optimal: s.Optimal, Feasible: s.Feasible,
		Method: s.Method, BoundMethod: s.BoundMethod, Before: s.Before, After: s.After, Provenance: s.Provenance}
}
