package hubeibuild

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Source file paths, relative to the source directory (data/sources/hubei).
const (
	fileProvince    = "divisions/hubei_2023_province.csv"
	fileCities      = "divisions/hubei_2023_cities.csv"
	fileAreas       = "divisions/hubei_2023_areas.csv"
	fileStreets     = "divisions/hubei_2023_streets.csv"
	fileVillages    = "divisions/hubei_2023_villages.csv"
	fileURCode      = "divisions/hubei_2023_villages_with_urcode2016.csv"
	fileCounties    = "boundaries/garybikini_amap_2020/hubei_counties_garybikini_2020.geojson"
	fileTownPoints  = "points/hubei_2023_township_points_joined.csv"
	fileVonngPoints = "points/hubei_vonng2016_town_village_points_gcj02.geojson"
	fileYearbook    = "population/hubei_census2020_county_yearbook.leiii.csv"
	fileTudiPop     = "population/hubei_census2020_county_population.tudigong.csv"
	fileTudiAges    = "population/hubei_census2020_county_ages.tudigong.csv"
)

// countyCrosswalk maps codes used by the 2020 polygon layer to their 2023 codes.
var countyCrosswalk = map[string]string{"421023": "421088"}

// unit is one 2023 division as listed in the code files.
type unit struct {
	code divisions.Code
	name string
}

// countyShape is one county polygon of the 2020 layer, converted to WGS84.
type countyShape struct {
	code   divisions.Code
	name   string
	shape  orb.MultiPolygon
	centre orb.Point // county seat (layer's centre point, converted)
	cityC  orb.Point // prefecture seat
	provC  orb.Point // province seat
}

// townPoint holds the location evidence of one township from the joined points file.
type townPoint struct {
	geonames, vonng       orb.Point // WGS84 (vonng converted from GCJ-02)
	hasGeonames, hasVonng bool
}

// census holds the real 2020 census figures of one county.
type census struct {
	total, age60, age65 int64
	urban, rural        int64
	viaShares           bool // figures are tudigong totals × rounded shares
}

// sources is everything read from the source directory.
type sources struct {
	province, cities, counties, towns, villages []unit
	urCode                                      map[divisions.Code]string
	shapes                                      map[divisions.Code]*countyShape
	townPts                                     map[divisions.Code]townPoint
	villagePts                                  map[divisions.Code]vonngPoint
	census                                      map[divisions.Code]census
}

type vonngPoint struct {
	name string
	p    orb.Point // WGS84
}

// readCSV reads a whole CSV file with a header; rows are maps from column name to value.
func readCSV(dir, name string) ([]map[string]string, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", name, err)
	}
	head[0] = strings.TrimPrefix(head[0], "\ufeff")
	var rows []map[string]string
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", name, line, err)
		}
		m := make(map[string]string, len(head))
		for i, h := range head {
			if i < len(rec) {
				m[h] = strings.TrimSpace(rec[i])
			}
		}
		rows = append(rows, m)
	}
	return rows, nil
}

func readUnits(dir, name string, want int) ([]unit, error) {
	rows, err := readCSV(dir, name)
	if err != nil {
		return nil, err
	}
	us := make([]unit, 0, len(rows))
	for i, r := range rows {
		c, err := divisions.ParseCode(r["code"])
		if err != nil {
			return nil, fmt.Errorf("%s: row %d: %w", name, i+2, err)
		}
		if c.Level() != divisions.Level(want) {
			return nil, fmt.Errorf("%s: row %d: code %s is a %s, want %s", name, i+2, c, c.Level(), divisions.Level(want))
		}
		if r["name"] == "" {
			return nil, fmt.Errorf("%s: row %d: code %s has no name", name, i+2, c)
		}
		us = append(us, unit{c, r["name"]})
	}
	return us, nil
}

func parseFloat(s, what string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a number", what, s)
	}
	return v, nil
}

func parseInt(s, what string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not an integer", what, s)
	}
	return v, nil
}

func pointFrom(lon, lat, what string) (orb.Point, bool, error) {
	if lon == "" && lat == "" {
		return orb.Point{}, false, nil
	}
	x, err := parseFloat(lon, what+" longitude")
	if err != nil {
		return orb.Point{}, false, err
	}
	y, err := parseFloat(lat, what+" latitude")
	if err != nil {
		return orb.Point{}, false, err
	}
	if math.IsNaN(x) || math.IsNaN(y) || x < 70 || x > 140 || y < 0 || y > 60 {
		return orb.Point{}, false, fmt.Errorf("%s: %s,%s is not a lon/lat in China", what, lon, lat)
	}
	return orb.Point{x, y}, true, nil
}

// load reads and checks every source file.
func load(dir string) (*sources, error) {
	s := &sources{}
	var err error
	for _, f := range []struct {
		dst   *[]unit
		name  string
		level divisions.Level
	}{
		{&s.province, fileProvince, divisions.Province},
		{&s.cities, fileCities, divisions.Prefecture},
		{&s.counties, fileAreas, divisions.County},
		{&s.towns, fileStreets, divisions.Township},
		{&s.villages, fileVillages, divisions.Village},
	} {
		if *f.dst, err = readUnits(dir, f.name, int(f.level)); err != nil {
			return nil, err
		}
	}
	if err := s.loadURCode(dir); err != nil {
		return nil, err
	}
	if err := s.loadShapes(dir); err != nil {
		return nil, err
	}
	if err := s.loadPoints(dir); err != nil {
		return nil, err
	}
	if err := s.loadCensus(dir); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *sources) loadURCode(dir string) error {
	rows, err := readCSV(dir, fileURCode)
	if err != nil {
		return err
	}
	s.urCode = map[divisions.Code]string{}
	for i, r := range rows {
		c, err := divisions.ParseCode(r["code"])
		if err != nil {
			return fmt.Errorf("%s: row %d: %w", fileURCode, i+2, err)
		}
		if u := r["ur_code_2016"]; u != "" {
			if len(u) != 3 || (u[0] != '1' && u[0] != '2') {
				return fmt.Errorf("%s: row %d: ur_code %q is not a 1xx/2xx code", fileURCode, i+2, u)
			}
			s.urCode[c] = u
		}
	}
	return nil
}

// convertMP converts every vertex of a GCJ-02 multipolygon to WGS84, rounded to 1e-6°; it
// rejects rings that collapse to fewer than 3 distinct vertices.
func convertMP(mp orb.MultiPolygon) (orb.MultiPolygon, error) {
	out := make(orb.MultiPolygon, len(mp))
	for i, poly := range mp {
		out[i] = make(orb.Polygon, len(poly))
		for j, ring := range poly {
			r := make(orb.Ring, 0, len(ring))
			for _, p := range ring {
				q := roundPt(geo.GCJ02ToWGS84(p))
				if math.IsNaN(q[0]) || math.IsNaN(q[1]) {
					continue
				}
				if len(r) > 0 && r[len(r)-1] == q {
					continue
				}
				r = append(r, q)
			}
			if len(r) > 0 && r[0] != r[len(r)-1] {
				r = append(r, r[0])
			}
			if len(r) < 4 {
				return nil, fmt.Errorf("polygon %d ring %d has fewer than 3 distinct vertices", i, j)
			}
			out[i][j] = r
		}
	}
	return out, nil
}

func (s *sources) loadShapes(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, fileCounties))
	if err != nil {
		return err
	}
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		return fmt.Errorf("%s: %w", fileCounties, err)
	}
	s.shapes = map[divisions.Code]*countyShape{}
	for i, f := range fc.Features {
		ad := f.Properties.MustString("adcode", "")
		if x, ok := countyCrosswalk[ad]; ok {
			ad = x
		}
		c, err := divisions.ParseCode(ad)
		if err != nil || c.Level() != divisions.County {
			return fmt.Errorf("%s: feature %d: adcode %q is not a county code", fileCounties, i, ad)
		}
		var mp orb.MultiPolygon
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			mp = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			mp = g
		default:
			return fmt.Errorf("%s: feature %d (%s): geometry is %s, want a polygon", fileCounties, i, c, f.Geometry.GeoJSONType())
		}
		shape, err := convertMP(mp)
		if err != nil {
			return fmt.Errorf("%s: feature %d (%s): %w", fileCounties, i, c, err)
		}
		cs := &countyShape{code: c, name: f.Properties.MustString("name", ""), shape: shape}
		for _, pp := range []struct {
			dst      *orb.Point
			lon, lat string
		}{{&cs.centre, "centerlng", "centerlat"}, {&cs.cityC, "ctcenterln", "ctcenterla"}, {&cs.provC, "prcenterln", "prcenterla"}} {
			lon, lat := f.Properties.MustFloat64(pp.lon, 0), f.Properties.MustFloat64(pp.lat, 0)
			if lon == 0 || lat == 0 {
				return fmt.Errorf("%s: feature %d (%s): missing %s/%s", fileCounties, i, c, pp.lon, pp.lat)
			}
			*pp.dst = roundPt(geo.GCJ02ToWGS84(orb.Point{lon, lat}))
		}
		if _, dup := s.shapes[c]; dup {
			return fmt.Errorf("%s: county %s appears twice", fileCounties, c)
		}
		s.shapes[c] = cs
	}
	return nil
}

func (s *sources) loadPoints(dir string) error {
	rows, err := readCSV(dir, fileTownPoints)
	if err != nil {
		return err
	}
	s.townPts = map[divisions.Code]townPoint{}
	for i, r := range rows {
		c, err := divisions.ParseCode(r["code"])
		if err != nil {
			return fmt.Errorf("%s: row %d: %w", fileTownPoints, i+2, err)
		}
		var tp townPoint
		where := fmt.Sprintf("%s: row %d (%s)", fileTownPoints, i+2, c)
		if tp.geonames, tp.hasGeonames, err = pointFrom(r["wgs84_lon"], r["wgs84_lat"], where+" wgs84"); err != nil {
			return err
		}
		var g orb.Point
		if g, tp.hasVonng, err = pointFrom(r["gcj02_lon"], r["gcj02_lat"], where+" gcj02"); err != nil {
			return err
		}
		if tp.hasVonng {
			tp.vonng = roundPt(geo.GCJ02ToWGS84(g))
		}
		tp.geonames = roundPt(tp.geonames)
		s.townPts[c] = tp
	}
	b, err := os.ReadFile(filepath.Join(dir, fileVonngPoints))
	if err != nil {
		return err
	}
	var fc struct {
		Features []struct {
			Properties struct {
				Code  string `json:"code"`
				Name  string `json:"name"`
				Level string `json:"level"`
			} `json:"properties"`
			Geometry struct {
				Type        string    `json:"type"`
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		return fmt.Errorf("%s: %w", fileVonngPoints, err)
	}
	s.villagePts = map[divisions.Code]vonngPoint{}
	for i, f := range fc.Features {
		if f.Properties.Level != "village" {
			continue
		}
		c, err := divisions.ParseCode(f.Properties.Code)
		if err != nil {
			return fmt.Errorf("%s: feature %d: %w", fileVonngPoints, i, err)
		}
		if f.Geometry.Type != "Point" || len(f.Geometry.Coordinates) < 2 {
			return fmt.Errorf("%s: feature %d (%s): geometry is not a point", fileVonngPoints, i, c)
		}
		p := orb.Point{f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]}
		s.villagePts[c] = vonngPoint{f.Properties.Name, roundPt(geo.GCJ02ToWGS84(p))}
	}
	return nil
}

// ageBands60 and ageBands65 are the yearbook's 5-year band suffixes from 60 and from 65 on.
var (
	ageBands60  = []string{"60到64岁", "65到69岁", "70到74岁", "75到79岁", "80到84岁", "85岁以上"}
	ageShares60 = []string{"AGES_60-64", "AGES_65-69", "AGES_70-74", "AGES_75-79", "AGES_80-84", "AGES_85P"}
)

func (s *sources) loadCensus(dir string) error {
	yb, err := readCSV(dir, fileYearbook)
	if err != nil {
		return err
	}
	s.census = map[divisions.Code]census{}
	for i, r := range yb {
		code := r["区划代码"]
		if len(code) != 6 || strings.HasSuffix(code, "00") {
			continue // province and prefecture rows
		}
		c, err := divisions.ParseCode(code)
		if err != nil {
			return fmt.Errorf("%s: row %d: %w", fileYearbook, i+2, err)
		}
		where := fmt.Sprintf("%s: row %d (%s)", fileYearbook, i+2, c)
		var cs census
		if cs.total, err = parseInt(r["人口数_合计"], where+" 人口数_合计"); err != nil {
			return err
		}
		if cs.urban, err = parseInt(r["城镇人口"], where+" 城镇人口"); err != nil {
			return err
		}
		if cs.rural, err = parseInt(r["乡村人口"], where+" 乡村人口"); err != nil {
			return err
		}
		for k, band := range ageBands60 {
			for _, sex := range []string{"男_", "女_"} {
				v, err := parseInt(r[sex+band], where+" "+sex+band)
				if err != nil {
					return err
				}
				cs.age60 += v
				if k > 0 {
					cs.age65 += v
				}
			}
		}
		if cs.urban+cs.rural != cs.total {
			return fmt.Errorf("%s: 城镇人口 %d + 乡村人口 %d ≠ 人口数_合计 %d", where, cs.urban, cs.rural, cs.total)
		}
		s.census[c] = cs
	}
	pop, err := readCSV(dir, fileTudiPop)
	if err != nil {
		return err
	}
	ages, err := readCSV(dir, fileTudiAges)
	if err != nil {
		return err
	}
	agesBy := map[string]map[string]string{}
	for _, r := range ages {
		agesBy[r["CODE"]] = r
	}
	for i, r := range pop {
		c, err := divisions.ParseCode(r["CODE"])
		if err != nil {
			return fmt.Errorf("%s: row %d: %w", fileTudiPop, i+2, err)
		}
		if _, ok := s.census[c]; ok {
			continue
		}
		where := fmt.Sprintf("%s: row %d (%s)", fileTudiPop, i+2, c)
		total, err := parseInt(r["POPU"], where+" POPU")
		if err != nil {
			return err
		}
		urb, err := parseFloat(r["POPU_URB"], where+" POPU_URB")
		if err != nil {
			return err
		}
		a, ok := agesBy[r["CODE"]]
		if !ok {
			return fmt.Errorf("%s: county %s has no row in %s", fileTudiPop, c, fileTudiAges)
		}
		var sh60 float64
		for _, col := range ageShares60 {
			v, err := parseFloat(a[col], fileTudiAges+" "+string(c)+" "+col)
			if err != nil {
				return err
			}
			sh60 += v
		}
		sh65, err := parseFloat(a["AGES_65P"], fileTudiAges+" "+string(c)+" AGES_65P")
		if err != nil {
			return err
		}
		cs := census{total: total, viaShares: true}
		cs.age60 = int64(float64(total)*sh60 + 0.5)
		cs.age65 = int64(float64(total)*sh65 + 0.5)
		cs.urban = int64(float64(total)*urb + 0.5)
		cs.rural = total - cs.urban
		s.census[c] = cs
	}
	return nil
}
