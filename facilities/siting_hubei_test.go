package facilities_test

import (
	"cmp"
	"math"
	"slices"
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
