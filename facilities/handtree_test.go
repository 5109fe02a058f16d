package facilities_test

import (
	"testing"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
)

// handTree is a small tree: province 42 → 4201 → county 420101 → townships 420101100 (T1) and
// 420101101 (T2). Villages (elderly age60 / age65, ur_code):
//
//	420101100201 V1 村委会      100 / 70  "220"
//	420101100202 V2 村委会      200 / 140 "220"
//	420101100001 R1 居委会      999 / 700 "111"  (never counted: not a village committee)
//	420101100501 L1 类似村委会  50 / 35   "220"  (counted only with IncludeVillageLike)
//	420101101201 V3 村委会      300 / 210 "111"  (urban by ur_code)
//	420101101202 V4 村委会      400 / 280 ""     (ur_code unknown)
func handTree(t *testing.T) *divisions.Tree {
	t.Helper()
	tr, err := divisions.NewTree(handDivisions())
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// handDivisions returns the divisions of handTree (a fresh slice each call).
func handDivisions() []divisions.Division {
	mk := func(code, name, ur string, a60, a65 int64, pt orb.Point) divisions.Division {
		c := divisions.MustCode(code)
		return divisions.Division{Code: c, Name: name, ShortName: divisions.ShortName(name), Level: c.Level(),
			Kind: divisions.KindOf(c, name), Parent: c.Parent(), URCode: ur, Seat: pt, HasSeat: true,
			Population: divisions.Population{Total: a60 * 5, Age60: a60, Age65: a65},
			Sources:    divisions.Sources{Seat: divisions.Real, Population: divisions.Estimated, Attributes: divisions.Real}}
	}
	divs := []divisions.Division{
		mk("42", "湖北省", "", 0, 0, orb.Point{114.3, 30.5}),
		mk("4201", "武汉市", "", 0, 0, orb.Point{114.3, 30.5}),
		mk("420101", "测试区", "", 0, 0, orb.Point{114.3, 30.5}),
		mk("420101100", "甲镇", "", 0, 0, orb.Point{114.30, 30.50}),
		mk("420101101", "乙镇", "", 0, 0, orb.Point{114.40, 30.50}),
		mk("420101100201", "一村村民委员会", "220", 100, 70, orb.Point{114.300, 30.500}),
		mk("420101100202", "二村村民委员会", "220", 200, 140, orb.Point{114.310, 30.500}),
		mk("420101100001", "一社区居民委员会", "111", 999, 700, orb.Point{114.301, 30.501}),
		mk("420101100501", "一场", "220", 50, 35, orb.Point{114.320, 30.500}),
		mk("420101101201", "三村村民委员会", "111", 300, 210, orb.Point{114.400, 30.500}),
		mk("420101101202", "四村村民委员会", "", 400, 280, orb.Point{114.410, 30.500}),
	}
	return divs
}

// handFacilities: a mutual-aid site operating in V1 (real), one closed in V4, one planned (plan 7)
// in V3; a welfare home registered in township T1 (derived provenance).
func handFacilities() []facilities.Facility {
	return []facilities.Facility{
		{ID: 1, Kind: facilities.MutualAidElderly, Name: "一村幸福院", DivisionCode: divisions.MustCode("420101100201"),
			Point: orb.Point{114.3005, 30.5}, Status: facilities.StatusOperating, Provenance: divisions.Real},
		{ID: 2, Kind: facilities.MutualAidElderly, Name: "四村幸福院", DivisionCode: divisions.MustCode("420101101202"),
			Point: orb.Point{114.41, 30.5}, Status: facilities.StatusClosed, Provenance: divisions.Real},
		{ID: 3, Kind: facilities.MutualAidElderly, Name: "三村幸福院(规划)", DivisionCode: divisions.MustCode("420101101201"),
			Point: orb.Point{114.40, 30.5}, Status: facilities.StatusPlanned, PlanID: 7, Provenance: divisions.Generated},
		{ID: 4, Kind: facilities.WelfareHome, Name: "甲镇福利院", DivisionCode: divisions.MustCode("420101100"),
			Point: orb.Point{114.305, 30.501}, Status: facilities.StatusOperating, Beds: 40, Provenance: divisions.Derived},
	}
}

func handAnalyzer(t *testing.T, fs []facilities.Facility) *facilities.Analyzer {
	t.Helper()
	a, err := facilities.NewAnalyzer(handTree(t), facilities.NewRegistry(fs), nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
