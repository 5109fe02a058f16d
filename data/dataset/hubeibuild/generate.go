package hubeibuild

import (
	"fmt"
	"math"
	"strings"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
)

// Facility generation parameters (all generated values; see data/dataset/embedded/README.md).
const (
	pWelfareRural     = 0.85 // rural townships (镇, 乡, 类似乡级单位) with a welfare home
	pWelfareUrban     = 0.10 // subdistricts with one
	pRegionalRural    = 0.17 // rural townships with a regional care centre
	pCemeteryTown     = 0.35 // rural townships with a township cemetery
	pCemeteryVillage  = 0.03 // village committees with a village cemetery
	pCommunityService = 0.92 // rural villages with a community service centre
	mutualMin         = 0.40 // per-county share of 村委会 with a mutual-aid site: uniform in …
	mutualMax         = 0.95 // … [mutualMin, mutualMax]
	csAreaMean        = 520.0
	csAreaSD          = 150.0
)

// status draws a life-cycle state: mostly operating, a few planned/building/suspended/closed.
func status(r *rng) facilities.Status {
	x := r.float()
	switch {
	case x < 0.025:
		return facilities.StatusPlanned
	case x < 0.055:
		return facilities.StatusBuilding
	case x < 0.08:
		return facilities.StatusSuspended
	case x < 0.10:
		return facilities.StatusClosed
	}
	return facilities.StatusOperating
}

func tri(r *rng, pYes float64) facilities.Tri {
	x := r.float()
	switch {
	case x < pYes:
		return facilities.Yes
	case x < pYes+(1-pYes)*0.75:
		return facilities.No
	}
	return facilities.Unknown
}

func opened(r *rng, st facilities.Status) string {
	if st == facilities.StatusPlanned || st == facilities.StatusBuilding {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", r.between(2005, 2023), r.between(1, 12), r.between(1, 28))
}

// villageLabel is the name used in facility names: the short name, with 村 added to a
// village committee whose short name lacks it (金潭村委会 → 金潭村).
func villageLabel(v *village) string {
	s := divisions.ShortName(v.name)
	k := divisions.KindOf(v.code, v.name)
	if (k == divisions.KindVillageCommittee || k == divisions.KindVillageLike) && !strings.HasSuffix(s, "村") && !strings.HasSuffix(s, "社区") {
		s += "村"
	}
	return s
}

// isRuralTown reports whether a township-level unit is rural for facility generation.
func isRuralTown(t *township) bool {
	return divisions.KindOf(t.code, t.name) != divisions.KindSubdistrict
}

// isRuralVillage follows the population model's classification.
func isRuralVillage(v *village, ur string) bool { return !isUrbanVillage(v, ur) }

// place puts a facility point near seat inside area (within radiusM), or at seat. It has its
// own generator (from the division code and kind), so that which facilities exist never
// depends on how many draws the rejection sampling took.
func place(code divisions.Code, kind facilities.Kind, area orb.MultiPolygon, seat orb.Point, radiusM float64) orb.Point {
	if p, ok := samplePoint(newRNG("facility-point", string(code), string(kind)), area, nil, seat, radiusM); ok {
		return p
	}
	return seat
}

// facilityPlan collects generated facilities in a deterministic order; IDs are given at the end.
type facilityPlan struct{ fs []facilities.Facility }

func (fp *facilityPlan) add(f facilities.Facility) {
	f.Provenance = divisions.Generated
	fp.fs = append(fp.fs, f)
}

// countyFacilities generates the county-level facilities at the county seat, registered in the
// township whose area holds the seat.
func (fp *facilityPlan) countyFacilities(cname string, code divisions.Code, seatTown *township, seat orb.Point) {
	r := newRNG("county-facilities", string(code))
	for _, k := range []struct {
		kind facilities.Kind
		name string
		beds [2]int
	}{
		{facilities.DisabilityCareCenter, cname + "失能半失能人员集中照护中心", [2]int{80, 300}},
		{facilities.FuneralHome, cname + "殡仪馆", [2]int{}},
		{facilities.MarriageRegistry, cname + "婚姻登记处", [2]int{}},
	} {
		st := status(r)
		if k.kind != facilities.DisabilityCareCenter && st != facilities.StatusOperating && r.chance(0.7) {
			st = facilities.StatusOperating // funeral homes and registries are nearly always open
		}
		f := facilities.Facility{Kind: k.kind, Name: k.name, DivisionCode: seatTown.code, Status: st, Opened: opened(r, st)}
		radius := 1500.0
		if k.kind == facilities.FuneralHome {
			radius = 4000
		}
		f.Point = place(seatTown.code, k.kind, seatTown.area, seat, radius)
		if k.beds[1] > 0 {
			f.Beds = r.between(k.beds[0], k.beds[1])
			f.Renovated = facilities.Renovation{FireSafety: tri(r, 0.7), Accessibility: tri(r, 0.6), SpecialCare: tri(r, 0.5)}
		}
		fp.add(f)
	}
}

// townFacilities generates a township's welfare home, regional care centre and cemetery.
func (fp *facilityPlan) townFacilities(t *township, area orb.MultiPolygon) {
	r := newRNG("town-facilities", string(t.code))
	rural := isRuralTown(t)
	pw := pWelfareUrban
	if rural {
		pw = pWelfareRural
	}
	if r.chance(pw) {
		st := status(r)
		fp.add(facilities.Facility{Kind: facilities.WelfareHome, Name: t.name + "敬老院", DivisionCode: t.code,
			Point: place(t.code, facilities.WelfareHome, area, t.seat, 1500), Status: st, Beds: r.between(30, 200), Opened: opened(r, st),
			Renovated: facilities.Renovation{FireSafety: tri(r, 0.65), Accessibility: tri(r, 0.5), SpecialCare: tri(r, 0.35)}})
	}
	if rural && r.chance(pRegionalRural) {
		st := status(r)
		fp.add(facilities.Facility{Kind: facilities.RegionalCareCenter, Name: t.name + "区域性养老服务中心", DivisionCode: t.code,
			Point: place(t.code, facilities.RegionalCareCenter, area, t.seat, 1500), Status: st, Beds: r.between(60, 300), Opened: opened(r, st),
			Renovated: facilities.Renovation{FireSafety: tri(r, 0.8), Accessibility: tri(r, 0.7), SpecialCare: tri(r, 0.6)}})
	}
	if rural && r.chance(pCemeteryTown) {
		st := status(r)
		fp.add(facilities.Facility{Kind: facilities.PublicCemetery, Name: t.name + "公益性公墓", DivisionCode: t.code,
			Point: place(t.code, facilities.PublicCemetery, area, t.seat, 5000), Status: st, FloorAreaM2: float64(r.between(20, 200) * 100), Opened: opened(r, st)})
	}
}

// villageFacilities generates a village's mutual-aid site, community service centre and cemetery;
// mutualShare is its county's share of 村委会 with a mutual-aid site.
func (fp *facilityPlan) villageFacilities(v *village, ur string, area orb.MultiPolygon, mutualShare float64) {
	r := newRNG("village-facilities", string(v.code))
	label := villageLabel(v)
	vc := divisions.KindOf(v.code, v.name) == divisions.KindVillageCommittee
	if vc && r.chance(mutualShare) {
		st := status(r)
		fp.add(facilities.Facility{Kind: facilities.MutualAidElderly, Name: label + "互助养老服务点", DivisionCode: v.code,
			Point: place(v.code, facilities.MutualAidElderly, area, v.p, 500), Status: st, FloorAreaM2: float64(r.between(80, 400)), Opened: opened(r, st)})
	}
	if isRuralVillage(v, ur) && r.chance(pCommunityService) {
		st := status(r)
		a := math.Round(csAreaMean + csAreaSD*r.normal())
		a = math.Max(150, math.Min(1500, a))
		fp.add(facilities.Facility{Kind: facilities.CommunityServiceCenter, Name: label + "综合服务中心", DivisionCode: v.code,
			Point: place(v.code, facilities.CommunityServiceCenter, area, v.p, 300), Status: st, FloorAreaM2: a, Opened: opened(r, st)})
	}
	if vc && r.chance(pCemeteryVillage) {
		st := status(r)
		fp.add(facilities.Facility{Kind: facilities.PublicCemetery, Name: label + "公益性公墓", DivisionCode: v.code,
			Point: place(v.code, facilities.PublicCemetery, area, v.p, 2000), Status: st, FloorAreaM2: float64(r.between(5, 50) * 100), Opened: opened(r, st)})
	}
}

// programme generates a village's programme attributes.
func programme(v *village, countyFourHave float64) *divisions.Programme {
	r := newRNG("programme", string(v.code))
	p := &divisions.Programme{}
	if r.chance(0.55) {
		// Pilots were designated in growing numbers from 2014 to 2020.
		weights := []int{1, 2, 3, 4, 5, 6, 7}
		x := r.intn(28)
		for i, w := range weights {
			if x < w {
				p.PilotYear = 2014 + i
				break
			}
			x -= w
		}
	}
	for i := 0; i < 10; i++ {
		if r.chance(0.4) {
			p.SocialOrgs++
		}
	}
	p.Ledger = r.chance(countyFourHave + 0.04)
	p.CareContact = r.chance(countyFourHave)
	p.ActivityPlace = r.chance(countyFourHave + 0.02)
	p.RegularVisits = r.chance(countyFourHave - 0.05)
	return p
}
