package storetest

import (
	"github.com/civplan/civplan/data/dataset/datasettest"
	"github.com/civplan/civplan/data/store"

	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/civplan/civplan/data/formats"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
)

// Second county of the replace fixture, east of 兴山县.
const (
	cCounty2 = divisions.Code("420527000000")
	cTown2   = divisions.Code("420527100000")
	cVil21   = divisions.Code("420527100201")
)

// twoCounties is the test store plus 秭归县 with one mutual-aid site (id 14).
func twoCounties(t *testing.T, open Opener) Store {
	t.Helper()
	ds := datasettest.Small()
	real := divisions.Real
	ds.Divisions = append(ds.Divisions,
		divisions.Division{Code: cCounty2, Name: "秭归县", ShortName: "秭归县", Level: divisions.County, Kind: divisions.KindCounty, Parent: datasettest.Pref,
			Seat: orb.Point{111.25, 31.25}, HasSeat: true, Boundary: datasettest.Square(111.0, 31.0, 111.5, 31.5), Sources: divisions.Sources{Geometry: real, Seat: real, Attributes: real}},
		divisions.Division{Code: cTown2, Name: "茅坪镇", ShortName: "茅坪镇", Level: divisions.Township, Kind: divisions.KindTown, Parent: cCounty2,
			Seat: orb.Point{111.25, 31.25}, HasSeat: true, Boundary: datasettest.Square(111.0, 31.0, 111.5, 31.5), Sources: divisions.Sources{Geometry: real, Seat: real, Attributes: real}},
		divisions.Division{Code: cVil21, Name: "九里村委会", ShortName: "九里村", Level: divisions.Village, Kind: divisions.KindVillageCommittee, Parent: cTown2,
			Seat: orb.Point{111.2, 31.2}, HasSeat: true, Sources: divisions.Sources{Seat: real, Attributes: real}},
	)
	ds.Facilities = append(ds.Facilities, facilities.Facility{Kind: facilities.MutualAidElderly, Name: "九里村互助点", DivisionCode: cVil21,
		Point: orb.Point{111.2, 31.2}, Status: facilities.StatusOperating, Provenance: divisions.Real})
	s := open(t)
	if err := s.Seed(context.Background(), ds, nil); err != nil {
		t.Fatal(err)
	}
	return s
}

func liveByKind(t *testing.T, s Store, k facilities.Kind) map[string]divisions.Code {
	t.Helper()
	fs, err := s.LoadFacilities()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]divisions.Code{}
	for _, f := range fs {
		if f.Kind == k && f.PlanID == 0 {
			out[f.Name] = f.DivisionCode
		}
	}
	return out
}

// A replacing file about one county replaces that county's cell only: the other county's
// mutual-aid site stays (the defect: a 3-county file removed the province's 14,841 sites).
func testImportReplaceOnlyTheCellsOfTheFile(t *testing.T, open Opener) {
	ctx := context.Background()
	file := "kind,name,division_code,lon,lat\n" +
		"mutual_aid_elderly,昭君互助点,420526100202,110.8,31.4\n" +
		"mutual_aid_elderly,昭君互助点,420526100202,110.8,31.4\n" // repeats row 2
	cases := []struct {
		name      string
		opts      store.ImportOptions
		wantNames []string
		removed   int
	}{
		{"cells of the file", store.ImportOptions{Replace: true}, []string{"九里村互助点", "昭君互助点"}, 1},
		{"explicit province scope", store.ImportOptions{Replace: true, Scope: datasettest.Prov}, []string{"昭君互助点"}, 2},
		{"county scope", store.ImportOptions{Replace: true, Scope: datasettest.County}, []string{"九里村互助点", "昭君互助点"}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := twoCounties(t, open)
			before := liveByKind(t, s, facilities.MutualAidElderly)
			dry := tc.opts
			dry.DryRun = true
			var planned []int
			dry.Plan = func(r formats.ImportReport) { planned = append(planned, r.Deleted, r.Inserted, r.Updated) }
			drep, err := s.ImportFacilities(ctx, strings.NewReader(file), "r.csv", dry, importer)
			if err != nil || !drep.DryRun {
				t.Fatalf("dry run: %+v %v", drep, err)
			}
			if after := liveByKind(t, s, facilities.MutualAidElderly); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("dry run wrote: %v → %v", before, after)
			}
			if n := len(importAudit(t, s)); n != 0 {
				t.Errorf("dry run left %d audit entries", n)
			}
			rep, err := s.ImportFacilities(ctx, strings.NewReader(file), "r.csv", tc.opts, importer)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Deleted != tc.removed || rep.Inserted != 1 {
				t.Errorf("report %+v; want %d removed, 1 inserted (the repeated row updates it)", rep, tc.removed)
			}
			if fmt.Sprint(planned) != fmt.Sprint([]int{drep.Deleted, drep.Inserted, drep.Updated}) || drep.Deleted != rep.Deleted || drep.Inserted != rep.Inserted {
				t.Errorf("dry run planned %v (report %+v), the import did %+v", planned, drep, rep)
			}
			got := liveByKind(t, s, facilities.MutualAidElderly)
			var names []string
			for n := range got {
				names = append(names, n)
			}
			if len(names) != len(tc.wantNames) {
				t.Errorf("live mutual-aid sites %v; want %v", got, tc.wantNames)
			}
			for _, n := range tc.wantNames {
				if _, ok := got[n]; !ok {
					t.Errorf("live mutual-aid sites %v lack %s", got, n)
				}
			}
			// The other kinds are untouched.
			if w := liveByKind(t, s, facilities.WelfareHome); len(w) != 1 {
				t.Errorf("welfare homes %v", w)
			}
		})
	}
	t.Run("row outside the scope", func(t *testing.T) {
		s := twoCounties(t, open)
		_, err := s.ImportFacilities(ctx, strings.NewReader(file), "r.csv", store.ImportOptions{Replace: true, Scope: cCounty2}, importer)
		if err == nil || !strings.Contains(err.Error(), "row 2, field division_code (\"420526100202\"): outside the replace scope 420527000000") {
			t.Errorf("err %v", err)
		}
	})
}

// gcjRows writes n facility rows at the fixture's village points, shifted to GCJ-02 when gcj.
func gcjRows(gcj bool) string {
	var b strings.Builder
	b.WriteString("kind,name,division_code,lon,lat\n")
	seats := map[divisions.Code]orb.Point{datasettest.Vil1: {110.70, 31.30}, datasettest.Vil2: {110.80, 31.40}, datasettest.Res: {110.751, 31.351}}
	i := 0
	for _, c := range []divisions.Code{datasettest.Vil1, datasettest.Vil2, datasettest.Res, datasettest.Vil1, datasettest.Vil2, datasettest.Res} {
		p := seats[c]
		p = orb.Point{p[0] + float64(i)*0.0002, p[1] - float64(i)*0.0001} // a few metres apart
		if gcj {
			p = geo.WGS84ToGCJ02(p)
		}
		fmt.Fprintf(&b, "mutual_aid_elderly,点%d,%s,%.6f,%.6f\n", i, c, p[0], p[1])
		i++
	}
	return b.String()
}

// Points that are GCJ-02 (AMap) imported without a CRS are refused, saying so; with the CRS
// named they import (as GCJ-02: back near their villages; as WGS84 on purpose: with a warning).
func testImportDetectsGCJ02Offset(t *testing.T, open Opener) {
	ctx := context.Background()
	s := seeded(t, open)
	_, err := s.ImportFacilities(ctx, strings.NewReader(gcjRows(true)), "amap.csv", store.ImportOptions{}, importer)
	if err == nil || !strings.Contains(err.Error(), "look like GCJ-02") || !strings.Contains(err.Error(), "--crs gcj02") {
		t.Fatalf("err %v; want the GCJ-02 finding", err)
	}
	if n := len(newFacilities(t, s)); n != 0 {
		t.Fatalf("refused import wrote %d facilities", n)
	}
	rep, err := s.ImportFacilities(ctx, strings.NewReader(gcjRows(true)), "amap.csv", store.ImportOptions{CRS: "wgs84"}, importer)
	if err != nil || len(rep.Warnings) == 0 || !strings.Contains(strings.Join(rep.Warnings, "\n"), "look like GCJ-02") {
		t.Errorf("explicit wgs84: %+v %v; want an import with the GCJ-02 warning", rep, err)
	}
	s2 := seeded(t, open)
	if _, err := s2.ImportFacilities(ctx, strings.NewReader(gcjRows(true)), "amap.csv", store.ImportOptions{CRS: "gcj02"}, importer); err != nil {
		t.Fatalf("gcj02: %v", err)
	}
	for name, f := range newFacilities(t, s2) {
		var seat orb.Point
		switch f.DivisionCode {
		case datasettest.Vil1:
			seat = orb.Point{110.70, 31.30}
		case datasettest.Vil2:
			seat = orb.Point{110.80, 31.40}
		default:
			seat = orb.Point{110.751, 31.351}
		}
		if d := geo.DistanceM(f.Point, seat); d > 150 { // the rows sit up to 110 m apart by construction
			t.Errorf("%s lies %.0f m from its village after the GCJ-02 conversion", name, d)
		}
	}
	s3 := seeded(t, open)
	if rep, err := s3.ImportFacilities(ctx, strings.NewReader(gcjRows(false)), "wgs.csv", store.ImportOptions{}, importer); err != nil || len(rep.Warnings) != 0 {
		t.Errorf("true WGS84 points: %+v %v; want a clean import", rep, err)
	}
}
