package formats

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// FacilityFieldAliases lists, for each facility import field, the header names accepted
// besides the English one (case, spaces, full-width brackets and a trailing "(unit)" are
// ignored). docs and the UI show this table.
func FacilityFieldAliases() map[string][]string {
	return map[string][]string{
		"id":            {"编号", "设施编号", "ID"},
		"kind":          {"类型", "设施类型", "种类", "type"},
		"name":          {"名称", "设施名称", "机构名称"},
		"division_code": {"区划代码", "行政区划代码", "统计用区划代码", "所在区划代码", "code"},
		"village":       {"村", "村名", "村庄", "所在村", "村(社区)", "村居", "村居名称"},
		"township":      {"乡镇", "乡镇(街道)", "所在乡镇", "乡镇街道"},
		"county":        {"县", "县区", "县(市、区)", "县(市区)", "所在县", "县市区"},
		"lon":           {"经度", "longitude", "lng", "x"},
		"lat":           {"纬度", "latitude", "y"},
		"status":        {"状态", "运营状态", "设施状态"},
		"beds":          {"床位", "床位数", "床位数量"},
		"floor_area_m2": {"建筑面积", "面积", "floor_area", "建筑面积m2", "建筑面积㎡"},
		"fire_safety":   {"消防改造", "消防安全改造", "消防安全"},
		"accessibility": {"无障碍改造", "无障碍设施改造", "无障碍"},
		"special_care":  {"失能照护改造", "照护改造", "护理型改造", "特护改造"},
		"opened":        {"启用日期", "开业日期", "建成日期", "投用日期", "运营时间", "开业时间"},
	}
}

// facilityKindAliases maps Chinese kind names to kinds (besides the English words).
func facilityKindAliases() map[string]facilities.Kind {
	m := map[string]facilities.Kind{}
	for _, k := range facilities.Kinds() {
		m[k.NameZH] = k.Kind
		for _, part := range strings.Split(k.NameZH, "/") {
			m[part] = k.Kind
		}
	}
	for a, k := range map[string]facilities.Kind{
		"福利院": facilities.WelfareHome, "敬老院": facilities.WelfareHome, "乡镇敬老院": facilities.WelfareHome,
		"农村特困供养服务机构": facilities.WelfareHome, "特困供养服务机构": facilities.WelfareHome,
		"区域养老服务中心": facilities.RegionalCareCenter,
		"失能照护机构":   facilities.DisabilityCareCenter, "失能半失能人员照护机构": facilities.DisabilityCareCenter,
		"互助养老服务设施": facilities.MutualAidElderly, "农村互助养老设施": facilities.MutualAidElderly, "互助养老点": facilities.MutualAidElderly,
		"农村幸福院":    facilities.MutualAidElderly,
		"社区综合服务设施": facilities.CommunityServiceCenter, "农村社区综合服务站": facilities.CommunityServiceCenter,
		"公益性公墓":  facilities.PublicCemetery,
		"婚姻登记机关": facilities.MarriageRegistry,
	} {
		m[a] = k
	}
	return m
}

func parseFacilityKind(s string, zh map[string]facilities.Kind) (facilities.Kind, error) {
	if k, err := facilities.ParseKind(strings.ToLower(s)); err == nil {
		return k.Kind, nil
	}
	if k, ok := zh[s]; ok {
		return k, nil
	}
	return "", errors.New("unknown facility kind (want an English kind word such as mutual_aid_elderly, or its Chinese name such as 农村互助养老服务设施)")
}

var statusAliases = map[string]facilities.Status{
	"规划": facilities.StatusPlanned, "规划中": facilities.StatusPlanned, "拟建": facilities.StatusPlanned,
	"在建": facilities.StatusBuilding, "建设中": facilities.StatusBuilding,
	"运营": facilities.StatusOperating, "运营中": facilities.StatusOperating, "在用": facilities.StatusOperating,
	"正常": facilities.StatusOperating, "正常运营": facilities.StatusOperating,
	"暂停": facilities.StatusSuspended, "停运": facilities.StatusSuspended, "停用": facilities.StatusSuspended,
	"关闭": facilities.StatusClosed, "已关闭": facilities.StatusClosed, "撤销": facilities.StatusClosed, "停办": facilities.StatusClosed,
}

func parseStatusText(s string) (facilities.Status, error) {
	if s == "" {
		return facilities.StatusOperating, nil
	}
	if st, err := facilities.ParseStatus(strings.ToLower(s)); err == nil {
		return st, nil
	}
	if st, ok := statusAliases[s]; ok {
		return st, nil
	}
	return "", errors.New("unknown status (want planned, building, operating, suspended or closed, or 规划/在建/运营/暂停/关闭)")
}

func parseTri(s string) (facilities.Tri, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "unknown", "未知", "不详", "-":
		return facilities.Unknown, nil
	case "true", "yes", "y", "1", "是", "已改造", "已完成", "完成":
		return facilities.Yes, nil
	case "false", "no", "n", "0", "否", "未改造", "未完成":
		return facilities.No, nil
	}
	return facilities.Unknown, errors.New("want true/false/unknown (or 是/否/未知)")
}

// FacilityRow is a validated input row.
type FacilityRow struct {
	Row      int                 // line (CSV) or feature number (GeoJSON), see RowError
	ID       int64               // the id column (0 = none): the facility to update
	Facility facilities.Facility // in WGS84, ID unset
	Derived  bool                // placed at its village's (or township's) point: the row had no coordinates
}

// FacilityFile is a parsed, fully validated facilities import file.
type FacilityFile struct {
	Name   string        // the file name as given
	Format string        // "csv" or "geojson"
	CRS    string        // the input CRS (geo.CRS.String); rows are in WGS84
	Rows   []FacilityRow // in file order
	Report ImportReport  // Read, Derived and Warnings filled
}

// facilityParser validates records against the tree.
type facilityParser struct {
	tree    *divisions.Tree
	conv    func(orb.Point) orb.Point
	kinds   map[string]facilities.Kind
	rep     *ImportReport
	byName  map[string][]*divisions.Division // village name or short name → villages
	loc     *divisions.Locator               // built on the first row with coordinates
	offsets offsetStats                      // GCJ-02 look-alike detection (import_offset.go)
}

func newFacilityParser(tree *divisions.Tree, conv func(orb.Point) orb.Point, rep *ImportReport) *facilityParser {
	p := &facilityParser{tree: tree, conv: conv, kinds: facilityKindAliases(), rep: rep, byName: map[string][]*divisions.Division{}}
	for _, d := range tree.All() {
		if d.Level != divisions.Village {
			continue
		}
		p.byName[d.Name] = append(p.byName[d.Name], d)
		if d.ShortName != d.Name {
			p.byName[d.ShortName] = append(p.byName[d.ShortName], d)
		}
	}
	return p
}

// resolveUnit finds a division by code or (unique) name at level l, for the county and
// township columns.
func (p *facilityParser) resolveUnit(r *record, field string, l divisions.Level, within divisions.Code) (*divisions.Division, *RowError) {
	v := r.get(field)
	if v == "" {
		return nil, nil
	}
	if c, err := divisions.ParseCode(v); err == nil {
		d := p.tree.Get(c)
		if d == nil || d.Level != l {
			return nil, r.errf(field, "no %s with this code", l)
		}
		return d, nil
	}
	var hits []*divisions.Division
	for _, d := range p.tree.Search(v, l, 0) {
		if (d.Name == v || d.ShortName == v) && d.Code.Within(within) {
			hits = append(hits, d)
		}
	}
	switch len(hits) {
	case 0:
		return nil, r.errf(field, "no %s of this name", l)
	case 1:
		return hits[0], nil
	}
	return nil, r.errf(field, "%d %ss have this name (%s): give the code", len(hits), l, codesOf(hits))
}

func codesOf(ds []*divisions.Division) string {
	var s []string
	for i, d := range ds {
		if i == 5 {
			s = append(s, "…")
			break
		}
		s = append(s, string(d.Code)+" "+d.Name)
	}
	return strings.Join(s, ", ")
}

// parse validates one record into a facility. It collects every bad field of the row.
func (p *facilityParser) parse(r *record) (FacilityRow, []*RowError) {
	var errs []*RowError
	fail := func(e *RowError) {
		if e != nil {
			errs = append(errs, e)
		}
	}
	out := FacilityRow{Row: r.row}
	f := &out.Facility
	if s := r.get("id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			fail(r.errf("id", "not a positive whole number"))
		}
		out.ID = id
	}
	if s := r.get("kind"); s == "" {
		fail(r.errf("kind", "missing"))
	} else if k, err := parseFacilityKind(s, p.kinds); err != nil {
		fail(r.errf("kind", "%v", err))
	} else {
		f.Kind = k
	}
	if f.Name = r.get("name"); f.Name == "" {
		fail(r.errf("name", "missing"))
	}
	var err error
	if f.Status, err = parseStatusText(r.get("status")); err != nil {
		fail(r.errf("status", "%v", err))
	}
	beds, e := parseCount(r, "beds")
	fail(e)
	if beds > 1_000_000 {
		fail(r.errf("beds", "implausibly large"))
	}
	f.Beds = int(beds)
	f.FloorAreaM2, e = parseArea(r, "floor_area_m2")
	fail(e)
	for _, t := range []struct {
		field string
		dst   *facilities.Tri
	}{{"fire_safety", &f.Renovated.FireSafety}, {"accessibility", &f.Renovated.Accessibility}, {"special_care", &f.Renovated.SpecialCare}} {
		if *t.dst, err = parseTri(r.get(t.field)); err != nil {
			fail(r.errf(t.field, "%v", err))
		}
	}
	if f.Opened, err = parseDate(r.get("opened")); err != nil {
		fail(r.errf("opened", "%v", err))
	}

	// Where: code, or village name (within county/township), and the point.
	var div *divisions.Division
	if s := r.get("division_code"); s != "" {
		c, err := divisions.ParseCode(s)
		switch {
		case err != nil:
			fail(r.errf("division_code", "%v", err))
		case p.tree.Get(c) == nil:
			fail(r.errf("division_code", "not in the division tree"))
		case c.Level() < divisions.County:
			fail(r.errf("division_code", "a %s: a facility is registered in a county, township or village", c.Level()))
		default:
			div = p.tree.Get(c)
		}
	}
	if v := r.get("village"); v != "" && r.get("division_code") == "" {
		county, e := p.resolveUnit(r, "county", divisions.County, "")
		fail(e)
		scope := divisions.Code("")
		if county != nil {
			scope = county.Code
		}
		town, e := p.resolveUnit(r, "township", divisions.Township, scope)
		fail(e)
		if town != nil {
			scope = town.Code
		}
		if e == nil {
			var hits []*divisions.Division
			for _, d := range p.byName[v] {
				if d.Code.Within(scope) {
					hits = append(hits, d)
				}
			}
			// Also try the short form of a full name and "村" added to a bare name.
			for _, alt := range []string{divisions.ShortName(v), v + "村"} {
				if len(hits) > 0 {
					break
				}
				if alt == v {
					continue
				}
				for _, d := range p.byName[alt] {
					if d.Code.Within(scope) {
						hits = append(hits, d)
					}
				}
			}
			switch len(hits) {
			case 0:
				where := "anywhere"
				if scope != "" {
					where = "in " + p.tree.Get(scope).Name
				}
				fail(r.errf("village", "no village of this name %s", where))
			case 1:
				div = hits[0]
			default:
				fail(r.errf("village", "%d villages have this name (%s): add county or township, or give division_code", len(hits), codesOf(hits)))
			}
		}
	}
	pt, havePt, e := parsePoint(r, "lon", "lat")
	fail(e)
	if r.geom != nil {
		if havePt {
			fail(r.errf("lon", "coordinates given both in properties and as the geometry"))
		}
		pt, havePt, e = checkChina(r, r.geom.point, "geometry", "geometry")
		fail(e)
	}
	located := div == nil && r.get("division_code") == "" && r.get("village") == ""
	if located && !havePt && e == nil {
		fail(r.errf("division_code", "missing: give division_code, village or the coordinates (lon, lat)"))
	}
	if len(errs) > 0 {
		return out, errs
	}
	if havePt {
		f.Point = p.conv(pt)
		f.Provenance = divisions.Real
		if p.loc == nil {
			p.loc = divisions.NewLocator(p.tree)
			p.offsets.loc = p.loc // one index of the boundaries for both
		}
		if located {
			if div = p.locate(f.Point); div == nil {
				return out, []*RowError{p.outside(r, pt, f.Point)}
			}
			p.rep.Located++
		} else if err := p.loc.CheckNear(div.Code, f.Point); err != nil {
			if len(p.loc.CountiesAt(f.Point)) == 0 {
				return out, []*RowError{p.outside(r, pt, f.Point)}
			}
			return out, []*RowError{r.errf("lon", "%v", err)}
		}
		f.DivisionCode = div.Code
		p.checkInside(r, f.Point, div)
		p.offsets.add(p.tree, div, pt, f.Point)
	} else {
		f.DivisionCode = div.Code
		if !div.HasSeat {
			return out, []*RowError{r.errf("lon", "no coordinates, and %s %s has no seat point to place the facility at", div.Code, div.Name)}
		}
		f.Point = div.Seat
		f.Provenance = divisions.Derived
		out.Derived = true
	}
	return out, nil
}

// locate finds the unit a facility at pt (WGS84) is registered in when the row names none: the
// village whose point is nearest within the township area containing pt, else the township or
// county containing it; nil outside every county.
func (p *facilityParser) locate(pt orb.Point) *divisions.Division {
	chain := p.loc.Locate(pt)
	if len(chain) == 0 {
		return nil
	}
	return chain[len(chain)-1]
}

// outside is the error for a point in no county of the tree: it names the province (the tree's
// root) and gives the coordinates as typed.
func (p *facilityParser) outside(r *record, typed, wgs orb.Point) *RowError {
	var provs []string
	for _, d := range p.tree.All() {
		if d.Level == divisions.Province {
			provs = append(provs, d.Name)
		}
	}
	where := "every county of the division tree"
	if len(provs) > 0 && len(provs) <= 3 {
		where = strings.Join(provs, ", ")
	}
	msg := fmt.Sprintf("point %s, %s lies outside %s", fmtCoord(typed[0]), fmtCoord(typed[1]), where)
	if typed != wgs {
		msg += fmt.Sprintf(" (%.6f, %.6f in WGS84)", wgs[0], wgs[1])
	}
	e := r.errf("lon", "%s", msg)
	if r.geom != nil {
		e.Field, e.Value = "geometry", ""
	}
	return e
}

func fmtCoord(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// checkInside warns when a point lies outside the boundary of the nearest enclosing unit
// that has one (a derived township area, usually: approximate, so only a warning; a point
// that is not even in or near the county was refused by Locator.CheckNear).
func (p *facilityParser) checkInside(r *record, pt orb.Point, div *divisions.Division) {
	chain := append(p.tree.Ancestors(div.Code), div)
	for i := len(chain) - 1; i >= 0; i-- {
		d := chain[i]
		if len(d.Boundary) == 0 {
			continue
		}
		if !planar.MultiPolygonContains(d.Boundary, pt) {
			p.rep.Warn("row %d: point (%.6f, %.6f) lies outside the boundary of %s %s (check the coordinates and the CRS)", r.row, pt[0], pt[1], d.Code, d.Name)
		}
		return
	}
}

// ParseFacilities reads facilities from CSV or GeoJSON and validates every row against
// o.Tree (codes, names, points near their division). Any bad row fails the whole file: the
// error names up to 20 rows and fields (see RowError).
func ParseFacilities(r io.Reader, name string, o ParseOptions) (*FacilityFile, error) {
	var rep ImportReport
	in, err := readImport(r, name, o, FacilityFieldAliases(), [][]string{{"kind"}, {"name"}, {"division_code", "village", "lon"}}, []string{"Point"}, &rep)
	if err != nil {
		return nil, err
	}
	rep.Read = len(in.recs)
	p := newFacilityParser(in.tree, in.conv, &rep)
	if o.Locator != nil {
		p.loc, p.offsets.loc = o.Locator, o.Locator
	}
	var bad rowErrors
	rows := make([]FacilityRow, 0, len(in.recs))
	for i := range in.recs {
		fr, errs := p.parse(&in.recs[i])
		for _, e := range errs {
			bad.add(e)
		}
		rows = append(rows, fr)
	}
	if err := bad.err(); err != nil {
		return nil, fmt.Errorf("import %s: nothing imported: %w", name, err)
	}
	if err := p.offsets.check(o.CRS); err != nil {
		return nil, fmt.Errorf("import %s: nothing imported: %w", name, err)
	}
	if w := p.offsets.warning(o.CRS); w != "" {
		rep.Warn("%s", w)
	}
	for _, fr := range rows {
		if fr.Derived {
			rep.Derived++
		}
	}
	return &FacilityFile{Name: name, Format: in.format, CRS: in.crs.String(), Rows: rows, Report: rep}, nil
}
