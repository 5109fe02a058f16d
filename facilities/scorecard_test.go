package facilities_test

import (
	"math"
	"strings"
	"testing"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
)

// TestScorecardHandTree evaluates the seed targets on the hand tree with programmes:
//
//	V1 pilot 2018, 6 orgs, 四有 all      V2 pilot 2019, 5 orgs, no activity place
//	V3 pilot 2021, 2 orgs, 四有 all      V4 no programme data (unknown)
//
// community service centres: V1 600 m², V2 area unknown, V3 300 m², V4 800 m² but closed;
// welfare homes: #4 (T1) all three done, #7 (T2) accessibility unknown, #8 closed with nothing done.
// Expected values are worked out by hand in the table below.
func TestScorecardHandTree(t *testing.T) {
	divs := handDivisions()
	progs := map[string]*divisions.Programme{
		"420101100201": {PilotYear: 2018, SocialOrgs: 6, Ledger: true, CareContact: true, ActivityPlace: true, RegularVisits: true},
		"420101100202": {PilotYear: 2019, SocialOrgs: 5, Ledger: true, CareContact: true, ActivityPlace: false, RegularVisits: true},
		"420101101201": {PilotYear: 2021, SocialOrgs: 2, Ledger: true, CareContact: true, ActivityPlace: true, RegularVisits: true},
	}
	for i := range divs {
		if p, ok := progs[string(divs[i].Code)]; ok {
			divs[i].Programme = p
			divs[i].Sources.Programme = divisions.Generated
		}
	}
	tr, err := divisions.NewTree(divs)
	if err != nil {
		t.Fatal(err)
	}
	csc := func(id int64, code string, area float64, st facilities.Status) facilities.Facility {
		return facilities.Facility{ID: id, Kind: facilities.CommunityServiceCenter, Name: "社区服务中心", DivisionCode: divisions.MustCode(code),
			Point: orb.Point{114.3, 30.5}, Status: st, FloorAreaM2: area, Provenance: divisions.Real}
	}
	fs := append(handFacilities(),
		csc(10, "420101100201", 600, facilities.StatusOperating),
		csc(11, "420101100202", 0, facilities.StatusOperating),
		csc(12, "420101101201", 300, facilities.StatusOperating),
		csc(13, "420101101202", 800, facilities.StatusClosed),
		facilities.Facility{ID: 7, Kind: facilities.WelfareHome, Name: "乙镇福利院", DivisionCode: divisions.MustCode("420101101"),
			Point: orb.Point{114.4, 30.5}, Status: facilities.StatusOperating, Beds: 30, Provenance: divisions.Real,
			Renovated: facilities.Renovation{FireSafety: facilities.Yes, Accessibility: facilities.Unknown, SpecialCare: facilities.Yes}},
		facilities.Facility{ID: 8, Kind: facilities.WelfareHome, Name: "旧福利院", DivisionCode: divisions.MustCode("420101101"),
			Point: orb.Point{114.4, 30.5}, Status: facilities.StatusClosed, Provenance: divisions.Real,
			Renovated: facilities.Renovation{FireSafety: facilities.No, Accessibility: facilities.No, SpecialCare: facilities.No}},
	)
	fs[3].Renovated = facilities.Renovation{FireSafety: facilities.Yes, Accessibility: facilities.Yes, SpecialCare: facilities.Yes}
	a, err := facilities.NewAnalyzer(tr, facilities.NewRegistry(fs), nil)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := a.Scorecard("420101")
	if err != nil {
		t.Fatal(err)
	}
	if sc.VillageCommittee != 4 {
		t.Errorf("village committees = %d, want 4", sc.VillageCommittee)
	}
	yes, no := true, false
	want := []struct {
		id         string
		value      float64 // NaN: nil
		target     float64
		deadline   string
		met        *bool
		num        float64
		den, unk   int
		provenance divisions.Provenance
	}{
		{"mutual_aid_coverage", 0.25, 0.8, "2022", &no, 1, 4, 0, divisions.Estimated},
		{"community_service_area_500", 1.0 / 3, 1, "2020", &no, 1, 3, 1, divisions.Real},
		{"welfare_home_renovation", 1, 1, "2022", nil, 1, 1, 1, divisions.Derived},
		{"welfare_home_fire_safety", 1, 1, "2022", &yes, 2, 2, 0, divisions.Derived},
		{"welfare_home_accessibility", 1, 1, "2022", nil, 1, 1, 1, divisions.Derived},
		{"welfare_home_special_care", 1, 1, "2022", &yes, 2, 2, 0, divisions.Derived},
		{"community_pilot_2018", 1.0 / 3, 0.05, "2018", &yes, 1, 3, 1, divisions.Generated},
		{"community_pilot_2019", 1.0 / 3, 0.05, "2019", &yes, 1, 3, 1, divisions.Generated},
		{"community_pilot_2020", 0, 0.05, "2020", &no, 0, 3, 1, divisions.Generated},
		{"community_pilot_total_2020", 2.0 / 3, 0.5, "2020", &yes, 2, 3, 1, divisions.Generated},
		{"social_orgs_average", 13.0 / 3, 5, "2022", &no, 13, 3, 1, divisions.Generated},
		{"social_orgs_each", 2.0 / 3, 1, "2022", &no, 2, 3, 1, divisions.Generated},
		{"left_behind_elderly_four_haves", 2.0 / 3, 1, "2022", &no, 2, 3, 1, divisions.Generated},
	}
	if len(sc.Items) != len(want) {
		t.Fatalf("%d items, want %d", len(sc.Items), len(want))
	}
	for i, w := range want {
		it := sc.Items[i]
		t.Run(w.id, func(t *testing.T) {
			if it.ID != w.id {
				t.Fatalf("item %d is %s", i, it.ID)
			}
			if it.Value == nil || math.Abs(*it.Value-w.value) > 1e-12 {
				t.Errorf("value = %v, want %v", it.Value, w.value)
			}
			if it.Target != w.target || it.Deadline != w.deadline || it.Numerator != w.num || it.Denominator != w.den || it.Unknown != w.unk {
				t.Errorf("target %v deadline %s %v/%d unknown %d; want %v %s %v/%d %d", it.Target, it.Deadline, it.Numerator,
					it.Denominator, it.Unknown, w.target, w.deadline, w.num, w.den, w.unk)
			}
			if (it.Met == nil) != (w.met == nil) || (it.Met != nil && *it.Met != *w.met) {
				t.Errorf("met = %v, want %v", it.Met, w.met)
			}
			if it.Provenance != w.provenance {
				t.Errorf("provenance = %s, want %s", it.Provenance, w.provenance)
			}
			if it.Source == "" || it.TitleZH == "" || it.Note == "" {
				t.Errorf("item lacks source/title/note: %+v", it)
			}
		})
	}
	if _, err := a.Scorecard("429999"); !facilities.IsNotFound(err) {
		t.Errorf("unknown division: %v", err)
	}
	if tb := sc.Table(); len(tb.Rows) != len(want) {
		t.Errorf("table rows = %d", len(tb.Rows))
	}
}

// Items with nothing to measure say so (status not_applicable with the reason), apart from items
// whose units exist but lack data (status unknown) and from measured ones. The hand tree plus a
// district 测试二区 whose only village-level unit is a 居委会 and which has no welfare home; in
// 测试区 no village has programme data, and welfare home #4 (T1) has its renovations unknown.
func TestScorecardNotApplicable(t *testing.T) {
	divs := handDivisions()
	for _, d := range []struct{ code, name string }{{"420102", "测试二区"}, {"420102001", "一街道"}, {"420102001001", "一社区居民委员会"}} {
		c := divisions.MustCode(d.code)
		divs = append(divs, divisions.Division{Code: c, Name: d.name, ShortName: divisions.ShortName(d.name), Level: c.Level(),
			Kind: divisions.KindOf(c, d.name), Parent: c.Parent(), URCode: "111", Seat: orb.Point{114.5, 30.6}, HasSeat: true,
			Population: divisions.Population{Total: 1000, Age60: 200, Age65: 150}})
	}
	tr, err := divisions.NewTree(divs)
	if err != nil {
		t.Fatal(err)
	}
	a, err := facilities.NewAnalyzer(tr, facilities.NewRegistry(handFacilities()), nil)
	if err != nil {
		t.Fatal(err)
	}
	status := func(code divisions.Code) map[string]facilities.ScoreItem {
		t.Helper()
		sc, err := a.Scorecard(code)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]facilities.ScoreItem{}
		for _, it := range sc.Items {
			m[it.ID] = it
		}
		return m
	}
	for _, tc := range []struct {
		code         divisions.Code
		id, status   string
		reasonSubstr string
	}{
		{"420102", "mutual_aid_coverage", facilities.StatusNotApplicable, "no village committees"},
		{"420102", "community_pilot_total_2020", facilities.StatusNotApplicable, "no village committees"},
		{"420102", "social_orgs_average", facilities.StatusNotApplicable, "no village committees"},
		{"420102", "left_behind_elderly_four_haves", facilities.StatusNotApplicable, "no village committees"},
		{"420102", "welfare_home_renovation", facilities.StatusNotApplicable, "no operating welfare home"},
		{"420102", "welfare_home_fire_safety", facilities.StatusNotApplicable, "no operating welfare home"},
		{"420101", "mutual_aid_coverage", facilities.StatusMeasured, ""},
		{"420101", "community_pilot_2018", facilities.StatusUnknown, "missing"},
		{"420101", "social_orgs_average", facilities.StatusUnknown, "missing"},
		{"420101", "welfare_home_renovation", facilities.StatusUnknown, "missing"},
		{"420101101", "welfare_home_special_care", facilities.StatusNotApplicable, "no operating welfare home"},
	} {
		it, ok := status(tc.code)[tc.id]
		if !ok {
			t.Fatalf("%s: no item %s", tc.code, tc.id)
		}
		if it.Status != tc.status || !strings.Contains(it.Reason, tc.reasonSubstr) || (tc.status == facilities.StatusMeasured) != (it.Value != nil) ||
			(tc.status == facilities.StatusMeasured && it.Reason != "") {
			t.Errorf("%s %s: status %q reason %q value %v; want %s (%q)", tc.code, tc.id, it.Status, it.Reason, it.Value, tc.status, tc.reasonSubstr)
		}
	}
}
