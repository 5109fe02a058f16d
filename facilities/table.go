package facilities

import (
	"iter"
	"slices"
	"strconv"
	"strings"

	"github.com/civplan/civplan/divisions"
)

// Column is one column of a Table: a stable key and Chinese and English titles.
type Column struct {
	Key     string `json:"key"`
	TitleZH string `json:"title_zh"`
	TitleEN string `json:"title_en"`
}

// Table is a neutral tabular answer for CSV/xlsx rendering. Cells are string, int, int64,
// float64, bool or nil (empty); fractions stay fractions (the renderer may format them).
type Table struct {
	Columns []Column `json:"columns"`
	Rows    [][]any  `json:"rows"`
	// More, when not nil, produces rows after Rows one at a time, reusing one row slice (a
	// consumer copies what it keeps), so a large table (every village of a province) is encoded
	// as its rows are made and never held whole. Read every row with All.
	More  iter.Seq[[]any] `json:"-"`
	Notes []string        `json:"notes,omitempty"` // to print under the table (distance basis, sources)
}

// All yields every row: Rows, then More's. A yielded slice is valid only until the next.
func (t *Table) All() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for _, r := range t.Rows {
			if !yield(r) {
				return
			}
		}
		if t.More != nil {
			t.More(yield)
		}
	}
}

// WithColumn returns t with one more column whose cell is v in every row (Rows copied, More
// wrapped; t is not changed).
func (t Table) WithColumn(col Column, v any) Table {
	t.Columns = append(slices.Clone(t.Columns), col)
	rows := make([][]any, len(t.Rows))
	for i, r := range t.Rows {
		rows[i] = append(slices.Clone(r), v)
	}
	t.Rows = rows
	if more := t.More; more != nil {
		t.More = func(yield func([]any) bool) {
			var row []any
			for r := range more {
				row = append(append(row[:0], r...), v)
				if !yield(row) {
					return
				}
			}
		}
	}
	return t
}

func fptr(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func bptr(p *bool) any {
	if p == nil {
		return nil
	}
	return *p
}

func levelWord(l divisions.Level) any {
	if l == 0 {
		return nil
	}
	return l.String()
}

var aggregateColumns = []Column{
	{"code", "区划代码", "Code"}, {"name", "名称", "Name"}, {"level", "级别", "Level"},
	{"villages", "村委会数", "Village committees"}, {"covered", "已覆盖村数", "Covered"},
	{"ratio", "覆盖率", "Coverage ratio"}, {"elderly", "老年人口", "Elderly"},
	{"elderly_covered", "已覆盖老年人口", "Elderly covered"}, {"elderly_ratio", "老年人口覆盖率", "Elderly ratio"},
	{"target", "目标", "Target"}, {"deadline", "期限", "Deadline"}, {"met", "是否达标", "Met"},
	{"no_point", "无坐标村数", "Without point"}, {"provenance", "数据来源等级", "Provenance"},
}

func aggregateRow(g *Aggregate) []any {
	return []any{string(g.Code), g.Name, levelWord(g.Level), g.Villages, g.Covered, fptr(g.Ratio), g.Elderly,
		g.ElderlyCovered, fptr(g.ElderlyRatio), fptr(g.Target), g.Deadline, bptr(g.Met), g.NoPoint, string(g.Provenance)}
}

func (q *Query) notes() []string {
	n := []string{q.DistanceNoteZH + " " + q.DistanceNote,
		"kind=" + string(q.Kind) + " mode=" + string(q.Mode) + " radius_m=" + trimFloat(q.RadiusM) + " (" + q.RadiusBasis + ") elderly=" + string(q.Elderly)}
	return n
}

func trimFloat(x float64) string {
	s := strings.TrimRight(strings.TrimRight(formatFloat(x), "0"), ".")
	if s == "" {
		return "0"
	}
	return s
}

// Table lists the groups (when grouped) and then the summary row.
func (c *Coverage) Table() Table {
	t := Table{Columns: aggregateColumns, Notes: c.Query.notes()}
	for i := range c.Groups {
		t.Rows = append(t.Rows, aggregateRow(&c.Groups[i]))
	}
	t.Rows = append(t.Rows, aggregateRow(&c.Summary))
	if c.TargetSource != "" {
		t.Notes = append(t.Notes, "target: "+c.TargetSource)
	}
	return t
}

var villageColumns = []Column{
	{"code", "区划代码", "Code"}, {"name", "名称", "Name"}, {"rural", "城乡属性", "Rural"},
	{"elderly", "老年人口", "Elderly"}, {"covered", "是否覆盖", "Covered"}, {"covered_by", "覆盖设施ID", "Covered by"},
	{"nearest_id", "最近设施ID", "Nearest facility id"}, {"nearest_name", "最近设施名称", "Nearest facility"},
	{"nearest_distance_m", "直线距离(米)", "Straight-line distance (m)"}, {"detour", "绕行系数", "Detour factor"},
	{"nearest_detour_m", "折算距离(米)", "Distance × detour (m)"}, {"lon", "经度", "Longitude"}, {"lat", "纬度", "Latitude"},
	{"provenance", "数据来源等级", "Provenance"},
}

// villageRows yields one row per village answer, reusing one slice.
func villageRows(vs []VillageResult) iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		row := make([]any, len(villageColumns))
		for i := range vs {
			v := &vs[i]
			var nid, nname, nd, ndd, lon, lat, cb any
			if v.Nearest != nil {
				nid, nname, nd, ndd = v.Nearest.ID, v.Nearest.Name, round(v.Nearest.DistanceM, 1), round(v.Nearest.DetourM, 1)
			}
			if v.HasPoint {
				lon, lat = v.Point[0], v.Point[1]
			}
			if v.CoveredBy != 0 {
				cb = v.CoveredBy
			}
			row = append(row[:0], string(v.Code), v.Name, v.Rural, v.Elderly, v.Covered, cb, nid, nname, nd, v.Detour, ndd, lon, lat, string(v.Provenance))
			if !yield(row) {
				return
			}
		}
	}
}

// VillageTable lists every village answer.
func (c *Coverage) VillageTable() Table {
	return Table{Columns: villageColumns, More: villageRows(c.Villages), Notes: c.Query.notes()}
}

// Table lists the uncovered villages, elderly descending.
func (g *Gaps) Table() Table {
	return Table{Columns: villageColumns, More: villageRows(g.Villages), Notes: g.Query.notes()}
}

// ClusterTable lists the clusters, one row each (member codes joined by spaces).
func (g *Gaps) ClusterTable() Table {
	t := Table{Columns: []Column{{"rank", "序号", "Rank"}, {"centre_code", "中心村代码", "Centre village"},
		{"lon", "经度", "Longitude"}, {"lat", "纬度", "Latitude"}, {"unit", "所属单位", "Unit"},
		{"villages", "村数", "Villages"}, {"elderly", "老年人口", "Elderly"},
		{"max_distance_m", "最远直线距离(米)", "Farthest member (m, straight-line)"}, {"members", "成员村代码", "Member codes"}},
		Notes: append(g.Query.notes(), g.ClusterBy)}
	for _, c := range g.Clusters {
		ms := make([]string, len(c.Villages))
		for i, v := range c.Villages {
			ms[i] = string(v)
		}
		t.Rows = append(t.Rows, []any{c.Rank, string(c.CentreCode), c.Centre[0], c.Centre[1], string(c.Unit), len(c.Villages),
			c.Elderly, round(c.MaxDistanceM, 1), strings.Join(ms, " ")})
	}
	return t
}

// Table lists the scorecard items.
func (s *Scorecard) Table() Table {
	t := Table{Columns: []Column{{"id", "指标代码", "Id"}, {"title_zh", "指标", "Indicator"}, {"value", "现值", "Value"},
		{"target", "目标", "Target"}, {"unit", "单位", "Unit"}, {"deadline", "期限", "Deadline"}, {"met", "是否达标", "Met"},
		{"numerator", "分子", "Numerator"}, {"denominator", "分母", "Denominator"}, {"unknown", "数据缺失", "Unknown"},
		{"provenance", "数据来源等级", "Provenance"}, {"source", "依据", "Source"}, {"note", "说明", "Note"},
		{"status", "状态", "Status"}, {"reason", "未计算原因", "Reason"}},
		Notes: []string{s.Document, string(s.Code) + " " + s.Name}}
	for _, it := range s.Items {
		t.Rows = append(t.Rows, []any{it.ID, it.TitleZH, fptr(it.Value), it.Target, it.Unit, it.Deadline, bptr(it.Met),
			it.Numerator, it.Denominator, it.Unknown, string(it.Provenance), it.Source, it.Note, it.Status, it.Reason})
	}
	return t
}

var accessColumns = []Column{{"code", "区划代码", "Code"}, {"name", "名称", "Name"}, {"level", "级别", "Level"},
	{"villages", "村数", "Villages"}, {"elderly", "老年人口", "Elderly"},
	{"beds_per_1000", "每千名老年人可达床位", "Beds per 1,000 elderly reachable"},
	{"norm_per_1000", "标准", "Norm"}, {"met", "是否达标", "Met"}, {"provenance", "数据来源等级", "Provenance"}}

// Table lists the groups (when grouped) and then the summary row.
func (x *Accessibility) Table() Table {
	t := Table{Columns: accessColumns, Notes: append(x.Query.notes(), "method="+string(x.Method)+" decay="+string(x.Decay), x.NormSource)}
	row := func(g *AccessAggregate) []any {
		return []any{string(g.Code), g.Name, levelWord(g.Level), g.Villages, g.Elderly, fptr(g.BedsPer1000), g.Norm, bptr(g.Met), string(g.Provenance)}
	}
	for i := range x.Groups {
		t.Rows = append(t.Rows, row(&x.Groups[i]))
	}
	t.Rows = append(t.Rows, row(&x.Summary))
	return t
}

// VillageTable lists every village's beds per 1,000 elderly reachable.
func (x *Accessibility) VillageTable() Table {
	t := Table{Columns: []Column{{"code", "区划代码", "Code"}, {"name", "名称", "Name"}, {"elderly", "老年人口", "Elderly"},
		{"beds_per_1000", "每千名老年人可达床位", "Beds per 1,000 elderly reachable"}, {"facilities", "可达设施数", "Facilities reaching it"},
		{"provenance", "数据来源等级", "Provenance"}}, Notes: x.Query.notes()}
	t.More = func(yield func([]any) bool) {
		row := make([]any, len(t.Columns))
		for i := range x.Villages {
			v := &x.Villages[i]
			row = append(row[:0], string(v.Code), v.Name, v.Elderly, round(v.BedsPer1000, 3), v.Facilities, string(v.Provenance))
			if !yield(row) {
				return
			}
		}
	}
	return t
}

func formatFloat(x float64) string { return strconv.FormatFloat(x, 'f', 3, 64) }
