package facilities_test

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/geo"
)

// 兴山县 (420526), lscp to 0.8: the target is the share of village committees (the official
// indicator), recounted here from the proposed sites' points and codes by brute force: in radius
// mode a village is covered after the plan when it was covered before (coverage analysis) or a
// proposed site lies within the radius × detour of it (great-circle distance); in jurisdiction
// mode when a site is registered in it (mutual-aid sites serve their village).
func TestSitingLSCPVillageShareXingshan(t *testing.T) {
	an := hubeiAnalyzer(t)
	for _, mode := range []facilities.Mode{facilities.ModeJurisdiction, facilities.ModeRadius} {
		p := facilities.Params{Kind: facilities.MutualAidElderly, Division: "420526", Mode: mode}
		s, err := an.Siting(facilities.SitingParams{Params: p, Objective: facilities.ObjectiveLSCP, Target: 0.8})
		if err != nil {
			t.Fatal(err)
		}
		cov, err := an.Coverage(p)
		if err != nil {
			t.Fatal(err)
		}
		covered := 0
		for _, v := range cov.Villages {
			ok := v.Covered
			for _, site := range s.Sites {
				switch mode {
				case facilities.ModeRadius:
					ok = ok || (v.HasPoint && geo.DistanceM(v.Point, site.Point)*s.Query.DetourDefault <= s.Query.RadiusM)
				default:
					ok = ok || site.Code == v.Code
				}
			}
			if ok {
				covered++
			}
		}
		share := float64(covered) / float64(len(cov.Villages))
		t.Logf("%s: %d sites, %d/%d village committees = %.4f", mode, len(s.Sites), covered, len(cov.Villages), share)
		if share < 0.8 {
			t.Errorf("%s: the %d sites reach %.4f of the village committees, target 0.8", mode, len(s.Sites), share)
		}
		if !s.Feasible || s.Indicator.Name != "village_committee_share" || s.Indicator.Met == nil || !*s.Indicator.Met ||
			s.Indicator.Target == nil || *s.Indicator.Target != 0.8 || math.Abs(s.Indicator.Value-share) > 1e-12 {
			t.Errorf("%s: feasible %v indicator %+v, want met with value %.4f", mode, s.Feasible, s.Indicator, share)
		}
	}
}

// 兴山县 mclp p=3 with weight=villages in jurisdiction mode: every new site covers one village, so
// the best answer takes the three uncovered village committees with a point and the most elderly.
func TestSitingVillagesWeightXingshan(t *testing.T) {
	an := hubeiAnalyzer(t)
	p := facilities.Params{Kind: facilities.MutualAidElderly, Division: "420526", Mode: facilities.ModeJurisdiction}
	cov, err := an.Coverage(p)
	if err != nil {
		t.Fatal(err)
	}
	var open []int64
	for _, v := range cov.Villages {
		if !v.Covered && v.HasPoint {
			open = append(open, v.Elderly)
		}
	}
	slices.SortFunc(open, func(a, b int64) int { return cmp.Compare(b, a) })
	want := open[0] + open[1] + open[2]
	s, err := an.Siting(facilities.SitingParams{Params: p, Objective: facilities.ObjectiveMCLP, P: 3, Weight: facilities.WeightVillages})
	if err != nil {
		t.Fatal(err)
	}
	var got int64
	for _, site := range s.Sites {
		got += site.GainElderly
	}
	if s.Value != 3 || got != want {
		t.Errorf("value %g, elderly served %d; want 3 villages serving %d (the largest: %v)", s.Value, got, want, open[:3])
	}
}

// /accessibility for 兴山县 reports the county's welfare homes, not the province's: the count,
// those without beds and the beds of those whose catchment holds no elderly, recounted over the
// registry by brute force (great-circle distance from each home to every village committee of
// the province with elderly, × the detour, within the catchment).
func TestAccessibilityCountsTheDivision(t *testing.T) {
	an := hubeiAnalyzer(t)
	x, err := an.Accessibility(facilities.AccessParams{Params: facilities.Params{Kind: facilities.WelfareHome, Division: "420526"}})
	if err != nil {
		t.Fatal(err)
	}
	all, err := an.Coverage(facilities.Params{Kind: facilities.WelfareHome, Mode: facilities.ModeRadius, RadiusM: x.CatchmentM})
	if err != nil {
		t.Fatal(err)
	}
	var n, noBeds, unused, supply int
	for _, f := range an.Registry().All() {
		if f.Kind != facilities.WelfareHome || !an.Registry().Usable(f) {
			continue
		}
		supply++
		if !strings.HasPrefix(string(f.DivisionCode), "420526") {
			continue
		}
		n++
		if f.Beds <= 0 {
			noBeds++
			continue
		}
		demand := false
		for _, v := range all.Villages {
			if v.HasPoint && v.Elderly > 0 && geo.DistanceM(f.Point, v.Point)*x.Query.DetourDefault <= x.CatchmentM {
				demand = true
				break
			}
		}
		if !demand {
			unused += f.Beds
		}
	}
	if n == 0 || n == supply {
		t.Fatalf("recount: %d homes in 420526 of %d: the case shows nothing", n, supply)
	}
	t.Logf("420526: %d homes (%d without beds, %d unused beds) of %d in the province", n, noBeds, unused, supply)
	if x.Facilities != n || x.NoBeds != noBeds || x.UnusedBeds != unused || x.Supply != supply {
		t.Errorf("facilities %d no_beds %d unused_beds %d supply %d; recount %d, %d, %d, %d",
			x.Facilities, x.NoBeds, x.UnusedBeds, x.Supply, n, noBeds, unused, supply)
	}
}
