// Package datasettest holds small datasets for the tests of the stores and their users: one
// county with a boundary, two townships, four villages and four facilities (Small).
package datasettest

import (
	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
)

// The fixture: one county with a Square boundary, two townships, four villages.
//
//	31.5 +-----------------------+
//	     |  兴山县 420526          |
//	     |   古夫镇 seat (110.75,31.35)
//	     |   · 201 (110.70,31.30) |
//	     |   · 202 (110.80,31.40) |
//	     |   高桥乡 (no seat)      |
//	     |   · 201 (110.60,31.10) |
//	31.0 +-----------------------+
//	   110.5                   111.0
//
// Codes of the fixture's divisions.
const (
	Prov    = divisions.Code("420000000000")
	Pref    = divisions.Code("420500000000")
	County  = divisions.Code("420526000000")
	Town    = divisions.Code("420526100000")
	Twp     = divisions.Code("420526200000")
	Res     = divisions.Code("420526100001")
	Vil1    = divisions.Code("420526100201")
	Vil2    = divisions.Code("420526100202")
	TwpVil1 = divisions.Code("420526200201")
)

// Square is a closed ring around [x0,x1]×[y0,y1] in degrees, as a one-polygon MultiPolygon.
func Square(x0, y0, x1, y1 float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
}

// Divisions are Small's divisions, parents first.
func Divisions() []divisions.Division {
	real, der, est, gen := divisions.Real, divisions.Derived, divisions.Estimated, divisions.Generated
	return []divisions.Division{
		{Code: Prov, Name: "湖北省", ShortName: "湖北省", Level: divisions.Province, Kind: divisions.KindProvince,
			Seat: orb.Point{114.341861, 30.546498}, HasSeat: true, Population: divisions.Population{Total: 58300000, Age60: 12000000, Age65: 9000000},
			Sources: divisions.Sources{Seat: real, Population: real, Attributes: real}},
		{Code: Pref, Name: "宜昌市", ShortName: "宜昌市", Level: divisions.Prefecture, Kind: divisions.KindPrefectureCity, Parent: Prov,
			Sources: divisions.Sources{Attributes: real}},
		{Code: County, Name: "兴山县", ShortName: "兴山县", Level: divisions.County, Kind: divisions.KindCounty, Parent: Pref,
			Seat: orb.Point{110.75, 31.35}, HasSeat: true, Boundary: Square(110.5, 31.0, 111.0, 31.5),
			Population: divisions.Population{Total: 150000, Age60: 40000, Age65: 30000},
			Sources:    divisions.Sources{Geometry: real, Seat: real, Population: real, Attributes: real}},
		{Code: Town, Name: "古夫镇", ShortName: "古夫镇", Level: divisions.Township, Kind: divisions.KindTown, Parent: County,
			Seat: orb.Point{110.75, 31.35}, HasSeat: true, Boundary: orb.MultiPolygon{
				{{{110.5, 31.25}, {111, 31.25}, {111, 31.5}, {110.5, 31.5}, {110.5, 31.25}}, {{110.9, 31.4}, {110.95, 31.4}, {110.95, 31.45}, {110.9, 31.4}}},
				{{{110.5, 31.2}, {110.6, 31.2}, {110.6, 31.24}, {110.5, 31.2}}}},
			Population: divisions.Population{Total: 40000, Age60: 11000, Age65: 8000},
			Sources:    divisions.Sources{Geometry: der, Seat: real, Population: real, Attributes: real}},
		{Code: Twp, Name: "高桥乡", ShortName: "高桥乡", Level: divisions.Township, Kind: divisions.KindTownship, Parent: County,
			Population: divisions.Population{Total: 9000, Age60: 2500, Age65: 1900},
			Sources:    divisions.Sources{Population: real, Attributes: real}},
		{Code: Res, Name: "高阳社区居民委员会", ShortName: "高阳社区", Level: divisions.Village, Kind: divisions.KindResidentsCommittee, Parent: Town,
			URCode: "111", Seat: orb.Point{110.751, 31.351}, HasSeat: true, Population: divisions.Population{Total: 5000, Age60: 900, Age65: 700},
			Programme: &divisions.Programme{}, Sources: divisions.Sources{Seat: der, Population: est, Attributes: real, Programme: gen}},
		{Code: Vil1, Name: "平水村委会", ShortName: "平水村", Level: divisions.Village, Kind: divisions.KindVillageCommittee, Parent: Town,
			URCode: "220", Seat: orb.Point{110.70, 31.30}, HasSeat: true, Population: divisions.Population{Total: 1200, Age60: 350, Age65: 260},
			Programme: &divisions.Programme{PilotYear: 2018, SocialOrgs: 3, Ledger: true, CareContact: true, ActivityPlace: false, RegularVisits: true},
			Sources:   divisions.Sources{Seat: real, Population: est, Attributes: real, Programme: gen}},
		{Code: Vil2, Name: "昭君村委会", ShortName: "昭君村", Level: divisions.Village, Kind: divisions.KindVillageCommittee, Parent: Town,
			URCode: "210", Seat: orb.Point{110.80, 31.40}, HasSeat: true, Population: divisions.Population{Total: 800, Age60: 260, Age65: 200},
			Sources: divisions.Sources{Seat: gen, Population: est, Attributes: real}},
		{Code: TwpVil1, Name: "平水村委会", ShortName: "平水村", Level: divisions.Village, Kind: divisions.KindVillageCommittee, Parent: Twp,
			URCode: "220", Seat: orb.Point{110.60, 31.10}, HasSeat: true, Population: divisions.Population{Total: 600, Age60: 200, Age65: 150},
			Sources: divisions.Sources{Seat: gen, Population: est, Attributes: real}},
	}
}

// Facilities are Small's facilities: ids 10–12 given, the fourth without (it gets 13); 12 is a
// planned facility of plan 3.
func Facilities() []facilities.Facility {
	return []facilities.Facility{
		{ID: 10, Kind: facilities.WelfareHome, Name: "古夫镇敬老院", DivisionCode: Town, Point: orb.Point{110.752, 31.352},
			Status: facilities.StatusOperating, Beds: 60, FloorAreaM2: 2400.5, Opened: "2009-05-01",
			Renovated:  facilities.Renovation{FireSafety: facilities.Yes, Accessibility: facilities.No, SpecialCare: facilities.Unknown},
			Provenance: divisions.Real},
		{ID: 11, Kind: facilities.MutualAidElderly, Name: "平水村互助养老点", DivisionCode: Vil1, Point: orb.Point{110.701, 31.301},
			Status: facilities.StatusOperating, Provenance: divisions.Generated},
		{ID: 12, Kind: facilities.MutualAidElderly, Name: "昭君村互助养老点（规划）", DivisionCode: Vil2, Point: orb.Point{110.80, 31.40},
			Status: facilities.StatusPlanned, PlanID: 3, Provenance: divisions.Derived},
		{Kind: facilities.FuneralHome, Name: "兴山县殡仪馆", DivisionCode: County, Point: orb.Point{110.76, 31.36},
			Status: facilities.StatusBuilding, Provenance: divisions.Real},
	}
}

// Small is the fixture dataset: 9 divisions, 4 facilities, named "test".
func Small() *dataset.Dataset {
	return &dataset.Dataset{
		Meta: dataset.Meta{Name: "test", Vintages: map[string]string{"codes": "2023-06-30"},
			Sources: []dataset.Source{{Name: "统计用区划代码", Files: "codes.csv", Licence: "public", CRS: "n/a"}},
			Counts:  map[string]int{"village": 4}, Notes: []string{"fixture"}},
		Divisions:  Divisions(),
		Facilities: Facilities(),
	}
}
