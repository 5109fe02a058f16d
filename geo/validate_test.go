package geo

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func square(x, y, side float64) orb.Ring {
	return orb.Ring{{x, y}, {x + side, y}, {x + side, y + side}, {x, y + side}, {x, y}}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		mp   orb.MultiPolygon
		// want is a substring of the message; "" means valid.
		want string
		at   orb.Point
		// vertex is the vertex index the error names, −1 for none.
		vertex int
	}{
		{"square", orb.MultiPolygon{{square(0, 0, 2)}}, "", orb.Point{}, -1},
		{"empty", orb.MultiPolygon{}, "", orb.Point{}, -1},
		// Bow-tie: the two diagonals cross at (1, 1).
		//
		//	(0,2) +     + (2,2)
		//	      |\   /|
		//	      | \ / |
		//	      |  X  |   X = (1,1)
		//	      | / \ |
		//	      |/   \|
		//	(0,0) +     + (2,0)
		{"bow-tie", orb.MultiPolygon{{{{0, 0}, {2, 2}, {2, 0}, {0, 2}, {0, 0}}}}, "ring 0 of polygon 0 self-intersects at 1, 1", orb.Point{1, 1}, 0},
		// Spike: the outer ring runs out to (4, 1) and straight back, so it passes (2, 1)
		// twice.
		//
		//	+-----+
		//	|     +-----+ (4,1)
		//	+-----+
		{"spike", orb.MultiPolygon{{{{0, 0}, {2, 0}, {2, 1}, {4, 1}, {2, 1}, {2, 2}, {0, 2}, {0, 0}}}}, "ring 0 of polygon 0 self-intersects at 2, 1", orb.Point{2, 1}, 4},
		// A spike from a vertex visited once: the ring doubles back at (3, 0).
		{"spike tip", orb.MultiPolygon{{{{0, 0}, {3, 0}, {2, 0}, {2, 2}, {0, 2}, {0, 0}}}}, "ring 0 of polygon 0 self-intersects", orb.Point{}, 1},
		// The same bow-tie at Hubei coordinates (formerly data.ValidatePolygon's test): the
		// message names the rule, the ring, the vertex and where the diagonals cross.
		{"bow-tie in Hubei", orb.MultiPolygon{{{{110.5, 31.0}, {111.0, 31.25}, {111.0, 31.0}, {110.5, 31.25}, {110.5, 31.0}}}},
			"ring 0 of polygon 0 self-intersects at 110.75, 31.125 (vertex 0)", orb.Point{110.75, 31.125}, 0},
		// Self-touching: vertex (1, 0) of the ring lies on its own bottom edge.
		{"self-touching", orb.MultiPolygon{{{{0, 0}, {2, 0}, {2, 2}, {1, 0}, {0, 2}, {0, 0}}}}, "ring 0 of polygon 0 self-intersects at 1, 0", orb.Point{1, 0}, 3},
		// Second polygon's hole lies outside its shell.
		//
		//	+---+    +--+
		//	|   |    |h |   h = hole of polygon 1, outside its shell
		//	+---+    +--+
		{"hole outside shell", orb.MultiPolygon{{square(10, 10, 1)}, {square(0, 0, 2), square(5, 0, 1)}}, "polygon 1: interior ring outside of exterior ring at 5, 0", orb.Point{5, 0}, -1},
		{"nested holes", orb.MultiPolygon{{square(0, 0, 10), square(1, 1, 8), square(2, 2, 2)}}, "polygon 0: has nested rings", orb.Point{}, -1},
		// Two polygons overlapping:
		//
		//	+---+
		//	| +-+-+
		//	+-+-+ |
		//	  +---+
		{"overlapping polygons", orb.MultiPolygon{{square(0, 0, 2)}, {square(1, 1, 2)}}, "polygons 0 and 1 overlap or touch along a line", orb.Point{}, -1},
		{"overlapping polygons in Hubei", orb.MultiPolygon{{square(110, 31, 1)}, {square(110.5, 31.5, 1)}}, "polygons 0 and 1 overlap or touch along a line", orb.Point{}, -1},
		// Touching along an edge is invalid inside one multipolygon too.
		{"polygons sharing an edge", orb.MultiPolygon{{square(0, 0, 1)}, {square(1, 0, 1)}}, "polygons 0 and 1 overlap or touch along a line", orb.Point{}, -1},
		{"polygons touching at a corner", orb.MultiPolygon{{square(0, 0, 1)}, {square(1, 1, 1)}}, "", orb.Point{}, -1},
		{"not closed", orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}}}}, "ring 0 of polygon 0 is not closed (ends at 1, 1) at 0, 0", orb.Point{0, 0}, -1},
		{"too few vertices", orb.MultiPolygon{{square(0, 0, 1), {{3, 3}, {4, 4}, {3, 3}}}}, "ring 1 of polygon 0 has 2 distinct vertices", orb.Point{3, 3}, -1},
		{"NaN", orb.MultiPolygon{{{{0, 0}, {1, math.NaN()}, {1, 1}, {0, 0}}}}, "ring 0 of polygon 0 has a non-finite coordinate (vertex 1)", orb.Point{}, 1},
		{"empty ring", orb.MultiPolygon{{square(0, 0, 1), {}}}, "ring 1 of polygon 0 is empty", orb.Point{}, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.mp)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate = nil, want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate = %q, want it to contain %q", err, tc.want)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate error %T is not a *ValidationError", err)
			}
			if tc.at != (orb.Point{}) && (!ve.HasAt || ve.At != tc.at) {
				t.Errorf("location = %v (has %v), want %v", ve.At, ve.HasAt, tc.at)
			}
			if ve.Vertex != tc.vertex {
				t.Errorf("vertex = %d, want %d", ve.Vertex, tc.vertex)
			}
		})
	}
	t.Run("real counties are valid", func(t *testing.T) {
		for i, mp := range readCounties(t) {
			if err := Validate(mp); err != nil {
				t.Errorf("county %d: %v", i, err)
			}
		}
	})
}

func TestOverlay(t *testing.T) {
	// Overlapping squares A = [0,2]², B = [1,3]²:
	//
	//	3       +-------+
	//	2 +-----+---+   |
	//	  |   A |   | B |
	//	1 |     +---+---+
	//	0 +-----+---+
	//	  0     1   2   3
	a := orb.MultiPolygon{{square(0, 0, 2)}}
	b := orb.MultiPolygon{{square(1, 1, 2)}}
	// Touching squares C = [3,4]×[0,1] and D = [4,5]×[0,1] share an edge.
	c := orb.MultiPolygon{{square(3, 0, 1)}}
	d := orb.MultiPolygon{{square(4, 0, 1)}}
	bowtie := orb.MultiPolygon{{{{0, 0}, {2, 2}, {2, 0}, {0, 2}, {0, 0}}}}
	area := func(mp orb.MultiPolygon) float64 { return planar.Area(mp) }

	tests := []struct {
		name     string
		op       func() (orb.MultiPolygon, error)
		area     float64
		polygons int
	}{
		{"union overlapping", func() (orb.MultiPolygon, error) { return Union(a, b) }, 4 + 4 - 1, 1},
		{"union touching merges", func() (orb.MultiPolygon, error) { return Union(c, d) }, 2, 1},
		{"union disjoint", func() (orb.MultiPolygon, error) { return Union(a, c) }, 5, 2},
		{"union of one", func() (orb.MultiPolygon, error) { return Union(a) }, 4, 1},
		{"union of none", func() (orb.MultiPolygon, error) { return Union() }, 0, 0},
		{"intersection overlapping", func() (orb.MultiPolygon, error) { return Intersection(a, b) }, 1, 1},
		{"intersection touching is empty", func() (orb.MultiPolygon, error) { return Intersection(c, d) }, 0, 0},
		{"difference", func() (orb.MultiPolygon, error) { return Difference(a, b) }, 3, 1},
		{"difference disjoint", func() (orb.MultiPolygon, error) { return Difference(a, c) }, 4, 1},
		{"difference cuts a hole", func() (orb.MultiPolygon, error) {
			return Difference(orb.MultiPolygon{{square(0, 0, 4)}}, orb.MultiPolygon{{square(1, 1, 1)}})
		}, 15, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.op()
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(area(got)-tc.area) > 1e-9 || len(got) != tc.polygons {
				t.Errorf("result has area %v in %d polygons, want %v in %d: %v", area(got), len(got), tc.area, tc.polygons, got)
			}
			if err := Validate(got); err != nil {
				t.Errorf("result is invalid: %v", err)
			}
		})
	}
	t.Run("invalid input is named", func(t *testing.T) {
		_, err := Union(a, bowtie)
		var ve *ValidationError
		if err == nil || !errors.As(err, &ve) || !strings.Contains(err.Error(), "input 1: ring 0 of polygon 0 self-intersects at 1, 1") {
			t.Errorf("Union(valid, bow-tie) error = %v, want input 1 named with the self-intersection", err)
		}
		if _, err := Intersection(bowtie, a); err == nil || !strings.Contains(err.Error(), "input 0") {
			t.Errorf("Intersection(bow-tie, valid) error = %v, want input 0 named", err)
		}
	})
	t.Run("union of real counties", func(t *testing.T) {
		counties := readCounties(t)[:12]
		got, err := Union(counties...)
		if err != nil {
			t.Fatal(err)
		}
		sum := 0.0
		for _, mp := range counties {
			sum += planar.Area(mp)
		}
		// The counties do not overlap, so the union keeps the total area (up to the slivers
		// of imperfect shared borders).
		if rel := math.Abs(planar.Area(got)-sum) / sum; rel > 1e-4 {
			t.Errorf("union area %v vs sum of areas %v (rel %.2g)", planar.Area(got), sum, rel)
		}
	})
}
