package geo

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
)

type geodPair struct {
	kind       string
	a, b       orb.Point
	dist, azi1 float64
}

// readGeodPairs reads testdata/geod_pairs.csv, written by testdata/gen_geod.py with pyproj.
func readGeodPairs(t testing.TB) []geodPair {
	t.Helper()
	f, err := os.Open("testdata/geod_pairs.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []geodPair
	for i, r := range rows[1:] {
		var v [6]float64
		for j := range v {
			if v[j], err = strconv.ParseFloat(r[j+1], 64); err != nil {
				t.Fatalf("geod_pairs.csv row %d col %d: %v", i+2, j+2, err)
			}
		}
		out = append(out, geodPair{kind: r[0], a: orb.Point{v[0], v[1]}, b: orb.Point{v[2], v[3]}, dist: v[4], azi1: v[5]})
	}
	if len(out) < 1000 {
		t.Fatalf("geod_pairs.csv has %d pairs, want ≥ 1000", len(out))
	}
	return out
}

func TestDistanceMAgainstPyproj(t *testing.T) {
	pairs := readGeodPairs(t)
	byKind := map[string][]geodPair{}
	for _, p := range pairs {
		byKind[p.kind] = append(byKind[p.kind], p)
	}
	for kind, ps := range byKind {
		t.Run(kind, func(t *testing.T) {
			worst := 0.0
			for _, p := range ps {
				got := DistanceM(p.a, p.b)
				if d := math.Abs(got - p.dist); d > worst {
					worst = d
				}
				if math.Abs(got-p.dist) > 1e-3 {
					t.Errorf("DistanceM(%v, %v) = %.6f m, pyproj %.6f m", p.a, p.b, got, p.dist)
				}
				// The reverse direction must agree too.
				if back := DistanceM(p.b, p.a); math.Abs(back-p.dist) > 1e-3 {
					t.Errorf("DistanceM(%v, %v) = %.6f m, pyproj %.6f m", p.b, p.a, back, p.dist)
				}
			}
			t.Logf("%d pairs, worst |Δ| = %.3g m", len(ps), worst)
		})
	}
}

func TestAzimuthDegAgainstPyproj(t *testing.T) {
	for _, p := range readGeodPairs(t) {
		if p.dist < 1 || p.kind == "pole" || p.kind == "antipodal" && math.Abs(p.a[1]) < 1e-9 {
			continue // the azimuth is ill-conditioned or conventional there
		}
		got := AzimuthDeg(p.a, p.b)
		d := math.Abs(math.Remainder(got-p.azi1, 360))
		// 1e-6° of azimuth moves the far end by < 1e-7·distance; allow for ill-conditioning near antipodes.
		tol := 1e-9 * math.Max(1, 1e3/p.dist)
		if p.kind == "antipodal" {
			tol = 1e-5
		}
		if d > tol {
			t.Errorf("%s: AzimuthDeg(%v, %v) = %.12f°, pyproj %.12f°", p.kind, p.a, p.b, got, p.azi1)
		}
	}
}

func TestDistanceMEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		a, b orb.Point
		want float64
	}{
		{"coincident", orb.Point{114, 30}, orb.Point{114, 30}, 0},
		// Quarter meridian and half equator: /usr/bin/python3 -c "import pyproj;
		// g=pyproj.Geod(ellps='WGS84'); print(g.inv(0,0,0,90)[2], g.inv(0,0,180,0)[2])"
		{"quarter meridian", orb.Point{0, 0}, orb.Point{0, 90}, 10001965.729312724},
		{"half equator", orb.Point{0, 0}, orb.Point{180, 0}, 20003931.458625447},
		{"wrapped longitude", orb.Point{179.5, 10}, orb.Point{179.5 - 360, 10}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DistanceM(tc.a, tc.b); math.Abs(got-tc.want) > 1e-5 {
				t.Errorf("DistanceM(%v, %v) = %.6f, want %.6f", tc.a, tc.b, got, tc.want)
			}
		})
	}
	t.Run("invalid latitude", func(t *testing.T) {
		if got := DistanceM(orb.Point{0, 91}, orb.Point{0, 0}); !math.IsNaN(got) {
			t.Errorf("DistanceM with latitude 91 = %v, want NaN", got)
		}
	})
}
