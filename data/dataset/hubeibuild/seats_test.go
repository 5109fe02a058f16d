package hubeibuild

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
)

// sourcesDir is the in-repository directory of the Hubei source files (data/sources/hubei,
// seen from data/dataset/hubeibuild); the test fails when it is missing.
func sourcesDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "sources", "hubei")
	if _, err := os.Stat(filepath.Join(dir, fileTownPoints)); err != nil {
		t.Fatalf("Hubei source files not found at %s: %v", dir, err)
	}
	return dir
}

// TestSeatDistanceDropsAfterConversion verifies the GCJ-02 handling on real data: the median
// distance between the GeoNames seats (WGS84) and the 2016 centres of the same townships is
// ≈ 0.76 km while the 2016 points are left in GCJ-02 and ≈ 0.4 km once converted.
func TestSeatDistanceDropsAfterConversion(t *testing.T) {
	rows, err := readCSV(sourcesDir(t), fileTownPoints)
	if err != nil {
		t.Fatal(err)
	}
	var raw, conv []float64
	for _, r := range rows {
		if r["wgs84_lon"] == "" || r["gcj02_lon"] == "" {
			continue
		}
		f := func(k string) float64 {
			v, err := strconv.ParseFloat(r[k], 64)
			if err != nil {
				t.Fatalf("%s %s: %v", r["code"], k, err)
			}
			return v
		}
		w := orb.Point{f("wgs84_lon"), f("wgs84_lat")}
		g := orb.Point{f("gcj02_lon"), f("gcj02_lat")}
		raw = append(raw, geo.DistanceM(w, g))
		conv = append(conv, geo.DistanceM(w, geo.GCJ02ToWGS84(g)))
	}
	median := func(xs []float64) float64 {
		sort.Float64s(xs)
		return xs[len(xs)/2]
	}
	if len(raw) < 500 {
		t.Fatalf("only %d townships with both points", len(raw))
	}
	mr, mc := median(raw)/1000, median(conv)/1000
	t.Logf("%d townships: median %.3f km unconverted, %.3f km converted", len(raw), mr, mc)
	if mr < 0.70 || mr > 0.82 {
		t.Errorf("unconverted median %.3f km, want ≈ 0.76", mr)
	}
	if mc < 0.33 || mc > 0.45 {
		t.Errorf("converted median %.3f km, want ≈ 0.4", mc)
	}
}
