package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

func TestConversionReferenceVectors(t *testing.T) {
	// Published reference pairs (latitude, longitude), as in the eviltransform test suite.
	tests := []struct {
		name     string
		conv     func(orb.Point) orb.Point
		in, want [2]float64 // lat, lon
	}{
		{"WGS84ToGCJ02 Shanghai", WGS84ToGCJ02, [2]float64{31.1774276, 121.5272106}, [2]float64{31.17530398364597, 121.531541859215}},
		{"WGS84ToGCJ02 Shenzhen", WGS84ToGCJ02, [2]float64{22.543847, 113.912316}, [2]float64{22.540796131694766, 113.9171764808363}},
		{"WGS84ToGCJ02 Beijing", WGS84ToGCJ02, [2]float64{39.911954, 116.377817}, [2]float64{39.91334545536069, 116.38404722455657}},
		{"BD09ToWGS84 1", BD09ToWGS84, [2]float64{29.199786, 120.019809}, [2]float64{29.196131605295484, 120.00877901149691}},
		{"BD09ToWGS84 2", BD09ToWGS84, [2]float64{29.210504, 120.036455}, [2]float64{29.206795749156136, 120.0253853970846}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.conv(orb.Point{tc.in[1], tc.in[0]})
			if math.Abs(got[1]-tc.want[0]) > 1e-9 || math.Abs(got[0]-tc.want[1]) > 1e-9 {
				t.Errorf("got (lat %.15f, lon %.15f), want (%.15f, %.15f)", got[1], got[0], tc.want[0], tc.want[1])
			}
		})
	}
}

func randomChina(rng *rand.Rand) orb.Point {
	return orb.Point{73.5 + rng.Float64()*61.5, 18 + rng.Float64()*35.5}
}

func TestConversionRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 4242))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	var worstGCJ, worstWGS, worstBD, worstBDW float64
	for i := 0; i < n; i++ {
		g := randomChina(rng)
		// GCJ-02 → WGS84 → GCJ-02 must return to the start (the inverse is iterative).
		w := GCJ02ToWGS84(g)
		worstGCJ = math.Max(worstGCJ, DistanceM(WGS84ToGCJ02(w), g))
		// WGS84 → GCJ-02 → WGS84 likewise.
		worstWGS = math.Max(worstWGS, DistanceM(GCJ02ToWGS84(WGS84ToGCJ02(g)), g))
		// GCJ-02 → BD-09 → GCJ-02 with the closed-form inverse: documented ≈ 1e-6° (≈ 0.1 m).
		worstBD = math.Max(worstBD, DistanceM(BD09ToGCJ02(GCJ02ToBD09(g)), g))
		// WGS84 → BD-09 → WGS84 with the one-step GCJ-02 inverse of the published vectors.
		// gcj02.go documents ≈ 1 m; measured over China: median 0.7 m, 99th percentile
		// 3.3 m, worst 4.9 m (near 135°E 53°N); over Hubei worst 3.1 m.
		worstBDW = math.Max(worstBDW, DistanceM(BD09ToWGS84(WGS84ToBD09(g)), g))
		// The offset itself is real: hundreds of metres over China.
		if d := DistanceM(w, g); d < 1 || d > 1000 {
			t.Fatalf("GCJ02ToWGS84(%v) moved the point %.1f m, want a GCJ-02 offset (1–1000 m)", g, d)
		}
	}
	t.Logf("worst round trips: GCJ→WGS→GCJ %.2g m, WGS→GCJ→WGS %.2g m, GCJ→BD→GCJ %.2g m, WGS→BD→WGS %.2g m", worstGCJ, worstWGS, worstBD, worstBDW)
	if worstGCJ > 0.01 || worstWGS > 0.01 {
		t.Errorf("GCJ-02 round trip off by %.3g m / %.3g m, want < 1 cm", worstGCJ, worstWGS)
	}
	if worstBD > 0.2 {
		t.Errorf("GCJ→BD→GCJ round trip off by %.3g m, want ≤ 0.2 m (BD09ToGCJ02 is good to ≈ 1e-6°)", worstBD)
	}
	if worstBDW > 5.5 {
		t.Errorf("WGS→BD→WGS round trip off by %.3g m, want ≤ 5.5 m (one-step GCJ-02 inverse)", worstBDW)
	}
}

func TestConversionOutsideChina(t *testing.T) {
	for _, p := range []orb.Point{{2.35, 48.85}, {-74, 40.7}, {151.2, -33.9}, {72, 30}} {
		for name, conv := range map[string]func(orb.Point) orb.Point{"WGS84ToGCJ02": WGS84ToGCJ02, "GCJ02ToWGS84": GCJ02ToWGS84} {
			if got := conv(p); got != p {
				t.Errorf("%s(%v) = %v, want unchanged outside China", name, p, got)
			}
		}
	}
}
