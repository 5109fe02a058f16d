package divisions

import (
	"fmt"
	"math"
	"strings"
)

// Statutory is every statutory check of a scenario: per-operation checks with their numbers,
// who approves each operation, the art. 13 dossier checklist and, once approved, the deadlines.
type Statutory struct {
	Checks    []Check       `json:"checks"`
	Approvals []Approval    `json:"approvals"`
	Dossier   []DossierItem `json:"dossier"`
	Deadlines *Deadlines    `json:"deadlines,omitempty"`
	Config    StatuteConfig `json:"config"`
}

// inputsFor finds the planner's inputs for a unit by its base or after code.
func inputsFor(in *Inputs, codes ...Code) UnitInputs {
	if in == nil {
		return UnitInputs{}
	}
	for k, v := range in.Units {
		kc, err := ParseCode(k)
		if err != nil {
			continue
		}
		for _, c := range codes {
			if kc == c {
				return v
			}
		}
	}
	return UnitInputs{}
}

// InputError names a planner's statutory input that is wrong (Field as in the JSON:
// inputs.units["420526100"].seat_non_ag_pop) and why.
type InputError struct {
	Field, Reason string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Reason }

// Plausible ranges of the statutory inputs: people up to 2×10⁹ (more than China), money up to
// 10¹⁶ 元 (about 80 times China's 2023 GDP), shares as fractions in [0, 1].
const (
	maxInputPeople = 2e9
	maxInputYuan   = 1e16
	maxDeflator    = 100
)

// ValidateInputs checks that every key of in names a unit of base (so a typo is not silently
// ignored) and that every number lies in its plausible range; the error is an *InputError.
func ValidateInputs(base *Tree, in *Inputs) error {
	if in == nil {
		return nil
	}
	for k, u := range in.Units {
		field := fmt.Sprintf("inputs.units[%q]", k)
		c, err := ParseCode(k)
		if err != nil {
			return &InputError{field, err.Error()}
		}
		if base.Get(c) == nil {
			return &InputError{field, fmt.Sprintf("no unit %s in the base tree", c)}
		}
		if err := u.validate(field); err != nil {
			return err
		}
	}
	return nil
}

// validate range-checks one unit's inputs; field prefixes the names in the error.
func (u *UnitInputs) validate(field string) error {
	people := []struct {
		name string
		v    *int64
	}{{"seat_non_ag_pop", u.SeatNonAgPop}, {"urban_pop", u.UrbanPop}, {"county_non_ag_pop", u.CountyNonAgPop}}
	for _, p := range people {
		if p.v != nil && (*p.v < 0 || *p.v > maxInputPeople) {
			return &InputError{field + "." + p.name, fmt.Sprintf("%d people is outside [0, %.0f]", *p.v, float64(maxInputPeople))}
		}
	}
	nums := []struct {
		name   string
		v      *float64
		hi     float64
		reason string
	}{
		{"industrial_output", u.IndustrialOutput, maxInputYuan, "元"},
		{"agri_ind_output", u.AgriIndOutput, maxInputYuan, "元"},
		{"gdp", u.GDP, maxInputYuan, "元"},
		{"fiscal_revenue", u.FiscalRevenue, maxInputYuan, "元"},
		{"tertiary_share", u.TertiaryShare, 1, "a fraction (0.3, not 30)"},
		{"water_supply", u.WaterSupply, 1, "a fraction (0.3, not 30)"},
		{"road_paving", u.RoadPaving, 1, "a fraction (0.3, not 30)"},
	}
	for _, n := range nums {
		if n.v != nil && (math.IsNaN(*n.v) || *n.v < 0 || *n.v > n.hi) {
			return &InputError{field + "." + n.name, fmt.Sprintf("%g is outside [0, %g] (%s)", *n.v, n.hi, n.reason)}
		}
	}
	switch u.PriceBasis {
	case "", "1990", "current":
	default:
		return &InputError{field + ".price_basis", fmt.Sprintf("%q: want 1990 or current", u.PriceBasis)}
	}
	if d := u.Deflator1990; math.IsNaN(d) || d < 0 || d > maxDeflator {
		return &InputError{field + ".deflator_1990", fmt.Sprintf("%g is outside [0, %d]", d, maxDeflator)}
	}
	return nil
}

// How the township hosting a county government was found (Check.Basis of a county-seat check).
const (
	SeatByInput   = "input"   // the planner's hosts_county_seat
	SeatByName    = "name"    // the county's only township named 城关… (literally "the seat town")
	SeatByPolygon = "polygon" // the township whose (derived) area contains the county seat
	SeatByCode    = "code"    // the county's first town code (…100, the seat town by numbering convention)
	SeatByNearest = "nearest" // the township whose seat is nearest to the county seat
)

// CountySeatHost returns the township of county c (in tree t) that hosts the county government
// and the rule that decided (SeatByName, SeatByPolygon, SeatByCode or SeatByNearest); nil when
// the county has no seat or no townships. Township areas are derived and approximate, so a
// seat point near a boundary can fall into a neighbouring 乡: the seat town by name (城关…) wins
// over the polygon, and the first town code (…100) wins over a polygon that holds a 乡 or 类似乡级
// unit. When seatMoved (the scenario moved the county seat), names and codes say nothing about
// the new seat and only the polygon and the nearest seat count.
func CountySeatHost(t *Tree, c Code, seatMoved bool) (host *Division, rule string) {
	cd := t.Get(c)
	if cd == nil || !cd.HasSeat {
		return nil, ""
	}
	kids := t.Children(c)
	var byName, byCode, byPolygon, nearest *Division
	names, bestD := 0, 0.0
	for _, tw := range kids {
		if strings.HasPrefix(tw.Name, "城关") {
			byName = tw
			names++
		}
		if tw.Kind == KindTown && tw.Code.Part() == "100" {
			byCode = tw
		}
		if byPolygon == nil && len(tw.Boundary) > 0 && containsMP(tw.Boundary, cd.Seat) {
			byPolygon = tw
		}
		if tw.HasSeat {
			dx, dy := tw.Seat[0]-cd.Seat[0], tw.Seat[1]-cd.Seat[1]
			if d := dx*dx + dy*dy; nearest == nil || d < bestD {
				nearest, bestD = tw, d
			}
		}
	}
	townLike := func(d *Division) bool { return d.Kind == KindTown || d.Kind == KindSubdistrict }
	switch {
	case !seatMoved && names == 1:
		return byName, SeatByName
	case byPolygon != nil && (seatMoved || townLike(byPolygon) || byCode == nil):
		return byPolygon, SeatByPolygon
	case !seatMoved && byCode != nil:
		return byCode, SeatByCode
	case byPolygon != nil:
		return byPolygon, SeatByPolygon
	case nearest != nil:
		return nearest, SeatByNearest
	}
	return nil, ""
}

// seatBasisZH explains a CountySeatHost rule in the report's words.
var seatBasisZH = map[string]string{
	SeatByInput:   "县政府驻地乡镇由规划人员填报(hosts_county_seat)。",
	SeatByName:    "县政府驻地乡镇按名称判定(城关…)；如有误请在 inputs 中说明 hosts_county_seat。",
	SeatByPolygon: "县政府驻地乡镇按县驻地点所在的派生乡镇范围判定(派生边界为近似边界)；如有误请在 inputs 中说明 hosts_county_seat。",
	SeatByCode:    "县政府驻地乡镇按代码判定(县内首个镇代码 …100，通常为驻地镇)，县驻地点落入的派生范围属于乡，派生边界为近似边界，故不采用；如有误请在 inputs 中说明 hosts_county_seat。",
	SeatByNearest: "县政府驻地乡镇为推断值(驻地距县驻地点最近的乡镇)；如有误请在 inputs 中说明 hosts_county_seat。",
}

// crossCountyMerge reports the counties a township merge (operation op on the tree as the
// codes name it) takes territory from and gives it to: nil when every unit and the result
// share one county. Codes are read as given (their parent is in the code).
func crossCountyMerge(op Op) []Code {
	if op.Op != OpMerge {
		return nil
	}
	seen := map[Code]bool{}
	var out []Code
	add := func(raw string) {
		c, err := ParseCode(raw)
		if err != nil || c.Level() != Township || seen[c.Parent()] {
			return
		}
		seen[c.Parent()] = true
		out = append(out, c.Parent())
	}
	for _, u := range op.Units {
		add(u)
	}
	if op.Into == "" && op.Parent != "" {
		if p, err := ParseCode(op.Parent); err == nil && p.Level() == County && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	if len(out) < 2 {
		return nil
	}
	sortCodes(out)
	return out
}

// countyBoundaryApproval is the 条例 art. 8 row for a township merge across counties: the
// county boundaries change as with a township transfer.
func countyBoundaryApproval(i int, counties []Code) Approval {
	var names []string
	for _, c := range counties {
		names = append(names, c.Short())
	}
	return Approval{Op: i + 1, Level: "V", Change: "县级界线变更(跨县合并乡镇：" + strings.Join(names, "、") + ")",
		Authority: "省级人民政府(县、市、市辖区部分界线变更，经国务院授权，报国务院备案)；属重大界线变更的，国务院",
		Article:   "条例第八条、第七条",
		Note:      "是否属「重大」界线变更需人工判断。涉及海岸线、海岛、边疆要地、湖泊、重要资源地区及特殊情况地区的，由国务院审批(第七条)。"}
}

// StatutoryChecks applies the statutory rules to a scenario result. approval is an ISO date
// or "".
func StatutoryChecks(res *Result, in *Inputs, approval string, cfg StatuteConfig) (*Statutory, error) {
	st := &Statutory{Dossier: DossierChecklist(), Config: cfg}
	for i, op := range res.ops {
		st.Approvals = append(st.Approvals, ApprovalOf(res.Base, i, op))
		if counties := crossCountyMerge(op); counties != nil {
			st.Approvals = append(st.Approvals, countyBoundaryApproval(i, counties))
		}
		st.Checks = append(st.Checks, opChecks(res, in, i, op, cfg)...)
	}
	st.Checks = append(st.Checks, countySeatChecks(res, in)...)
	if approval != "" {
		dl, err := DeadlinesFrom(approval, cfg)
		if err != nil {
			return nil, err
		}
		st.Deadlines = &dl
	}
	return st, nil
}

// opChecks are the checks operation i asks for: a merged town against the 1984 town
// standard; a change of kind against the standard of the new kind.
func opChecks(res *Result, in *Inputs, i int, op Op, cfg StatuteConfig) []Check {
	if op.Op == OpMerge {
		if c, ok := mergedTownCheck(res, in, i, op, cfg); ok {
			return []Check{c}
		}
		return nil
	}
	if op.Op != OpChangeKind {
		return nil
	}
	bc, err := ParseCode(op.Unit)
	if err != nil {
		return nil
	}
	ac := res.FateOf(bc)
	d := res.After.Get(ac)
	if d == nil {
		return nil
	}
	ui := inputsFor(in, bc, ac)
	var out []Check
	numbered := func(c Check) { c.ID = fmt.Sprintf("op%d.%s", i+1, c.ID); out = append(out, c) }
	switch {
	case d.Level == Township && op.Kind == KindTown:
		numbered(CheckTown1984(d, ui, cfg))
	case d.Level == County && op.Kind == KindCountyCity:
		numbered(CheckCity1993(d, AreaKM2(d.Boundary), ui, cfg))
		numbered(CheckCitySize2014(d, ui, cfg))
	case d.Level == County && op.Kind == KindDistrict:
		out = append(out, Check{ID: fmt.Sprintf("op%d.district_policy", i+1), Title: "撤县(市)设区：现行政策", Unit: d.Code, UnitName: d.Name,
			Source: "国家发展改革委 2019、2022 年新型城镇化重点任务 — POLICY.md B1", Level: "V2", Verdict: VerdictInfo,
			Note: "无已发布的《市辖区设置标准》(2019年提出制定)；2022年要求「慎重从严把握撤县(市)改区，严控省会城市规模扩张，确需调整的要严格程序、充分论证」。"})
		numbered(CheckCitySize2014(d, ui, cfg))
	case d.Level == Township && op.Kind == KindSubdistrict:
		out = append(out, Check{ID: fmt.Sprintf("op%d.subdistrict_standard", i+1), Title: "撤镇设街道：省级设立标准", Unit: d.Code, UnitName: d.Name,
			Source: srcReg + " 第十一条", Level: "V", Verdict: VerdictInfo,
			Note: "镇、街道的设立标准由省级民政部门会同有关部门拟订，报省级人民政府批准并报国务院备案：请载入本省设街道标准。"})
	}
	return out
}

// countySeatChecks applies 1984 rule 1 to every affected county: the township hosting its
// government must be a 镇 (or 街道). The check names the rule that found the host (Basis);
// a township the planner says does not host the seat is not checked.
func countySeatChecks(res *Result, in *Inputs) []Check {
	var out []Check
	for _, c := range res.Affected {
		if c.Level() != County {
			continue
		}
		host, rule := CountySeatHost(res.After, c, seatMoved(res, c))
		if host == nil {
			continue
		}
		ui := inputsFor(in, host.Code)
		if ui.HostsCountySeat != nil && !*ui.HostsCountySeat {
			continue
		}
		if ui.HostsCountySeat != nil {
			rule = SeatByInput
		}
		ch := CountySeatTownship(host)
		ch.Basis = rule
		ch.Note = seatBasisZH[rule]
		ch.ID = fmt.Sprintf("county_seat.%s", c.Short())
		out = append(out, ch)
	}
	return out
}

// seatMoved reports whether an operation of res moved the seat of after-unit c.
func seatMoved(res *Result, c Code) bool {
	for _, m := range res.SeatMoves {
		if m.Code == c || res.FateOf(m.Code) == c {
			return true
		}
	}
	return false
}

// mergedTownCheck applies the 1984 town standard to the result of township merge op i when it
// is a 镇: a merged town is a town (re)established on new territory, so it must meet the standard
// like a 乡 becoming a 镇. ok is false for village merges and for results that are not 镇.
func mergedTownCheck(res *Result, in *Inputs, i int, op Op, cfg StatuteConfig) (Check, bool) {
	raw := op.Into
	if raw == "" {
		raw = op.NewCode
	}
	var d *Division
	if raw != "" {
		if c, err := ParseCode(raw); err == nil {
			if f := res.FateOf(c); f != "" {
				c = f
			}
			d = res.After.Get(c)
		}
	}
	if d == nil {
		// A new unit with a proposed code: the row the scenario created for operation i.
		for _, r := range res.Codes {
			if r.OldCode == "" && r.Op == i+1 && r.Change == ChangeNew {
				d = res.After.Get(r.NewCode)
			}
		}
	}
	if d == nil || d.Level != Township || d.Kind != KindTown {
		return Check{}, false
	}
	// The planner's inputs for the merged town: under its after code, else under the code of
	// the surviving (or first) unit.
	ui := inputsFor(in, d.Code)
	if ui == (UnitInputs{}) {
		first := op.Into
		if first == "" && len(op.Units) > 0 {
			first = op.Units[0]
		}
		if c, err := ParseCode(first); err == nil {
			ui = inputsFor(in, c)
		}
	}
	c := CheckTown1984(d, ui, cfg)
	c.ID = fmt.Sprintf("op%d.%s", i+1, c.ID)
	c.Title = "乡镇合并：合并后的镇对照1984年建镇标准"
	return c, true
}
