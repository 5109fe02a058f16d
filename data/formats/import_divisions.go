package formats

import (
	"fmt"
	"io"
	"sort"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/project"
)

// DivisionFieldAliases lists, for each division import field, the header names accepted
// besides the English one (folded as for facilities).
func DivisionFieldAliases() map[string][]string {
	return map[string][]string{
		"code":       {"区划代码", "统计用区划代码", "行政区划代码", "代码", "adcode"},
		"name":       {"名称", "区划名称", "单位名称"},
		"short_name": {"简称"},
		"kind":       {"类型", "类别"},
		"ur_code":    {"城乡分类代码", "城乡分类"},
		"lon":        {"经度", "驻地经度", "seat_lon"},
		"lat":        {"纬度", "驻地纬度", "seat_lat"},
		"pop_total":  {"人口", "总人口", "常住人口", "population", "total"},
		"age60":      {"60岁及以上人口", "60岁以上人口", "60岁及以上", "pop_age60"},
		"age65":      {"65岁及以上人口", "65岁以上人口", "65岁及以上", "pop_age65"},
	}
}

// kindsByLevel lists the kind words valid at each level.
func kindsByLevel(l divisions.Level) []divisions.Kind {
	switch l {
	case divisions.Province:
		return []divisions.Kind{divisions.KindProvince}
	case divisions.Prefecture:
		return []divisions.Kind{divisions.KindPrefectureCity, divisions.KindAutonomousPrefecture, divisions.KindGroup}
	case divisions.County:
		return []divisions.Kind{divisions.KindDistrict, divisions.KindCountyCity, divisions.KindCounty, divisions.KindAutonomousCounty,
			divisions.KindForestryDistrict, divisions.KindStatistical}
	case divisions.Township:
		return []divisions.Kind{divisions.KindSubdistrict, divisions.KindTown, divisions.KindTownship, divisions.KindTownshipLike}
	}
	return []divisions.Kind{divisions.KindResidentsCommittee, divisions.KindVillageCommittee, divisions.KindResidentsLike, divisions.KindVillageLike}
}

// urCodes are the 2016 urban-rural classification codes.
var urCodes = map[string]bool{"111": true, "112": true, "121": true, "122": true, "123": true, "210": true, "220": true}

// DivisionRow is a validated input row: the division as it will be stored.
type DivisionRow struct {
	Row      int                // line (CSV) or feature number (GeoJSON), see RowError
	Division divisions.Division // absent fields hold the tree's values
	New      bool               // not in the tree: insert rather than update
}

// DivisionFile is a parsed, fully validated divisions import file.
type DivisionFile struct {
	Name   string        // the file name as given
	Format string        // "csv" or "geojson"
	CRS    string        // the input CRS (geo.CRS.String); rows are in WGS84
	Rows   []DivisionRow // sorted by code, so parents come before their children
	Report ImportReport  // Read and Warnings filled
}

func parseDivision(r *record, tree *divisions.Tree, conv func(orb.Point) orb.Point, pending map[divisions.Code]bool) (DivisionRow, []*RowError) {
	var errs []*RowError
	fail := func(e *RowError) {
		if e != nil {
			errs = append(errs, e)
		}
	}
	out := DivisionRow{Row: r.row}
	c, err := divisions.ParseCode(r.get("code"))
	if r.get("code") == "" {
		return out, []*RowError{r.errf("code", "missing")}
	}
	if err != nil {
		return out, []*RowError{r.errf("code", "%v", err)}
	}
	d := &out.Division
	if old := tree.Get(c); old != nil {
		*d = *old
		if old.Programme != nil {
			p := *old.Programme
			d.Programme = &p
		}
	} else {
		out.New = true
		*d = divisions.Division{Code: c, Level: c.Level(), Parent: c.Parent()}
		if d.Parent != "" && tree.Get(d.Parent) == nil && !pending[d.Parent] {
			fail(r.errf("code", "parent %s is neither stored nor in this file", d.Parent))
		}
		if r.get("name") == "" {
			fail(r.errf("name", "missing for a new division"))
		}
		d.Sources.Attributes = divisions.Real
	}
	if n := r.get("name"); n != "" && n != d.Name {
		d.Name = n
		d.ShortName = divisions.ShortName(n)
		d.Sources.Attributes = divisions.Real
	}
	if sn := r.get("short_name"); sn != "" {
		d.ShortName = sn
	}
	if k := r.get("kind"); k != "" {
		ok := false
		for _, v := range kindsByLevel(d.Level) {
			ok = ok || string(v) == k
		}
		if !ok {
			fail(r.errf("kind", "not a %s kind (want one of %v)", d.Level, kindsByLevel(d.Level)))
		}
		d.Kind = divisions.Kind(k)
	} else if out.New {
		d.Kind = divisions.KindOf(c, d.Name)
	}
	if u := r.get("ur_code"); u != "" {
		if !urCodes[u] {
			fail(r.errf("ur_code", "not a 2016 urban-rural code (111, 112, 121, 122, 123, 210 or 220)"))
		}
		d.URCode = u
	}
	pop := d.Population
	popGiven := false
	for _, f := range []struct {
		field string
		dst   *int64
	}{{"pop_total", &pop.Total}, {"age60", &pop.Age60}, {"age65", &pop.Age65}} {
		if r.get(f.field) == "" {
			continue
		}
		n, e := parseCount(r, f.field)
		fail(e)
		*f.dst = n
		popGiven = true
	}
	if popGiven {
		switch {
		case pop.Age60 > pop.Total && pop.Total > 0:
			fail(r.errf("age60", "%d aged 60+ exceeds the total %d", pop.Age60, pop.Total))
		case pop.Age65 > pop.Age60 && pop.Age60 > 0:
			fail(r.errf("age65", "%d aged 65+ exceeds the %d aged 60+", pop.Age65, pop.Age60))
		}
		d.Population = pop
		d.Sources.Population = divisions.Real
	}
	pt, havePt, e := parsePoint(r, "lon", "lat")
	fail(e)
	if g := r.geom; g != nil {
		switch g.typ {
		case "Point":
			if havePt {
				fail(r.errf("lon", "seat given both in properties and as the geometry"))
			}
			pt, havePt, e = checkChina(r, g.point, "geometry", "geometry")
			fail(e)
		default:
			if err := geo.Validate(g.multi); err != nil {
				fail(&RowError{Row: r.row, Feature: r.feature, Field: "geometry", Err: fmt.Errorf("invalid %s: %w", g.typ, err)})
				break
			}
			b := g.multi.Bound()
			if _, _, e := checkChina(r, b.Center(), "geometry", "geometry"); e != nil {
				fail(e)
				break
			}
			mp := project.MultiPolygon(g.multi.Clone(), conv)
			if err := geo.Validate(mp); err != nil {
				fail(&RowError{Row: r.row, Feature: r.feature, Field: "geometry", Err: fmt.Errorf("invalid after conversion to WGS84: %w", err)})
				break
			}
			d.Boundary = mp
			d.Sources.Geometry = divisions.Real
		}
	}
	if havePt {
		d.Seat, d.HasSeat = conv(pt), true
		d.Sources.Seat = divisions.Real
	}
	return out, errs
}

// ParseDivisions reads divisions from CSV or GeoJSON (attributes, populations, seat from
// lon/lat or a Point geometry, boundary from a Polygon or MultiPolygon geometry, validated with
// geo.Validate before and after conversion to WGS84) against o.Tree. Absent fields keep the tree's values; a new division needs a
// name and a parent that is in the tree or in the same file. Any bad row fails the whole file:
// the error names up to 20 rows and fields (see RowError).
func ParseDivisions(r io.Reader, name string, o ParseOptions) (*DivisionFile, error) {
	var rep ImportReport
	in, err := readImport(r, name, o, DivisionFieldAliases(), [][]string{{"code"}}, []string{"Point", "Polygon", "MultiPolygon"}, &rep)
	if err != nil {
		return nil, err
	}
	tree, conv, recs := in.tree, in.conv, in.recs
	rep.Read = len(recs)
	pending := map[divisions.Code]bool{}
	seenAt := map[divisions.Code]int{}
	for _, rec := range recs {
		if c, err := divisions.ParseCode(rec.get("code")); err == nil {
			pending[c] = true
		}
	}
	var bad rowErrors
	var rows []DivisionRow
	for i := range recs {
		dr, errs := parseDivision(&recs[i], tree, conv, pending)
		for _, e := range errs {
			bad.add(e)
		}
		if len(errs) == 0 {
			if prev, dup := seenAt[dr.Division.Code]; dup {
				bad.add(recs[i].errf("code", "also on row %d", prev))
			}
			seenAt[dr.Division.Code] = recs[i].row
		}
		rows = append(rows, dr)
	}
	if err := bad.err(); err != nil {
		return nil, fmt.Errorf("import %s: nothing imported: %w", name, err)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Division.Code < rows[j].Division.Code })
	return &DivisionFile{Name: name, Format: in.format, CRS: in.crs.String(), Rows: rows, Report: rep}, nil
}
