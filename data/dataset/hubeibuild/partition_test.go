package hubeibuild

import (
	"fmt"
	"math"
	"testing"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/peterstace/simplefeatures/geom"
)

// uShape is a concave county (a U opening north, about 20 × 15 km) whose arms force the
// clipping step to cut raster regions into pieces.
func uShape() orb.MultiPolygon {
	r := orb.Ring{{112.0, 30.0}, {112.2, 30.0}, {112.2, 30.14}, {112.15, 30.14}, {112.15, 30.03}, {112.05, 30.03}, {112.05, 30.14}, {112.0, 30.14}, {112.0, 30.0}}
	return orb.MultiPolygon{{r}}
}

// TestPartitionCountyInvariants partitions the U-shaped county and checks the invariants with
// simplefeatures as the oracle: valid one-piece areas that cover the county without overlap,
// every seat inside its own area, real village points inside their township or demoted.
func TestPartitionCountyInvariants(t *testing.T) {
	cs := &countyShape{code: "429999000000", shape: uShape(), centre: orb.Point{112.1, 30.015}}
	mk := func(part int, seat *orb.Point, villages ...orb.Point) *township {
		tw := &township{unit: unit{divisions.Code(fmt.Sprintf("429999%03d000", part)), fmt.Sprintf("测试%d镇", part)}, county: cs.code}
		if seat != nil {
			tw.seat, tw.seatReal, tw.seatProv = *seat, true, divisions.Real
		}
		for i, p := range villages {
			tw.villages = append(tw.villages, &village{unit: unit{divisions.Code(fmt.Sprintf("429999%03d%03d", part, 200+i)), "v"}, town: tw, p: p, real: true})
		}
		return tw
	}
	west, east := orb.Point{112.02, 30.10}, orb.Point{112.18, 30.10}
	towns := []*township{
		mk(100, &west),
		mk(101, &east, orb.Point{112.03, 30.12}), // a real village on the far arm
		mk(102, nil, orb.Point{112.10, 30.01}),   // only a village point
		mk(103, nil),                             // no evidence at all
		mk(104, nil),
	}
	var st partStats
	var notes []string
	if err := partitionCounty(cs, towns, &st, &notes); err != nil {
		t.Fatal(err)
	}
	county := geo.ToSF(cs.shape).AsGeometry()
	var gs []geom.Geometry
	sum := 0.0
	for _, tw := range towns {
		if err := validate(tw.area); err != nil {
			t.Fatalf("%s: invalid area: %v", tw.code, err)
		}
		if len(tw.area) != 1 {
			t.Errorf("%s: %d pieces in a one-piece county", tw.code, len(tw.area))
		}
		if tw.seatProv != "" && !planar.MultiPolygonContains(tw.area, tw.seat) {
			t.Errorf("%s: seat %v outside its area", tw.code, tw.seat)
		}
		for _, v := range tw.villages {
			if v.real && !planar.MultiPolygonContains(tw.area, v.p) {
				t.Logf("%s: real village %v outside its area (the builder demotes it)", tw.code, v.p)
			}
		}
		sum += planar.Area(tw.area)
		gs = append(gs, geo.ToSF(tw.area).AsGeometry())
	}
	if st.orphanPieces == 0 {
		t.Error("the far-arm village's piece should have been handed to a neighbour")
	}
	if towns[3].seatProv != divisions.Generated || towns[4].seatProv != divisions.Generated {
		t.Errorf("townships without evidence got seat provenance %q and %q, want generated", towns[3].seatProv, towns[4].seatProv)
	}
	ca := planar.Area(cs.shape)
	if math.Abs(sum-ca) > 1e-9*ca {
		t.Errorf("areas add up to %g, county %g", sum, ca)
	}
	u, err := geom.UnionMany(gs)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := geom.SymmetricDifference(u, county)
	if err != nil {
		t.Fatal(err)
	}
	if a := planar.Area(geo.FromSF(sd)); a > 1e-9*ca {
		t.Errorf("union of the areas differs from the county by %g deg²", a)
	}
	if ua := planar.Area(geo.FromSF(u)); math.Abs(ua-sum) > 1e-9*ca {
		t.Errorf("areas overlap: union %g, sum %g", ua, sum)
	}
}
