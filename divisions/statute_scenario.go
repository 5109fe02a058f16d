package divisions

import (
	"fmt"
	"math"
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

// CountySeatHost returns the township of county c (in tree t) that hosts the county
// government: the one whose boundary contains the county's seat, else the one whose seat is
// nearest to it (inferred = true in both cases); nil when the county has no seat or townships.
func CountySeatHost(t *Tree, c Code) (host *Division, inferred bool) {
	cd := t.Get(c)
	if cd == nil || !cd.HasSeat {
		return nil, false
	}
	var best *Division
	bestD := 0.0
	for _, tw := range t.Children(c) {
		if len(tw.Boundary) > 0 && containsMP(tw.Boundary, cd.Seat) {
			return tw, true
		}
		if tw.HasSeat {
			dx, dy := tw.Seat[0]-cd.Seat[0], tw.Seat[1]-cd.Seat[1]
			if d := dx*dx + dy*dy; best == nil || d < bestD {
				best, bestD = tw, d
			}
		}
	}
	return best, best != nil
}

// StatutoryChecks applies the statutory rules to a scenario result. approval is an ISO date
// or "".
func StatutoryChecks(res *Result, in *Inputs, approval string, cfg StatuteConfig) (*Statutory, error) {
	st := &Statutory{Dossier: DossierChecklist(), Config: cfg}
	for i, op := range res.ops {
		st.Approvals = append(st.Approvals, ApprovalOf(res.Base, i, op))
		if op.Op != OpChangeKind {
			continue
		}
		bc, err := ParseCode(op.Unit)
		if err != nil {
			continue
		}
		ac := res.FateOf(bc)
		d := res.After.Get(ac)
		if d == nil {
			continue
		}
		ui := inputsFor(in, bc, ac)
		switch {
		case d.Level == Township && op.Kind == KindTown:
			c := CheckTown1984(d, ui, cfg)
			c.ID = fmt.Sprintf("op%d.%s", i+1, c.ID)
			st.Checks = append(st.Checks, c)
		case d.Level == County && op.Kind == KindCountyCity:
			c := CheckCity1993(d, AreaKM2(d.Boundary), ui, cfg)
			c.ID = fmt.Sprintf("op%d.%s", i+1, c.ID)
			st.Checks = append(st.Checks, c)
			s := CheckCitySize2014(d, ui, cfg)
			s.ID = fmt.Sprintf("op%d.%s", i+1, s.ID)
			st.Checks = append(st.Checks, s)
		case d.Level == County && op.Kind == KindDistrict:
			st.Checks = append(st.Checks, Check{ID: fmt.Sprintf("op%d.district_policy", i+1), Title: "撤县(市)设区：现行政策", Unit: d.Code, UnitName: d.Name,
				Source: "国家发展改革委 2019、2022 年新型城镇化重点任务 — POLICY.md B1", Level: "V2", Verdict: VerdictInfo,
				Note: "无已发布的《市辖区设置标准》(2019年提出制定)；2022年要求「慎重从严把握撤县(市)改区，严控省会城市规模扩张，确需调整的要严格程序、充分论证」。"})
			s := CheckCitySize2014(d, ui, cfg)
			s.ID = fmt.Sprintf("op%d.%s", i+1, s.ID)
			st.Checks = append(st.Checks, s)
		case d.Level == Township && op.Kind == KindSubdistrict:
			st.Checks = append(st.Checks, Check{ID: fmt.Sprintf("op%d.subdistrict_standard", i+1), Title: "撤镇设街道：省级设立标准", Unit: d.Code, UnitName: d.Name,
				Source: srcReg + " 第十一条", Level: "V", Verdict: VerdictInfo,
				Note: "镇、街道的设立标准由省级民政部门会同有关部门拟订，报省级人民政府批准并报国务院备案：请载入本省设街道标准。"})
		}
	}
	// 1984 rule 1 for every affected county: its seat township must be a 镇 (or 街道).
	for _, c := range res.Affected {
		if c.Level() != County {
			continue
		}
		host, inferred := CountySeatHost(res.After, c)
		if host == nil {
			continue
		}
		ui := inputsFor(in, host.Code)
		if ui.HostsCountySeat != nil && !*ui.HostsCountySeat {
			continue
		}
		ch := CountySeatTownship(host)
		if inferred && ui.HostsCountySeat == nil {
			ch.Note = "县政府驻地乡镇为推断值(县驻地点所在或最近的乡镇)；如有误请在 inputs 中说明 hosts_county_seat。"
		}
		ch.ID = fmt.Sprintf("county_seat.%s", c.Short())
		st.Checks = append(st.Checks, ch)
	}
	if approval != "" {
		dl, err := DeadlinesFrom(approval, cfg)
		if err != nil {
			return nil, err
		}
		st.Deadlines = &dl
	}
	return st, nil
}
