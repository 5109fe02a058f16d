package facilities_test

import (
	"testing"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/geo"
)

func TestGapsHandOrder(t *testing.T) {
	a := handAnalyzer(t, handFacilities())
	// Radius 100 m: the V1 site (≈ 48 m) covers V1 only; V2 200, V3 300, V4 400 elderly remain.
	g, err := a.Gaps(facilities.Params{Kind: facilities.MutualAidElderly, Division: "420101", Mode: facilities.ModeRadius, RadiusM: 100}, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"420101101202", "420101101201", "420101100202"}
	var got []string
	for _, v := range g.Villages {
		got = append(got, string(v.Code))
		if v.Nearest == nil || v.Nearest.ID != 1 {
			t.Errorf("%s: nearest = %+v, want facility 1 (the only operating one)", v.Code, v.Nearest)
		}
	}
	if !eqStrings(got, want) {
		t.Errorf("gaps = %v, want %v", got, want)
	}
}

// TestGapsAndClusters checks on generated data: gaps are exactly the uncovered villages, ordered
// by elderly descending then code; clusters partition the uncovered villages with points, hold
// no covered village, keep every member within the radius (× detour) of the centre, and the
// first cluster is the best single site (checked by brute force).
func TestGapsAndClusters(t *testing.T) {
	a, _ := synthAnalyzer(t, 1500, 250, 2)
	const r = 1500.0
	for _, mode := range []facilities.Mode{facilities.ModeRadius, facilities.ModeRadiusInJurisdiction, facilities.ModeJurisdiction} {
		t.Run(string(mode), func(t *testing.T) {
			kind := facilities.MutualAidElderly
			if mode != facilities.ModeRadius {
				kind = facilities.WelfareHome // no welfare homes in the data: every village is a gap; clusters by township
			}
			p := facilities.Params{Kind: kind, Mode: mode, RadiusM: r, Detour: map[divisions.Code]float64{"11": 1.2}}
			cov, err := a.Coverage(p)
			if err != nil {
				t.Fatal(err)
			}
			g, err := a.Gaps(p, true)
			if err != nil {
				t.Fatal(err)
			}
			uncovered := map[divisions.Code]facilities.VillageResult{}
			for _, v := range cov.Villages {
				if !v.Covered {
					uncovered[v.Code] = v
				}
			}
			if len(g.Villages) != len(uncovered) || len(uncovered) == 0 {
				t.Fatalf("%d gaps, %d uncovered villages", len(g.Villages), len(uncovered))
			}
			ties := 0
			for i, v := range g.Villages {
				if _, ok := uncovered[v.Code]; !ok {
					t.Fatalf("gap %s is covered", v.Code)
				}
				if i > 0 {
					p := g.Villages[i-1]
					if p.Elderly < v.Elderly || (p.Elderly == v.Elderly && p.Code >= v.Code) {
						t.Fatalf("gaps out of order at %d: %s (%d) before %s (%d)", i, p.Code, p.Elderly, v.Code, v.Elderly)
					}
					if p.Elderly == v.Elderly {
						ties++
					}
				}
			}
			if ties == 0 {
				t.Error("no elderly ties: the tie order was not exercised")
			}
			seen := map[divisions.Code]bool{}
			for i, c := range g.Clusters {
				if c.Rank != i+1 || (i > 0 && g.Clusters[i-1].Elderly < c.Elderly) {
					t.Fatalf("cluster %d: rank %d, elderly %d after %d", i, c.Rank, c.Elderly, g.Clusters[max(i-1, 0)].Elderly)
				}
				var sum int64
				centreIn := false
				for _, m := range c.Villages {
					v, ok := uncovered[m]
					if !ok {
						t.Fatalf("cluster %d holds %s, which is covered", c.Rank, m)
					}
					if seen[m] {
						t.Fatalf("village %s is in two clusters", m)
					}
					seen[m] = true
					sum += v.Elderly
					centreIn = centreIn || m == c.CentreCode
					d := geo.DistanceM(c.Centre, v.Point)
					if mode != facilities.ModeJurisdiction && d*v.Detour > r {
						t.Errorf("cluster %d: %s at %.1f m × %.2f from the centre", c.Rank, m, d, v.Detour)
					}
					if mode != facilities.ModeRadius && m[:9] != c.CentreCode[:9] {
						t.Errorf("cluster %d: %s is in another township than the centre %s", c.Rank, m, c.CentreCode)
					}
				}
				if !centreIn || sum != c.Elderly {
					t.Errorf("cluster %d: centre inside %v, elderly %d vs members %d", c.Rank, centreIn, c.Elderly, sum)
				}
			}
			if len(seen) != len(uncovered)-g.Unplaced {
				t.Errorf("clusters hold %d villages, want %d", len(seen), len(uncovered)-g.Unplaced)
			}
			if mode == facilities.ModeRadius {
				// The first cluster is the best single site: brute force over every uncovered point.
				var best int64
				for _, c := range uncovered {
					var e int64
					for _, m := range uncovered {
						if geo.DistanceM(c.Point, m.Point)*m.Detour <= r {
							e += m.Elderly
						}
					}
					best = max(best, e)
				}
				if g.Clusters[0].Elderly != best {
					t.Errorf("first cluster reaches %d elderly, best single site %d", g.Clusters[0].Elderly, best)
				}
				if len(g.Clusters) >= len(uncovered) {
					t.Errorf("%d clusters for %d villages: nothing was grouped", len(g.Clusters), len(uncovered))
				}
			}
		})
	}
}
