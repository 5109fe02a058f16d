package facilities

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/geo"
)

// ImpactOptions tunes Impact. Zero values mean the defaults.
type ImpactOptions struct {
	Kinds   []Kind  // kinds to report; nil = every kind
	Mode    Mode    // coverage mode; "" = the config default (jurisdiction, the official indicator)
	Elderly Elderly // "" = age60
	// Base, when set, is an analyzer over res.Base and the same facilities (e.g. the service's
	// snapshot analyzer), reused for the before side; nil builds one. Its config wins.
	Base *Analyzer
	// SeatGrowthM flags villages whose distance to their township seat grows by more than this
	// many metres; 0 = DefaultSeatGrowthM. A planning assumption, not a statutory number.
	SeatGrowthM float64
	// Context, when set, stops Impact between villages once it ends (the client went or a
	// deadline passed); Impact then returns its error. nil = never stopped.
	Context context.Context
}

// DefaultSeatGrowthM is the default seat-distance growth that raises a flag: 5 km, about an hour
// on foot or ten minutes by road — a planning assumption of civplan, not a statutory number.
const DefaultSeatGrowthM = 5000

// Reach is one village's access to one kind: covered or not under the mode, and the nearest
// usable facility it may use — for jurisdiction-bound kinds (those serving a township or a
// county: KindInfo.Serves above the village) only facilities registered in its own unit at
// that level; for village-level kinds any facility.
type Reach struct {
	Covered bool             `json:"covered"`
	Nearest *NearestFacility `json:"nearest,omitempty"`
}

// KindReach is a village's reach of one kind before and after.
type KindReach struct {
	Kind   Kind  `json:"kind"`
	Before Reach `json:"before"`
	After  Reach `json:"after"`
}

// VillageImpact is one affected village before and after. Seat distances are geodesic metres
// from the village point to its township's seat (nil without both points).
type VillageImpact struct {
	Code        divisions.Code       `json:"code"`
	Name        string               `json:"name"`
	NewCode     divisions.Code       `json:"new_code"`
	NewName     string               `json:"new_name"`
	Township    divisions.Code       `json:"township"`
	NewTownship divisions.Code       `json:"new_township"`
	HasPoint    bool                 `json:"has_point"`
	Elderly     int64                `json:"elderly"`
	SeatBeforeM *float64             `json:"seat_distance_before_m"`
	SeatAfterM  *float64             `json:"seat_distance_after_m"`
	Kinds       []KindReach          `json:"kinds"`
	Provenance  divisions.Provenance `json:"provenance"` // weakest of point and population
}

// KindStats is a division's numbers for one kind.
type KindStats struct {
	Facilities  int      `json:"facilities"` // usable facilities registered within the unit
	Beds        int      `json:"beds"`
	BedsPer1000 *float64 `json:"beds_per_1000"` // beds / elderly × 1000 (bed-based kinds; nil without elderly)
	Villages    int      `json:"villages"`      // village committees counted by the indicator
	Covered     int      `json:"covered"`
	Ratio       *float64 `json:"ratio"`
	Target      *float64 `json:"target"`
	Met         *bool    `json:"met"`
}

// UnitStats are a division's numbers at one moment (before: summed over the base units that
// make up the after unit).
type UnitStats struct {
	Units      []divisions.Code     `json:"units"`
	Name       string               `json:"name"`
	Population divisions.Population `json:"population"`
	Elderly    int64                `json:"elderly"`
	AreaKM2    *float64             `json:"area_km2"` // nil when a unit has no boundary
	Villages   int                  `json:"villages"` // every village-level unit
	Kinds      map[Kind]*KindStats  `json:"kinds"`
	// Seat access (条例 art. 3 for seat moves): village → township seat distances, metres.
	SeatMeanM *float64 `json:"seat_mean_m,omitempty"`
	SeatMaxM  *float64 `json:"seat_max_m,omitempty"`
}

// DivisionImpact is one affected after-unit with its before and after numbers.
type DivisionImpact struct {
	Code   divisions.Code  `json:"code"`
	Name   string          `json:"name"`
	Level  divisions.Level `json:"level"`
	Before UnitStats       `json:"before"`
	After  UnitStats       `json:"after"`
}

// Flag is something the planner must look at.
type Flag struct {
	Kind     string         `json:"kind"` // seat_distance_growth, coverage_below_target, coverage_decreased, coverage_gain_distant, unit_without_facility, village_lost_coverage
	Code     divisions.Code `json:"code"`
	Name     string         `json:"name"`
	Facility Kind           `json:"facility_kind,omitempty"`
	Detail   string         `json:"detail"`
}

// ImpactReport is the effect of a scenario on service reach.
type ImpactReport struct {
	Mode        Mode             `json:"mode"`
	Elderly     Elderly          `json:"elderly"`
	Kinds       []KindInfo       `json:"kinds"`
	RadiusM     map[Kind]float64 `json:"radius_m"`
	SeatGrowthM float64          `json:"seat_growth_m"`
	Plans       []int64          `json:"plans,omitempty"`
	Divisions   []DivisionImpact `json:"divisions"`
	Villages    []VillageImpact  `json:"villages"`
	Flags       []Flag           `json:"flags"`
	Notes       []string         `json:"notes"`
}

// PlanIDs returns the ids of the saved plans that have planned facilities in fs.
func PlanIDs(fs []Facility) map[int64]bool {
	out := map[int64]bool{}
	for _, f := range fs {
		if f.PlanID > 0 {
			out[f.PlanID] = true
		}
	}
	return out
}

// AfterFacilities maps facilities to the after tree of a scenario: each division_code follows
// its unit's fate, and planned facilities of the scenario's applied plans become operating.
func AfterFacilities(res *divisions.Result, fs []Facility) []Facility {
	plans := map[int64]bool{}
	for _, p := range res.Plans {
		plans[p] = true
	}
	out := make([]Facility, len(fs))
	for i, f := range fs {
		if nc := res.FateOf(f.DivisionCode); nc != "" {
			f.DivisionCode = nc
		}
		if f.Status == StatusPlanned && plans[f.PlanID] {
			f.Status = StatusOperating
		}
		out[i] = f
	}
	return out
}

// side is one moment (before or after) ready for queries.
type side struct {
	a    *Analyzer // jurisdiction queries (for the after side: the facilities of the affected counties)
	full *Analyzer // queries across jurisdictions (radius coverage, nearest of village-level kinds)
	q    map[Kind]Query
	agg  map[Kind]map[divisions.Code]facAgg // usable facilities registered within each needed unit
	need map[divisions.Code]bool            // units whose facilities are counted
}

// facAgg counts usable facilities and their beds.
type facAgg struct{ n, beds int }

// within returns, for kind k, the usable facilities registered within each unit of need
// (any level), counted in one pass over the kind's facilities.
func (s *side) within(k Kind) map[divisions.Code]facAgg {
	if m, ok := s.agg[k]; ok {
		return m
	}
	m := map[divisions.Code]facAgg{}
	if ki := s.a.reg.kind(k); ki != nil {
		for u := range s.need {
			ki.within(u, u.Level(), func(f *Facility) {
				a := m[u]
				a.n++
				a.beds += f.Beds
				m[u] = a
			})
		}
	}
	s.agg[k] = m
	return m
}

func newSide(a *Analyzer, kinds []KindInfo, mode Mode, el Elderly) (*side, error) {
	s := &side{a: a, full: a, q: map[Kind]Query{}, agg: map[Kind]map[divisions.Code]facAgg{}, need: map[divisions.Code]bool{}}
	for _, k := range kinds {
		q, _, err := a.resolve(Params{Kind: k.Kind, Mode: mode, Elderly: el})
		if err != nil {
			return nil, err
		}
		s.q[k.Kind] = q
	}
	return s, nil
}

// jurisdictionBound reports whether residents may only use facilities of their own unit.
func jurisdictionBound(k KindInfo) bool { return k.Serves < divisions.Village }

// covered answers coverage of v by kind k: radius mode asks the full analyzer (points do not
// change with codes), the jurisdiction modes the side's own.
func (s *side) covered(v *divisions.Division, k Kind) bool {
	q := s.q[k]
	a := s.a
	if q.Mode == ModeRadius {
		a = s.full
	}
	_, ok := a.coveredBy(&q, a.reg.kind(k), v, q.detourOf(v.Code))
	return ok
}

// reach answers one village for one kind: covered, and the nearest facility it may use.
func (s *side) reach(v *divisions.Division, k KindInfo) Reach {
	q := s.q[k.Kind]
	ki := s.a.reg.kind(k.Kind)
	var r Reach
	r.Covered = s.covered(v, k.Kind)
	if !v.HasSeat || ki == nil {
		return r
	}
	if jurisdictionBound(k) {
		best, bestD := -1, math.Inf(1)
		for _, i := range ki.inUnit(shortAt(v.Code, k.Serves)) {
			if d := distanceM(v.Seat, ki.fs[i].Point); d < bestD {
				best, bestD = int(i), d
			}
		}
		if best >= 0 {
			f := ki.fs[best]
			r.Nearest = &NearestFacility{ID: f.ID, Name: f.Name, DistanceM: bestD, DetourM: bestD * q.detourOf(v.Code)}
		}
		return r
	}
	fk := s.full.reg.kind(k.Kind)
	if j, d, ok := fk.ix.Nearest(v.Seat, 0); ok {
		f := fk.fs[j]
		r.Nearest = &NearestFacility{ID: f.ID, Name: f.Name, DistanceM: d, DetourM: d * q.detourOf(v.Code)}
	}
	return r
}

// seatDistance is the geodesic distance from a village to its township's seat in tree t.
func seatDistance(t *divisions.Tree, v *divisions.Division) *float64 {
	tw := t.Get(v.Code.Parent())
	if tw == nil || !tw.HasSeat || !v.HasSeat {
		return nil
	}
	d := geo.DistanceM(v.Seat, tw.Seat)
	return &d
}

// Impact computes what scenario result res does to service reach: every affected village
// before and after, every affected division's numbers, and flags. fs is the base registry
// (every status); cfg nil means DefaultConfig().
func Impact(res *divisions.Result, fs []Facility, cfg *Config, opt ImpactOptions) (*ImpactReport, error) {
	run, err := newImpactRun(res, cfg, opt)
	if err != nil {
		return nil, err
	}
	if err := run.buildSides(fs, opt.Base); err != nil {
		return nil, err
	}
	run.startReport()
	run.villages(run.affectedVillages())
	if err := run.stopped(); err != nil {
		return nil, err
	}
	run.divisions()
	run.distantGains()
	run.sortFlags()
	return run.rep, nil
}

// impactRun is one Impact computation: the resolved options, the before and after sides and
// the report being filled, phase by phase.
type impactRun struct {
	res    *divisions.Result
	cfg    *Config
	kinds  []KindInfo
	mode   Mode
	el     Elderly
	growth float64         // seat-distance growth that raises a flag, metres
	ctx    context.Context // nil = never stopped

	before, after *side
	rep           *ImpactReport
	// gains collects, per after unit at the kind's level, the villages that became covered in
	// jurisdiction mode although the nearest usable facility lies beyond the kind's radius.
	gains map[gainKey]*gain
}

type gainKey struct {
	unit divisions.Code
	kind Kind
}

type gain struct {
	villages   int
	minM, maxM float64
}

// stopped is the error of the caller's context once it has ended, else nil.
func (run *impactRun) stopped() error {
	if run.ctx == nil {
		return nil
	}
	return run.ctx.Err()
}

// newImpactRun resolves the config, kinds, mode, elderly measure and seat-growth threshold.
func newImpactRun(res *divisions.Result, cfg *Config, opt ImpactOptions) (*impactRun, error) {
	if cfg == nil && opt.Base != nil {
		cfg = opt.Base.Config()
	}
	if cfg == nil {
		c, err := DefaultConfig()
		if err != nil {
			return nil, err
		}
		cfg = c
	}
	run := &impactRun{res: res, cfg: cfg, mode: opt.Mode, growth: opt.SeatGrowthM, ctx: opt.Context, gains: map[gainKey]*gain{}}
	if len(opt.Kinds) == 0 {
		run.kinds = Kinds()
	} else {
		for _, k := range opt.Kinds {
			ki, err := ParseKind(string(k))
			if err != nil {
				return nil, &ParamError{Param: "kind", Value: string(k), Reason: "unknown facility kind"}
			}
			run.kinds = append(run.kinds, ki)
		}
	}
	if run.mode == "" {
		run.mode = cfg.DefaultMode
	}
	var err error
	if run.el, err = ParseElderly(string(opt.Elderly)); err != nil {
		return nil, err
	}
	if run.growth == 0 {
		run.growth = DefaultSeatGrowthM
	}
	if run.growth < 0 || math.IsNaN(run.growth) {
		return nil, paramErr("seat_growth_m", run.growth, "want a distance ≥ 0 metres")
	}
	return run, nil
}

// buildSides prepares the before side (base, reusing an analyzer over res.Base when given) and
// the after side. With applied plans the after side gets a full registry; otherwise only the
// facilities of the affected counties need their new codes (jurisdiction queries never leave
// the county), and queries across jurisdictions use the base registry (same points, same
// usability).
func (run *impactRun) buildSides(fs []Facility, base *Analyzer) error {
	res := run.res
	ba := base
	if ba == nil || ba.Tree() != res.Base {
		var err error
		if ba, err = NewAnalyzer(res.Base, NewRegistry(fs), run.cfg); err != nil {
			return err
		}
	}
	full := len(res.Plans) > 0
	afs := fs
	if !full {
		counties := map[string]bool{} // significant digits: shortAt never allocates
		for c := range run.changedCounties() {
			counties[shortAt(c, divisions.County)] = true
		}
		afs = nil
		for _, f := range fs {
			if sh := shortAt(f.DivisionCode, divisions.County); sh != "" && counties[sh] {
				afs = append(afs, f)
			}
		}
	}
	aa, err := NewAnalyzer(res.After, NewRegistry(AfterFacilities(res, afs)), run.cfg)
	if err != nil {
		return err
	}
	if run.before, err = newSide(ba, run.kinds, run.mode, run.el); err != nil {
		return err
	}
	if run.after, err = newSide(aa, run.kinds, run.mode, run.el); err != nil {
		return err
	}
	if !full {
		run.after.full = ba
	}
	for _, c := range res.Affected {
		run.after.need[c] = true
		for _, b := range res.Sources[c] {
			run.before.need[b] = true
		}
	}
	return nil
}

// changedCounties lists the base counties whose facilities may change code or jurisdiction.
func (run *impactRun) changedCounties() map[divisions.Code]bool {
	res := run.res
	counties := map[divisions.Code]bool{}
	for _, c := range res.Affected {
		for _, b := range append([]divisions.Code{c}, res.Sources[c]...) {
			if u := unitAt(b, divisions.County); u != "" {
				counties[u] = true
			}
		}
	}
	for b := range res.Fate {
		if u := unitAt(b, divisions.County); u != "" {
			counties[u] = true
		}
	}
	return counties
}

// startReport fills the report's header: mode, kinds, radii, plans and notes.
func (run *impactRun) startReport() {
	rep := &ImpactReport{Mode: run.mode, Elderly: run.el, Kinds: run.kinds, RadiusM: map[Kind]float64{}, SeatGrowthM: run.growth,
		Plans: run.res.Plans, Flags: []Flag{}, Divisions: []DivisionImpact{}, Villages: []VillageImpact{}}
	for _, k := range run.kinds {
		rep.RadiusM[k.Kind] = run.before.q[k.Kind].RadiusM
	}
	rep.Notes = append(rep.Notes, run.cfg.DistanceNoteZH,
		"派生边界为近似边界，不是法定行政区域界线。",
		fmt.Sprintf("「可使用的最近设施」：服务乡镇或县级的设施只计本辖区内的设施；村级设施不限辖区。覆盖判定方式：%s。", run.mode))
	run.rep = rep
}

// affectedVillages lists, by code, every base village under a base unit that an affected
// after-unit holds, and every village whose code changes.
func (run *impactRun) affectedVillages() []*divisions.Division {
	res := run.res
	seen := map[divisions.Code]bool{}
	var vs []*divisions.Division
	add := func(c divisions.Code) {
		d := res.Base.Get(c)
		if d == nil {
			return
		}
		if d.Level == divisions.County && res.FateOf(c) == c {
			return // a county whose code is unchanged: only its changed townships matter
		}
		for _, v := range res.Base.Descendants(c, divisions.Village) {
			if !seen[v.Code] {
				seen[v.Code] = true
				vs = append(vs, v)
			}
		}
	}
	for _, c := range res.Affected {
		for _, b := range res.Sources[c] {
			add(b)
		}
	}
	for b := range res.Fate {
		if b.Level() == divisions.Village {
			add(b)
		}
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Code < vs[j].Code })
	return vs
}

// villages reports each affected village before and after, with the village flags (lost
// coverage, seat distance growth), and notes distant jurisdiction gains.
func (run *impactRun) villages(vs []*divisions.Division) {
	res, rep := run.res, run.rep
	rep.Villages = make([]VillageImpact, len(vs))
	for i, v := range vs {
		if i&255 == 0 && run.stopped() != nil {
			return // Impact reports the context's error
		}
		nc := res.FateOf(v.Code)
		nv := res.After.Get(nc)
		vi := VillageImpact{Code: v.Code, Name: v.Name, NewCode: nc, Township: v.Code.Parent(), HasPoint: v.HasSeat,
			Elderly: run.el.of(v.Population), SeatBeforeM: seatDistance(res.Base, v),
			Provenance: divisions.Weakest(v.Sources.Seat, v.Sources.Population)}
		afterVillage := nv != nil && nv.Level == divisions.Village
		if nv != nil {
			vi.NewName, vi.NewTownship = nv.Name, nv.Code.Parent()
			if afterVillage {
				vi.SeatAfterM = seatDistance(res.After, nv)
			} else { // merged into a township? (villages merge into villages)
				vi.NewTownship = nv.Code
			}
		}
		for _, k := range run.kinds {
			kr := KindReach{Kind: k.Kind, Before: run.before.reach(v, k)}
			if afterVillage {
				kr.After = run.after.reach(nv, k)
				run.noteGain(nv, k, kr)
			}
			vi.Kinds = append(vi.Kinds, kr)
			if kr.Before.Covered && !kr.After.Covered {
				rep.Flags = append(rep.Flags, Flag{Kind: "village_lost_coverage", Code: v.Code, Name: v.Name, Facility: k.Kind,
					Detail: fmt.Sprintf("%s：变更前覆盖，变更后不覆盖", k.NameZH)})
			}
		}
		if vi.SeatBeforeM != nil && vi.SeatAfterM != nil && *vi.SeatAfterM-*vi.SeatBeforeM > run.growth {
			rep.Flags = append(rep.Flags, Flag{Kind: "seat_distance_growth", Code: v.Code, Name: v.Name,
				Detail: fmt.Sprintf("到乡镇驻地距离由 %.1f km 增至 %.1f km(阈值 +%.1f km)", *vi.SeatBeforeM/1000, *vi.SeatAfterM/1000, run.growth/1000)})
		}
		rep.Villages[i] = vi
	}
}

// noteGain records after-village nv when, in jurisdiction mode, it became covered by a
// jurisdiction-bound kind whose nearest usable facility lies beyond the kind's radius: the
// indicator counts it, but nobody walks there (a merged township's cemetery 20 km away).
func (run *impactRun) noteGain(nv *divisions.Division, k KindInfo, kr KindReach) {
	if run.mode != ModeJurisdiction || !jurisdictionBound(k) || kr.Before.Covered || !kr.After.Covered || kr.After.Nearest == nil {
		return
	}
	d := kr.After.Nearest.DistanceM
	if d <= run.rep.RadiusM[k.Kind] {
		return
	}
	key := gainKey{unitAt(nv.Code, k.Serves), k.Kind}
	g := run.gains[key]
	if g == nil {
		g = &gain{minM: d, maxM: d}
		run.gains[key] = g
	}
	g.villages++
	g.minM, g.maxM = math.Min(g.minM, d), math.Max(g.maxM, d)
}

// divisions reports each affected after-unit with its base sources, with the division flags
// (below target, decreased, left without a facility).
func (run *impactRun) divisions() {
	res, rep := run.res, run.rep
	for _, c := range res.Affected {
		d := res.After.Get(c)
		if d == nil || (d.Level == divisions.Village && len(res.Sources[c]) < 2) {
			continue // villages are reported one by one; merged villages also as divisions
		}
		di := DivisionImpact{Code: c, Name: d.Name, Level: d.Level,
			Before: run.before.stats(res.Sources[c], run.kinds, run.el, run.cfg),
			After:  run.after.stats([]divisions.Code{c}, run.kinds, run.el, run.cfg)}
		rep.Divisions = append(rep.Divisions, di)
		for _, k := range run.kinds {
			b, a := di.Before.Kinds[k.Kind], di.After.Kinds[k.Kind]
			if a.Met != nil && !*a.Met && b.Met != nil && *b.Met {
				rep.Flags = append(rep.Flags, Flag{Kind: "coverage_below_target", Code: c, Name: d.Name, Facility: k.Kind,
					Detail: fmt.Sprintf("%s覆盖率 %.1f%% 低于目标 %.0f%%(变更前 %.1f%%)", k.NameZH, *a.Ratio*100, *a.Target*100, *b.Ratio*100)})
			} else if a.Ratio != nil && b.Ratio != nil && *a.Ratio < *b.Ratio-1e-12 {
				rep.Flags = append(rep.Flags, Flag{Kind: "coverage_decreased", Code: c, Name: d.Name, Facility: k.Kind,
					Detail: fmt.Sprintf("%s覆盖率由 %.1f%% 降至 %.1f%%", k.NameZH, *b.Ratio*100, *a.Ratio*100)})
			}
			if k.Serves == d.Level && a.Facilities == 0 && b.Facilities > 0 {
				rep.Flags = append(rep.Flags, Flag{Kind: "unit_without_facility", Code: c, Name: d.Name, Facility: k.Kind,
					Detail: fmt.Sprintf("变更后辖区内无%s(变更前 %d 处)", k.NameZH, b.Facilities)})
			}
		}
	}
}

// distantGains flags, per unit and kind, jurisdiction-mode coverage gained only through a
// facility beyond the kind's radius, with the unit's coverage before and after.
func (run *impactRun) distantGains() {
	rep := run.rep
	ratios := map[gainKey][2]*float64{}
	for _, di := range rep.Divisions {
		for k, a := range di.After.Kinds {
			ratios[gainKey{di.Code, k}] = [2]*float64{di.Before.Kinds[k].Ratio, a.Ratio}
		}
	}
	for _, k := range run.kinds {
		var units []divisions.Code
		for key := range run.gains {
			if key.kind == k.Kind {
				units = append(units, key.unit)
			}
		}
		sort.Slice(units, func(i, j int) bool { return units[i] < units[j] })
		for _, u := range units {
			run.flagGain(gainKey{u, k.Kind}, k, ratios)
		}
	}
}

// flagGain raises the coverage_gain_distant flag of one unit and kind.
func (run *impactRun) flagGain(key gainKey, ki KindInfo, ratios map[gainKey][2]*float64) {
	rep, g := run.rep, run.gains[key]
	name := ""
	if d := run.res.After.Get(key.unit); d != nil {
		name = d.Name
	}
	cov := ""
	if r, ok := ratios[key]; ok && r[0] != nil && r[1] != nil {
		cov = fmt.Sprintf("覆盖率由 %.1f%% 升至 %.1f%%，", *r[0]*100, *r[1]*100)
	}
	rep.Flags = append(rep.Flags, Flag{Kind: "coverage_gain_distant", Code: key.unit, Name: name, Facility: key.kind,
		Detail: fmt.Sprintf("%s%s其中 %d 个村仅因辖区调整计为覆盖，最近可用设施 %.1f–%.1f km，超出服务半径 %.1f km(按辖区判定的官方口径不反映实际可达性)",
			ki.NameZH, cov, g.villages, g.minM/1000, g.maxM/1000, rep.RadiusM[key.kind]/1000)})
}

// sortFlags orders flags by kind, then code (stable: facility kinds keep the kinds' order).
func (run *impactRun) sortFlags() {
	fl := run.rep.Flags
	sort.SliceStable(fl, func(i, j int) bool {
		if fl[i].Kind != fl[j].Kind {
			return fl[i].Kind < fl[j].Kind
		}
		return fl[i].Code < fl[j].Code
	})
}

// stats sums the numbers of units (codes of this side's tree).
func (s *side) stats(units []divisions.Code, kinds []KindInfo, el Elderly, cfg *Config) UnitStats {
	st := UnitStats{Units: units, Kinds: map[Kind]*KindStats{}}
	area, areaOK := 0.0, true
	var names []string
	var seatSum, seatMax float64
	seatN := 0
	var vs []*divisions.Division
	for _, c := range units {
		d := s.a.tree.Get(c)
		if d == nil {
			continue
		}
		names = append(names, d.Name)
		st.Population = st.Population.Add(d.Population)
		if len(d.Boundary) > 0 {
			area += s.a.tree.AreaKM2(d) // memoised: the base tree's units, the unions Apply built
		} else {
			areaOK = false
		}
		if d.Level == divisions.Village {
			vs = append(vs, d)
		} else {
			vs = append(vs, s.a.tree.Descendants(c, divisions.Village)...)
		}
	}
	if len(names) > 0 {
		st.Name = names[0]
		for _, n := range names[1:] {
			st.Name += "、" + n
		}
	}
	st.Elderly = el.of(st.Population)
	if areaOK && len(units) > 0 {
		st.AreaKM2 = &area
	}
	st.Villages = len(vs)
	for _, v := range vs {
		if d := seatDistance(s.a.tree, v); d != nil {
			seatSum += *d
			seatMax = math.Max(seatMax, *d)
			seatN++
		}
	}
	if seatN > 0 {
		m := seatSum / float64(seatN)
		st.SeatMeanM, st.SeatMaxM = &m, &seatMax
	}
	for _, k := range kinds {
		ks := &KindStats{}
		for _, c := range units {
			a := s.within(k.Kind)[c]
			ks.Facilities += a.n
			ks.Beds += a.beds
		}
		if k.BedBased && st.Elderly > 0 {
			ks.BedsPer1000 = ratio(float64(ks.Beds)*1000, float64(st.Elderly))
		}
		for _, v := range vs {
			if !v.Kind.IsVillageCommittee(false) {
				continue
			}
			ks.Villages++
			if s.covered(v, k.Kind) {
				ks.Covered++
			}
		}
		ks.Ratio = ratio(float64(ks.Covered), float64(ks.Villages))
		if d := cfg.Kinds[k.Kind]; d.Target != nil {
			t := d.Target.Ratio
			ks.Target = &t
			if ks.Ratio != nil {
				met := *ks.Ratio >= t
				ks.Met = &met
			}
		}
		st.Kinds[k.Kind] = ks
	}
	return st
}
