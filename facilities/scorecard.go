package facilities

import (
	"fmt"

	"github.com/civplan/civplan/divisions"
)

// SeedDoc is the seed document every scorecard item cites.
const SeedDoc = "湖北省民政厅关于贯彻落实乡村振兴战略规划有关任务部署的行动方案（鄂民政函〔2018〕785号）"

// Statuses of a scorecard item: why Value is or is not there.
const (
	StatusMeasured      = "measured"       // Value is set
	StatusNotApplicable = "not_applicable" // nothing to measure (no village committees, no operating welfare home): Reason says which
	StatusUnknown       = "unknown"        // there are units, but the data of every one is missing: Reason says so
)

// ScoreItem is one measurable target of the seed document evaluated for a division.
// Value and Target are fractions (or a mean count for social_orgs_average); Met is nil when it
// cannot be decided (no units, or unknowns that could change the answer). Status tells a Value of
// nil that means "nothing to measure" (not_applicable) from one that means "data missing" (unknown).
type ScoreItem struct {
	ID          string               `json:"id"`
	TitleZH     string               `json:"title_zh"`
	TitleEN     string               `json:"title_en"`
	Value       *float64             `json:"value"`
	Target      float64              `json:"target"`
	Unit        string               `json:"unit"` // "fraction" or "count"
	Deadline    string               `json:"deadline"`
	Met         *bool                `json:"met"`
	Numerator   float64              `json:"numerator"`
	Denominator int                  `json:"denominator"`
	Unknown     int                  `json:"unknown"` // units whose data is missing: counted apart, not in the denominator
	Provenance  divisions.Provenance `json:"provenance"`
	Source      string               `json:"source"`
	Note        string               `json:"note"`
	Status      string               `json:"status"`           // StatusMeasured, StatusNotApplicable or StatusUnknown
	Reason      string               `json:"reason,omitempty"` // why not measured (not_applicable, unknown)

	nothing string // the reason when there is nothing to measure
}

// Reasons for not_applicable items.
const (
	reasonNoVillages = "no village committees in the division"
	reasonNoHomes    = "no operating welfare home registered in the division"
)

// classify sets Status and Reason from Value and the units counted.
func (it *ScoreItem) classify() {
	switch {
	case it.Value != nil:
		it.Status = StatusMeasured
	case it.Denominator == 0 && it.Unknown == 0:
		it.Status, it.Reason = StatusNotApplicable, it.nothing
	default:
		it.Status, it.Reason = StatusUnknown, fmt.Sprintf("the data of all %d units is missing", it.Unknown)
	}
}

// Scorecard is the answer of Analyzer.Scorecard.
type Scorecard struct {
	Code             divisions.Code  `json:"code"`
	Name             string          `json:"name"`
	Level            divisions.Level `json:"level"`
	VillageCommittee int             `json:"village_committees"`
	Items            []ScoreItem     `json:"items"`
	Document         string          `json:"document"`
	DistanceNote     string          `json:"distance_note"`
}

// Scorecard evaluates every measurable target of the seed document for the division code over
// its village committees (村委会, 200–399: the "administrative villages" and "rural communities" of
// the seed) and the facilities registered in it. Unknown code → *NotFoundError; malformed → *ParamError.
func (a *Analyzer) Scorecard(code divisions.Code) (*Scorecard, error) {
	c, div, err := a.resolveDivision(code)
	if err != nil {
		return nil, err
	}
	if div == nil {
		return nil, &ParamError{Param: "division", Value: "", Reason: "a division code is required"}
	}
	var vcs []*divisions.Division
	for _, v := range a.scope(c) {
		if v.Kind.IsVillageCommittee(false) {
			vcs = append(vcs, v)
		}
	}
	sc := &Scorecard{Code: div.Code, Name: div.Name, Level: div.Level, VillageCommittee: len(vcs),
		Document: SeedDoc, DistanceNote: a.cfg.DistanceNoteEN}

	// 1. Mutual-aid elderly-care coverage (jurisdiction mode: the official indicator).
	cov, err := a.Coverage(Params{Kind: MutualAidElderly, Division: c, Mode: ModeJurisdiction})
	if err != nil {
		return nil, err
	}
	sc.Items = append(sc.Items, fracItem(ScoreItem{ID: "mutual_aid_coverage",
		TitleZH: "农村互助养老服务设施覆盖率", TitleEN: "Rural mutual-aid elderly-care facility coverage",
		Target: 0.8, Deadline: "2022", Source: SeedDoc + " 一(二)1、二(一)2",
		Note:      "力争2022年覆盖率达到80%以上; share of village committees with ≥ 1 operating facility registered in the village (jurisdiction mode).",
		Numerator: float64(cov.Summary.Covered), Denominator: cov.Summary.Villages, Provenance: cov.Summary.Provenance,
		nothing: reasonNoVillages}, false))

	// 2. Community service facility floor area ≥ 500 m² in every village committee.
	sc.Items = append(sc.Items, a.communityAreaItem(vcs))

	// 3. Welfare-home renovation: all three, then each.
	sc.Items = append(sc.Items, a.renovationItems(c)...)

	// 4. Community-building pilots: ≥ 5 % a year 2018–2020, ≥ 50 % in total by 2020.
	sc.Items = append(sc.Items, pilotItems(vcs)...)

	// 5. Community social organisations ≥ 5 per rural community by 2022: both readings.
	sc.Items = append(sc.Items, socialOrgItems(vcs)...)

	// 6. 四有 left-behind elderly care.
	sc.Items = append(sc.Items, fourHavesItem(vcs))
	return sc, nil
}

// fracItem fills Value and Met of a share item; unknownBlocks says that unknown units could
// still change a "meets every unit" answer (Met is then nil unless the known share already fails).
func fracItem(it ScoreItem, unknownBlocks bool) ScoreItem {
	it.Unit = "fraction"
	it.Value = ratio(it.Numerator, float64(it.Denominator))
	if it.Value != nil {
		met := *it.Value >= it.Target
		if !(unknownBlocks && it.Unknown > 0 && met) {
			it.Met = &met
		}
	}
	it.classify()
	return it
}

func (a *Analyzer) communityAreaItem(vcs []*divisions.Division) ScoreItem {
	ki := a.reg.kind(CommunityServiceCenter)
	it := ScoreItem{ID: "community_service_area_500",
		TitleZH: "农村社区综合服务设施建筑面积均达到500平方米", TitleEN: "Rural community service facilities ≥ 500 m² floor area",
		Target: 1.0, Deadline: "2020", Source: SeedDoc + " 一(二)2、二(二)2", nothing: reasonNoVillages,
		Note: "Share of village committees with an operating community service facility registered in the village whose floor area is ≥ 500 m² (均达到 read as every village). A village whose facilities all lack a floor area is counted as unknown; a village without a facility does not meet it."}
	var provs []divisions.Provenance
	for _, v := range vcs {
		fs := ki.inUnit(shortAt(v.Code, divisions.Village))
		meets, unknown := false, len(fs) > 0
		for _, i := range fs {
			f := ki.fs[i]
			provs = append(provs, f.Provenance)
			if f.FloorAreaM2 >= 500 {
				meets = true
			}
			if f.FloorAreaM2 > 0 {
				unknown = false
			}
		}
		switch {
		case meets:
			it.Numerator++
			it.Denominator++
		case unknown:
			it.Unknown++
		default:
			it.Denominator++
		}
	}
	it.Provenance = divisions.Weakest(provs...)
	return fracItem(it, true)
}

func (a *Analyzer) renovationItems(c divisions.Code) []ScoreItem {
	var homes []*Facility
	a.reg.Each(0, func(f *Facility) bool {
		if f.Kind == WelfareHome && f.Status == StatusOperating && codeWithin(f.DivisionCode, c) {
			homes = append(homes, f)
		}
		return true
	})
	var provs []divisions.Provenance
	for _, f := range homes {
		provs = append(provs, f.Provenance)
	}
	prov := divisions.Weakest(provs...)
	src := SeedDoc + " 一(二)1、二(一)1"
	all := ScoreItem{ID: "welfare_home_renovation",
		TitleZH: "农村福利院消防、无障碍、特护等设施设备整体改造完成率", TitleEN: "Rural welfare homes renovated for fire safety, accessibility and special care",
		Target: 1.0, Deadline: "2022", Source: src, Provenance: prov, nothing: reasonNoHomes,
		Note: "Share of operating welfare homes registered in the division with all three renovations done; a home with one renovation unknown and none missing is counted apart as unknown."}
	for _, f := range homes {
		r := f.Renovated
		switch {
		case r.FireSafety == No || r.Accessibility == No || r.SpecialCare == No:
			all.Denominator++
		case r.FireSafety == Yes && r.Accessibility == Yes && r.SpecialCare == Yes:
			all.Numerator++
			all.Denominator++
		default:
			all.Unknown++
		}
	}
	out := []ScoreItem{fracItem(all, true)}
	parts := []struct {
		id, zh, en string
		get        func(Renovation) Tri
	}{
		{"welfare_home_fire_safety", "农村福利院消防改造完成率", "Welfare homes: fire-safety renovation", func(r Renovation) Tri { return r.FireSafety }},
		{"welfare_home_accessibility", "农村福利院无障碍改造完成率", "Welfare homes: accessibility renovation", func(r Renovation) Tri { return r.Accessibility }},
		{"welfare_home_special_care", "农村福利院特护改造完成率", "Welfare homes: special-care renovation", func(r Renovation) Tri { return r.SpecialCare }},
	}
	for _, p := range parts {
		it := ScoreItem{ID: p.id, TitleZH: p.zh, TitleEN: p.en, Target: 1.0, Deadline: "2022", Source: src, Provenance: prov, nothing: reasonNoHomes,
			Note: "Share of operating welfare homes with this renovation done; unknown counted apart."}
		for _, f := range homes {
			switch p.get(f.Renovated) {
			case Yes:
				it.Numerator++
				it.Denominator++
			case No:
				it.Denominator++
			default:
				it.Unknown++
			}
		}
		out = append(out, fracItem(it, true))
	}
	return out
}

// programmeOf returns the village's programme and the provenance to report (nil = unknown).
func programmeOf(v *divisions.Division) (*divisions.Programme, divisions.Provenance) {
	return v.Programme, v.Sources.Programme
}

func pilotItems(vcs []*divisions.Division) []ScoreItem {
	src := SeedDoc + " 一(二)2、二(二)2"
	var out []ScoreItem
	var known int
	var provs []divisions.Provenance
	byYear := map[int]int{}
	total := 0
	for _, v := range vcs {
		pg, pr := programmeOf(v)
		if pg == nil {
			continue
		}
		known++
		provs = append(provs, pr)
		if pg.PilotYear > 0 {
			byYear[pg.PilotYear]++
			if pg.PilotYear <= 2020 {
				total++
			}
		}
	}
	unknown := len(vcs) - known
	prov := divisions.Weakest(provs...)
	for y := 2018; y <= 2020; y++ {
		out = append(out, fracItem(ScoreItem{ID: fmt.Sprintf("community_pilot_%d", y),
			TitleZH: fmt.Sprintf("%d年新增农村社区建设试点村占行政村比例", y), TitleEN: fmt.Sprintf("Community-building pilots started in %d (share of administrative villages)", y),
			Target: 0.05, Deadline: fmt.Sprint(y), Source: src, Numerator: float64(byYear[y]), Denominator: known, Unknown: unknown, Provenance: prov, nothing: reasonNoVillages,
			Note: "每年按照不低于行政村总数5%的目标推进 (2018–2020, 1,250 villages a year province-wide); administrative villages = village committees; villages without programme data counted apart."}, false))
	}
	out = append(out, fracItem(ScoreItem{ID: "community_pilot_total_2020",
		TitleZH: "开展农村社区建设试点的村占比（截至2020年）", TitleEN: "Villages that are community-building pilots by 2020",
		Target: 0.5, Deadline: "2020", Source: src, Numerator: float64(total), Denominator: known, Unknown: unknown, Provenance: prov, nothing: reasonNoVillages,
		Note: "到2020年全省50%以上的村开展农村社区建设试点工作; pilot year ≤ 2020."}, false))
	return out
}

func socialOrgItems(vcs []*divisions.Division) []ScoreItem {
	src := SeedDoc + " 一(二)3、二(三)2"
	var known, each, sum int
	var provs []divisions.Provenance
	for _, v := range vcs {
		pg, pr := programmeOf(v)
		if pg == nil {
			continue
		}
		known++
		provs = append(provs, pr)
		sum += pg.SocialOrgs
		if pg.SocialOrgs >= 5 {
			each++
		}
	}
	unknown := len(vcs) - known
	prov := divisions.Weakest(provs...)
	avg := ScoreItem{ID: "social_orgs_average", Unit: "count",
		TitleZH: "农村社区平均拥有社区社会组织数", TitleEN: "Community social organisations per rural community (average)",
		Target: 5, Deadline: "2022", Source: src, Numerator: float64(sum), Denominator: known, Unknown: unknown, Provenance: prov, nothing: reasonNoVillages,
		Note: "Reading 一(二)3: 农村社区平均拥有5个以上 (以上 includes 5); value = mean count over village committees with data."}
	avg.Value = ratio(float64(sum), float64(known))
	if avg.Value != nil {
		met := *avg.Value >= 5
		avg.Met = &met
	}
	avg.classify()
	eachIt := fracItem(ScoreItem{ID: "social_orgs_each",
		TitleZH: "拥有5个以上社区社会组织的农村社区占比", TitleEN: "Rural communities with ≥ 5 community social organisations (each)",
		Target: 1.0, Deadline: "2022", Source: src, Numerator: float64(each), Denominator: known, Unknown: unknown, Provenance: prov, nothing: reasonNoVillages,
		Note: "Reading 二(三)2: 力争使每个农村社区拥有社区社会组织达5个以上 — every community; value = share with ≥ 5."}, true)
	return []ScoreItem{avg, eachIt}
}

func fourHavesItem(vcs []*divisions.Division) ScoreItem {
	it := ScoreItem{ID: "left_behind_elderly_four_haves",
		TitleZH: "落实“四有”留守老年人关爱服务的村占比", TitleEN: "Villages with all four left-behind-elderly care measures (四有)",
		Target: 1.0, Deadline: "2022", Source: SeedDoc + " 一(二)3、二(一)2", nothing: reasonNoVillages,
		Note: "四有 = 留守老年人台帐、关爱联系人、活动场所、定期探访制度. The seed gives no number (关爱服务工作机制和基本制度全面建立 by 2022); 全面建立 is read as every village. Villages without programme data counted apart."}
	var provs []divisions.Provenance
	for _, v := range vcs {
		pg, pr := programmeOf(v)
		if pg == nil {
			it.Unknown++
			continue
		}
		provs = append(provs, pr)
		it.Denominator++
		if pg.Ledger && pg.CareContact && pg.ActivityPlace && pg.RegularVisits {
			it.Numerator++
		}
	}
	it.Provenance = divisions.Weakest(provs...)
	return fracItem(it, true)
}
