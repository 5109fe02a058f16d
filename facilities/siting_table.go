package facilities

import (
	"fmt"
	"strings"
)

var sitingColumns = []Column{
	{"rank", "排序", "Rank"}, {"code", "区划代码", "Code"}, {"name", "名称", "Name"},
	{"township", "乡镇代码", "Township code"}, {"township_name", "乡镇", "Township"},
	{"lon", "经度", "Longitude"}, {"lat", "纬度", "Latitude"}, {"facility_id", "设施编号", "Facility id"},
	{"gain", "新增覆盖（计量）", "Gain"}, {"gain_elderly", "新增覆盖老年人口", "Elderly newly covered"},
	{"gain_villages", "新增覆盖村数", "Villages newly covered"}, {"new_villages", "新覆盖村代码", "Villages newly covered (codes)"},
	{"max_distance_m", "最远距离（米）", "Max distance (m)"}, {"beds", "床位", "Beds"},
	{"allocated_beds", "分配床位需求", "Allocated bed demand"}, {"provenance", "数据来源等级", "Provenance"},
}

// Table lists the proposed sites in rank order (WGS84 lon/lat); the notes carry the objective, the
// official indicator, the optimality gap and the query.
func (s *Siting) Table() Table {
	t := Table{Columns: sitingColumns, Notes: s.notes()}
	for _, ps := range s.Sites {
		var fid any
		if ps.FacilityID != 0 {
			fid = ps.FacilityID
		}
		codes := make([]string, len(ps.NewVillages))
		for i, c := range ps.NewVillages {
			codes[i] = string(c)
		}
		t.Rows = append(t.Rows, []any{ps.Rank, string(ps.Code), ps.Name, string(ps.Township), ps.TownshipName,
			ps.Point[0], ps.Point[1], fid, ps.Gain, ps.GainElderly, ps.GainVillages, strings.Join(codes, " "),
			zeroNil(ps.MaxDistanceM), zeroNil(float64(ps.Beds)), zeroNil(ps.AllocatedBeds), string(ps.Provenance)})
	}
	return t
}

func zeroNil(x float64) any {
	if x == 0 {
		return nil
	}
	return x
}

// notes are the lines under a siting table.
func (s *Siting) notes() []string {
	n := []string{objectiveNote(s.Objective, s.Weight, s.P, s.Target, s.TargetOf), IndicatorNote(s.Indicator),
		fmt.Sprintf("value %g %s, bound %g, gap %s, proven optimal %v; method: %s", s.Value, s.ValueUnit, s.Bound, gapText(s.Gap), s.Optimal, s.Method)}
	return append(n, s.Query.notes()...)
}

func objectiveNote(o Objective, w Weight, p int, target float64, of TargetOf) string {
	if o == ObjectiveLSCP {
		return fmt.Sprintf("objective=lscp target=%g target_of=%s", target, of)
	}
	return fmt.Sprintf("objective=%s p=%d weight=%s", o, p, w)
}

func gapText(g *float64) string {
	if g == nil {
		return "unknown"
	}
	return fmt.Sprintf("%.2f%%", *g*100)
}

// IndicatorNote states the official indicator and whether it meets its target, e.g.
// "村委会覆盖率 village_committee_share 80.7% / target 80.0%: met".
func IndicatorNote(ind Indicator) string {
	if ind.Target == nil {
		return fmt.Sprintf("村委会覆盖率 %s %.1f%% (no target)", ind.Name, ind.Value*100)
	}
	met := "not met 未达标"
	if ind.Met != nil && *ind.Met {
		met = "met 达标"
	}
	return fmt.Sprintf("村委会覆盖率 %s %.1f%% / target %.1f%%: %s", ind.Name, ind.Value*100, *ind.Target*100, met)
}

var planColumns = []Column{
	{"id", "设施编号", "Facility id"}, {"kind", "设施类型", "Kind"}, {"name", "名称", "Name"},
	{"division_code", "所在区划代码", "Division code"}, {"lon", "经度", "Longitude"}, {"lat", "纬度", "Latitude"},
	{"status", "状态", "Status"}, {"beds", "床位", "Beds"}, {"floor_area_m2", "建筑面积（平方米）", "Floor area (m²)"},
	{"provenance", "数据来源等级", "Provenance"},
}

// PlanTable lists the facilities of saved plan id (name) in the order given (WGS84 lon/lat); the
// notes name the plan and carry its summary when known (sum may be nil).
func PlanTable(id int64, name string, fs []Facility, sum *PlanSummary) Table {
	t := Table{Columns: planColumns, Notes: []string{fmt.Sprintf("规划方案 plan %d「%s」: %d planned facilities", id, name, len(fs))}}
	if sum != nil {
		t.Notes = append(t.Notes, objectiveNote(sum.Objective, sum.Weight, sum.P, sum.Target, sum.TargetOf))
		if sum.Indicator.Name != "" {
			t.Notes = append(t.Notes, IndicatorNote(sum.Indicator))
		}
		t.Notes = append(t.Notes, fmt.Sprintf("value %g %s, bound %g, gap %s, proven optimal %v", sum.Value, sum.ValueUnit, sum.Bound, gapText(sum.Gap), sum.Optimal))
	}
	for _, f := range fs {
		t.Rows = append(t.Rows, []any{f.ID, string(f.Kind), f.Name, string(f.DivisionCode), f.Point[0], f.Point[1],
			string(f.Status), zeroNil(float64(f.Beds)), zeroNil(f.FloorAreaM2), string(f.Provenance)})
	}
	return t
}
