package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
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

// facilityRow is a validated input row.
type facilityRow struct {
	row     int
	id      int64
	f       facilities.Facility
	derived bool
}

// facilityParser validates records against the tree.
type facilityParser struct {
	tree   *divisions.Tree
	conv   func(orb.Point) orb.Point
	kinds  map[string]facilities.Kind
	rep    *ImportReport
	byName map[string][]*divisions.Division // village name or short name → villages
	loc    *divisions.Locator               // built on the first row with coordinates
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
func (p *facilityParser) parse(r *record) (facilityRow, []*RowError) {
	var errs []*RowError
	fail := func(e *RowError) {
		if e != nil {
			errs = append(errs, e)
		}
	}
	out := facilityRow{row: r.row}
	f := &out.f
	if s := r.get("id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			fail(r.errf("id", "not a positive whole number"))
		}
		out.id = id
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
	if div == nil && r.get("division_code") == "" && r.get("village") == "" {
		fail(r.errf("division_code", "missing: give division_code or village"))
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
	if len(errs) > 0 {
		return out, errs
	}
	f.DivisionCode = div.Code
	if havePt {
		f.Point = p.conv(pt)
		f.Provenance = divisions.Real
		if p.loc == nil {
			p.loc = divisions.NewLocator(p.tree)
		}
		if err := p.loc.CheckNear(div.Code, f.Point); err != nil {
			return out, []*RowError{r.errf("lon", "%v", err)}
		}
		p.checkInside(r, f.Point, div)
	} else {
		if !div.HasSeat {
			return out, []*RowError{r.errf("lon", "no coordinates, and %s %s has no seat point to place the facility at", div.Code, div.Name)}
		}
		f.Point = div.Seat
		f.Provenance = divisions.Derived
		out.derived = true
	}
	return out, nil
}

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
			p.rep.warn("row %d: point (%.6f, %.6f) lies outside the boundary of %s %s (check the coordinates and the CRS)", r.row, pt[0], pt[1], d.Code, d.Name)
		}
		return
	}
}

// ImportFacilities reads facilities from CSV or GeoJSON and writes them in one transaction
// with one audit entry (action "import"): every row is validated first, and any bad row
// means nothing is written (the error names the rows and fields, see RowError). With
// o.Replace the live facilities of the kinds present (except planned facilities of saved
// plans) are soft-deleted and every row inserted; otherwise rows are merged: matched by id
// when given, else by kind + division_code + name, and updated, or inserted.
func (s *Store) ImportFacilities(ctx context.Context, r io.Reader, name string, o ImportOptions, a Actor) (ImportReport, error) {
	var rep ImportReport
	in, err := s.readImport(r, name, o, FacilityFieldAliases(), [][]string{{"kind"}, {"name"}, {"division_code", "village"}}, []string{"Point"}, &rep)
	if err != nil {
		return rep, err
	}
	format, conv, tree, recs := in.format, in.conv, in.tree, in.recs
	rep.Read = len(recs)
	p := newFacilityParser(tree, conv, &rep)
	var bad rowErrors
	rows := make([]facilityRow, 0, len(recs))
	for i := range recs {
		fr, errs := p.parse(&recs[i])
		for _, e := range errs {
			bad.add(e)
		}
		rows = append(rows, fr)
	}
	if err := bad.err(); err != nil {
		return ImportReport{Read: rep.Read}, fmt.Errorf("import %s: nothing imported: %w", name, err)
	}
	for _, fr := range rows {
		if fr.derived {
			rep.Derived++
		}
	}
	if o.Replace {
		for _, fr := range rows {
			if fr.id != 0 {
				rep.warn("ids are ignored when replacing (row %d has id %d)", fr.row, fr.id)
				break
			}
		}
	}

	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		if o.Replace {
			if err := s.replaceKinds(ctx, tx, rows, &rep); err != nil {
				return err
			}
		}
		live, err := liveFacilityKeys(ctx, tx)
		if err != nil {
			return err
		}
		seen := map[string]int{}
		for i, fr := range rows {
			if err := ctx.Err(); err != nil {
				return err
			}
			if o.Progress != nil && (i%500 == 0 || i == len(rows)-1) {
				o.Progress(i+1, len(rows))
			}
			key := facilityKey(fr.f)
			if prev, dup := seen[key]; dup {
				rep.warn("row %d repeats row %d (same kind, division and name): it updates that facility", fr.row, prev)
			}
			seen[key] = fr.row
			id := int64(0)
			if !o.Replace {
				id = live[key]
				if fr.id != 0 {
					id = fr.id
				}
			}
			if id == 0 {
				nid, err := s.InsertFacility(ctx, tx, fr.f)
				if err != nil {
					return &RowError{Row: fr.row, Err: err}
				}
				live[key] = nid
				rep.Inserted++
				continue
			}
			old, err := GetFacility(ctx, tx, id)
			if errors.Is(err, ErrNotFound) {
				return &RowError{Row: fr.row, Field: "id", Value: strconv.FormatInt(id, 10), Err: errors.New("no live facility has this id")}
			}
			if err != nil {
				return err
			}
			f := fr.f
			f.ID, f.PlanID = id, old.PlanID
			if reflect.DeepEqual(f, old.Facility) {
				rep.Unchanged++
				continue
			}
			if _, err := s.UpdateFacility(ctx, tx, f, old.Version); err != nil {
				return &RowError{Row: fr.row, Err: err}
			}
			delete(live, facilityKey(old.Facility))
			live[key] = id
			rep.Updated++
		}
		_, err = s.insertAudit(ctx, tx, a, "import", "facilities/"+name, nil, map[string]any{
			"file": name, "format": format, "crs": crsName(o.CRS), "replace": o.Replace,
			"read": rep.Read, "inserted": rep.Inserted, "updated": rep.Updated, "unchanged": rep.Unchanged,
			"deleted": rep.Deleted, "derived": rep.Derived, "warnings": len(rep.Warnings)})
		return err
	})
	if err != nil {
		return ImportReport{Read: rep.Read}, fmt.Errorf("import %s: nothing imported: %w", name, err)
	}
	return rep, nil
}

func crsName(c string) string {
	if c == "" {
		return "wgs84"
	}
	return strings.ToLower(c)
}

func facilityKey(f facilities.Facility) string {
	return string(f.Kind) + "\x00" + string(f.DivisionCode) + "\x00" + f.Name
}

// liveFacilityKeys maps kind+division+name to the id of each live facility (the lowest id
// when several share a key).
func liveFacilityKeys(ctx context.Context, tx *sql.Tx) (map[string]int64, error) {
	rows, err := tx.QueryContext(ctx, "SELECT id, kind, division_code, name FROM facilities WHERE deleted_at IS NULL ORDER BY id DESC")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var f facilities.Facility
		var kind, code string
		if err := rows.Scan(&f.ID, &kind, &code, &f.Name); err != nil {
			return nil, err
		}
		f.Kind, f.DivisionCode = facilities.Kind(kind), divisions.Code(code)
		m[facilityKey(f)] = f.ID
	}
	return m, rows.Err()
}

// replaceKinds soft-deletes the live facilities (not belonging to a saved plan) of every
// kind present in rows.
func (s *Store) replaceKinds(ctx context.Context, tx *sql.Tx, rows []facilityRow, rep *ImportReport) error {
	kinds := map[facilities.Kind]bool{}
	for _, fr := range rows {
		kinds[fr.f.Kind] = true
	}
	var ks []string
	for k := range kinds {
		ks = append(ks, string(k))
	}
	sort.Strings(ks)
	for _, k := range ks {
		ids, err := queryIDs(ctx, tx, "SELECT id FROM facilities WHERE deleted_at IS NULL AND plan_id IS NULL AND kind = ? ORDER BY id", k)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := s.DeleteFacility(ctx, tx, id, 0); err != nil {
				return err
			}
			rep.Deleted++
		}
	}
	return nil
}

func queryIDs(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
