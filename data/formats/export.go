package formats

import (
	"fmt"
	"sort"
	"strings"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
)

// ColumnType is the type of an export column.
type ColumnType int

// Export column types (GeoPackage TEXT, INTEGER, DOUBLE, BOOLEAN).
const (
	Text ColumnType = iota
	Integer
	Real
	Boolean
)

// Column is one attribute column of an export layer: Name is the field name (GeoPackage,
// GeoJSON), HeaderZH the Chinese header of CSV and XLSX.
type Column struct {
	Name     string
	HeaderZH string
	Type     ColumnType
}

// Row is one feature: a stable integer id, a WGS84 geometry (nil when unknown) and one value per
// column (string, int64, float64, bool or nil).
type Row struct {
	ID     int64
	Geom   orb.Geometry
	Values []any
}

// Layer is one exported table.
type Layer struct {
	Name        string
	Title       string
	Description string
	GeomType    string // POINT or MULTIPOLYGON
	Columns     []Column
	Rows        []Row
}

// ExportNote is attached to every export: derived boundaries are not legal boundaries.
const ExportNote = "Derived boundaries (township areas, prefecture/province unions) are approximate and are not legal boundaries; coverage distances are straight-line geodesic."

// ExportLayerNames lists the layers ExportLayers builds, in order.
func ExportLayerNames() []string {
	return []string{"provinces", "prefectures", "counties", "townships", "villages", "facilities", "coverage"}
}

var divisionColumns = []Column{
	{"code", "代码", Text}, {"name", "名称", Text}, {"short_name", "简称", Text}, {"level", "级别", Text},
	{"kind", "类型", Text}, {"parent", "上级代码", Text}, {"ur_code", "城乡分类代码", Text},
	{"population", "常住人口", Integer}, {"age60", "60岁及以上", Integer}, {"age65", "65岁及以上", Integer},
	{"seat_x", "驻地X", Real}, {"seat_y", "驻地Y", Real},
	{"geometry_provenance", "几何来源", Text}, {"seat_provenance", "驻地来源", Text}, {"population_provenance", "人口来源", Text},
}

var facilityColumns = []Column{
	{"id", "编号", Integer}, {"kind", "类型", Text}, {"kind_zh", "类型名称", Text}, {"name", "名称", Text},
	{"division_code", "所在区划代码", Text}, {"status", "状态", Text}, {"beds", "床位", Integer},
	{"floor_area_m2", "建筑面积(平方米)", Real}, {"opened", "开业日期", Text},
	{"renovated_fire_safety", "消防改造", Text}, {"renovated_accessibility", "无障碍改造", Text},
	{"renovated_special_care", "护理型改造", Text}, {"plan_id", "规划方案", Integer}, {"provenance", "来源", Text},
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// codeID is a division's 12-digit code as an integer (its stable feature id).
func codeID(c divisions.Code) int64 {
	var v int64
	for _, r := range string(c) {
		if r >= '0' && r <= '9' {
			v = v*10 + int64(r-'0')
		}
	}
	return v
}

// ExportLayers builds the export layers from a division tree and a facility list: one layer per
// division level (boundaries where known; villages as points), the facilities, and the coverage of
// every village committee for every facility kind with the analyzer's defaults (mode and radius).
// Seat coordinates are converted with crs; geometries stay WGS84 (writers convert them). names
// picks layers by name, in that order (none = all); an unknown name is an error.
func ExportLayers(t *divisions.Tree, fs []facilities.Facility, crs geo.CRS, names ...string) ([]Layer, error) {
	want := map[string]bool{}
	for _, n := range names {
		known := false
		for _, k := range ExportLayerNames() {
			known = known || k == n
		}
		if !known {
			return nil, fmt.Errorf("unknown layer %q (want %s)", n, strings.Join(ExportLayerNames(), ", "))
		}
		want[n] = true
	}
	keep := func(n string) bool { return len(want) == 0 || want[n] }
	var layers []Layer
	for l := divisions.Province; l <= divisions.Village; l++ {
		name := ExportLayerNames()[l-1]
		if !keep(name) {
			continue
		}
		ly := Layer{Name: name, Title: fmt.Sprintf("%s divisions", l), GeomType: "MULTIPOLYGON", Columns: divisionColumns,
			Description: fmt.Sprintf("Division units at %s level, statistical codes 2023-06-30. %s", l, ExportNote)}
		if l == divisions.Village {
			ly.GeomType = "POINT"
			ly.Description = "Village-level units as points (real where a source point exists, otherwise generated or absent)."
		}
		for _, d := range t.All() {
			if d.Level != l {
				continue
			}
			var g orb.Geometry
			if l == divisions.Village {
				if d.HasSeat {
					g = d.Seat
				}
			} else if len(d.Boundary) > 0 {
				g = d.Boundary
			}
			var sx, sy any
			if d.HasSeat {
				p := crs.Forward(d.Seat)
				sx, sy = p[0], p[1]
			}
			ly.Rows = append(ly.Rows, Row{ID: codeID(d.Code), Geom: g, Values: []any{
				string(d.Code), d.Name, d.ShortName, l.String(), string(d.Kind), nilIfEmpty(string(d.Parent)), nilIfEmpty(d.URCode),
				d.Population.Total, d.Population.Age60, d.Population.Age65, sx, sy,
				nilIfEmpty(string(d.Sources.Geometry)), nilIfEmpty(string(d.Sources.Seat)), nilIfEmpty(string(d.Sources.Population)),
			}})
		}
		layers = append(layers, ly)
	}
	sorted := append([]facilities.Facility(nil), fs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	if keep("facilities") {
		layers = append(layers, facilityLayer(sorted))
	}
	if keep("coverage") {
		cov, err := coverageLayer(t, sorted)
		if err != nil {
			return nil, err
		}
		layers = append(layers, cov)
	}
	if len(names) == 0 {
		return layers, nil
	}
	return SelectLayers(layers, names)
}

// facilityLayer is every facility (sorted by id) as a point.
func facilityLayer(sorted []facilities.Facility) Layer {
	fl := Layer{Name: "facilities", Title: "civil-affairs facilities", GeomType: "POINT", Columns: facilityColumns,
		Description: "Facilities of every kind and status."}
	for i := range sorted {
		f := &sorted[i]
		info, _ := facilities.ParseKind(string(f.Kind))
		var plan any
		if f.PlanID != 0 {
			plan = f.PlanID
		}
		fl.Rows = append(fl.Rows, Row{ID: f.ID, Geom: f.Point, Values: []any{
			f.ID, string(f.Kind), info.NameZH, f.Name, string(f.DivisionCode), string(f.Status), int64(f.Beds), f.FloorAreaM2,
			nilIfEmpty(f.Opened), f.Renovated.FireSafety.String(), f.Renovated.Accessibility.String(), f.Renovated.SpecialCare.String(),
			plan, string(f.Provenance),
		}})
	}
	return fl
}

// coverageLayer is one point per counted village committee with, per kind, whether it is covered.
func coverageLayer(t *divisions.Tree, fs []facilities.Facility) (Layer, error) {
	an, err := facilities.NewAnalyzer(t, facilities.NewRegistry(fs), nil)
	if err != nil {
		return Layer{}, fmt.Errorf("export coverage: %w", err)
	}
	ly := Layer{Name: "coverage", Title: "village coverage by facility kind", GeomType: "POINT",
		Columns: []Column{{"code", "代码", Text}, {"name", "名称", Text}, {"short_name", "简称", Text}, {"rural", "城乡", Text},
			{"elderly", "60岁及以上", Integer}}}
	type vrow struct {
		res     facilities.VillageResult
		covered map[facilities.Kind]bool
	}
	rows := map[divisions.Code]*vrow{}
	var desc []string
	for _, k := range facilities.Kinds() {
		c, err := an.Coverage(facilities.Params{Kind: k.Kind})
		if err != nil {
			return Layer{}, fmt.Errorf("export coverage of %s: %w", k.Kind, err)
		}
		desc = append(desc, fmt.Sprintf("%s: mode %s, radius %g m", k.Kind, c.Query.Mode, c.Query.RadiusM))
		ly.Columns = append(ly.Columns, Column{"covered_" + string(k.Kind), k.NameZH + "覆盖", Boolean})
		for _, v := range c.Villages {
			r := rows[v.Code]
			if r == nil {
				r = &vrow{res: v, covered: map[facilities.Kind]bool{}}
				rows[v.Code] = r
			}
			r.covered[k.Kind] = v.Covered
		}
	}
	ly.Description = "Village committees counted by the coverage indicator, with the analyzer's defaults (" + strings.Join(desc, "; ") + "). " + ExportNote
	codes := make([]divisions.Code, 0, len(rows))
	for c := range rows {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool { return codes[i] < codes[j] })
	for _, c := range codes {
		r := rows[c]
		var g orb.Geometry
		if r.res.HasPoint {
			g = r.res.Point
		}
		vals := []any{string(r.res.Code), r.res.Name, r.res.ShortName, r.res.Rural, r.res.Elderly}
		for _, k := range facilities.Kinds() {
			cv, ok := r.covered[k.Kind]
			if !ok {
				vals = append(vals, nil)
				continue
			}
			vals = append(vals, cv)
		}
		ly.Rows = append(ly.Rows, Row{ID: codeID(c), Geom: g, Values: vals})
	}
	return ly, nil
}

// SelectLayers keeps the named layers (all when names is empty), failing on an unknown name.
func SelectLayers(all []Layer, names []string) ([]Layer, error) {
	if len(names) == 0 {
		return all, nil
	}
	var out []Layer
	for _, n := range names {
		found := false
		for _, l := range all {
			if l.Name == n {
				out = append(out, l)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown layer %q (want %s)", n, strings.Join(ExportLayerNames(), ", "))
		}
	}
	return out, nil
}
