package facilities

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/civplan/civplan/divisions"
	"github.com/paulmach/orb"
)

// Mode is how a village counts as covered by a kind.
type Mode string

// Coverage modes.
const (
	// ModeJurisdiction is the official indicator: a facility of the kind is registered in the
	// village, or in its township/county for kinds that serve that level (KindInfo.Serves).
	ModeJurisdiction Mode = "jurisdiction"
	// ModeRadius: the village point lies within the radius of a facility of the kind, any jurisdiction.
	ModeRadius Mode = "radius"
	// ModeRadiusInJurisdiction: within the radius AND registered in the village's unit at the level the kind serves.
	ModeRadiusInJurisdiction Mode = "radius_in_jurisdiction"
)

// ParseMode validates a mode word.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeJurisdiction, ModeRadius, ModeRadiusInJurisdiction:
		return m, nil
	}
	return "", &ParamError{Param: "mode", Value: s, Reason: "want jurisdiction, radius or radius_in_jurisdiction"}
}

// Elderly selects the elderly population field.
type Elderly string

// Elderly fields.
const (
	Age60 Elderly = "age60" // 60 and over (default)
	Age65 Elderly = "age65" // 65 and over
)

// ParseElderly validates an elderly field word ("" = age60).
func ParseElderly(s string) (Elderly, error) {
	switch e := Elderly(s); e {
	case "":
		return Age60, nil
	case Age60, Age65:
		return e, nil
	}
	return "", &ParamError{Param: "elderly", Value: s, Reason: "want age60 or age65"}
}

func (e Elderly) of(p divisions.Population) int64 {
	if e == Age65 {
		return p.Age65
	}
	return p.Age60
}

// Params is a coverage or gaps request. Zero values mean the defaults.
type Params struct {
	Kind               Kind                       // required
	Division           divisions.Code             // "" = the whole tree; short or 12-digit form
	Mode               Mode                       // "" = config default_mode (jurisdiction)
	RadiusM            float64                    // 0 = the kind's default; must be in (0, 200 km]
	Detour             map[divisions.Code]float64 // detour factor ≥ 1 per division (any level; the deepest ancestor of a village wins)
	DetourDefault      float64                    // factor where Detour has no entry; 0 = 1.0
	RuralOnly          bool                       // keep villages with ur_code 2xx; no ur_code → counted apart as unknown
	IncludeVillageLike bool                       // also count 类似村委会 (500–599)
	Elderly            Elderly                    // "" = age60
	GroupBy            divisions.Level            // 0 = no groups; else a level at or below the division's
	Nearest            bool                       // Coverage only: also find each village's nearest facility (Gaps always does)
	SummaryOnly        bool                       // Coverage only: leave Coverage.Villages empty (aggregates only; faster)
}

// Query is a resolved request: the parameters actually used, echoed in every answer.
type Query struct {
	Kind               Kind                       `json:"kind"`
	KindNameZH         string                     `json:"kind_name_zh"`
	Serves             divisions.Level            `json:"serves"`
	Division           divisions.Code             `json:"division,omitempty"`
	Mode               Mode                       `json:"mode"`
	RadiusM            float64                    `json:"radius_m"`
	RadiusDefault      bool                       `json:"radius_default"`
	RadiusBasis        string                     `json:"radius_basis"` // "planning assumption" or a POLICY.md level
	Detour             map[divisions.Code]float64 `json:"detour,omitempty"`
	detourShort        map[string]float64         // Detour keyed by significant digits
	DetourDefault      float64                    `json:"detour_default"`
	RuralOnly          bool                       `json:"rural"`
	IncludeVillageLike bool                       `json:"include_village_like"`
	Elderly            Elderly                    `json:"elderly"`
	GroupBy            divisions.Level            `json:"group_by,omitempty"`
	PlanID             int64                      `json:"plan_id,omitempty"`
	DistanceNote       string                     `json:"distance_note"`
	DistanceNoteZH     string                     `json:"distance_note_zh"`
}

// resolve validates p and fills in the defaults.
func (a *Analyzer) resolve(p Params) (Query, *divisions.Division, error) {
	q := Query{Kind: p.Kind, Mode: p.Mode, RadiusM: p.RadiusM, RuralOnly: p.RuralOnly,
		IncludeVillageLike: p.IncludeVillageLike, GroupBy: p.GroupBy, PlanID: a.reg.PlanID(),
		DistanceNote: a.cfg.DistanceNoteEN, DistanceNoteZH: a.cfg.DistanceNoteZH}
	info, err := ParseKind(string(p.Kind))
	if err != nil {
		return q, nil, &ParamError{Param: "kind", Value: string(p.Kind), Reason: "unknown facility kind"}
	}
	q.KindNameZH, q.Serves = info.NameZH, info.Serves
	if q.Mode == "" {
		q.Mode = a.cfg.DefaultMode
	} else if _, err := ParseMode(string(q.Mode)); err != nil {
		return q, nil, err
	}
	def := a.cfg.Kinds[info.Kind]
	switch {
	case math.IsNaN(q.RadiusM) || q.RadiusM < 0 || q.RadiusM > a.cfg.MaxRadiusM:
		return q, nil, paramErr("radius_m", p.RadiusM, "want a radius in (0, %g] metres", a.cfg.MaxRadiusM)
	case q.RadiusM == 0:
		q.RadiusM, q.RadiusDefault, q.RadiusBasis = def.RadiusM, true, def.Level
	default:
		q.RadiusBasis = "request"
	}
	if q.Elderly, err = ParseElderly(string(p.Elderly)); err != nil {
		return q, nil, err
	}
	q.DetourDefault = p.DetourDefault
	if q.DetourDefault == 0 {
		q.DetourDefault = a.cfg.Detour.Default
	}
	if !(q.DetourDefault >= 1) || math.IsInf(q.DetourDefault, 0) {
		return q, nil, paramErr("detour", p.DetourDefault, "a detour factor must be a number ≥ 1")
	}
	if len(p.Detour) > 0 {
		q.Detour = make(map[divisions.Code]float64, len(p.Detour))
		for c, f := range p.Detour {
			code, err := divisions.ParseCode(string(c))
			if err != nil {
				return q, nil, paramErr("detour", c, "%v", err)
			}
			if !(f >= 1) || math.IsInf(f, 0) {
				return q, nil, paramErr("detour", fmt.Sprintf("%s:%g", c, f), "a detour factor must be a number ≥ 1")
			}
			q.Detour[code] = f
		}
		q.detourShort = make(map[string]float64, len(q.Detour))
		for c, f := range q.Detour {
			q.detourShort[c.Short()] = f
		}
	}
	code, div, err := a.resolveDivision(p.Division)
	if err != nil {
		return q, nil, err
	}
	q.Division = code
	if p.GroupBy != 0 {
		if p.GroupBy < divisions.Province || p.GroupBy > divisions.Village || (div != nil && p.GroupBy < div.Level) {
			return q, nil, paramErr("group_by", p.GroupBy, "want a level at or below the division's level")
		}
	}
	return q, div, nil
}

// detourOf returns the factor for a village: the deepest ancestor (or itself) listed in q.Detour.
func (q *Query) detourOf(c divisions.Code) float64 {
	if len(q.Detour) == 0 {
		return q.DetourDefault
	}
	for l := divisions.Village; l >= divisions.Province; l-- {
		if f, ok := q.detourShort[shortAt(c, l)]; ok {
			return f
		}
	}
	return q.DetourDefault
}

// NearestFacility is the nearest usable facility of the kind to a village point.
type NearestFacility struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	DistanceM float64 `json:"distance_m"` // straight-line geodesic, metres
	DetourM   float64 `json:"detour_m"`   // DistanceM × the village's detour factor
}

// Rural classes of a village by its 2016 ur_code.
const (
	RuralYes     = "rural"
	RuralNo      = "urban"
	RuralUnknown = "unknown"
)

// VillageResult is one village's coverage answer.
type VillageResult struct {
	Code       divisions.Code       `json:"code"`
	Name       string               `json:"name"`
	ShortName  string               `json:"short_name"`
	Kind       divisions.Kind       `json:"kind"`
	Point      orb.Point            `json:"point"`
	HasPoint   bool                 `json:"has_point"`
	Rural      string               `json:"rural"` // rural, urban or unknown (by ur_code)
	Elderly    int64                `json:"elderly"`
	Covered    bool                 `json:"covered"`
	CoveredBy  int64                `json:"covered_by,omitempty"` // id of one facility that covers it
	Detour     float64              `json:"detour"`
	Nearest    *NearestFacility     `json:"nearest,omitempty"` // nil when none exists or not asked for
	Provenance divisions.Provenance `json:"provenance"`        // weakest of population, point (radius modes) and the covering facility (radius mode without Nearest: the kind's weakest facility)
}

// Aggregate is the coverage of one division: village committees and elderly covered.
type Aggregate struct {
	Code           divisions.Code       `json:"code,omitempty"`
	Name           string               `json:"name"`
	Level          divisions.Level      `json:"level,omitempty"`
	Villages       int                  `json:"villages"`
	Covered        int                  `json:"covered"`
	Elderly        int64                `json:"elderly"`
	ElderlyCovered int64                `json:"elderly_covered"`
	Ratio          *float64             `json:"ratio"`         // Covered/Villages (nil when no villages)
	ElderlyRatio   *float64             `json:"elderly_ratio"` // ElderlyCovered/Elderly
	Target         *float64             `json:"target"`        // nil when the kind has no target
	Deadline       string               `json:"deadline,omitempty"`
	Met            *bool                `json:"met"` // Ratio ≥ Target; nil without a target or villages
	NoPoint        int                  `json:"no_point"`
	Provenance     divisions.Provenance `json:"provenance"`
}

// Excluded counts the village-level units in scope that were left out, by reason.
type Excluded struct {
	NotVillageCommittee int `json:"not_village_committee"` // 居委会 etc. (and 类似村委会 unless included)
	Urban               int `json:"urban"`                 // ur_code 1xx with rural=true
	UnknownRural        int `json:"unknown_rural"`         // no ur_code with rural=true
}

// Coverage is the answer of Analyzer.Coverage.
type Coverage struct {
	Query        Query           `json:"query"`
	Summary      Aggregate       `json:"summary"`
	Groups       []Aggregate     `json:"groups,omitempty"`
	Villages     []VillageResult `json:"villages"` // by code
	Excluded     Excluded        `json:"excluded"`
	TargetSource string          `json:"target_source,omitempty"`
	TargetNote   string          `json:"target_note,omitempty"`
}

func ruralWord(v *divisions.Division) string {
	rural, known := v.IsRural()
	switch {
	case !known:
		return RuralUnknown
	case rural:
		return RuralYes
	}
	return RuralNo
}

// Coverage computes which village committees in p.Division are covered by p.Kind under p.Mode,
// with the summary, optional groups and (unless p.SummaryOnly) per-village answers.
func (a *Analyzer) Coverage(p Params) (*Coverage, error) {
	q, div, err := a.resolve(p)
	if err != nil {
		return nil, err
	}
	pos, ex := a.selectPos(&q)
	c := &Coverage{Query: q, Excluded: ex}
	var cs []villageCover
	if p.SummaryOnly {
		cs, c.Summary = a.coverPass(&q, pos, p.Nearest, q.GroupBy != 0, true)
	} else {
		// The answers' expansion adds them up on the way (it reads all they hold).
		cs, _ = a.coverPass(&q, pos, p.Nearest, true, false)
		c.Villages, c.Summary = a.resultsSum(&q, pos, cs, true)
	}
	var tgt *Target
	if d := a.cfg.Kinds[q.Kind]; d.Target != nil {
		tgt = d.Target
		c.TargetSource, c.TargetNote = tgt.Source, tgt.Note
	}
	finish(&c.Summary, tgt)
	if div != nil {
		c.Summary.Code, c.Summary.Name, c.Summary.Level = div.Code, div.Name, div.Level
	} else {
		c.Summary.Name = "全部"
	}
	if q.GroupBy != 0 {
		c.Groups = a.groupRows(len(pos), a.codeAt(pos), a.compactRow(&q, pos, cs), q.Division, q.GroupBy, tgt)
	}
	return c, nil
}

// villageCover is one village's answer in compact, pointer-free form (so that the parallel pass
// over hundreds of thousands of villages writes no pointers and gives the GC nothing to scan).
type villageCover struct {
	covered bool
	fi      int32 // covering facility, index into kindIndex.fs; -1 = not named
	near    int32 // nearest facility, index into kindIndex.fs; -1 = none or not asked
	nearD   float64
	detour  float64
}

// coverPass answers every village at positions pos of a.villages (in order) in compact form,
// returned when keep (else nil), and when sum also adds the answers up (the summary, not yet
// finished: no ratios or target). Without keep the sum is taken in the same pass, so a summary
// over 500k villages neither writes nor re-reads 16 MB of answers; with keep it is a second,
// tight pass over the answers, whose random loads of facility provenance then overlap.
func (a *Analyzer) coverPass(q *Query, pos []int32, withNearest, keep, sum bool) ([]villageCover, Aggregate) {
	if keep && sum {
		cs, _ := a.coverPass(q, pos, withNearest, true, false)
		g := aggregateRows(len(pos), a.compactRow(q, pos, cs), nil)
		return cs, g
	}
	ki := a.reg.kind(q.Kind)
	vc := a.cols()
	var cs []villageCover
	if keep {
		cs = make([]villageCover, len(pos))
	}
	var parts []Aggregate // by chunk: merged in order, so provenance ties fall as in one pass
	if sum {
		parts = make([]Aggregate, len(pos)/parallelChunk+1)
	}
	parallel(len(pos), func(lo, hi int) {
		var unit unitCursor
		wk := ki.ix.Walker() // villages in code order: each starts from its neighbour's answer
		var part Aggregate   // local: a neighbouring chunk's part may share a cache line
		for i := lo; i < hi; i++ {
			p := pos[i]
			var cv villageCover
			c := &cv
			c.fi, c.near, c.detour = -1, -1, q.DetourDefault
			if len(q.Detour) > 0 {
				c.detour = q.detourOf(a.villages[p].Code)
			}
			hasSeat := vc.flags[p]&vcSeat != 0
			if withNearest && hasSeat {
				if j, d, ok := wk.Nearest(&vc.at[p], 0); ok {
					c.near, c.nearD = int32(j), d
				}
			}
			switch {
			case q.Mode == ModeJurisdiction:
				if fi, ok := unit.first(ki, a.villages[p].Code); ok {
					c.covered, c.fi = true, fi
				}
			case q.Mode == ModeRadius && withNearest:
				// The nearest facility decides: covered iff it is within the radius (× detour).
				if c.near >= 0 && c.nearD <= q.RadiusM/c.detour { // the same test as AnyWithin(R/detour)
					c.covered, c.fi = true, c.near
				}
			case q.Mode == ModeRadius:
				// AnyWithin decides without naming the facility (it avoids exact geodesics where the
				// chord bounds suffice); the caller then reports the kind's weakest facility provenance.
				if hasSeat && wk.AnyWithin(&vc.at[p], q.RadiusM/c.detour) {
					c.covered = true
				}
			default:
				if fi, ok := a.coveredBy(q, ki, a.villages[p], c.detour); ok {
					c.covered, c.fi = true, int32(fi)
				}
			}
			if keep {
				cs[i] = cv
			}
			if sum {
				addVillage(&part, q.Elderly.of(vc.pop[p]), c.covered, hasSeat, a.provenanceAt(q, ki, p, c))
			}
		}
		if sum {
			parts[lo/parallelChunk] = part
		}
	})
	return cs, mergeParts(parts)
}

// unitCursor finds, for villages taken in code order, the first usable facility of their unit
// (a kind's jurisdiction) by walking the kind's sorted unit list forward from the last match;
// out of order it searches again. It is coveredBy's ModeJurisdiction without a map lookup per
// village.
type unitCursor struct {
	pos  int    // index into kindIndex.units at or after the last key
	last uint64 // the last key looked up
	set  bool
}

// first returns the position in ki.fs of the first usable facility registered in the unit of
// village code c at ki.info.Serves; ok is false when there is none.
func (u *unitCursor) first(ki *kindIndex, c divisions.Code) (int32, bool) {
	k, ok := unitKey(shortAt(c, ki.info.Serves))
	if !ok {
		return -1, false
	}
	if !u.set || k < u.last || k-u.last > 64 && u.pos < len(ki.units) && ki.units[u.pos] < k {
		u.pos, _ = slices.BinarySearch(ki.units, k)
		u.set = true
	}
	for u.pos < len(ki.units) && ki.units[u.pos] < k {
		u.pos++
	}
	u.last = k
	if u.pos < len(ki.units) && ki.units[u.pos] == k {
		return ki.unitPos[ki.spans[u.pos].lo], true
	}
	return -1, false
}

// provenanceAt is the weakest of the population and (radius modes) the point of the village at
// position p of a.villages and of the covering facility (the kind's weakest facility when the
// covering one is not named).
func (a *Analyzer) provenanceAt(q *Query, ki *kindIndex, p int32, c *villageCover) divisions.Provenance {
	vc := a.cols()
	prov := vc.provs[vc.provPop[p]]
	if q.Mode != ModeJurisdiction {
		prov = weaker(prov, vc.provs[vc.provSeat[p]])
	}
	if c.covered {
		if c.fi >= 0 {
			prov = weaker(prov, ki.prov.at(c.fi))
		} else {
			prov = weaker(prov, ki.weakest)
		}
	}
	return prov
}

// weaker is divisions.Weakest for two values without the variadic call (hot path); "" is ignored.
func weaker(p, q divisions.Provenance) divisions.Provenance {
	switch {
	case p == "":
		return q
	case q == "" || p == q:
		return p
	}
	return divisions.Weakest(p, q)
}

// results expands compact answers of the villages at positions pos of a.villages into VillageResults.
func (a *Analyzer) results(q *Query, pos []int32, cs []villageCover) []VillageResult {
	res, _ := a.resultsSum(q, pos, cs, false)
	return res
}

// resultsSum is results that, when sum, also adds the answers up (not finished: no ratios or
// target), by chunks merged in order as coverPass does.
func (a *Analyzer) resultsSum(q *Query, pos []int32, cs []villageCover, sum bool) ([]VillageResult, Aggregate) {
	ki := a.reg.kind(q.Kind)
	res := make([]VillageResult, len(pos))
	var nears []NearestFacility
	for i := range cs {
		if cs[i].near >= 0 {
			nears = make([]NearestFacility, len(cs)) // one allocation for all
			break
		}
	}
	var parts []Aggregate
	if sum {
		parts = make([]Aggregate, len(pos)/parallelChunk+1)
	}
	parallel(len(pos), func(lo, hi int) {
		// First the facilities' fields, in a loop of nothing else: their loads land at random
		// places in memory, and a short loop keeps many of them in flight at once.
		for i := lo; i < hi; i++ {
			c, r := &cs[i], &res[i]
			if c.covered && c.fi >= 0 {
				r.CoveredBy = ki.fs[c.fi].ID
			}
			if c.near >= 0 {
				f := ki.fs[c.near]
				nears[i] = NearestFacility{ID: f.ID, Name: f.Name, DistanceM: c.nearD, DetourM: c.nearD * c.detour}
			}
		}
		var part Aggregate
		for i := lo; i < hi; i++ {
			v, c, r := a.villages[pos[i]], &cs[i], &res[i]
			r.Code, r.Name, r.ShortName, r.Kind, r.Point, r.HasPoint = v.Code, v.Name, v.ShortName, v.Kind, v.Seat, v.HasSeat
			r.Rural, r.Elderly, r.Covered, r.Detour = ruralWord(v), q.Elderly.of(v.Population), c.covered, c.detour
			if c.near >= 0 {
				r.Nearest = &nears[i]
			}
			r.Provenance = a.provenanceAt(q, ki, pos[i], c)
			if sum {
				addVillage(&part, r.Elderly, r.Covered, r.HasPoint, r.Provenance)
			}
		}
		if sum {
			parts[lo/parallelChunk] = part
		}
	})
	return res, mergeParts(parts)
}

// cover answers every village at positions pos of a.villages (in order).
func (a *Analyzer) cover(q *Query, pos []int32, withNearest bool) []VillageResult {
	cs, _ := a.coverPass(q, pos, withNearest, true, false)
	return a.results(q, pos, cs)
}

// rowFunc gives what aggregation needs of row i.
type rowFunc func(i int) (elderly int64, covered, hasPoint bool, prov divisions.Provenance)

// compactRow reads row i from the compact answers of the villages at positions pos.
func (a *Analyzer) compactRow(q *Query, pos []int32, cs []villageCover) rowFunc {
	ki := a.reg.kind(q.Kind)
	vc := a.cols()
	return func(i int) (int64, bool, bool, divisions.Provenance) {
		p := pos[i]
		return q.Elderly.of(vc.pop[p]), cs[i].covered, vc.flags[p]&vcSeat != 0, a.provenanceAt(q, ki, p, &cs[i])
	}
}

// codeAt gives the code of row i for the villages at positions pos.
func (a *Analyzer) codeAt(pos []int32) func(i int) divisions.Code {
	return func(i int) divisions.Code { return a.villages[pos[i]].Code }
}

func resultRow(res []VillageResult) rowFunc {
	return func(i int) (int64, bool, bool, divisions.Provenance) {
		r := &res[i]
		return r.Elderly, r.Covered, r.HasPoint, r.Provenance
	}
}

func resultCode(res []VillageResult) func(i int) divisions.Code {
	return func(i int) divisions.Code { return res[i].Code }
}

// coveredBy reports whether v is covered and, where known, the index (into ki.fs) of a
// usable facility that covers it (-1 when not named).
func (a *Analyzer) coveredBy(q *Query, ki *kindIndex, v *divisions.Division, detour float64) (int, bool) {
	switch q.Mode {
	case ModeJurisdiction:
		if fs := ki.inUnit(shortAt(v.Code, ki.info.Serves)); len(fs) > 0 {
			return int(fs[0]), true
		}
	case ModeRadius:
		if !v.HasSeat {
			return 0, false
		}
		// AnyWithin decides without naming the facility (it avoids exact geodesics where the
		// chord bounds suffice); the caller then reports the kind's weakest facility provenance.
		return -1, ki.ix.AnyWithin(v.Seat, q.RadiusM/detour)
	case ModeRadiusInJurisdiction:
		if !v.HasSeat {
			return 0, false
		}
		r := q.RadiusM / detour
		unit := shortAt(v.Code, ki.info.Serves)
		list := ki.inUnit(unit)
		if len(list) > 32 { // many facilities in the unit: ask the index, filter by unit
			found := -1
			ki.ix.Within(v.Seat, r, func(i int, _ float64) bool {
				if shortAt(ki.fs[i].DivisionCode, ki.info.Serves) == unit {
					found = i
					return false
				}
				return true
			})
			return found, found >= 0
		}
		best, bestD := -1, math.Inf(1)
		for _, i := range list {
			if d := distanceM(v.Seat, ki.fs[i].Point); d <= r && d < bestD {
				best, bestD = int(i), d
			}
		}
		return best, best >= 0
	}
	return 0, false
}

// aggregate sums village answers.
func aggregate(res []VillageResult, tgt *Target) Aggregate {
	return aggregateRows(len(res), resultRow(res), tgt)
}

// aggregateRows sums n rows: in parallel chunks, merged in row order (so the result is that
// of one pass, ties between provenances included).
func aggregateRows(n int, row rowFunc, tgt *Target) Aggregate {
	parts := make([]Aggregate, n/parallelChunk+1)
	parallel(n, func(lo, hi int) {
		part := &parts[lo/parallelChunk]
		for i := lo; i < hi; i++ {
			addRow(part, row, i)
		}
	})
	g := mergeParts(parts)
	finish(&g, tgt)
	return g
}

// mergeParts adds up per-chunk sums in order (an earlier chunk's provenance first on ties).
func mergeParts(parts []Aggregate) Aggregate {
	var g Aggregate
	for i := range parts {
		mergeInto(&g, &parts[i])
	}
	return g
}

// mergeInto adds the counts of p to g (g's provenance first on ties).
func mergeInto(g, p *Aggregate) {
	g.Villages += p.Villages
	g.Covered += p.Covered
	g.Elderly += p.Elderly
	g.ElderlyCovered += p.ElderlyCovered
	g.NoPoint += p.NoPoint
	g.Provenance = weaker(g.Provenance, p.Provenance)
}

func addRow(g *Aggregate, row rowFunc, i int) {
	elderly, covered, hasPoint, prov := row(i)
	addVillage(g, elderly, covered, hasPoint, prov)
}

// addVillage counts one village's answer into g.
func addVillage(g *Aggregate, elderly int64, covered, hasPoint bool, prov divisions.Provenance) {
	g.Villages++
	g.Elderly += elderly
	if covered {
		g.Covered++
		g.ElderlyCovered += elderly
	}
	if !hasPoint {
		g.NoPoint++
	}
	g.Provenance = weaker(g.Provenance, prov)
}

func finish(g *Aggregate, tgt *Target) {
	g.Ratio = ratio(float64(g.Covered), float64(g.Villages))
	g.ElderlyRatio = ratio(float64(g.ElderlyCovered), float64(g.Elderly))
	if tgt != nil {
		t := tgt.Ratio
		g.Target, g.Deadline = &t, tgt.Deadline
		if g.Ratio != nil {
			met := *g.Ratio >= t
			g.Met = &met
		}
	}
}

// groups aggregates village answers by their unit at level l (every unit at l in scope is listed,
// also those without villages).
func (a *Analyzer) groups(res []VillageResult, scope divisions.Code, l divisions.Level, tgt *Target) []Aggregate {
	return a.groupRows(len(res), resultCode(res), resultRow(res), scope, l, tgt)
}

func (a *Analyzer) groupRows(n int, codeOf func(int) divisions.Code, row rowFunc, scope divisions.Code, l divisions.Level, tgt *Target) []Aggregate {
	units := a.unitsAt(scope, l)
	idx := make(map[string]int, len(units))
	out := make([]Aggregate, len(units))
	for i, u := range units {
		idx[shortAt(u.Code, l)] = i
		out[i] = Aggregate{Code: u.Code, Name: u.Name, Level: u.Level}
	}
	for i := 0; i < n; i++ {
		if j, ok := idx[shortAt(codeOf(i), l)]; ok {
			addRow(&out[j], row, i)
		}
	}
	for i := range out {
		finish(&out[i], tgt)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}
