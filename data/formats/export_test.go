package formats

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/xuri/excelize/v2"
)

func exportFixture(t *testing.T) (*divisions.Tree, []facilities.Facility) {
	t.Helper()
	sq := func(x0, y0, x1, y1 float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
	}
	mk := func(code, name string, seat orb.Point, b orb.MultiPolygon, total int64) divisions.Division {
		c := divisions.MustCode(code)
		return divisions.Division{Code: c, Name: name, ShortName: divisions.ShortName(name), Level: c.Level(), Kind: divisions.KindOf(c, name),
			Parent: c.Parent(), Seat: seat, HasSeat: true, Boundary: b, URCode: "220",
			Population: divisions.Population{Total: total, Age60: total / 4, Age65: total / 5},
			Sources:    divisions.Sources{Geometry: divisions.Derived, Seat: divisions.Real, Population: divisions.Estimated}}
	}
	divs := []divisions.Division{
		mk("42", "湖北省", orb.Point{110.5, 31.5}, sq(110.1, 31.1, 110.9, 31.9), 3000),
		mk("4205", "宜昌市", orb.Point{110.5, 31.5}, sq(110.1, 31.1, 110.9, 31.9), 3000),
		mk("420526", "兴山县", orb.Point{110.5, 31.5}, sq(110.1, 31.1, 110.9, 31.9), 3000),
		mk("420526100", "古夫镇", orb.Point{110.3, 31.5}, sq(110.1, 31.1, 110.5, 31.9), 2000),
		mk("420526101", "昭君镇", orb.Point{110.7, 31.5}, nil, 1000),
		mk("420526100201", "古夫村村民委员会", orb.Point{110.2, 31.4}, nil, 1200),
		mk("420526100202", "丰邑坪村委会", orb.Point{110.4, 31.7}, nil, 800),
		mk("420526101201", "昭君村委会", orb.Point{110.8, 31.3}, nil, 1000),
	}
	tree, err := divisions.NewTree(divs)
	if err != nil {
		t.Fatal(err)
	}
	fs := []facilities.Facility{
		{ID: 2, Kind: facilities.MutualAidElderly, Name: "古夫村互助养老服务点", DivisionCode: "420526100201", Point: orb.Point{110.201, 31.401}, Status: facilities.StatusOperating, Provenance: divisions.Generated},
		{ID: 1, Kind: facilities.WelfareHome, Name: "古夫镇敬老院", DivisionCode: "420526100000", Point: orb.Point{110.31, 31.5}, Status: facilities.StatusOperating, Beds: 60, Opened: "2015-03-01", Provenance: divisions.Generated},
	}
	return tree, fs
}

func TestExportLayers(t *testing.T) {
	tree, fs := exportFixture(t)
	crs, _ := ParseExportCRS("wgs84", 0)
	layers, err := ExportLayers(tree, fs, crs)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"provinces": 1, "prefectures": 1, "counties": 1, "townships": 2, "villages": 3, "facilities": 2, "coverage": 3}
	for _, l := range layers {
		if len(l.Rows) != want[l.Name] {
			t.Errorf("layer %s: %d rows, want %d", l.Name, len(l.Rows), want[l.Name])
		}
		for _, r := range l.Rows {
			if len(r.Values) != len(l.Columns) {
				t.Fatalf("layer %s row %d: %d values for %d columns", l.Name, r.ID, len(r.Values), len(l.Columns))
			}
		}
	}
	fac := layers[5]
	if fac.Rows[0].ID != 1 || fac.Rows[0].Values[6] != int64(60) {
		t.Errorf("facilities sorted by id with beds: %v", fac.Rows[0])
	}
	cov := layers[6]
	col := -1
	for i, c := range cov.Columns {
		if c.Name == "covered_mutual_aid_elderly" {
			col = i
		}
	}
	// 古夫村 has its own mutual-aid point; the other two villages have none.
	got := []any{cov.Rows[0].Values[col], cov.Rows[1].Values[col], cov.Rows[2].Values[col]}
	if got[0] != true || got[1] != false || got[2] != false {
		t.Errorf("coverage of mutual_aid_elderly %v, want true false false", got)
	}
	if _, err := ExportLayers(tree, fs, crs, "villages", "nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("unknown layer: %v", err)
	}
	two, err := ExportLayers(tree, fs, crs, "facilities", "villages")
	if err != nil || len(two) != 2 || two[0].Name != "facilities" || two[1].Name != "villages" {
		t.Errorf("selected layers: %v", err)
	}
}

// readGPKGPoint decodes a GeoPackage geometry blob by the spec's header layout.
func readGPKGBlob(t *testing.T, b []byte) (srs int32, g orb.Geometry) {
	t.Helper()
	if len(b) < 8 || string(b[:2]) != "GP" || b[2] != 0 {
		t.Fatalf("bad GeoPackage header % x", b[:min(len(b), 8)])
	}
	flags := b[3]
	srs = int32(binary.LittleEndian.Uint32(b[4:8]))
	envLen := map[byte]int{0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags>>1)&7]
	g, err := wkb.Unmarshal(b[8+envLen:])
	if err != nil {
		t.Fatal(err)
	}
	return srs, g
}

func TestWriteGeoPackage(t *testing.T) {
	tree, fs := exportFixture(t)
	crs, _ := ParseExportCRS("epsg:4546", 0)
	layers, err := ExportLayers(tree, fs, crs)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "out.gpkg")
	if err := WriteGeoPackage(context.Background(), path, layers, crs, "test sources (CC BY 4.0)"); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var app, ver int
	db.QueryRow("PRAGMA application_id").Scan(&app)
	db.QueryRow("PRAGMA user_version").Scan(&ver)
	if app != 0x47504B47 || ver != 10300 {
		t.Errorf("application_id %x user_version %d", app, ver)
	}
	var n int
	db.QueryRow("SELECT count(*) FROM gpkg_contents WHERE srs_id = 4546 AND data_type = 'features'").Scan(&n)
	if n != len(layers) {
		t.Errorf("%d contents rows, want %d", n, len(layers))
	}
	var geomType string
	db.QueryRow("SELECT geometry_type_name FROM gpkg_geometry_columns WHERE table_name = 'villages'").Scan(&geomType)
	if geomType != "POINT" {
		t.Errorf("villages geometry type %q", geomType)
	}
	var blob []byte
	var name string
	if err := db.QueryRow("SELECT geom, name FROM villages WHERE fid = 420526100201").Scan(&blob, &name); err != nil {
		t.Fatal(err)
	}
	srs, g := readGPKGBlob(t, blob)
	gk, _ := geo.GaussKruger(4546) // checked against pyproj in geo
	en := gk.Forward(orb.Point{110.2, 31.4})
	e, nn := en[0], en[1]
	if p := g.(orb.Point); srs != 4546 || math.Abs(p[0]-e) > 1e-6 || math.Abs(p[1]-nn) > 1e-6 || name != "古夫村村民委员会" {
		t.Errorf("village 201: srs %d %v %s, want %v %v", srs, g, name, e, nn)
	}
	db.QueryRow("SELECT count(*) FROM townships WHERE geom IS NULL").Scan(&n)
	if n != 1 {
		t.Errorf("townships without boundary: %d, want 1 (昭君镇)", n)
	}
	// A failing write leaves nothing behind and keeps the old file.
	bad := []Layer{{Name: "x", GeomType: "POINT", Columns: []Column{{"a", "a", Text}}, Rows: []Row{{ID: 1, Values: []any{}}}}}
	if err := WriteGeoPackage(context.Background(), path, bad, crs, ""); err == nil || !strings.Contains(err.Error(), "row 1") {
		t.Errorf("bad row: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the earlier export is gone: %v", err)
	}
	// GDAL, an independent reader, opens it when it is installed (the web GDAL test installs it).
	if _, err := exec.LookPath("ogrinfo"); err == nil {
		out, err := exec.Command("ogrinfo", "-ro", "-so", "-al", path).CombinedOutput()
		if err != nil {
			t.Fatalf("ogrinfo: %v\n%s", err, out)
		}
		for _, l := range layers {
			re := regexp.MustCompile(`(?s)Layer name: ` + l.Name + `\n.*?Feature Count: (\d+)`)
			m := re.FindStringSubmatch(string(out))
			if m == nil || m[1] != strconv.Itoa(len(l.Rows)) {
				t.Errorf("ogrinfo layer %s: %v (want %d)", l.Name, m, len(l.Rows))
			}
		}
		if !strings.Contains(string(out), "3-degree Gauss-Kruger CM 111E") {
			t.Errorf("ogrinfo does not see the CRS:\n%.2000s", out)
		}
	}
}

func TestWriteTextFormats(t *testing.T) {
	tree, fs := exportFixture(t)
	crs, _ := ParseExportCRS("wgs84", 0)
	layers, err := ExportLayers(tree, fs, crs)
	if err != nil {
		t.Fatal(err)
	}
	vil := &layers[4]
	var buf bytes.Buffer
	if err := WriteGeoJSON(&buf, vil, crs, "src"); err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Type     string
		Features []struct {
			ID         int64
			Geometry   struct{ Coordinates []float64 }
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &fc); err != nil || fc.Type != "FeatureCollection" || len(fc.Features) != 3 {
		t.Fatalf("geojson: %v %.300s", err, buf.Bytes())
	}
	if f := fc.Features[0]; f.ID != 420526100201 || f.Geometry.Coordinates[0] != 110.2 || f.Properties["short_name"] != "古夫村" {
		t.Errorf("first feature %+v", f)
	}
	buf.Reset()
	if err := WriteGeoJSONSeq(&buf, vil, crs); err != nil {
		t.Fatal(err)
	}
	recs := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	for _, r := range recs {
		var m map[string]any
		if r[0] != 0x1E || json.Unmarshal([]byte(r[1:]), &m) != nil || m["type"] != "Feature" {
			t.Errorf("record %q", r)
		}
	}
	buf.Reset()
	if err := WriteCSV(&buf, &layers[3], crs); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF")) {
		t.Error("CSV without BOM")
	}
	rows, err := csv.NewReader(bytes.NewReader(buf.Bytes()[3:])).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "代码" || rows[0][len(rows[0])-1] != "边界WKT" {
		t.Fatalf("csv: %v %v", err, rows)
	}
	if !strings.HasPrefix(rows[1][len(rows[1])-1], "MULTIPOLYGON") || rows[2][len(rows[2])-1] != "" {
		t.Errorf("WKT column: %q / %q", rows[1][len(rows[1])-1], rows[2][len(rows[2])-1])
	}
	buf.Reset()
	if err := WriteXLSX(&buf, layers, crs, "src"); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	sheet, err := x.GetRows("villages")
	if err != nil || len(sheet) != 4 || sheet[0][0] != "代码" || sheet[1][1] != "古夫村村民委员会" || sheet[1][len(sheet[1])-2] != "110.2" {
		t.Errorf("xlsx villages: %v %v", err, sheet)
	}
	if names := x.GetSheetList(); len(names) != len(layers)+1 || names[len(names)-1] != "说明" {
		t.Errorf("sheets %v", names)
	}
}

// TestGeoPackageGCJ02IsNotWGS84 writes a GCJ-02 GeoPackage and has GDAL read it: the srs is
// civplan's own (not EPSG), GDAL sees an engineering CRS named GCJ-02 with no EPSG:4326
// identity, and refuses to reproject it to WGS 84 (so no tool places the offset coordinates as
// if they were WGS 84); a WGS 84 export, the control, reprojects.
func TestGeoPackageGCJ02IsNotWGS84(t *testing.T) {
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		t.Fatal("ogrinfo missing: `make deps` installs gdal-bin (this test needs GDAL as the independent reader)")
	}
	tree, fs := exportFixture(t)
	dir := t.TempDir()
	write := func(name string) string {
		crs, err := ParseExportCRS(name, 0)
		if err != nil {
			t.Fatal(err)
		}
		layers, err := ExportLayers(tree, fs, crs)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name+".gpkg")
		if err := WriteGeoPackage(context.Background(), path, layers, crs, "test"); err != nil {
			t.Fatal(err)
		}
		return path
	}
	gcj, wgs := write("gcj02"), write("wgs84")
	db, err := sql.Open("sqlite3", gcj)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var org, def, desc string
	var orgID, layersOn int
	if err := db.QueryRow("SELECT organization, organization_coordsys_id, definition, description FROM gpkg_spatial_ref_sys WHERE srs_id = 990002").Scan(&org, &orgID, &def, &desc); err != nil {
		t.Fatal(err)
	}
	db.QueryRow("SELECT count(*) FROM gpkg_geometry_columns WHERE srs_id = 990002").Scan(&layersOn)
	if org != "civplan" || orgID != 990002 || strings.Contains(def, "4326") || strings.Contains(def, "EPSG") || !strings.Contains(desc, "GCJ-02") || layersOn == 0 {
		t.Errorf("srs 990002: %s %d %s %q; %d layers on it", org, orgID, def, desc, layersOn)
	}
	out, err := exec.Command("ogrinfo", "-ro", "-so", gcj, "villages").CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	s := string(out)
	if i := strings.Index(s, "Layer SRS WKT:"); i >= 0 {
		t.Logf("ogrinfo: %.600s", s[i:])
	}
	if !strings.Contains(s, "ENGCRS[\"GCJ-02") || strings.Contains(s, "GEOGCRS") || strings.Contains(s, "4326") || strings.Contains(s, "WGS 84\"") {
		t.Errorf("GDAL reads the GCJ-02 layer's CRS as:\n%s", s)
	}
	// Reprojecting to WGS 84 must fail for GCJ-02 and work for the WGS 84 control.
	reproject := func(src string) error {
		return exec.Command("ogr2ogr", "-f", "GeoJSON", filepath.Join(dir, filepath.Base(src)+".json"), src, "villages", "-t_srs", "EPSG:4326").Run()
	}
	if err := reproject(gcj); err == nil {
		t.Error("ogr2ogr reprojected GCJ-02 coordinates to EPSG:4326 as if they were WGS 84")
	}
	if err := reproject(wgs); err != nil {
		t.Errorf("control: ogr2ogr cannot reproject the WGS 84 export: %v", err)
	}
}
