package geo

import (
	"reflect"
	"testing"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
)

func TestSFRoundTrip(t *testing.T) {
	// A shell with a hole, and a second polygon beside it:
	//
	//	+--------+  +--+
	//	|  +--+  |  |  |
	//	|  |h |  |  +--+
	//	|  +--+  |
	//	+--------+
	withHole := orb.Polygon{square(0, 0, 4), {{1, 1}, {1, 3}, {3, 3}, {3, 1}, {1, 1}}}
	tests := []struct {
		name  string
		in    orb.MultiPolygon
		want  orb.MultiPolygon
		wkt   string // what simplefeatures sees
		parts int
	}{
		{"square", orb.MultiPolygon{{square(0, 0, 1)}}, orb.MultiPolygon{{square(0, 0, 1)}},
			"MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)))", 1},
		{"hole", orb.MultiPolygon{withHole}, orb.MultiPolygon{withHole},
			"MULTIPOLYGON(((0 0,4 0,4 4,0 4,0 0),(1 1,1 3,3 3,3 1,1 1)))", 1},
		{"multipolygon", orb.MultiPolygon{withHole, {square(6, 0, 1)}}, orb.MultiPolygon{withHole, {square(6, 0, 1)}},
			"MULTIPOLYGON(((0 0,4 0,4 4,0 4,0 0),(1 1,1 3,3 3,3 1,1 1)),((6 0,7 0,7 1,6 1,6 0)))", 2},
		{"open ring is closed", orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}}}}, orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}},
			"MULTIPOLYGON(((0 0,1 0,1 1,0 0)))", 1},
		{"empty polygon dropped", orb.MultiPolygon{{}, {square(0, 0, 1)}}, orb.MultiPolygon{{square(0, 0, 1)}},
			"MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)))", 1},
		{"empty", orb.MultiPolygon{}, nil, "MULTIPOLYGON EMPTY", 0},
		{"nil", nil, nil, "MULTIPOLYGON EMPTY", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sf := ToSF(tc.in)
			if got := sf.AsText(); got != tc.wkt {
				t.Errorf("ToSF = %s, want %s", got, tc.wkt)
			}
			if sf.NumPolygons() != tc.parts {
				t.Errorf("ToSF has %d polygons, want %d", sf.NumPolygons(), tc.parts)
			}
			if got := FromSF(sf.AsGeometry()); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("FromSF(ToSF) = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFromSFKeepsOnlyAreas(t *testing.T) {
	tests := []struct {
		wkt  string
		want orb.MultiPolygon
	}{
		{"POLYGON((0 0,1 0,1 1,0 0))", orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}}},
		{"POLYGON EMPTY", nil},
		{"LINESTRING(0 0,1 1)", nil},
		{"POINT(1 2)", nil},
		// An overlay's mixed result: the area is kept, the line and point are dropped; nested
		// collections are walked in order.
		{"GEOMETRYCOLLECTION(POINT(9 9),POLYGON((0 0,1 0,1 1,0 0)),LINESTRING(5 5,6 6),GEOMETRYCOLLECTION(MULTIPOLYGON(((2 0,3 0,3 1,2 0)))))",
			orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}, {{{2, 0}, {3, 0}, {3, 1}, {2, 0}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.wkt, func(t *testing.T) {
			g, err := geom.UnmarshalWKT(tc.wkt)
			if err != nil {
				t.Fatal(err)
			}
			if got := FromSF(g); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("FromSF = %v, want %v", got, tc.want)
			}
		})
	}
}
