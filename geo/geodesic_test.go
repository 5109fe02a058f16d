package geo

import (
	"encoding/csv"
	"math"
	"math/rand/v2"
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

// remainderDeg must give math.Remainder's bits (sign of zero included) for every argument:
// edge values (ties at odd multiples of y/2, multiples of y, ±0, huge, NaN, ±Inf) and random ones.
func TestRemainderDegMatchesMathRemainder(t *testing.T) {
	xs := []float64{0, math.Copysign(0, -1), 45, -45, 90, -90, 135, -135, 180, -180, 225, -225, 270, 315, 360, -360,
		540, -540, 720, 1e6 + 45, 1e300, -1e300, math.Nextafter(45, 0), math.Nextafter(45, 90), math.Nextafter(-135, 0),
		math.Nextafter(180, 0), math.Nextafter(180, 360), 4.5e6 + 45, math.Inf(1), math.Inf(-1), math.NaN(), 5e-324}
	rng := rand.New(rand.NewPCG(11, 12))
	for i := 0; i < 200000; i++ {
		switch i % 3 {
		case 0:
			xs = append(xs, rng.Float64()*1440-720)
		case 1:
			xs = append(xs, float64(rng.IntN(64)-32)*45+rng.NormFloat64()*1e-12)
		default:
			xs = append(xs, math.Ldexp(rng.Float64()-0.5, rng.IntN(80)))
		}
	}
	for _, y := range []float64{90, 360} {
		for _, x := range xs {
			got, want := remainderDeg(x, y), math.Remainder(x, y)
			if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
				t.Fatalf("remainderDeg(%v, %v) = %v (bits %x), math.Remainder gives %v (bits %x)", x, y, got, math.Float64bits(got), want, math.Float64bits(want))
			}
		}
	}
}
