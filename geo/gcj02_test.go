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
		// eviltransform's bd2wgs vectors come from its approximate inverse; reproducing them to
		// 1e-9° checks the constants (plain π in the BD-09 terms) and the GCJ-02 offset.
		{"bd2wgs 1", eviltransformBD2WGS, [2]float64{29.199786, 120.019809}, [2]float64{29.196131605295484, 120.00877901149691}},
		{"bd2wgs 2", eviltransformBD2WGS, [2]float64{29.210504, 120.036455}, [2]float64{29.206795749156136, 120.0253853970846}},
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

// eviltransformBD2WGS is the published approximate BD-09 → WGS84 path (eviltransform's
// bd2wgs): the closed-form BD-09 inverse, then one step of the GCJ-02 inverse. civplan does not
// use it; it reproduces the published vectors and shows what the exact inverse corrects.
func eviltransformBD2WGS(p orb.Point) orb.Point {
	g := bd09ToGCJ02Approx(p)
	if OutsideChina(g) {
		return g
	}
	dLon, dLat := gcjOffset(g)
	return orb.Point{g[0] - dLon, g[1] - dLat}
}

// TestBD09ExactAtReferenceVectors: at the published points the exact inverse lands where
// WGS84ToBD09 maps back onto the BD-09 input, and within a few metres of the approximate
// published answer.
func TestBD09ExactAtReferenceVectors(t *testing.T) {
	for _, b := range []orb.Point{{120.019809, 29.199786}, {120.036455, 29.210504}} {
		w := BD09ToWGS84(b)
		if d := DistanceM(WGS84ToBD09(w), b); d > 1e-4 {
			t.Errorf("WGS84ToBD09(BD09ToWGS84(%v)) off by %.2g m", b, d)
		}
		approx := eviltransformBD2WGS(b)
		d := DistanceM(w, approx)
		if d > 5 {
			t.Errorf("%v: exact and published inverse %.2f m apart, want < 5 m", b, d)
		}
		t.Logf("%v: exact inverse %.3f m from the published approximate answer", b, d)
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
		// GCJ-02 → BD-09 → GCJ-02 and WGS84 → BD-09 → WGS84 through the iterative inverses.
		worstBD = math.Max(worstBD, DistanceM(BD09ToGCJ02(GCJ02ToBD09(g)), g))
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
	if worstBD > 0.01 || worstBDW > 0.01 {
		t.Errorf("BD-09 round trips off by %.3g m (GCJ→BD→GCJ) / %.3g m (WGS→BD→WGS), want < 1 cm", worstBD, worstBDW)
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
