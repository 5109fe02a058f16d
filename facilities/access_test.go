package facilities_test

import (
	"math"
	"testing"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
)

// Test2SFCAHand is a 3-village / 2-facility case on the meridian 114°E (1° of latitude ≈ 110.85 km
// near 30°N), catchment d0 = 10 km, elderly P1 = 1000, P2 = 2000, P3 = 500, beds S1 = 60, S2 = 30:
//
//	V1 30.000°  F1 30.020°  V2 30.065°  F2 30.120°  V3 30.140°
//	d(V1,F1) ≈ 2.22 km  d(V2,F1) ≈ 4.99 km  d(V2,F2) ≈ 6.10 km  d(V3,F2) ≈ 2.22 km
//	d(V1,F2) ≈ 13.3 km and d(V3,F1) ≈ 13.3 km are outside the catchment.
//
// 2SFCA (step): D1 = 1000 + 2000 = 3000, R1 = 60/3000 = 0.02; D2 = 2000 + 500 = 2500, R2 = 30/2500 = 0.012.
// A1 = 0.02 → 20 beds per 1,000; A2 = 0.032 → 32; A3 = 0.012 → 12.
// Division: (20·1000 + 32·2000 + 12·500) / 3500 = 90000/3500 = 25.7142857… (= all 90 beds / 3.5 thousand elderly).
//
// E2SFCA, steps (thirds of d0: ≤ 3.33 km 1.00, ≤ 6.67 km 0.68, ≤ 10 km 0.22):
// V1–F1 and V3–F2 weigh 1.00, V2–F1 and V2–F2 weigh 0.68.
// D1 = 1000 + 0.68·2000 = 2360, R1 = 60/2360 = 0.0254237288; D2 = 0.68·2000 + 500 = 1860, R2 = 30/1860 = 0.0161290323.
// A1 = R1 → 25.4237288; A2 = 0.68·(R1 + R2) = 0.68·0.0415527611 = 0.0282558775 → 28.2558775; A3 = R2 → 16.1290323.
// Division: (25423.7288 + 56511.7550 + 8064.5161)/3500 = 90000/3500 = 25.7142857 again (all supply is allocated).
func Test2SFCAHand(t *testing.T) {
	mk := func(code, name string, a60 int64, lat float64) divisions.Division {
		c := divisions.MustCode(code)
		return divisions.Division{Code: c, Name: name, Level: c.Level(), Kind: divisions.KindOf(c, name), Parent: c.Parent(),
			Seat: orb.Point{114, lat}, HasSeat: true, Population: divisions.Population{Age60: a60, Age65: a60 / 2},
			Sources: divisions.Sources{Population: divisions.Estimated, Seat: divisions.Real}}
	}
	tr, err := divisions.NewTree([]divisions.Division{
		mk("42", "湖北省", 0, 30), mk("4201", "市", 0, 30), mk("420101", "区", 0, 30), mk("420101100", "镇", 0, 30),
		mk("420101100201", "一村", 1000, 30.000), mk("420101100202", "二村", 2000, 30.065), mk("420101100203", "三村", 500, 30.140),
	})
	if err != nil {
		t.Fatal(err)
	}
	f1 := facilities.Facility{ID: 1, Kind: facilities.WelfareHome, DivisionCode: "420101100000", Point: orb.Point{114, 30.020},
		Status: facilities.StatusOperating, Beds: 60, Provenance: divisions.Real}
	f2 := f1
	f2.ID, f2.Point, f2.Beds = 2, orb.Point{114, 30.120}, 30
	a, err := facilities.NewAnalyzer(tr, facilities.NewRegistry([]facilities.Facility{f1, f2}), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Preconditions of the hand calculation: the zones the distances fall in.
	zone := func(lat1, lat2 float64) float64 {
		return geo.DistanceM(orb.Point{114, lat1}, orb.Point{114, lat2}) / 10000
	}
	for _, z := range []struct {
		a, b, lo, hi float64
	}{{30, 30.02, 0, 1.0 / 3}, {30.065, 30.02, 1.0 / 3, 2.0 / 3}, {30.065, 30.12, 1.0 / 3, 2.0 / 3}, {30.14, 30.12, 0, 1.0 / 3}, {30, 30.12, 1, 2}, {30.14, 30.02, 1, 2}} {
		if f := zone(z.a, z.b); f <= z.lo || f > z.hi {
			t.Fatalf("distance %v–%v is %.3f d0, outside (%v, %v]: the hand case is broken", z.a, z.b, f, z.lo, z.hi)
		}
	}
	for _, tc := range []struct {
		name   string
		method facilities.Method
		decay  facilities.Decay
		want   [3]float64
	}{
		{"2sfca", facilities.Method2SFCA, "", [3]float64{20, 32, 12}},
		{"e2sfca steps", facilities.MethodE2SFCA, facilities.DecaySteps, [3]float64{25.4237288, 28.2558775, 16.1290323}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, err := a.Accessibility(facilities.AccessParams{Params: facilities.Params{Kind: facilities.WelfareHome, Division: "420101", RadiusM: 10000},
				Method: tc.method, Decay: tc.decay})
			if err != nil {
				t.Fatal(err)
			}
			if len(x.Villages) != 3 {
				t.Fatalf("%d villages", len(x.Villages))
			}
			for i, w := range tc.want {
				if got := x.Villages[i].BedsPer1000; math.Abs(got-w) > 1e-6 {
					t.Errorf("village %d: %.7f beds per 1,000, want %.7f", i+1, got, w)
				}
			}
			s := x.Summary
			if s.BedsPer1000 == nil || math.Abs(*s.BedsPer1000-90000.0/3500) > 1e-6 || s.Elderly != 3500 {
				t.Errorf("division: %v per 1,000 over %d elderly, want 25.7142857 over 3500", s.BedsPer1000, s.Elderly)
			}
			if s.Norm != 35 || s.Met == nil || *s.Met {
				t.Errorf("norm %v met %v, want 35 and not met", s.Norm, s.Met)
			}
		})
	}
	// Gaussian decay: weights strictly between the step values; total supply is still allocated.
	x, err := a.Accessibility(facilities.AccessParams{Params: facilities.Params{Kind: facilities.WelfareHome, Division: "420101", RadiusM: 10000},
		Method: facilities.MethodE2SFCA})
	if err != nil {
		t.Fatal(err)
	}
	if x.Decay != facilities.DecayGaussian || math.Abs(*x.Summary.BedsPer1000-90000.0/3500) > 1e-6 {
		t.Errorf("gaussian: decay %s, division %v", x.Decay, *x.Summary.BedsPer1000)
	}
	for _, bad := range []facilities.AccessParams{
		{Params: facilities.Params{Kind: facilities.WelfareHome}, Method: "3sfca"},
		{Params: facilities.Params{Kind: facilities.WelfareHome}, Method: facilities.MethodE2SFCA, Decay: "linear"},
		{Params: facilities.Params{Kind: facilities.WelfareHome}, NormPer1000: -1},
	} {
		if _, err := a.Accessibility(bad); !facilities.IsParamError(err) {
			t.Errorf("%+v: error %v, want a ParamError", bad, err)
		}
	}
}
