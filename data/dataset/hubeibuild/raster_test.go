package hubeibuild

import (
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func testGrid(nx, ny int) grid {
	return grid{x0: 112_000_000, y0: 30_000_000, dx: 2000, dy: 1800, nx: nx, ny: ny, kx: 96000, ky: 110574}
}

// TestPolygonizeAgainstCells compares each traced polygon with its cells by brute force: the
// polygon is valid, its area equals the cells' area, and it contains exactly the centres of
// the cells with its label. Random labellings with few labels produce pinches (diagonal cells),
// holes and islands.
func TestPolygonizeAgainstCells(t *testing.T) {
	for _, tc := range []struct {
		nx, ny, labels int
		seed           string
	}{
		{1, 1, 1, "single"}, {5, 4, 2, "two"}, {12, 9, 2, "checker-prone"}, {20, 15, 3, "three"}, {30, 30, 6, "six"},
	} {
		t.Run(fmt.Sprintf("%s_%dx%d", tc.seed, tc.nx, tc.ny), func(t *testing.T) {
			g := testGrid(tc.nx, tc.ny)
			r := newRNG("polygonize", tc.seed)
			labels := make([]int32, g.n())
			for k := range labels {
				labels[k] = int32(r.intn(tc.labels))
			}
			cellArea := float64(g.dx) / 1e6 * float64(g.dy) / 1e6
			for l := int32(0); l < int32(tc.labels); l++ {
				mp, err := g.polygonize(labels, l)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, x := range labels {
					if x == l {
						n++
					}
				}
				if n == 0 {
					if len(mp) != 0 {
						t.Errorf("label %d: no cells but %d polygons", l, len(mp))
					}
					continue
				}
				if err := validate(mp); err != nil {
					t.Fatalf("label %d: invalid polygon: %v", l, err)
				}
				if got, want := planar.Area(mp), float64(n)*cellArea; math.Abs(got-want) > 1e-9*want+1e-15 {
					t.Errorf("label %d: area %g, cells %g", l, got, want)
				}
				for k, x := range labels {
					if in := planar.MultiPolygonContains(mp, g.centre(k)); in != (x == l) {
						t.Fatalf("label %d: cell %d (label %d) centre inside = %v", l, k, x, in)
					}
				}
			}
		})
	}
}

// TestGrowConnectedAndComplete checks the growth: every cell gets a label, each seed keeps
// its cell, and the cells of a label reached inside the mask form one 4-connected region
// around the label's single seed.
func TestGrowConnectedAndComplete(t *testing.T) {
	g := testGrid(60, 50)
	// An annulus-like mask with a notch, so that growth has to go around.
	in := make([]bool, g.n())
	for k := range in {
		i, j := k%g.nx, k/g.nx
		d := math.Hypot(float64(i)-30, float64(j)-25)
		in[k] = d < 22 && d > 6 && !(i > 28 && i < 32 && j < 25)
	}
	r := newRNG("grow")
	var seeds []seed
	for len(seeds) < 12 {
		k := r.intn(g.n())
		if in[k] {
			seeds = append(seeds, seed{g.centre(k), int32(len(seeds))})
		}
	}
	labels, used := g.grow(in, seeds)
	for si, s := range seeds {
		if used[si] && labels[g.cellOf(s.p)] != s.label {
			t.Errorf("seed %d lost its own cell", si)
		}
	}
	for k, l := range labels {
		if l < 0 {
			t.Fatalf("cell %d unlabelled", k)
		}
	}
	// Flood each label from its seed through inside cells of that label; all its inside cells
	// must be reached.
	var buf []int
	for si, s := range seeds {
		if !used[si] {
			continue
		}
		seen := map[int]bool{g.cellOf(s.p): true}
		stack := []int{g.cellOf(s.p)}
		for len(stack) > 0 {
			k := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, nb := range g.neighbours4(k, buf) {
				if in[nb] && labels[nb] == s.label && !seen[nb] {
					seen[nb] = true
					stack = append(stack, nb)
				}
			}
		}
		for k, l := range labels {
			if in[k] && l == s.label && !seen[k] {
				t.Fatalf("label %d: inside cell %d not connected to its seed", s.label, k)
			}
		}
	}
}

// TestInsideScanline compares the scanline fill with a brute-force point-in-polygon test.
func TestInsideScanline(t *testing.T) {
	g := testGrid(40, 40)
	b := orb.Bound{Min: orb.Point{g.vx(0), g.vy(0)}, Max: orb.Point{g.vx(40), g.vy(40)}}
	c := b.Center()
	var outer, hole orb.Ring
	for a := 0; a < 37; a++ {
		th := float64(a) / 36 * 2 * math.Pi
		rr := 0.03 + 0.01*math.Sin(5*th)
		outer = append(outer, orb.Point{c[0] + rr*math.Cos(th), c[1] + rr*math.Sin(th)})
		hole = append(hole, orb.Point{c[0] + 0.01*math.Cos(-th), c[1] + 0.008*math.Sin(-th)})
	}
	outer[len(outer)-1], hole[len(hole)-1] = outer[0], hole[0]
	mp := orb.MultiPolygon{{outer, hole}}
	in := g.inside(mp)
	for k := range in {
		if want := planar.MultiPolygonContains(mp, g.centre(k)); in[k] != want {
			t.Fatalf("cell %d: scanline %v, brute force %v", k, in[k], want)
		}
		if want := planar.MultiPolygonContains(mp, g.centre(k)); contains(mp, g.centre(k)) != want {
			t.Fatalf("cell %d: contains disagrees with orb/planar", k)
		}
	}
}

// TestDistFieldEmptiest checks farthest-point sampling on an empty square: the first pick is
// the centre, and adding a source moves the next pick away from it.
func TestDistFieldEmptiest(t *testing.T) {
	g := testGrid(41, 41)
	in := make([]bool, g.n())
	for k := range in {
		i, j := k%g.nx, k/g.nx
		in[k] = i > 0 && j > 0 && i < 40 && j < 40
	}
	f := g.newDistField(in, nil)
	all := func(int) bool { return true }
	k := f.emptiest(all)
	if i, j := k%g.nx, k/g.nx; i != 20 || j != 20 {
		t.Fatalf("first pick (%d, %d), want the centre (20, 20)", i, j)
	}
	f.add(g.centre(k))
	k2 := f.emptiest(all)
	if g.dist2(g.centre(k2), g.centre(k)) < 100*100 {
		t.Errorf("second pick %v too close to the first %v", g.centre(k2), g.centre(k))
	}
}

func BenchmarkGrowAndPolygonize(b *testing.B) {
	g := testGrid(400, 300)
	in := make([]bool, g.n())
	for k := range in {
		i, j := k%g.nx, k/g.nx
		in[k] = math.Hypot(float64(i-200)/200, float64(j-150)/150) < 1
	}
	r := newRNG("bench")
	var seeds []seed
	for len(seeds) < 20 {
		if k := r.intn(g.n()); in[k] {
			seeds = append(seeds, seed{g.centre(k), int32(len(seeds))})
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		labels, _ := g.grow(in, seeds)
		for l := int32(0); l < 20; l++ {
			if _, err := g.polygonize(labels, l); err != nil {
				b.Fatal(err)
			}
		}
	}
}
