package storetest

import (
	"github.com/civplan/civplan/data/dataset/datasettest"
	"github.com/civplan/civplan/data/store"

	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/civplan/civplan/data/formats"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
	"golang.org/x/text/encoding/simplifiedchinese"
)

var importer = store.Actor{TokenID: 3, Name: "民政局", Role: store.RolePlanner, RequestID: "r-9"}

// newFacilities returns the live facilities whose id is not one of the seeded 10–13, by name.
func newFacilities(t *testing.T, s Store) map[string]facilities.Facility {
	t.Helper()
	fs, err := s.LoadFacilities()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]facilities.Facility{}
	for _, f := range fs {
		if f.ID > 13 {
			f.ID = 0
			out[f.Name] = f
		}
	}
	return out
}

func importAudit(t *testing.T, s Store) []store.AuditEntry {
	t.Helper()
	es, err := s.AuditLog(context.Background(), store.AuditFilter{Action: "import"})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func testImportFacilitiesGood(t *testing.T, open Opener) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes(bytes.TrimPrefix(readTestdata(t, "facilities_bom_zh.csv"), []byte("\xef\xbb\xbf")))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(gbk, []byte("古夫")) || utf8.Valid(gbk) {
		t.Fatal("the GBK fixture is not GBK")
	}
	zhWant := map[string]facilities.Facility{
		"古夫镇中心敬老院": {Kind: facilities.WelfareHome, Name: "古夫镇中心敬老院", DivisionCode: datasettest.Town, Point: orb.Point{110.753, 31.353},
			Status: facilities.StatusOperating, Beds: 80, FloorAreaM2: 3000, Opened: "2015-06-01", Provenance: divisions.Real,
			Renovated: facilities.Renovation{FireSafety: facilities.Yes, Accessibility: facilities.No, SpecialCare: facilities.Unknown}},
		"兴山县殡仪馆二期": {Kind: facilities.FuneralHome, Name: "兴山县殡仪馆二期", DivisionCode: datasettest.County, Point: orb.Point{110.77, 31.37},
			Status: facilities.StatusBuilding, Provenance: divisions.Real},
	}
	cases := []struct {
		name    string
		file    string
		data    []byte
		derived int
		want    map[string]facilities.Facility
	}{
		{"utf-8 english headers", "facilities_good.csv", readTestdata(t, "facilities_good.csv"), 1, map[string]facilities.Facility{
			"高桥乡敬老院": {Kind: facilities.WelfareHome, Name: "高桥乡敬老院", DivisionCode: datasettest.Twp, Point: orb.Point{110.61, 31.11},
				Status: facilities.StatusOperating, Beds: 40, FloorAreaM2: 1800.5, Opened: "2012-03-01", Provenance: divisions.Real,
				Renovated: facilities.Renovation{FireSafety: facilities.Yes, Accessibility: facilities.No}},
			"昭君村互助养老点二": {Kind: facilities.MutualAidElderly, Name: "昭君村互助养老点二", DivisionCode: datasettest.Vil2,
				Point: orb.Point{110.80, 31.40}, Status: facilities.StatusPlanned, Provenance: divisions.Derived},
			"平水村综合服务站, 东": {Kind: facilities.CommunityServiceCenter, Name: "平水村综合服务站, 东", DivisionCode: datasettest.Vil1,
				Point: orb.Point{110.7005, 31.3005}, Status: facilities.StatusOperating, FloorAreaM2: 350, Opened: "2020-06-01", Provenance: divisions.Real},
		}},
		{"utf-8 with BOM, chinese headers and values", "facilities_bom_zh.csv", readTestdata(t, "facilities_bom_zh.csv"), 0, zhWant},
		{"GBK as chinese excel writes it", "facilities_gbk.csv", gbk, 0, zhWant},
		{"tab-separated", "facilities_tab.txt", []byte(strings.ReplaceAll(strings.TrimPrefix(string(readTestdata(t, "facilities_bom_zh.csv")), "\ufeff"), ",", "\t")), 0, zhWant},
		{"geojson points and a null geometry", "facilities_good.geojson", readTestdata(t, "facilities_good.geojson"), 1, map[string]facilities.Facility{
			"高桥区域养老中心": {Kind: facilities.RegionalCareCenter, Name: "高桥区域养老中心", DivisionCode: datasettest.Twp, Point: orb.Point{110.61, 31.11},
				Status: facilities.StatusBuilding, Beds: 120, FloorAreaM2: 5200.25, Opened: "2025", Provenance: divisions.Real,
				Renovated: facilities.Renovation{FireSafety: facilities.Yes}},
			"平水公墓": {Kind: facilities.PublicCemetery, Name: "平水公墓", DivisionCode: datasettest.Vil1, Point: orb.Point{110.70, 31.30},
				Status: facilities.StatusOperating, Provenance: divisions.Derived, Renovated: facilities.Renovation{Accessibility: facilities.No}},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := seeded(t, open)
			v0, _ := s.Version()
			rep, err := s.ImportFacilities(context.Background(), bytes.NewReader(c.data), c.file, store.ImportOptions{}, importer)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Read != len(c.want) || rep.Inserted != len(c.want) || rep.Updated != 0 || rep.Deleted != 0 || rep.Derived != c.derived {
				t.Errorf("report %+v, want %d read and inserted, %d derived", rep, len(c.want), c.derived)
			}
			got := newFacilities(t, s)
			if !reflect.DeepEqual(got, c.want) {
				for k := range c.want {
					if !reflect.DeepEqual(got[k], c.want[k]) {
						t.Errorf("%s:\n got %+v\nwant %+v", k, got[k], c.want[k])
					}
				}
				if len(got) != len(c.want) {
					t.Errorf("%d new facilities, want %d", len(got), len(c.want))
				}
			}
			es := importAudit(t, s)
			if len(es) != 1 || es[0].Actor != "民政局" || es[0].Target != "facilities/"+c.file {
				t.Fatalf("import audit entries %+v", es)
			}
			var after map[string]any
			json.Unmarshal(es[0].After, &after)
			if after["inserted"] != float64(len(c.want)) || after["derived"] != float64(c.derived) {
				t.Errorf("audit after %s", es[0].After)
			}
			if v, _ := s.Version(); v != v0+1 {
				t.Errorf("version %d → %d, want one bump", v0, v)
			}
		})
	}
}

func testImportFacilitiesRejectsWholeFile(t *testing.T, open Opener) {
	hdr := "kind,name,division_code,lon,lat,status,beds,floor_area_m2,opened\n"
	ok := "mutual_aid_elderly,好,420526100201,110.70,31.30,operating,1,10,2020-01-01\n"
	asciiOK := "mutual_aid_elderly,ok,420526100201,110.70,31.30,operating,1,10,2020-01-01\n"
	cases := []struct {
		name string
		file string
		data []byte
		want string // substrings of the error, in order
	}{
		{"one bad row in the middle", "facilities_bad_row.csv", readTestdata(t, "facilities_bad_row.csv"), "row 4, field lon (\"110.7x\"): not a decimal number"},
		{"invalid bytes in both encodings", "x.csv", []byte(hdr + asciiOK + "mutual_aid_elderly,\x80\x80,420526100201,110.7,31.3,,,,\n"),
			fmt.Sprintf("neither UTF-8 (bad byte 0x80 at line 3, byte offset %[1]d) nor GBK/GB18030 (bad byte 0x80 at line 3, byte offset %[1]d)", len(hdr+asciiOK+"mutual_aid_elderly,"))},
		{"GBK pair cut by a comma", "x.csv", []byte(hdr + asciiOK + "mutual_aid_elderly,\xb0,420526100201,110.7,31.3,,,,\n"),
			fmt.Sprintf("nor GBK/GB18030 (bad byte 0xB0 at line 3, byte offset %d)", len(hdr+asciiOK+"mutual_aid_elderly,"))},
		{"UTF-8 BOM then bad byte", "x.csv", append([]byte("\xef\xbb\xbf"+hdr), 0xff), fmt.Sprintf("line 2, byte offset %d: invalid UTF-8", 3+len(hdr))},
		{"UTF-16", "x.csv", []byte("\xff\xfek\x00"), "UTF-16"},
		{"negative beds", "x.csv", []byte(hdr + ok + ok + "mutual_aid_elderly,x,420526100201,110.7,31.3,,-1,,\n"), "row 4, field beds (\"-1\"): negative"},
		{"NaN area", "x.csv", []byte(hdr + "mutual_aid_elderly,x,420526100201,110.7,31.3,,,NaN,\n"), "row 2, field floor_area_m2 (\"NaN\"): not a finite number"},
		{"infinite lon", "x.csv", []byte(hdr + "mutual_aid_elderly,x,420526100201,+Inf,31.3,,,,\n"), "row 2, field lon (\"+Inf\"): not a finite number"},
		{"lat out of range", "x.csv", []byte(hdr + "mutual_aid_elderly,x,420526100201,110.7,95,,,,\n"), "row 2, field lat (\"95\"): outside [-90, 90]"},
		{"outside China", "x.csv", []byte(hdr + "mutual_aid_elderly,x,420526100201,2.35,48.85,,,,\n"), "row 2, field lon (\"2.35\"): point (2.35, 48.85) lies outside China"},
		{"swapped", "x.csv", []byte(hdr + "mutual_aid_elderly,x,420526100201,31.3,110.7,,,,\n"), "lat (\"110.7\"): outside [-90, 90]"},
		{"swapped in range", "x.csv", []byte(hdr + "mutual_aid_elderly,x,420526100201,31.3,80.7,,,,\n"), "lon and lat look swapped"},
		{"lat without lon", "x.csv", []byte(hdr + "mutual_aid_elderly,x,420526100201,,31.3,,,,\n"), "row 2, field lon: missing while lat is given"},
		{"unknown kind", "x.csv", []byte(hdr + "hospital,x,420526100201,110.7,31.3,,,,\n"), "row 2, field kind (\"hospital\"): unknown facility kind"},
		{"unknown status", "x.csv", []byte(hdr + "mutual_aid_elderly,x,420526100201,110.7,31.3,open,,,\n"), "row 2, field status (\"open\")"},
		{"code not in tree", "x.csv", []byte(hdr + "mutual_aid_elderly,x,420526100299,110.7,31.3,,,,\n"), "row 2, field division_code (\"420526100299\"): not in the division tree"},
		{"malformed code", "x.csv", []byte(hdr + "mutual_aid_elderly,x,42052610020,110.7,31.3,,,,\n"), "row 2, field division_code (\"42052610020\")"},
		{"no place", "x.csv", []byte(hdr + "mutual_aid_elderly,x,,,,,,,\n"), "row 2, field division_code: missing: give division_code, village or the coordinates"},
		{"no place, point outside the province", "x.csv", []byte(hdr + "mutual_aid_elderly,x,,116.4,39.9,,,,\n"), "row 2, field lon (\"116.4\"): point 116.4, 39.9 lies outside 湖北省"},
		{"bad date", "x.csv", []byte(hdr + "mutual_aid_elderly,x,420526100201,110.7,31.3,,,,2019-13-01\n"), "row 2, field opened (\"2019-13-01\"): not a date"},
		{"no seat to derive from", "x.csv", []byte(hdr + "welfare_home,x,420526200000,,,,,,\n"), "has no seat point"},
		{"two bad rows both named", "x.csv", []byte(hdr + "mutual_aid_elderly,,420526100201,110.7,31.3,,,,\n" + ok + "mutual_aid_elderly,x,420526100201,110.7,31.3,,x,,\n"),
			"row 2, field name: missing\nrow 4, field beds (\"x\")"},
		{"ragged row", "x.csv", []byte(hdr + "mutual_aid_elderly,x,420526100201,110.7,31.3,,,,,extra\n"), "row 2 (\"extra\"): 10 fields"},
		{"header only", "x.csv", []byte(hdr), "no data rows"},
		{"no kind column", "x.csv", []byte("name,division_code\nx,420526100201\n"), "row 1: the header has no kind column"},
		{"no place column", "x.csv", []byte("kind,name\nwelfare_home,x\n"), "row 1: the header has no division_code or village or lon column"},
		{"duplicate column", "x.csv", []byte("kind,类型,name,division_code\n"), "row 1, field kind (\"类型\"): columns 1 and 2 both mean kind"},
		{"geojson linestring", "facilities_linestring.geojson", readTestdata(t, "facilities_linestring.geojson"), "feature 2, field geometry: geometry type \"LineString\" not accepted here (want Point)"},
		{"geojson syntax", "facilities_syntax.geojson", readTestdata(t, "facilities_syntax.geojson"), "invalid JSON at line 3, column 42"},
		{"geojson not a collection", "x.geojson", []byte(`{"type": "Feature"}`), "want FeatureCollection"},
		{"geojson object property", "x.geojson", []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"name":{"a":1}}}]}`), "feature 1, field name: want a string"},
		{"unknown format", "x.xlsx", []byte("x"), "cannot tell the format"},
	}
	// One store for every case: each must leave it as it found it (its own dumps before and after).
	s := seeded(t, open)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, _ := s.DumpTables(context.Background())
			rep, err := s.ImportFacilities(context.Background(), bytes.NewReader(c.data), c.file, store.ImportOptions{}, importer)
			if err == nil {
				t.Fatalf("import succeeded: %+v", rep)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q\nwant it to contain %q", err, c.want)
			}
			after, _ := s.DumpTables(context.Background())
			if !reflect.DeepEqual(before, after) {
				t.Error("a failed import changed the database")
			}
			if rep.Inserted+rep.Updated+rep.Deleted != 0 {
				t.Errorf("failed import reports writes: %+v", rep)
			}
		})
	}
	t.Run("row error is a RowError", func(t *testing.T) {
		s := seeded(t, open)
		_, err := s.ImportFacilities(context.Background(), bytes.NewReader(readTestdata(t, "facilities_bad_row.csv")), "b.csv", store.ImportOptions{}, importer)
		var re *formats.RowError
		if !errors.As(err, &re) || re.Row != 4 || re.Field != "lon" || re.Value != "110.7x" {
			t.Errorf("errors.As RowError: %+v from %v", re, err)
		}
	})
}

func testImportFacilitiesCRS(t *testing.T, open Opener) {
	// The file holds points in the input CRS made with the forward transforms (written with 10
	// decimals, ≈ 0.01 mm); the importer must store the WGS84 originals: both inverses are exact.
	wgs := []orb.Point{{110.61, 31.11}, {110.7005, 31.3005}, {110.95, 31.45}}
	cases := []struct {
		crs  string
		fwd  func(orb.Point) orb.Point
		tol  float64 // degrees
		tell float64 // the shift the conversion undoes must exceed this, so skipping it would fail
	}{
		{"gcj02", geo.WGS84ToGCJ02, 2e-10, 1e-4},
		{"bd09", geo.WGS84ToBD09, 2e-10, 1e-3}, // the published one-step inverse misses by up to 2e-5° here
		{"BD-09", geo.WGS84ToBD09, 2e-10, 1e-3},
		{"cgcs2000", func(p orb.Point) orb.Point { return p }, 0, -1},
		{"wgs84", func(p orb.Point) orb.Point { return p }, 0, -1},
	}
	for _, c := range cases {
		t.Run(c.crs, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("kind,name,division_code,lon,lat\n")
			for i, p := range wgs {
				q := c.fwd(p)
				if d := math.Hypot(q[0]-p[0], q[1]-p[1]); d <= c.tell {
					t.Fatalf("fixture point %v moves only %g° in %s", p, d, c.crs)
				}
				fmt.Fprintf(&b, "mutual_aid_elderly,p%d,420526100201,%.10f,%.10f\n", i, q[0], q[1])
			}
			s := seeded(t, open)
			if _, err := s.ImportFacilities(context.Background(), strings.NewReader(b.String()), "p.csv", store.ImportOptions{CRS: c.crs}, importer); err != nil {
				t.Fatal(err)
			}
			got := newFacilities(t, s)
			for i, p := range wgs {
				f := got[fmt.Sprintf("p%d", i)]
				if math.Abs(f.Point[0]-p[0]) > c.tol+1e-10 || math.Abs(f.Point[1]-p[1]) > c.tol+1e-10 {
					t.Errorf("p%d stored at %v, want %v ± %g", i, f.Point, p, c.tol)
				}
				if f.Provenance != divisions.Real {
					t.Errorf("p%d provenance %s, want real", i, f.Provenance)
				}
			}
		})
	}
	s := seeded(t, open)
	for _, bad := range []string{"epsg:3857", "epsg:4545", "gk3"} {
		if _, err := s.ImportFacilities(context.Background(), strings.NewReader("x"), "p.csv", store.ImportOptions{CRS: bad}, importer); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("CRS %q: %v, want an error naming it", bad, err)
		}
	}
}

func testImportFacilitiesByVillage(t *testing.T, open Opener) {
	s := seeded(t, open)
	rep, err := s.ImportFacilities(context.Background(), bytes.NewReader(readTestdata(t, "facilities_villages.csv")), "v.csv", store.ImportOptions{}, importer)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Derived != 3 || rep.Inserted != 3 {
		t.Errorf("report %+v, want 3 inserted, 3 derived", rep)
	}
	got := newFacilities(t, s)
	want := map[string]struct {
		code divisions.Code
		pt   orb.Point
	}{
		"昭君互助点":   {datasettest.Vil2, orb.Point{110.80, 31.40}},
		"高桥平水互助点": {datasettest.TwpVil1, orb.Point{110.60, 31.10}},
		"古夫平水互助点": {datasettest.Vil1, orb.Point{110.70, 31.30}},
	}
	for name, w := range want {
		f := got[name]
		if f.DivisionCode != w.code || f.Point != w.pt || f.Provenance != divisions.Derived {
			t.Errorf("%s: %s at %v (%s), want %s at %v (derived)", name, f.DivisionCode, f.Point, f.Provenance, w.code, w.pt)
		}
	}
	bad := []struct{ name, csv, want string }{
		{"ambiguous", "kind,name,village\nmutual_aid_elderly,x,平水村\n", "row 2, field village (\"平水村\"): 2 villages have this name (420526100201 平水村委会, 420526200201 平水村委会)"},
		{"unknown village", "kind,name,village,county\nmutual_aid_elderly,x,不存在村,兴山县\n", "no village of this name in 兴山县"},
		{"unknown county", "kind,name,village,county\nmutual_aid_elderly,x,平水,秭归县\n", "row 2, field county (\"秭归县\"): no county of this name"},
		{"village outside its township", "kind,name,village,township\nmutual_aid_elderly,x,昭君,高桥乡\n", "no village of this name in 高桥乡"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.ImportFacilities(context.Background(), strings.NewReader(c.csv), "v.csv", store.ImportOptions{}, importer)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v\nwant %q", err, c.want)
			}
		})
	}
}

func testImportFacilitiesMergeAndReplace(t *testing.T, open Opener) {
	ctx := context.Background()
	// Seeded: 10 welfare_home 古夫镇敬老院, 11 mutual_aid_elderly 平水村互助养老点 (datasettest.Vil1),
	// 12 mutual_aid_elderly planned of plan 3, 13 funeral_home.
	file := "kind,name,division_code,lon,lat,status,beds,id\n" +
		"mutual_aid_elderly,平水村互助养老点,420526100201,110.7011,31.3011,operating,,\n" + // key match → update 11
		"welfare_home,古夫镇敬老院(新),420526100000,110.752,31.352,operating,70,10\n" + // id → update 10
		"mutual_aid_elderly,昭君村互助养老点（新）,420526100202,110.8,31.4,operating,,\n" // → insert
	t.Run("merge", func(t *testing.T) {
		s := seeded(t, open)
		rep, err := s.ImportFacilities(ctx, strings.NewReader(file), "m.csv", store.ImportOptions{}, importer)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Inserted != 1 || rep.Updated != 2 || rep.Deleted != 0 {
			t.Errorf("report %+v, want 1 inserted, 2 updated", rep)
		}
		fs, _ := s.LoadFacilities()
		byID := map[int64]facilities.Facility{}
		for _, f := range fs {
			byID[f.ID] = f
		}
		if len(fs) != 5 {
			t.Errorf("%d live facilities, want 5", len(fs))
		}
		if f := byID[11]; f.Point != (orb.Point{110.7011, 31.3011}) || f.Provenance != divisions.Real {
			t.Errorf("facility 11 after merge: %+v", f)
		}
		if f := byID[10]; f.Name != "古夫镇敬老院(新)" || f.Beds != 70 {
			t.Errorf("facility 10 after merge: %+v", f)
		}
		if f := byID[12]; f.PlanID != 3 || f.Status != facilities.StatusPlanned {
			t.Errorf("facility 12 changed: %+v", f)
		}
		var hist int
		s.DB().QueryRow("SELECT count(*) FROM facility_history WHERE facility_id IN (10, 11)").Scan(&hist)
		if hist != 2 {
			t.Errorf("history rows %d, want 2", hist)
		}
		t.Run("again is unchanged", func(t *testing.T) {
			rep, err := s.ImportFacilities(ctx, strings.NewReader(file), "m.csv", store.ImportOptions{}, importer)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Inserted != 0 || rep.Updated != 0 || rep.Unchanged != 3 {
				t.Errorf("re-import report %+v, want 3 unchanged", rep)
			}
		})
		t.Run("feature-level id ignored", func(t *testing.T) {
			fc := `{"type":"FeatureCollection","features":[{"type":"Feature","id":10,"geometry":{"type":"Point","coordinates":[110.7,31.3]},
				"properties":{"kind":"welfare_home","name":"别的敬老院","division_code":"420526100000"}}]}`
			rep, err := s.ImportFacilities(ctx, strings.NewReader(fc), "f.geojson", store.ImportOptions{}, importer)
			if err != nil || rep.Inserted != 1 || rep.Updated != 0 {
				t.Errorf("report %+v, %v; want an insert, facility 10 untouched", rep, err)
			}
			if rec, _ := s.Facility(ctx, 10); rec.Name != "古夫镇敬老院(新)" {
				t.Errorf("facility 10 renamed to %q by a feature id", rec.Name)
			}
		})
		t.Run("unknown id", func(t *testing.T) {
			_, err := s.ImportFacilities(ctx, strings.NewReader("kind,name,division_code,lon,lat,id\nwelfare_home,x,420526100000,110.7,31.3,99\n"), "m.csv", store.ImportOptions{}, importer)
			if err == nil || !strings.Contains(err.Error(), "row 2, field id (\"99\"): no live facility") {
				t.Errorf("err %v", err)
			}
		})
	})
	t.Run("replace", func(t *testing.T) {
		s := seeded(t, open)
		rep, err := s.ImportFacilities(ctx, strings.NewReader(
			"kind,name,division_code,lon,lat\n"+
				"mutual_aid_elderly,平水村互助养老点,420526100201,110.7011,31.3011\n"+
				"mutual_aid_elderly,昭君互助点,420526100202,110.8,31.4\n"), "r.csv", store.ImportOptions{Replace: true}, importer)
		if err != nil {
			t.Fatal(err)
		}
		// 11 is matched by kind + division + name and updated (it keeps its id); 12 belongs to a
		// plan and stays; nothing else of the cell (mutual_aid_elderly × 420526) is left to remove.
		if rep.Deleted != 0 || rep.Inserted != 1 || rep.Updated != 1 {
			t.Errorf("report %+v, want 0 removed, 1 inserted, 1 updated", rep)
		}
		if !reflect.DeepEqual(rep.ReplaceScope, []string{"mutual_aid_elderly in 420526000000 兴山县"}) {
			t.Errorf("replace scope %q", rep.ReplaceScope)
		}
		fs, _ := s.LoadFacilities()
		var ids []int64
		for _, f := range fs {
			ids = append(ids, f.ID)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		if !reflect.DeepEqual(ids, []int64{10, 11, 12, 13, 14}) {
			t.Errorf("live ids %v, want [10 11 12 13 14]", ids)
		}
		// A second replace without 平水村's site removes it (soft delete: the row stays, marked).
		rep, err = s.ImportFacilities(ctx, strings.NewReader("kind,name,division_code,lon,lat\n"+
			"mutual_aid_elderly,昭君互助点,420526100202,110.8,31.4\n"), "r.csv", store.ImportOptions{Replace: true}, importer)
		if err != nil || rep.Deleted != 1 || rep.Unchanged != 1 {
			t.Fatalf("second replace: %+v %v; want 1 removed, 1 unchanged", rep, err)
		}
		var deleted int
		s.DB().QueryRow("SELECT count(*) FROM facilities WHERE id = 11 AND deleted_at IS NOT NULL").Scan(&deleted)
		if deleted != 1 {
			t.Error("facility 11 not soft-deleted (row should remain, marked)")
		}
	})
}

func testImportDivisions(t *testing.T, open Opener) {
	ctx := context.Background()
	t.Run("geojson boundary, seat, new village, rename", func(t *testing.T) {
		s := seeded(t, open)
		rep, err := s.ImportDivisions(ctx, bytes.NewReader(readTestdata(t, "divisions_good.geojson")), "d.geojson", store.ImportOptions{}, importer)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Inserted != 1 || rep.Updated != 2 {
			t.Errorf("report %+v, want 1 inserted, 2 updated", rep)
		}
		divs, _ := s.LoadDivisions()
		tree, err := divisions.NewTree(divs)
		if err != nil {
			t.Fatal(err)
		}
		twp := tree.Get(datasettest.Twp)
		if !reflect.DeepEqual(twp.Boundary, datasettest.Square(110.5, 31.0, 111.0, 31.25)) || twp.Sources.Geometry != divisions.Real {
			t.Errorf("township boundary %v (%s)", twp.Boundary, twp.Sources.Geometry)
		}
		if twp.Population != (divisions.Population{Total: 9100, Age60: 2600, Age65: 2000}) || twp.Name != "高桥乡" {
			t.Errorf("township %+v", twp)
		}
		nv := tree.Get("420526200202")
		want := divisions.Division{Code: "420526200202", Name: "新华村民委员会", ShortName: "新华村", Level: divisions.Village,
			Kind: divisions.KindVillageCommittee, Parent: datasettest.Twp, URCode: "220", Seat: orb.Point{110.65, 31.15}, HasSeat: true,
			Population: divisions.Population{Total: 700},
			Sources:    divisions.Sources{Seat: divisions.Real, Population: divisions.Real, Attributes: divisions.Real}}
		if nv == nil || !reflect.DeepEqual(*nv, want) {
			t.Errorf("new village\n got %+v\nwant %+v", nv, want)
		}
		v1 := tree.Get(datasettest.Vil1)
		if v1.Name != "平水村民委员会" || v1.ShortName != "平水村" || v1.URCode != "210" || v1.Programme == nil || v1.Programme.PilotYear != 2018 || v1.Seat != (orb.Point{110.70, 31.30}) {
			t.Errorf("renamed village lost or got wrong values: %+v", v1)
		}
		if es := importAudit(t, s); len(es) != 1 || es[0].Target != "divisions/d.geojson" {
			t.Errorf("audit %+v", es)
		}
	})
	t.Run("csv chinese headers", func(t *testing.T) {
		s := seeded(t, open)
		rep, err := s.ImportDivisions(ctx, bytes.NewReader(readTestdata(t, "divisions_pop.csv")), "p.csv", store.ImportOptions{}, importer)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Inserted != 1 || rep.Updated != 1 {
			t.Errorf("report %+v", rep)
		}
		divs, _ := s.LoadDivisions()
		tree, _ := divisions.NewTree(divs)
		v2 := tree.Get(datasettest.Vil2)
		if v2.Population != (divisions.Population{Total: 820, Age60: 270, Age65: 210}) || v2.Seat != (orb.Point{110.801, 31.401}) ||
			v2.Sources.Seat != divisions.Real || v2.Sources.Population != divisions.Real || v2.Name != "昭君村委会" {
			t.Errorf("updated village %+v", v2)
		}
		if nv := tree.Get("420526100210"); nv == nil || nv.HasSeat || nv.Kind != divisions.KindVillageCommittee || nv.ShortName != "向阳村" {
			t.Errorf("new village %+v", nv)
		}
	})
	t.Run("gcj02 boundary converted", func(t *testing.T) {
		s := seeded(t, open)
		ring := [][]float64{}
		sq := datasettest.Square(110.5, 31.0, 111.0, 31.25)[0][0]
		for _, p := range sq {
			q := geo.WGS84ToGCJ02(p)
			ring = append(ring, []float64{q[0], q[1]})
		}
		fc, _ := json.Marshal(map[string]any{"type": "FeatureCollection", "features": []any{map[string]any{
			"type": "Feature", "properties": map[string]any{"code": "420526200"},
			"geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{ring}}}}})
		if _, err := s.ImportDivisions(ctx, bytes.NewReader(fc), "g.geojson", store.ImportOptions{CRS: "gcj02"}, importer); err != nil {
			t.Fatal(err)
		}
		divs, _ := s.LoadDivisions()
		tree, _ := divisions.NewTree(divs)
		got := tree.Get(datasettest.Twp).Boundary[0][0]
		for i, p := range sq {
			if math.Abs(got[i][0]-p[0]) > 1e-8 || math.Abs(got[i][1]-p[1]) > 1e-8 {
				t.Errorf("vertex %d stored %v, want %v", i, got[i], p)
			}
		}
	})
	bad := []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"bowtie", "b.geojson", readTestdata(t, "divisions_bowtie.geojson"), "feature 1, field geometry: invalid Polygon: ring 0 of polygon 0 self-intersects at 110.75, 31.125 (vertex 0)"},
		{"unclosed ring", "u.geojson", []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"420526200"},
			"geometry":{"type":"Polygon","coordinates":[[[110.5,31.0],[111.0,31.0],[111.0,31.25],[110.5,31.25]]]}}]}`), "feature 1, field geometry: invalid Polygon"},
		{"polygon in Europe", "e.geojson", []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"420526200"},
			"geometry":{"type":"Polygon","coordinates":[[[2,48],[3,48],[3,49],[2,48]]]}}]}`), "lies outside China"},
		{"linestring", "l.geojson", []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"420526200"},
			"geometry":{"type":"LineString","coordinates":[[110.5,31.0],[111.0,31.0]]}}]}`), "feature 1, field geometry: geometry type \"LineString\" not accepted"},
		{"orphan", "o.csv", []byte("code,name\n420526300201,孤村村委会\n"), "row 2, field code (\"420526300201\"): parent 420526300000 is neither stored nor in this file"},
		{"new without name", "n.csv", []byte("code,pop_total\n420526100299,5\n"), "row 2, field name: missing for a new division"},
		{"age60 above total", "a.csv", []byte("code,pop_total,age60\n420526100201,100,200\n"), "row 2, field age60 (\"200\"): 200 aged 60+ exceeds the total 100"},
		{"bad kind", "k.csv", []byte("code,kind\n420526100201,town\n"), "row 2, field kind (\"town\"): not a village kind"},
		{"bad ur_code", "k.csv", []byte("code,ur_code\n420526100201,230\n"), "row 2, field ur_code (\"230\")"},
		{"duplicate", "d.csv", []byte("code,pop_total\n420526100201,5000\n420526100201,6000\n"), "row 3, field code (\"420526100201\"): also on row 2"},
		{"replace", "d.csv", []byte("code\n420526100201\n"), "replace is not supported"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			s := seeded(t, open)
			before, _ := s.DumpTables(ctx)
			_, err := s.ImportDivisions(ctx, bytes.NewReader(c.data), c.file, store.ImportOptions{Replace: c.name == "replace"}, importer)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v\nwant %q", err, c.want)
			}
			if after, _ := s.DumpTables(ctx); !reflect.DeepEqual(before, after) {
				t.Error("a failed import changed the database")
			}
		})
	}
	t.Run("new township and its village in one file", func(t *testing.T) {
		s := seeded(t, open)
		rep, err := s.ImportDivisions(ctx, strings.NewReader("code,name\n420526200202,新村村委会\n420526201000,新乡\n420526201201,新乡村委会\n"), "n.csv", store.ImportOptions{}, importer)
		if err != nil || rep.Inserted != 3 {
			t.Fatalf("%+v, %v", rep, err)
		}
	})
}

// A row with coordinates and no division (no column, or an empty cell) is registered where its
// point lies: the fixture's 古夫镇 area is lon 110.5–111, lat 31.25–31.5 and its nearest village
// point to (110.701, 31.301) is 平水村 (110.70, 31.30), worked out by hand.
func testImportFacilitiesLocatedByPoint(t *testing.T, open Opener) {
	ctx := context.Background()
	for _, file := range []string{
		"kind,name,lon,lat\nmutual_aid_elderly,点A,110.701,31.301\n",
		"kind,name,division_code,village,lon,lat\nmutual_aid_elderly,点A,,,110.701,31.301\n",
	} {
		s := seeded(t, open)
		rep, err := s.ImportFacilities(ctx, strings.NewReader(file), "p.csv", store.ImportOptions{}, importer)
		if err != nil {
			t.Fatalf("%q: %v", file, err)
		}
		if rep.Located != 1 || rep.Inserted != 1 {
			t.Errorf("report %+v, want 1 located and inserted", rep)
		}
		got := newFacilities(t, s)["点A"]
		if got.DivisionCode != datasettest.Vil1 || got.Point != (orb.Point{110.701, 31.301}) || got.Provenance != divisions.Real {
			t.Errorf("facility %+v; want it in 平水村 %s at its own point", got, datasettest.Vil1)
		}
	}
}
