package facilities_test

import (
	"testing"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// TestScopeMatchesDescendants checks, for every division of a generated tree and each village
// filter, that coverage counts exactly the villages found by walking the tree (Descendants and
// the filters written out here), in code order, with the same exclusion counts.
func TestScopeMatchesDescendants(t *testing.T) {
	a, d := synthAnalyzer(t, 4000, 500, 6)
	tr := a.Tree()
	codes := []divisions.Code{""}
	for _, dv := range d.Divisions {
		if dv.Level < divisions.Village {
			codes = append(codes, dv.Code)
		}
	}
	if len(codes) < 50 {
		t.Fatalf("only %d scopes: the generator changed", len(codes))
	}
	for _, opt := range []struct{ like, rural bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		for _, code := range codes {
			var scope []*divisions.Division
			if code == "" {
				for _, dv := range tr.All() {
					if dv.Level == divisions.Village {
						scope = append(scope, dv)
					}
				}
			} else {
				scope = tr.Descendants(code, divisions.Village)
			}
			var want []divisions.Code
			var ex facilities.Excluded
			for _, v := range scope {
				rural, known := v.IsRural()
				switch {
				case !(v.Kind == divisions.KindVillageCommittee || opt.like && v.Kind == divisions.KindVillageLike):
					ex.NotVillageCommittee++
				case opt.rural && !known:
					ex.UnknownRural++
				case opt.rural && !rural:
					ex.Urban++
				default:
					want = append(want, v.Code)
				}
			}
			c, err := a.Coverage(facilities.Params{Kind: facilities.MutualAidElderly, Mode: facilities.ModeRadius, RadiusM: 2000,
				Division: code, IncludeVillageLike: opt.like, RuralOnly: opt.rural})
			if err != nil {
				t.Fatalf("%q %+v: %v", code, opt, err)
			}
			if c.Excluded != ex || len(c.Villages) != len(want) || c.Summary.Villages != len(want) {
				t.Fatalf("%q %+v: %d villages (summary %d), excluded %+v; the tree gives %d, %+v", code, opt, len(c.Villages), c.Summary.Villages, c.Excluded, len(want), ex)
			}
			for i, r := range c.Villages {
				if r.Code != want[i] {
					t.Fatalf("%q %+v: village %d is %s, the tree gives %s", code, opt, i, r.Code, want[i])
				}
			}
		}
	}
}
