package storetest

import (
	"github.com/civplan/civplan/data/dataset/datasettest"
	"github.com/civplan/civplan/data/store"

	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// A facility point must lie in its division's county (here the datasettest.Square 110.5–111.0°E,
// 31.0–31.5°N) or within 5 km of the division's seat: a point in Beijing, or one 20 km outside
// the county, refuses the whole file; a point just across the county line near its village is
// accepted (the same rule as the API's, divisions.Locator.CheckNear).
func testImportRejectsPointsFarFromTheirDivision(t *testing.T, open Opener) {
	cases := []struct {
		name, row string
		ok        bool
	}{
		{"inside the county", "welfare_home,甲敬老院,420526100,110.7,31.3", true},
		{"outside the county, 2.9 km from the village's point", "mutual_aid_elderly,乙互助点,420526200201,110.49,31.02", true},
		{"Beijing", "welfare_home,丙敬老院,420526100,116.40,39.90", false},
		{"outside the county, 20 km away", "welfare_home,丁敬老院,420526100,110.75,31.70", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The village 420526200201 sits near the county's south-west corner here.
			ds := datasettest.Small()
			for i := range ds.Divisions {
				if ds.Divisions[i].Code == datasettest.TwpVil1 {
					ds.Divisions[i].Seat = orb.Point{110.52, 31.02}
				}
			}
			s := open(t)
			if err := s.Seed(context.Background(), ds, nil); err != nil {
				t.Fatal(err)
			}
			v0, _ := s.Version()
			csv := "kind,name,division_code,lon,lat\n" + c.row + "\n"
			_, err := s.ImportFacilities(context.Background(), bytes.NewReader([]byte(csv)), "f.csv", store.ImportOptions{}, importer)
			if c.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, c.ok)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "row 2") || !strings.Contains(err.Error(), "lon") {
					t.Errorf("error does not name the row and field: %v", err)
				}
				if v1, _ := s.Version(); v1 != v0 {
					t.Error("a refused file changed the store")
				}
			}
		})
	}
}
