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
	Kind     string         `json:"kind"` // seat_distance_growth, coverage_below_target, coverage_decreased, unit_without_facility, village_lost_coverage
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
	levels := map[divisions.Level]bool{}
	for c := range s.need {
		levels[c.Level()] = true
	}
	if ki := s.a.reg.kinds[k]; ki != nil {
		for _, p := range ki.pos {
			f := &s.a.reg.fs[p]
			for l := range levels {
				if u := unitAt(f.DivisionCode, l); u != "" && s.need[u] {
					a := m[u]
					a.n++
					a.beds += f.Beds
					m[u] = a
				}
			}
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

// reach answers one village for one kind.
// covered answers coverage of v by kind k: radius mode asks the full analyzer (points do not
// change with codes), the jurisdiction modes the side's own.
func (s *side) covered(v *divisions.Division, k Kind) bool {
	q := s.q[k]
	a := s.a
	if q.Mode == ModeRadius {
		a = s.full
	}
	_, ok := a.coveredBy(&q, a.reg.kinds[k], v, q.detourOf(v.Code))
	return ok
}

func (s *side) reach(v *divisions.Division, k KindInfo) Reach {
	q := s.q[k.Kind]
	ki := s.a.reg.kinds[k.Kind]
	var r Reach
	r.Covered = s.covered(v, k.Kind)
	if !v.HasSeat || ki == nil {
		return r
	}
	if jurisdictionBound(k) {
		best, bestD := -1, math.Inf(1)
		for _, i := range ki.byUnit[unitAt(v.Code, k.Serves)] {
			if d := distanceM(v.Seat, s.a.reg.fs[ki.pos[i]].Point); d < bestD {
				best, bestD = i, d
			}
		}
		if best >= 0 {
			f := &s.a.reg.fs[ki.pos[best]]
			r.Nearest = &NearestFacility{ID: f.ID, Name: f.Name, DistanceM: bestD, DetourM: bestD * q.detourOf(v.Code)}
		}
		return r
	}
	fk := s.full.reg.kinds[k.Kind]
	if j, d, ok := fk.ix.Nearest(v.Seat, 0); ok {
		f := &s.full.reg.fs[fk.pos[j]]
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
	var kinds []KindInfo
	if len(opt.Kinds) == 0 {
		kinds = Kinds()
	} else {
		for _, k := range opt.Kinds {
			ki, err := ParseKind(string(k))
			if err != nil {
				return nil, &ParamError{Param: "kind", Value: string(k), Reason: "unknown facility kind"}
			}
			kinds = append(kinds, ki)
		}
	}
	mode := opt.Mode
	if mode == "" {
		mode = cfg.DefaultMode
	}
	el, err := ParseElderly(string(opt.Elderly))
	if err != nil {
		return nil, err
	}
	growth := opt.SeatGrowthM
	if growth == 0 {
		growth = DefaultSeatGrowthM
	}
	if growth < 0 || math.IsNaN(growth) {
		return nil, paramErr("seat_growth_m", growth, "want a distance ≥ 0 metres")
	}
	ba := opt.Base
	if ba == nil || ba.Tree() != res.Base {
		if ba, err = NewAnalyzer(res.Base, NewRegistry(fs), cfg); err != nil {
			return nil, err
		}
	}
	// The after side: with applied plans, a full registry; otherwise only the facilities of the
	// affected counties need their new codes (jurisdiction queries never leave the county), and
	// queries across jurisdictions use the base registry (same points, same usability).
	full := len(res.Plans) > 0
	afs := fs
	if !full {
		// Base counties whose facilities may change code or jurisdiction.
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
		afs = nil
		for _, f := range fs {
			if counties[unitAt(f.DivisionCode, divisions.County)] {
				afs = append(afs, f)
			}
		}
	}
	afs = AfterFacilities(res, afs)
	aa, err := NewAnalyzer(res.After, NewRegistry(afs), cfg)
	if err != nil {
		return nil, err
	}
	before, err := newSide(ba, kinds, mode, el)
	if err != nil {
		return nil, err
	}
	after, err := newSide(aa, kinds, mode, el)
	if err != nil {
		return nil, err
	}
	if !full {
		after.full = ba
	}
	for _, c := range res.Affected {
		after.need[c] = true
		for _, b := range res.Sources[c] {
			before.need[b] = true
		}
	}
	rep := &ImpactReport{Mode: mode, Elderly: el, Kinds: kinds, RadiusM: map[Kind]float64{}, SeatGrowthM: growth,
		Plans: res.Plans, Flags: []Flag{}, Divisions: []DivisionImpact{}, Villages: []VillageImpact{}}
	for _, k := range kinds {
		rep.RadiusM[k.Kind] = before.q[k.Kind].RadiusM
	}
	rep.Notes = append(rep.Notes, cfg.DistanceNoteZH,
		"派生边界为近似边界，不是法定行政区域界线。",
		fmt.Sprintf("「可使用的最近设施」：服务乡镇或县级的设施只计本辖区内的设施；村级设施不限辖区。覆盖判定方式：%s。", mode))

	// Affected villages: every base village under a base unit that an affected after-unit holds,
	// and every village whose code changes.
	seen := map[divisions.Code]bool{}
	var vs []*divisions.Division
	addVillages := func(c divisions.Code) {
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
			addVillages(b)
		}
	}
	for b := range res.Fate {
		if b.Level() == divisions.Village {
			addVillages(b)
		}
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Code < vs[j].Code })

	vimp := make([]VillageImpact, len(vs))
	for i, v := range vs {
		if ctx := opt.Context; i&255 == 0 && ctx != nil && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		nc := res.FateOf(v.Code)
		nv := res.After.Get(nc)
		vi := VillageImpact{Code: v.Code, Name: v.Name, NewCode: nc, Township: v.Code.Parent(), HasPoint: v.HasSeat,
			Elderly: el.of(v.Population), SeatBeforeM: seatDistance(res.Base, v),
			Provenance: divisions.Weakest(v.Sources.Seat, v.Sources.Population)}
		if nv != nil {
			vi.NewName, vi.NewTownship = nv.Name, nv.Code.Parent()
			if nv.Level != divisions.Village { // merged into a township? (villages merge into villages)
				vi.NewTownship = nv.Code
			} else {
				vi.SeatAfterM = seatDistance(res.After, nv)
			}
		}
		for _, k := range kinds {
			kr := KindReach{Kind: k.Kind, Before: before.reach(v, k)}
			if nv != nil && nv.Level == divisions.Village {
				kr.After = after.reach(nv, k)
			}
			vi.Kinds = append(vi.Kinds, kr)
			if kr.Before.Covered && !kr.After.Covered {
				rep.Flags = append(rep.Flags, Flag{Kind: "village_lost_coverage", Code: v.Code, Name: v.Name, Facility: k.Kind,
					Detail: fmt.Sprintf("%s：变更前覆盖，变更后不覆盖", k.NameZH)})
			}
		}
		if vi.SeatBeforeM != nil && vi.SeatAfterM != nil && *vi.SeatAfterM-*vi.SeatBeforeM > growth {
			rep.Flags = append(rep.Flags, Flag{Kind: "seat_distance_growth", Code: v.Code, Name: v.Name,
				Detail: fmt.Sprintf("到乡镇驻地距离由 %.1f km 增至 %.1f km(阈值 +%.1f km)", *vi.SeatBeforeM/1000, *vi.SeatAfterM/1000, growth/1000)})
		}
		vimp[i] = vi
	}
	rep.Villages = vimp

	// Affected divisions: after units with their base sources.
	for _, c := range res.Affected {
		d := res.After.Get(c)
		if d == nil || (d.Level == divisions.Village && len(res.Sources[c]) < 2) {
			continue // villages are reported one by one; merged villages also as divisions
		}
		di := DivisionImpact{Code: c, Name: d.Name, Level: d.Level}
		di.Before = before.stats(res.Sources[c], kinds, el, cfg)
		di.After = after.stats([]divisions.Code{c}, kinds, el, cfg)
		rep.Divisions = append(rep.Divisions, di)
		for _, k := range kinds {
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
	sort.SliceStable(rep.Flags, func(i, j int) bool {
		if rep.Flags[i].Kind != rep.Flags[j].Kind {
			return rep.Flags[i].Kind < rep.Flags[j].Kind
		}
		return rep.Flags[i].Code < rep.Flags[j].Code
	})
	return rep, nil
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
			area += divisions.AreaKM2(d.Boundary)
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
