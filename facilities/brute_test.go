package facilities_test

import (
	"math"
	"testing"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/facilities/synth"
	"github.com/civplan/civplan/geo"
)

// synthAnalyzer builds an analyzer over a small generated set: few counties so that points are dense.
func synthAnalyzer(t testing.TB, villages, facs, counties int) (*facilities.Analyzer, *synth.Data) {
	t.Helper()
	d, err := synth.Generate(synth.Config{Villages: villages, Facilities: facs, Counties: counties, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := divisions.NewTree(d.Divisions)
	if err != nil {
		t.Fatal(err)
	}
	a, err := facilities.NewAnalyzer(tr, facilities.NewRegistry(d.Facilities), nil)
	if err != nil {
		t.Fatal(err)
	}
	return a, d
}

// TestRadiusMatchesBruteForce compares radius, radius_in_jurisdiction and jurisdiction coverage and nearest
// facilities on a few thousand random points with a plain double loop over geo.DistanceM.
func TestRadiusMatchesBruteForce(t *testing.T) {
	a, d := synthAnalyzer(t, 3000, 800, 3)
	vs := d.Villages()
	fs := d.Facilities
	detour := map[divisions.Code]float64{vs[0].Code[:6] + "000000": 1.4}
	factor := func(v *divisions.Division) float64 {
		if f, ok := detour[v.Code[:6]+"000000"]; ok {
			return f
		}
		return 1
	}
	// Brute force: all pair distances once.
	dist := make([][]float64, len(vs))
	for i, v := range vs {
		dist[i] = make([]float64, len(fs))
		for j := range fs {
			dist[i][j] = geo.DistanceM(v.Seat, fs[j].Point)
		}
	}
	for _, tc := range []struct {
		name   string
		mode   facilities.Mode
		r      float64
		detour map[divisions.Code]float64
	}{
		{"radius 500 m", facilities.ModeRadius, 500, nil},
		{"radius 2 km", facilities.ModeRadius, 2000, nil},
		{"radius 2 km with detour", facilities.ModeRadius, 2000, detour},
		{"radius_in_jurisdiction 3 km", facilities.ModeRadiusInJurisdiction, 3000, nil},
		{"jurisdiction", facilities.ModeJurisdiction, 0, nil},
	} {
		for _, withNearest := range []bool{false, true} {
			t.Run(tc.name+map[bool]string{true: " +nearest", false: ""}[withNearest], func(t *testing.T) {
				c, err := a.Coverage(facilities.Params{Kind: facilities.MutualAidElderly, Mode: tc.mode, RadiusM: tc.r,
					Detour: tc.detour, IncludeVillageLike: true, Nearest: withNearest})
				if err != nil {
					t.Fatal(err)
				}
				got := map[divisions.Code]facilities.VillageResult{}
				for _, r := range c.Villages {
					got[r.Code] = r
				}
				n, nCovered := 0, 0
				for i, v := range vs {
					if !v.Kind.IsVillageCommittee(true) {
						continue
					}
					n++
					f := 1.0
					if tc.detour != nil {
						f = factor(v)
					}
					want := false
					best, bestD := -1, math.Inf(1)
					for j := range fs {
						if dist[i][j] < bestD {
							best, bestD = j, dist[i][j]
						}
						// MutualAidElderly serves the village: jurisdiction = the registered village.
						if tc.mode == facilities.ModeJurisdiction && fs[j].DivisionCode == v.Code ||
							dist[i][j]*f <= tc.r && (tc.mode == facilities.ModeRadius || fs[j].DivisionCode == v.Code) {
							want = true
						}
					}
					r, ok := got[v.Code]
					if !ok {
						t.Fatalf("village %s missing from the answer", v.Code)
					}
					if r.Covered != want {
						t.Errorf("village %s: covered = %v, brute force %v", v.Code, r.Covered, want)
					}
					if want {
						nCovered++
					}
					if withNearest {
						if r.Nearest == nil || math.Abs(r.Nearest.DistanceM-bestD) > 1e-6 {
							t.Errorf("village %s: nearest %+v, brute force #%d at %.6f m", v.Code, r.Nearest, fs[best].ID, bestD)
						}
					}
				}
				// The aggregates-only answer must agree with the detailed one.
				so, err := a.Coverage(facilities.Params{Kind: facilities.MutualAidElderly, Mode: tc.mode, RadiusM: tc.r,
					Detour: tc.detour, IncludeVillageLike: true, Nearest: withNearest, SummaryOnly: true, GroupBy: divisions.County})
				if err != nil {
					t.Fatal(err)
				}
				if so.Villages != nil || so.Summary.Covered != c.Summary.Covered || so.Summary.ElderlyCovered != c.Summary.ElderlyCovered ||
					so.Summary.Provenance != c.Summary.Provenance || len(so.Groups) != 3 {
					t.Errorf("summary-only answer %+v differs from %+v", so.Summary, c.Summary)
				}
				if n != len(c.Villages) || nCovered != c.Summary.Covered {
					t.Errorf("answer %d villages / %d covered, brute force %d / %d", len(c.Villages), c.Summary.Covered, n, nCovered)
				}
				t.Logf("%d of %d covered", nCovered, n)
				if nCovered == 0 || nCovered == n {
					t.Errorf("degenerate case: %d of %d covered", nCovered, n)
				}
			})
		}
	}
}
