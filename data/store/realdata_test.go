package store

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// hubeiSources is the in-repository directory of the real Hubei source files (README there).
const hubeiSources = "../sources/hubei"

// hubeiCounties builds province, prefecture and county divisions from the 2023 code lists.
func hubeiCounties(t *testing.T) []divisions.Division {
	t.Helper()
	var out []divisions.Division
	for _, f := range []string{"hubei_2023_province.csv", "hubei_2023_cities.csv", "hubei_2023_areas.csv"} {
		b, err := os.ReadFile(filepath.Join(hubeiSources, "divisions", f))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs[1:] {
			c := divisions.MustCode(r[0])
			out = append(out, divisions.Division{Code: c, Name: r[1], ShortName: r[1], Level: c.Level(),
				Kind: divisions.KindOf(c, r[1]), Parent: c.Parent(), Sources: divisions.Sources{Attributes: divisions.Real}})
		}
	}
	return out
}

// TestImportRealCountyBoundaries imports the 103 real county polygons (GCJ-02, README: "all
// valid, no overlaps") and checks that every one passes validation after conversion, and that
// the stored vertices are the GCJ-02 inverse of the file's.
func TestImportRealCountyBoundaries(t *testing.T) {
	if testing.Short() {
		t.Skip("real-data import (≈ 100,000 vertices) skipped with -short")
	}
	divs := hubeiCounties(t)
	if len(divs) != 1+14+105 {
		t.Fatalf("%d divisions from the 2023 lists, want 120", len(divs))
	}
	s := openTemp(t)
	if err := s.Seed(context.Background(), &dataset.Dataset{Meta: dataset.Meta{Name: "hubei-counties"}, Divisions: divs}, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(hubeiSources, "boundaries", "garybikini_amap_2020", "hubei_counties_garybikini_2020.geojson")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.ImportDivisions(context.Background(), bytes.NewReader(raw), filepath.Base(path), ImportOptions{CRS: "gcj02"}, CLIActor())
	if err != nil {
		t.Fatal(err)
	}
	// 102 codes are current; 监利 still carries its pre-2020 code 421023 and comes in as a new
	// county (the README's crosswalk problem: the importer does not guess renumberings).
	if rep.Read != 103 || rep.Updated != 102 || rep.Inserted != 1 {
		t.Errorf("report read %d updated %d inserted %d, want 103/102/1", rep.Read, rep.Updated, rep.Inserted)
	}
	got, err := s.LoadDivisions()
	if err != nil {
		t.Fatal(err)
	}
	tree, err := divisions.NewTree(got)
	if err != nil {
		t.Fatal(err)
	}
	withBoundary := 0
	for _, d := range tree.All() {
		if len(d.Boundary) > 0 {
			withBoundary++
			if d.Sources.Geometry != divisions.Real {
				t.Errorf("%s: geometry provenance %q", d.Code, d.Sources.Geometry)
			}
		}
	}
	if withBoundary != 103 {
		t.Errorf("%d divisions with a boundary, want 103", withBoundary)
	}
	// 茅箭区 (420302): its first vertex must be the GCJ-02 inverse of the file's, and the
	// forward transform of the stored vertex must give back the file's within 1e-8°.
	mj := tree.Get("420302000000")
	if !strings.Contains(string(raw), `"420302"`) || mj == nil || len(mj.Boundary) == 0 {
		t.Fatal("茅箭区 missing")
	}
	first := mj.Boundary[0][0][0]
	back := geo.WGS84ToGCJ02(first)
	i := strings.Index(string(raw), `"420302"`)
	j := strings.Index(string(raw[i:]), `"coordinates"`)
	if j < 0 {
		t.Fatal("no coordinates after 茅箭区")
	}
	m := regexp.MustCompile(`\[\s*(-?[0-9.]+)\s*,\s*(-?[0-9.]+)`).FindStringSubmatch(string(raw[i+j:]))
	if m == nil {
		t.Fatal("no vertex after 茅箭区's coordinates")
	}
	fileLon, _ := strconv.ParseFloat(m[1], 64)
	fileLat, _ := strconv.ParseFloat(m[2], 64)
	if math.Abs(back[0]-fileLon) > 1e-8 || math.Abs(back[1]-fileLat) > 1e-8 {
		t.Errorf("stored first vertex %v maps back to %v, file has (%v, %v)", first, back, fileLon, fileLat)
	}
	// The GCJ-02 offset in Hubei is 550–590 m; the stored vertex must have moved by about that.
	if d := geo.ApproxDistanceM(first, orb.Point{fileLon, fileLat}); d < 400 || d > 700 {
		t.Errorf("conversion moved the vertex %.0f m, want ≈ 550–590", d)
	}
	// The county seat of 茅箭区 (approximate centre from the file, converted) lies inside.
	if !planar.MultiPolygonContains(mj.Boundary, geo.GCJ02ToWGS84(orb.Point{110.78621, 32.644463})) {
		t.Error("茅箭区's centre is not inside its stored boundary")
	}
}
