package divisions

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// Verdicts of a statutory check.
const (
	VerdictPass         = "pass"          // every evaluable condition holds and none is missing
	VerdictFail         = "fail"          // an evaluable condition does not hold
	VerdictIncomplete   = "incomplete"    // nothing fails, but some conditions could not be evaluated
	VerdictNotEvaluable = "not_evaluable" // no condition could be evaluated
	VerdictInfo         = "info"          // a statement, not a test (approval authority, provincial standards)
)

// Inputs are the indicators a planner supplies for the statutory checks: values our data does
// not hold (GDP, fiscal revenue, non-agricultural population…). Keys of Units are unit codes as
// the operations name them (short or 12-digit).
type Inputs struct {
	Units map[string]UnitInputs `json:"units,omitempty"`
}

// UnitInputs are the planner's indicators for one unit. Nil means "not supplied". Shares are
// fractions (0.3, not 30). Money is in 元 at the price basis PriceBasis says.
type UnitInputs struct {
	HostsCountySeat *bool  `json:"hosts_county_seat,omitempty"` // the township hosts the county government (1984 rule 1)
	SeatNonAgPop    *int64 `json:"seat_non_ag_pop,omitempty"`   // 1984: 乡政府驻地非农业人口; 1993: 县政府驻地镇从事非农产业人口
	SpecialArea     bool   `json:"special_area,omitempty"`      // 1984 rule 4: 少数民族地区、边远地区、山区、工矿区、港口、风景旅游区、边境口岸
	UrbanPop        *int64 `json:"urban_pop,omitempty"`         // 2014: 城区常住人口

	CountyNonAgPop   *int64   `json:"county_non_ag_pop,omitempty"` // 1993: 县总人口中从事非农产业人口
	IndustrialOutput *float64 `json:"industrial_output,omitempty"` // 1993: 乡镇以上工业产值, 元
	AgriIndOutput    *float64 `json:"agri_ind_output,omitempty"`   // 1993: 工农业总产值, 元
	GDP              *float64 `json:"gdp,omitempty"`               // 1993: 国内生产总值, 元
	TertiaryShare    *float64 `json:"tertiary_share,omitempty"`    // 1993: 第三产业占GDP比重
	FiscalRevenue    *float64 `json:"fiscal_revenue,omitempty"`    // 1993: 地方本级预算内财政收入, 元
	Remits           *bool    `json:"remits,omitempty"`            // 1993: 承担一定的上解支出任务
	WaterSupply      *float64 `json:"water_supply,omitempty"`      // 1993: 自来水普及率
	RoadPaving       *float64 `json:"road_paving,omitempty"`       // 1993: 道路铺装率
	DrainageGood     *bool    `json:"drainage_good,omitempty"`     // 1993: 排水系统较好 (the planner's judgement)
	PriceBasis       string   `json:"price_basis,omitempty"`       // "1990" (already at 1990 constant prices) or "current"
	Deflator1990     float64  `json:"deflator_1990,omitempty"`     // current → 1990 prices: value × Deflator1990
}

// Tier1993 holds the thresholds of one density tier of 国发〔1993〕38号 (county → county-level
// city). Money in 元 at 1990 constant prices; shares as fractions.
type Tier1993 struct {
	Name              string  `json:"name"`
	SeatNonAgPop      int64   `json:"seat_non_ag_pop"`
	SeatNonAgHukouPop int64   `json:"seat_non_ag_hukou_pop"`
	CountyNonAgShare  float64 `json:"county_non_ag_share"`
	CountyNonAgPop    int64   `json:"county_non_ag_pop"`
	IndustrialShare   float64 `json:"industrial_share"`
	IndustrialOutput  float64 `json:"industrial_output"`
	GDP               float64 `json:"gdp"`
	TertiaryShare     float64 `json:"tertiary_share"`
	FiscalPerCapita   float64 `json:"fiscal_per_capita"`
	FiscalTotal       float64 `json:"fiscal_total"`
	WaterSupply       float64 `json:"water_supply"`
	RoadPaving        float64 `json:"road_paving"`
}

// StatuteConfig holds every number of the statutory checks, with its POLICY.md level in the
// defaults' comments; all are configurable. Boundary rule unless stated: "以上包括本数，以下不包括本数".
type StatuteConfig struct {
	// 1984 建镇标准 (POLICY.md B3, V2; the document number 国发〔1984〕165号 is [U]).
	TownPopSplit       int64   `json:"town_pop_split"`         // 20000: "二万以下" (< split) vs "二万以上" (≥ split)
	TownSeatNonAgOver  int64   `json:"town_seat_non_ag_over"`  // 2000: "超过二千" — strictly more
	TownSeatNonAgShare float64 `json:"town_seat_non_ag_share"` // 0.10: "10%以上" — at least
	// 1993 设市标准 (POLICY.md B1, V2): density tiers in persons/km².
	DensityHigh float64 `json:"density_high"` // 400: tier (一) "四百人以上"
	DensityLow  float64 `json:"density_low"`  // 100: tier (二) "一百人至四百人", tier (三) "一百人以下"
	// At400 says which tier a density of exactly DensityHigh falls in: "tier1" (the
	// "以上包括本数" reading of 四百人以上, the default) or "tier2" (the 一百人至四百人 reading).
	// Both texts include 400; the document does not say which wins.
	At400 string      `json:"at_400"`
	Tiers [3]Tier1993 `json:"tiers"`
	// 2014 城市规模划分 (POLICY.md B2, V2): lower bounds of 城区常住人口 per class, ascending.
	SizeClasses []SizeClass `json:"size_classes"`
	// ImplementMonths, ExtensionMonths and CodeMonths are the 条例 art. 15 and 17 deadlines (V).
	ImplementMonths int `json:"implement_months"`
	ExtensionMonths int `json:"extension_months"`
	CodeMonths      int `json:"code_months"`
}

// SizeClass is one class of 国发〔2014〕51号: a city belongs to it when its 城区常住人口 is at
// least Min (以上包括本数) and below the next class's Min (以下不包括本数).
type SizeClass struct {
	Min  int64  `json:"min"`
	Name string `json:"name"`
}

// DefaultStatuteConfig returns the numbers of POLICY.md B1–B4.
func DefaultStatuteConfig() StatuteConfig {
	return StatuteConfig{
		TownPopSplit: 20000, TownSeatNonAgOver: 2000, TownSeatNonAgShare: 0.10,
		DensityHigh: 400, DensityLow: 100, At400: "tier1",
		Tiers: [3]Tier1993{
			{"（一）人口密度每平方公里400人以上", 120000, 80000, 0.30, 150000, 0.80, 15e8, 10e8, 0.20, 100, 6000e4, 0.65, 0.60},
			{"（二）人口密度每平方公里100人至400人", 100000, 70000, 0.25, 120000, 0.70, 12e8, 8e8, 0.20, 80, 5000e4, 0.60, 0.55},
			{"（三）人口密度每平方公里100人以下", 80000, 60000, 0.20, 80000, 0.60, 8e8, 6e8, 0.20, 60, 4000e4, 0.55, 0.50},
		},
		SizeClasses: []SizeClass{
			{0, "小城市Ⅱ型"}, {200000, "小城市Ⅰ型"}, {500000, "中等城市"}, {1000000, "大城市Ⅱ型"},
			{3000000, "大城市Ⅰ型"}, {5000000, "特大城市"}, {10000000, "超大城市"},
		},
		ImplementMonths: 12, ExtensionMonths: 6, CodeMonths: 1,
	}
}

// Condition is one tested condition of a check, with the numbers shown.
type Condition struct {
	Name      string   `json:"name"`
	Value     *float64 `json:"value"` // nil when not evaluable
	Op        string   `json:"op"`    // ">=", ">", "<", "==", "is"
	Threshold float64  `json:"threshold"`
	Unit      string   `json:"unit,omitempty"`
	Met       *bool    `json:"met"` // nil when not evaluable
	Why       string   `json:"why,omitempty"`
}

// Check is one statutory rule applied to one unit.
type Check struct {
	ID         string      `json:"id"`
	Title      string      `json:"title"`
	Source     string      `json:"source"`
	Level      string      `json:"level"` // POLICY.md verification level: V, V2, R, U
	Unit       Code        `json:"unit,omitempty"`
	UnitName   string      `json:"unit_name,omitempty"`
	Verdict    string      `json:"verdict"`
	Conditions []Condition `json:"conditions,omitempty"`
	Note       string      `json:"note,omitempty"`
	// Basis says which rule found the unit checked, where it was inferred (county-seat checks:
	// input, name, polygon, code or nearest; see CountySeatHost).
	Basis string `json:"basis,omitempty"`
}

func fp(x float64) *float64 { return &x }
func bp(b bool) *bool       { return &b }

// cond builds a condition; v nil makes it not evaluable with why.
func cond(name string, v *float64, op string, thr float64, unit, why string) Condition {
	c := Condition{Name: name, Op: op, Threshold: thr, Unit: unit}
	if v == nil {
		c.Why = why
		return c
	}
	c.Value = v
	switch op {
	case ">=":
		c.Met = bp(*v >= thr)
	case ">":
		c.Met = bp(*v > thr)
	case "<":
		c.Met = bp(*v < thr)
	case "==":
		c.Met = bp(*v == thr)
	}
	return c
}

// verdictOf combines conditions: any failure fails; any missing makes it incomplete.
func verdictOf(cs []Condition) string {
	missing, evaluated := 0, 0
	for _, c := range cs {
		if c.Met == nil {
			missing++
			continue
		}
		evaluated++
		if !*c.Met {
			return VerdictFail
		}
	}
	switch {
	case evaluated == 0:
		return VerdictNotEvaluable
	case missing > 0:
		return VerdictIncomplete
	}
	return VerdictPass
}

const (
	src1984 = "《国务院批转民政部关于调整建镇标准的报告》(1984；文号国发〔1984〕165号未核实) — POLICY.md B3"
	src1993 = "国发〔1993〕38号《国务院批转民政部关于调整设市标准报告的通知》 — POLICY.md B1"
	src2014 = "国发〔2014〕51号《国务院关于调整城市规模划分标准的通知》 — POLICY.md B2"
	srcReg  = "《行政区划管理条例》(国务院令第704号, 2019-01-01施行) — POLICY.md B4"
)

// CheckTown1984 applies the 1984 town standard to township d becoming (or being) a 镇.
// pop is the township's total population (persons) from the data; in holds the planner's
// values. Boundaries: "二万以下" excludes 20,000, "二万以上" includes it; "超过二千" is
// strictly more than 2,000; "10%以上" includes 10 %.
func CheckTown1984(d *Division, in UnitInputs, cfg StatuteConfig) Check {
	c := Check{ID: "town_1984", Title: "撤乡设镇：1984年建镇标准", Source: src1984, Level: "V2", Unit: d.Code, UnitName: d.Name,
		Note: "现行设镇标准由省级人民政府批准(条例第十一条, V)：请同时对照本省设镇标准。「非农业人口」以户籍划分，2014年户籍制度改革后无法直接取得，请按本地口径填报。"}
	pop := float64(d.Population.Total)
	if in.HostsCountySeat != nil && *in.HostsCountySeat {
		c.Conditions = []Condition{{Name: "县级地方国家机关所在地应当设镇", Op: "is", Met: bp(true), Why: "驻地为县级机关所在地：应当设镇"}}
		c.Verdict = VerdictPass
		return c
	}
	var seat *float64
	if in.SeatNonAgPop != nil {
		seat = fp(float64(*in.SeatNonAgPop))
	}
	why := "需规划人员填报乡政府驻地非农业人口(seat_non_ag_pop)"
	if d.Population.Total < cfg.TownPopSplit {
		c.Conditions = []Condition{
			cond("乡总人口(二万以下)", fp(pop), "<", float64(cfg.TownPopSplit), "人", ""),
			cond("乡政府驻地非农业人口超过二千", seat, ">", float64(cfg.TownSeatNonAgOver), "人", why),
		}
	} else {
		var share *float64
		if seat != nil && pop > 0 {
			share = fp(*seat / pop)
		}
		c.Conditions = []Condition{
			cond("乡总人口(二万以上)", fp(pop), ">=", float64(cfg.TownPopSplit), "人", ""),
			cond("乡政府驻地非农业人口占全乡人口10%以上", share, ">=", cfg.TownSeatNonAgShare, "比例", why),
		}
	}
	c.Verdict = verdictOf(c.Conditions)
	if c.Verdict != VerdictPass && in.SpecialArea {
		c.Conditions = append(c.Conditions, Condition{Name: "少数民族地区、边远地区、山区、工矿区、港口、风景旅游区、边境口岸等(第四条)", Op: "is", Met: bp(true),
			Why: "规划人员声明属特殊地区：非农业人口虽不足二千，如确有必要，也可设置镇的建制"})
		c.Verdict = VerdictPass
	}
	return c
}

// CountySeatTownship checks 1984 rule 1 for a township that hosts the county government and
// would be (or stay) a 乡: it fails; a 镇 or 街道 passes.
func CountySeatTownship(d *Division) Check {
	c := Check{ID: "town_1984_county_seat", Title: "县级地方国家机关所在地均应设置镇的建制", Source: src1984, Level: "V2", Unit: d.Code, UnitName: d.Name}
	ok := d.Kind != KindTownship
	c.Conditions = []Condition{{Name: "驻地乡镇的类型为镇或街道", Op: "is", Met: bp(ok), Why: string(d.Kind)}}
	c.Verdict = verdictOf(c.Conditions)
	return c
}

// DensityTier returns the 1993 tier index (0, 1, 2) for a density in persons/km², applying
// cfg.At400 at exactly cfg.DensityHigh; 100 is in tier (二) ("一百人至四百人" includes it,
// "一百人以下" does not).
func DensityTier(density float64, cfg StatuteConfig) int {
	switch {
	case density > cfg.DensityHigh:
		return 0
	case density == cfg.DensityHigh:
		if cfg.At400 == "tier2" {
			return 1
		}
		return 0
	case density >= cfg.DensityLow:
		return 1
	}
	return 2
}

// CheckCity1993 applies the 1993 county-level-city standard to county d with area areaKM2.
// Money indicators count only at 1990 constant prices: supply them so (price_basis "1990") or
// with a deflator (price_basis "current" and deflator_1990); otherwise they are not evaluable.
// The hukou-based indicator (具有非农业户口的从事非农产业人口) is never evaluable.
func CheckCity1993(d *Division, areaKM2 float64, in UnitInputs, cfg StatuteConfig) Check {
	c := Check{ID: "city_1993", Title: "撤县设市：1993年设县级市标准", Source: src1993, Level: "V2", Unit: d.Code, UnitName: d.Name}
	pop := float64(d.Population.Total)
	if areaKM2 <= 0 {
		c.Verdict = VerdictNotEvaluable
		c.Note = "县域面积未知(无边界)，无法确定人口密度档次"
		return c
	}
	density := pop / areaKM2
	tier := DensityTier(density, cfg)
	t := cfg.Tiers[tier]
	c.Note = fmt.Sprintf("人口密度 %.1f 人/km² (人口 %d ÷ 面积 %.1f km²，面积为派生边界的近似值) → %s。", density, d.Population.Total, areaKM2, t.Name)
	if density == cfg.DensityHigh {
		c.Note += fmt.Sprintf("密度恰为 %g：文件「四百人以上」与「一百人至四百人」均含本数，按配置 at_400=%s 取档。", cfg.DensityHigh, cfg.At400)
	}
	c.Note += "经济指标以1990年不变价格为准；财政收入指标可由民政部报国务院适时调整。"
	money := func(v *float64) (*float64, string) {
		if v == nil {
			return nil, "未填报"
		}
		switch in.PriceBasis {
		case "1990":
			return v, ""
		case "current":
			if in.Deflator1990 > 0 {
				return fp(*v * in.Deflator1990), ""
			}
			return nil, "按现价填报但缺少折算为1990年不变价格的系数(deflator_1990)"
		}
		return nil, "价格口径未说明(price_basis 应为 1990 或 current)"
	}
	fl := func(v *int64) *float64 {
		if v == nil {
			return nil
		}
		return fp(float64(*v))
	}
	var share *float64
	if in.CountyNonAgPop != nil && pop > 0 {
		share = fp(float64(*in.CountyNonAgPop) / pop)
	}
	ind, whyInd := money(in.IndustrialOutput)
	agri, whyAgri := money(in.AgriIndOutput)
	var indShare *float64
	whyShare := "需填报乡镇以上工业产值与工农业总产值"
	if in.IndustrialOutput != nil && in.AgriIndOutput != nil && *in.AgriIndOutput > 0 {
		indShare = fp(*in.IndustrialOutput / *in.AgriIndOutput) // a ratio: the price basis cancels
	}
	_ = agri
	_ = whyAgri
	gdp, whyGDP := money(in.GDP)
	fis, whyFis := money(in.FiscalRevenue)
	var fisPC *float64
	if fis != nil && pop > 0 {
		fisPC = fp(*fis / pop)
	}
	var remits, drain *float64
	if in.Remits != nil {
		remits = fp(b2f(*in.Remits))
	}
	if in.DrainageGood != nil {
		drain = fp(b2f(*in.DrainageGood))
	}
	c.Conditions = []Condition{
		cond("县政府驻地镇从事非农产业人口", fl(in.SeatNonAgPop), ">=", float64(t.SeatNonAgPop), "人", "未填报"),
		cond("其中具有非农业户口的从事非农产业人口", nil, ">=", float64(t.SeatNonAgHukouPop), "人", "2014年户籍制度改革后不再区分农业/非农业户口：不可评估"),
		cond("县总人口中从事非农产业人口比重", share, ">=", t.CountyNonAgShare, "比例", "未填报(county_non_ag_pop)"),
		cond("县总人口中从事非农产业人口", fl(in.CountyNonAgPop), ">=", float64(t.CountyNonAgPop), "人", "未填报"),
		cond("乡镇以上工业产值占工农业总产值比重", indShare, ">=", t.IndustrialShare, "比例", whyShare),
		cond("乡镇以上工业产值(1990年不变价)", ind, ">=", t.IndustrialOutput, "元", whyInd),
		cond("国内生产总值(1990年不变价)", gdp, ">=", t.GDP, "元", whyGDP),
		cond("第三产业占国内生产总值比重", in.TertiaryShare, ">=", t.TertiaryShare, "比例", "未填报"),
		cond("人均地方本级预算内财政收入(1990年不变价)", fisPC, ">=", t.FiscalPerCapita, "元/人", whyFis),
		cond("地方本级预算内财政收入总额(1990年不变价)", fis, ">=", t.FiscalTotal, "元", whyFis),
		cond("承担一定的上解支出任务", remits, "==", 1, "", "未填报"),
		cond("自来水普及率", in.WaterSupply, ">=", t.WaterSupply, "比例", "未填报"),
		cond("道路铺装率", in.RoadPaving, ">=", t.RoadPaving, "比例", "未填报"),
		cond("排水系统较好(定性)", drain, "==", 1, "", "定性指标：需规划人员判断"),
	}
	c.Verdict = verdictOf(c.Conditions)
	return c
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// CitySize2014 classifies a city by its 城区常住人口 (persons); "以上包括本数，以下不包括本数".
func CitySize2014(urbanPop int64, cfg StatuteConfig) string {
	cls := append([]SizeClass(nil), cfg.SizeClasses...)
	sort.Slice(cls, func(i, j int) bool { return cls[i].Min < cls[j].Min })
	name := ""
	for _, c := range cls {
		if urbanPop >= c.Min {
			name = c.Name
		}
	}
	return name
}

// CheckCitySize2014 reports the size class of a city unit from the planner's 城区常住人口.
func CheckCitySize2014(d *Division, in UnitInputs, cfg StatuteConfig) Check {
	c := Check{ID: "city_size_2014", Title: "城市规模划分(城区常住人口)", Source: src2014, Level: "V2", Unit: d.Code, UnitName: d.Name, Verdict: VerdictInfo}
	if in.UrbanPop == nil {
		c.Verdict = VerdictNotEvaluable
		c.Note = fmt.Sprintf("需填报城区常住人口(urban_pop)；数据中的总人口 %d 不是城区常住人口。", d.Population.Total)
		return c
	}
	c.Note = fmt.Sprintf("城区常住人口 %d 人 → %s(以上包括本数，以下不包括本数)", *in.UrbanPop, CitySize2014(*in.UrbanPop, cfg))
	return c
}

// Approval says who approves one operation under the 条例 (art. 6–10).
type Approval struct {
	Op        int    `json:"op"` // 1-based
	Change    string `json:"change"`
	Authority string `json:"authority"`
	Article   string `json:"article"`
	Level     string `json:"level"`
	Note      string `json:"note,omitempty"`
}

// ApprovalOf says who approves operation i of a scenario on base tree t.
func ApprovalOf(t *Tree, i int, op Op) Approval {
	a := Approval{Op: i + 1, Level: "V"}
	unit := op.Unit
	if unit == "" && len(op.Units) > 0 {
		unit = op.Units[0]
	}
	var d *Division
	if c, err := ParseCode(unit); err == nil {
		d = t.Get(c)
	}
	lvl := Level(0)
	kind := Kind("")
	if d != nil {
		lvl, kind = d.Level, d.Kind
	}
	special := "涉及海岸线、海岛、边疆要地、湖泊、重要资源地区及特殊情况地区的，由国务院审批(第七条)。"
	switch {
	case op.Op == OpApplyPlan:
		a.Change, a.Authority, a.Article, a.Level = "规划设施纳入(非行政区划变更)", "—", "—", ""
		a.Note = "设施规划不属于行政区划变更。"
	case lvl == Village:
		a.Change = "村(居)民委员会的设立、撤销、范围调整或更名"
		a.Authority = "县级人民政府(乡镇人民政府提出，经村民会议讨论同意后报批)"
		a.Article = "《村民委员会组织法》第三条"
		a.Level = "U"
		a.Note = "村(居)委会不是《行政区划管理条例》意义上的行政区划；此条不在 POLICY.md 中，未核实。"
	case lvl == Township && kind == KindSubdistrict && op.Op != OpChangeKind:
		a.Change = "街道(派出机关)的撤销、更名、驻地迁移、管辖范围变更"
		a.Authority = "批准设立该派出机关的人民政府"
		a.Article = "条例第十条"
	case lvl == Township && op.Op == OpChangeKind && op.Kind == KindSubdistrict:
		a.Change = "撤镇(乡)设街道"
		a.Authority = "撤销乡镇：省级人民政府(第九条)；设立街道办事处：按《地方组织法》由市辖区、不设区的市人民政府报上一级人民政府批准"
		a.Article = "条例第九条、第十条"
		a.Note = "设立街道办事处的审批依据不在 POLICY.md 中，未核实。"
	case lvl == Township:
		a.Change = map[OpKind]string{OpMerge: "乡镇合并(撤销、设立、界线变更)", OpTransfer: "乡镇隶属变更(县级界线变更)",
			OpChangeKind: "撤乡设镇等建制变更", OpMoveSeat: "乡镇人民政府驻地迁移", OpRename: "乡镇更名"}[op.Op]
		a.Authority = "省级人民政府"
		a.Article = "条例第九条"
		if op.Op == OpTransfer {
			a.Authority = "省级人民政府(县、市、市辖区部分界线变更，经国务院授权，报国务院备案)；属重大界线变更的，国务院"
			a.Article = "条例第八条、第七条"
			a.Note = "是否属「重大」界线变更需人工判断。"
		}
	case lvl == County && op.Op == OpMoveSeat:
		a.Change = "县、不设区的市、市辖区人民政府驻地迁移"
		a.Authority = "省级人民政府(经国务院授权，报国务院备案)"
		a.Article = "条例第八条"
	case lvl == County:
		a.Change = map[OpKind]string{OpChangeKind: "县级行政区的设立、撤销(撤县设市/设区)或隶属变更", OpRename: "县级行政区更名",
			OpTransfer: "县级行政区隶属变更", OpMerge: "县级行政区合并"}[op.Op]
		a.Authority = "国务院"
		a.Article = "条例第七条"
	default:
		a.Change = string(op.Op)
		a.Authority = "国务院(省级行政区的设立、撤销、更名由全国人民代表大会批准，第六条)"
		a.Article = "条例第六条、第七条"
	}
	if a.Level == "V" {
		a.Note = joinNote(a.Note, special)
	}
	return a
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + b
}

// DossierItem is one item of the 条例 art. 13 application materials.
type DossierItem struct {
	No       int    `json:"no"`
	Item     string `json:"item"`
	Civplan  string `json:"civplan"` // what civplan contributes ("" = nothing: the planner supplies it)
	Provided bool   `json:"provided"`
}

// DossierChecklist is the art. 13 list (POLICY.md B4, V) with what this report supplies.
func DossierChecklist() []DossierItem {
	return []DossierItem{
		{1, "申请书", "", false},
		{2, "与行政区划变更有关的历史、地理、民族、经济、人口、资源环境、行政区域面积和隶属关系的基本情况",
			"本报告提供人口(含老年人口)、面积(派生边界，近似)、村级单位数、隶属关系、设施与服务可达性；历史、民族、经济、资源环境需另行编写", true},
		{3, "风险评估报告", "本报告的服务可达性影响与标记可作为风险评估的输入", false},
		{4, "专家论证报告(一般包括必要性科学性合理性、经济社会效益、可行性及风险、意见建议；实施办法第十一条, V2)", "", false},
		{5, "征求社会公众等意见的情况", "", false},
		{6, "变更前的行政区划图和变更方案示意图", "本报告附变更前后示意图(派生边界，近似，非法定界线)", true},
		{7, "国务院民政部门规定的其他材料", "", false},
	}
}

// Deadlines are the 条例 art. 15 and 17 dates computed from an approval date.
type Deadlines struct {
	Approved    string `json:"approved"`
	ImplementBy string `json:"implement_by"` // art. 15: within 12 months
	ExtendedBy  string `json:"extended_by"`  // art. 15: +6 months with approval
	CodesBy     string `json:"codes_by"`     // art. 17: new codes within 1 month
	Source      string `json:"source"`
	Level       string `json:"level"`
}

// DeadlinesFrom computes the deadlines from an ISO approval date (2006-01-02). Months are
// calendar months; a day missing in the target month rolls back to the month's last day.
func DeadlinesFrom(approved string, cfg StatuteConfig) (Deadlines, error) {
	t, err := time.Parse("2006-01-02", approved)
	if err != nil {
		return Deadlines{}, fmt.Errorf("approval date %q: want YYYY-MM-DD", approved)
	}
	return Deadlines{Approved: approved, ImplementBy: addMonths(t, cfg.ImplementMonths),
		ExtendedBy: addMonths(t, cfg.ImplementMonths+cfg.ExtensionMonths), CodesBy: addMonths(t, cfg.CodeMonths),
		Source: srcReg + " 第十五条、第十七条", Level: "V"}, nil
}

func addMonths(t time.Time, m int) string {
	y, mo, d := t.Date()
	first := time.Date(y, mo+time.Month(m), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), int(math.Min(float64(d), float64(last))), 0, 0, 0, 0, time.UTC).Format("2006-01-02")
}
