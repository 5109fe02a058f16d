package geo

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func TestPreparedContainsAgainstOrb(t *testing.T) {
	counties := readCounties(t)
	rng := rand.New(rand.NewPCG(9, 9))
	n := 200
	if testing.Short() {
		n = 100
	}
	inside := 0
	for ci, mp := range counties {
		pp := Prepare(mp)
		b := pp.Bound()
		if b != mp.Bound() {
			t.Fatalf("county %d: Bound = %v, want %v", ci, b, mp.Bound())
		}
		// Random points over the bounding box (slightly enlarged) and points at vertices'
		// latitudes, which exercise the half-open crossing rule.
		var pts []orb.Point
		for i := 0; i < n; i++ {
			pts = append(pts, orb.Point{b.Min[0] - 0.01 + rng.Float64()*(b.Max[0]-b.Min[0]+0.02), b.Min[1] - 0.01 + rng.Float64()*(b.Max[1]-b.Min[1]+0.02)})
		}
		ring := mp[0][0]
		for i := 0; i < 50; i++ {
			v := ring[rng.IntN(len(ring))]
			pts = append(pts, orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), v[1]})
		}
		for _, p := range pts {
			want := planar.MultiPolygonContains(mp, p)
			if got := pp.Contains(p); got != want {
				t.Fatalf("county %d: Contains(%v) = %v, planar.MultiPolygonContains %v", ci, p, got, want)
			}
			if want {
				inside++
			}
		}
	}
	t.Logf("%d counties, %d points inside", len(counties), inside)
}

func TestPreparedContainsFixtures(t *testing.T) {
	// A 4×4 square with a 2×2 hole, and a separate triangle:
	//
	//	4 +-------+
	//	  |       |
	//	3 |  +-+  |          8 +
	//	  |  |h|  |            |\
	//	1 |  +-+  |            | \
	//	  |       |            |  \
	//	0 +-------+          6 +---+
	//	  0  1 3  4            6   8
	mp := orb.MultiPolygon{
		{{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 0}}, {{1, 1}, {1, 3}, {3, 3}, {3, 1}, {1, 1}}},
		{{{6, 6}, {8, 6}, {6, 8}}}, // open ring
	}
	pp := Prepare(mp)
	tests := []struct {
		name string
		p    orb.Point
		want bool
	}{
		{"inside shell", orb.Point{0.5, 0.5}, true},
		{"in hole", orb.Point{2, 2}, false},
		{"outside", orb.Point{5, 5}, false},
		{"shell vertex", orb.Point{4, 4}, true},
		{"shell edge", orb.Point{2, 0}, true},
		{"shell vertical edge", orb.Point{0, 2}, true},
		{"hole edge counts as boundary", orb.Point{2, 1}, true},
		{"hole vertex", orb.Point{3, 3}, true},
		{"on the hole's latitude, outside", orb.Point{-1, 1}, false},
		{"vertex latitude inside", orb.Point{0.5, 1}, true},
		{"triangle inside", orb.Point{6.5, 6.5}, true},
		{"triangle hypotenuse", orb.Point{7, 7}, true},
		{"beyond hypotenuse", orb.Point{7.01, 7.01}, false},
		{"triangle closing edge", orb.Point{6, 7}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := pp.Contains(tc.p); got != tc.want {
				t.Errorf("Contains(%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
	t.Run("empty", func(t *testing.T) {
		if Prepare(nil).Contains(orb.Point{0, 0}) || Prepare(orb.MultiPolygon{{}}).Contains(orb.Point{0, 0}) {
			t.Error("an empty multipolygon contains a point")
		}
	})
}

func TestPolygonIndexLocate(t *testing.T) {
	counties := readCounties(t)
	ix := NewPolygonIndex(counties)
	if ix.Len() != len(counties) {
		t.Fatalf("Len = %d, want %d", ix.Len(), len(counties))
	}
	rng := rand.New(rand.NewPCG(1, 3))
	b := orb.MultiPolygon(slices.Concat(counties...)).Bound()
	found := 0
	for i := 0; i < 500; i++ {
		p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		var want []int
		for ci, mp := range counties {
			if planar.MultiPolygonContains(mp, p) {
				want = append(want, ci)
			}
		}
		got := ix.Locate(p)
		if !slices.Equal(got, want) {
			t.Fatalf("Locate(%v) = %v, brute force %v", p, got, want)
		}
		found += len(got)
	}
	if found < 250 {
		t.Errorf("only %d of 500 random points fell in a county", found)
	}
	// Two overlapping squares: both are reported, ascending.
	sq := func(x, y float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x, y}, {x + 2, y}, {x + 2, y + 2}, {x, y + 2}, {x, y}}}}
	}
	ov := NewPolygonIndex([]orb.MultiPolygon{sq(1, 1), nil, sq(0, 0)})
	if got := ov.Locate(orb.Point{1.5, 1.5}); !slices.Equal(got, []int{0, 2}) {
		t.Errorf("Locate in the overlap = %v, want [0 2]", got)
	}
	if got := ov.Locate(orb.Point{9, 9}); got != nil {
		t.Errorf("Locate outside = %v, want nil", got)
	}
}
