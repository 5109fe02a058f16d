package geo

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// readCounties reads testdata/counties_wgs84.geojson (written by export_counties.go).
func readCounties(t testing.TB) []orb.MultiPolygon {
	t.Helper()
	raw, err := os.ReadFile("testdata/counties_wgs84.geojson")
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		t.Fatal(err)
	}
	var out []orb.MultiPolygon
	for i, f := range fc.Features {
		mp, ok := f.Geometry.(orb.MultiPolygon)
		if !ok {
			t.Fatalf("feature %d: %T, want MultiPolygon", i, f.Geometry)
		}
		out = append(out, mp)
	}
	return out
}

func TestCountyAreasAgainstPyproj(t *testing.T) {
	counties := readCounties(t)
	f, err := os.Open("testdata/county_areas.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)-1 != len(counties) || len(counties) != 103 {
		t.Fatalf("county_areas.csv has %d rows for %d counties, want 103", len(rows)-1, len(counties))
	}
	worstA, worstP := 0.0, 0.0
	for _, r := range rows[1:] {
		i, _ := strconv.Atoi(r[0])
		wantA, err1 := strconv.ParseFloat(r[2], 64)
		wantP, err2 := strconv.ParseFloat(r[3], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("county_areas.csv row %v: %v %v", r, err1, err2)
		}
		mp := counties[i]
		gotA := MultiAreaM2(mp)
		gotP := 0.0
		for _, p := range mp {
			gotP += PerimeterM(p)
		}
		worstA, worstP = math.Max(worstA, math.Abs(gotA-wantA)), math.Max(worstP, math.Abs(gotP-wantP))
		if math.Abs(gotA-wantA) > 1 {
			t.Errorf("county %s: MultiAreaM2 = %.3f m², pyproj %.3f m²", r[1], gotA, wantA)
		}
		if math.Abs(gotP-wantP) > 1e-3 {
			t.Errorf("county %s: perimeter = %.6f m, pyproj %.6f m", r[1], gotP, wantP)
		}
	}
	t.Logf("worst |Δarea| = %.3g m², worst |Δperimeter| = %.3g m", worstA, worstP)
}

func TestAreaM2(t *testing.T) {
	// A 1°×1° cell at the equator and the same with its ring reversed and a hole:
	//
	//	(0,1) +-----------+ (1,1)
	//	      |  +-----+  |
	//	      |  | hole|  |
	//	      |  +-----+  |
	//	(0,0) +-----------+ (1,0)
	//
	// Expected values from pyproj:
	//	g = pyproj.Geod(ellps='WGS84')
	//	g.polygon_area_perimeter([0,1,1,0], [0,0,1,1])          # (12308778361.469452, 443770.91724830196)
	//	g.polygon_area_perimeter([0.25,0.75,0.75,0.25], [0.25,0.25,0.75,0.75])  # (3077164136.65458, 221888.5953006274)
	const cell, hole, cellPerim = 12308778361.469452, 3077164136.65458, 443770.91724830196
	shell := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}
	hl := orb.Ring{{0.25, 0.25}, {0.75, 0.25}, {0.75, 0.75}, {0.25, 0.75}, {0.25, 0.25}}
	rev := func(r orb.Ring) orb.Ring {
		out := make(orb.Ring, len(r))
		for i := range r {
			out[i] = r[len(r)-1-i]
		}
		return out
	}
	tests := []struct {
		name string
		p    orb.Polygon
		want float64
	}{
		{"ccw", orb.Polygon{shell}, cell},
		{"cw", orb.Polygon{rev(shell)}, cell},
		{"open ring", orb.Polygon{shell[:4]}, cell},
		{"with hole", orb.Polygon{shell, hl}, cell - hole},
		{"with reversed hole", orb.Polygon{rev(shell), rev(hl)}, cell - hole},
		{"empty", orb.Polygon{}, 0},
		{"degenerate", orb.Polygon{{{1, 1}, {2, 2}, {1, 1}}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := AreaM2(tc.p); math.Abs(got-tc.want) > 1e-3 {
				t.Errorf("AreaM2 = %.6f, want %.6f", got, tc.want)
			}
		})
	}
	if got := PerimeterM(orb.Polygon{shell, hl}); math.Abs(got-cellPerim) > 1e-6 {
		t.Errorf("PerimeterM = %.9f, want %.9f (outer ring only)", got, cellPerim)
	}
	if got := MultiAreaM2(orb.MultiPolygon{{shell}, {rev(shell)}}); math.Abs(got-2*cell) > 1e-3 {
		t.Errorf("MultiAreaM2 = %.6f, want %.6f", got, 2*cell)
	}
}
