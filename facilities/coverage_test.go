package facilities_test

import (
	"errors"
	"testing"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

func covered(c *facilities.Coverage) []string {
	var out []string
	for _, v := range c.Villages {
		if v.Covered {
			out = append(out, string(v.Code))
		}
	}
	return out
}

func eqStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestJurisdictionHandTree(t *testing.T) {
	a := handAnalyzer(t, handFacilities())
	cases := []struct {
		name       string
		a          *facilities.Analyzer
		p          facilities.Params
		covered    []string
		villages   int
		elderly    int64
		elderlyCov int64
		excluded   facilities.Excluded
		met        bool
		provenance divisions.Provenance
	}{
		{"mutual aid: only the operating site counts", a,
			facilities.Params{Kind: facilities.MutualAidElderly, Division: "420101"},
			[]string{"420101100201"}, 4, 1000, 100, facilities.Excluded{NotVillageCommittee: 2}, false, divisions.Estimated},
		{"with 类似村委会", a,
			facilities.Params{Kind: facilities.MutualAidElderly, Division: "420101", IncludeVillageLike: true},
			[]string{"420101100201"}, 5, 1050, 100, facilities.Excluded{NotVillageCommittee: 1}, false, divisions.Estimated},
		{"plan 7 adds V3", a.WithRegistry(a.Registry().WithPlanned(7)),
			facilities.Params{Kind: facilities.MutualAidElderly, Division: "420101"},
			[]string{"420101100201", "420101101201"}, 4, 1000, 400, facilities.Excluded{NotVillageCommittee: 2}, false, divisions.Generated},
		{"welfare home serves its township", a,
			facilities.Params{Kind: facilities.WelfareHome, Division: "42"},
			[]string{"420101100201", "420101100202"}, 4, 1000, 300, facilities.Excluded{NotVillageCommittee: 2}, false, divisions.Estimated},
		{"welfare home, age65, village-like", a,
			facilities.Params{Kind: facilities.WelfareHome, Division: "420101", Elderly: facilities.Age65, IncludeVillageLike: true},
			[]string{"420101100201", "420101100202", "420101100501"}, 5, 735, 245, facilities.Excluded{NotVillageCommittee: 1}, false, divisions.Estimated},
		{"rural only drops urban and unknown ur_code", a,
			facilities.Params{Kind: facilities.MutualAidElderly, Division: "420101", RuralOnly: true},
			[]string{"420101100201"}, 2, 300, 100, facilities.Excluded{NotVillageCommittee: 2, Urban: 1, UnknownRural: 1}, false, divisions.Estimated},
		{"a village as the division", a,
			facilities.Params{Kind: facilities.MutualAidElderly, Division: "420101100201"},
			[]string{"420101100201"}, 1, 100, 100, facilities.Excluded{}, true, divisions.Estimated},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.a.Coverage(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if got := covered(c); !eqStrings(got, tc.covered) {
				t.Errorf("covered = %v, want %v", got, tc.covered)
			}
			s := c.Summary
			if s.Villages != tc.villages || s.Covered != len(tc.covered) || s.Elderly != tc.elderly || s.ElderlyCovered != tc.elderlyCov {
				t.Errorf("summary = %d/%d villages, %d/%d elderly; want %d/%d, %d/%d", s.Covered, s.Villages,
					s.ElderlyCovered, s.Elderly, len(tc.covered), tc.villages, tc.elderlyCov, tc.elderly)
			}
			if c.Excluded != tc.excluded {
				t.Errorf("excluded = %+v, want %+v", c.Excluded, tc.excluded)
			}
			if s.Ratio == nil || *s.Ratio != float64(len(tc.covered))/float64(tc.villages) {
				t.Errorf("ratio = %v", s.Ratio)
			}
			if tc.p.Kind == facilities.MutualAidElderly {
				if s.Target == nil || *s.Target != 0.8 || s.Deadline != "2022" || s.Met == nil || *s.Met != tc.met {
					t.Errorf("target %v deadline %q met %v, want 0.8 2022 %v", s.Target, s.Deadline, s.Met, tc.met)
				}
			} else if s.Target != nil || s.Met != nil {
				t.Errorf("welfare_home has no target, got %v/%v", s.Target, s.Met)
			}
			// Weakest of population (estimated), facility (real/derived/generated); the point is not an input.
			if s.Provenance != tc.provenance {
				t.Errorf("provenance = %s, want %s", s.Provenance, tc.provenance)
			}
		})
	}
}

func TestGroupBy(t *testing.T) {
	a := handAnalyzer(t, handFacilities())
	c, err := a.Coverage(facilities.Params{Kind: facilities.MutualAidElderly, Division: "4201", GroupBy: divisions.Township})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Groups) != 2 {
		t.Fatalf("%d groups, want 2", len(c.Groups))
	}
	want := []struct {
		code              divisions.Code
		villages, covered int
		elderly           int64
	}{{"420101100000", 2, 1, 300}, {"420101101000", 2, 0, 700}}
	for i, w := range want {
		g := c.Groups[i]
		if g.Code != w.code || g.Villages != w.villages || g.Covered != w.covered || g.Elderly != w.elderly || g.Level != divisions.Township {
			t.Errorf("group %d = %+v, want %+v", i, g, w)
		}
	}
	if tb := c.Table(); len(tb.Rows) != 3 || len(tb.Rows[0]) != len(tb.Columns) {
		t.Errorf("table has %d rows of %d cells for %d columns", len(tb.Rows), len(tb.Rows[0]), len(tb.Columns))
	}
}

func TestRadiusInJurisdictionHand(t *testing.T) {
	// The mutual-aid site of V1 lies 0.0005° (≈ 48 m) from V1 and ≈ 920 m from V2 (0.0095° at 30.5°N);
	// it is registered in V1, so in radius_in_jurisdiction only V1 is covered, in radius both are.
	a := handAnalyzer(t, handFacilities())
	for _, tc := range []struct {
		mode facilities.Mode
		want []string
	}{
		{facilities.ModeRadius, []string{"420101100201", "420101100202"}},
		{facilities.ModeRadiusInJurisdiction, []string{"420101100201"}},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			c, err := a.Coverage(facilities.Params{Kind: facilities.MutualAidElderly, Division: "420101", Mode: tc.mode, RadiusM: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if got := covered(c); !eqStrings(got, tc.want) {
				t.Errorf("covered = %v, want %v", got, tc.want)
			}
		})
	}
	// Detour 1.2 on the county: 920 m × 1.2 > 1,000 m, so V2 drops out of radius mode.
	c, err := a.Coverage(facilities.Params{Kind: facilities.MutualAidElderly, Division: "420101", Mode: facilities.ModeRadius,
		RadiusM: 1000, Detour: map[divisions.Code]float64{"420101": 1.2}})
	if err != nil {
		t.Fatal(err)
	}
	if got := covered(c); !eqStrings(got, []string{"420101100201"}) {
		t.Errorf("with detour 1.2: covered = %v", got)
	}
}

func TestBadParams(t *testing.T) {
	a := handAnalyzer(t, handFacilities())
	cases := []struct {
		name, param string
		p           facilities.Params
		notFound    bool
	}{
		{"unknown kind", "kind", facilities.Params{Kind: "hospital"}, false},
		{"negative radius", "radius_m", facilities.Params{Kind: facilities.MutualAidElderly, RadiusM: -1}, false},
		{"radius over 200 km", "radius_m", facilities.Params{Kind: facilities.MutualAidElderly, RadiusM: 200001}, false},
		{"unknown mode", "mode", facilities.Params{Kind: facilities.MutualAidElderly, Mode: "walk"}, false},
		{"detour below 1", "detour", facilities.Params{Kind: facilities.MutualAidElderly, DetourDefault: 0.9}, false},
		{"detour entry below 1", "detour", facilities.Params{Kind: facilities.MutualAidElderly, Detour: map[divisions.Code]float64{"4228": 0.5}}, false},
		{"malformed division", "division", facilities.Params{Kind: facilities.MutualAidElderly, Division: "42x"}, false},
		{"unknown elderly field", "elderly", facilities.Params{Kind: facilities.MutualAidElderly, Elderly: "age70"}, false},
		{"group_by above the division", "group_by", facilities.Params{Kind: facilities.MutualAidElderly, Division: "420101", GroupBy: divisions.Province}, false},
		{"unknown division", "", facilities.Params{Kind: facilities.MutualAidElderly, Division: "429999"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := a.Coverage(tc.p)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.notFound {
				if !facilities.IsNotFound(err) {
					t.Fatalf("error %v is not a NotFoundError", err)
				}
				return
			}
			var pe *facilities.ParamError
			if !errors.As(err, &pe) || pe.Param != tc.param {
				t.Fatalf("error %v: want a ParamError on %s", err, tc.param)
			}
		})
	}
	for _, s := range []string{"0", "-5", "abc", "200001"} {
		if _, err := facilities.ParseRadius(s, 200000); !facilities.IsParamError(err) {
			t.Errorf("ParseRadius(%q) = %v, want a ParamError", s, err)
		}
	}
	cfg, _ := facilities.DefaultConfig()
	if _, _, err := facilities.ParseDetour("4228:0.8", cfg); !facilities.IsParamError(err) {
		t.Errorf("ParseDetour(4228:0.8) = %v", err)
	}
	m, def, err := facilities.ParseDetour("1.1,4228:1.5", cfg)
	if err != nil || def != 1.1 || m["422800000000"] != 1.5 {
		t.Errorf("ParseDetour = %v %v %v", m, def, err)
	}
	if m, _, _ := facilities.ParseDetour("suggested", cfg); m["429021000000"] < 1 || len(m) != 3 {
		t.Errorf("suggested = %v", m)
	}
	if _, err := a.Accessibility(facilities.AccessParams{Params: facilities.Params{Kind: facilities.MutualAidElderly}}); !facilities.IsParamError(err) {
		t.Errorf("accessibility on a kind without beds: %v", err)
	}
}
