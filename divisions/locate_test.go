package divisions_test

import (
	"testing"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// hostCounties are where the two statistical county-level units' land lies (they have no
// boundary, so locate answers the host county there; documented in data/dataset/embedded/README.md).
var hostCounties = map[divisions.Code][]divisions.Code{
	"421071000000": {"421002000000", "421003000000"}, // 荆州经济技术开发区 → 沙市区, 荆州区
	"421171000000": {"421127000000"},                 // 龙感湖管理区 → 黄梅县
}

// Every real village point (from the 2016 source, converted from GCJ-02) is located in its own
// county, its own township and at itself by the Locator over the embedded dataset.
func TestLocateRealVillagePoints(t *testing.T) {
	ds, err := dataset.EmbeddedHubei()
	if err != nil {
		t.Fatal(err)
	}
	tree, err := divisions.NewTree(ds.Divisions)
	if err != nil {
		t.Fatal(err)
	}
	loc := divisions.NewLocator(tree)
	var real, wrongCounty, wrongTown, wrongVillage int
	for _, v := range tree.All() {
		if v.Level != divisions.Village || v.Sources.Seat != divisions.Real {
			continue
		}
		real++
		county := v.Code.Parent().Parent()
		chain := loc.Locate(v.Seat)
		if len(chain) < 3 {
			wrongCounty++
			t.Errorf("village %s %s at %v: located nowhere", v.Code, v.Name, v.Seat)
			continue
		}
		got := chain[2].Code
		ok := got == county
		for _, h := range hostCounties[county] {
			ok = ok || got == h
		}
		if !ok {
			wrongCounty++
			t.Errorf("village %s %s: located in county %s, want %s", v.Code, v.Name, got, county)
			continue
		}
		if _, statistical := hostCounties[county]; statistical {
			continue // no township areas for the statistical units
		}
		if len(chain) < 4 || chain[3].Code != v.Parent {
			wrongTown++
			continue
		}
		// Where two villages share the very same source point (河头/郭岭社区, 420115001024/002) the
		// lower code answers; any other village is wrong.
		if len(chain) < 5 || (chain[4].Code != v.Code && geo.DistanceM(chain[4].Seat, v.Seat) > 0) {
			wrongVillage++
		}
	}
	if real < 2000 {
		t.Fatalf("only %d real village points in the dataset", real)
	}
	if wrongCounty != 0 || wrongTown != 0 {
		t.Errorf("%d of %d real village points in the wrong county, %d in the wrong township", wrongCounty, real, wrongTown)
	}
	if wrongVillage != 0 {
		t.Errorf("%d of %d real village points located at another village", wrongVillage, real)
	}
	t.Logf("%d real village points: all in their own county and township", real)
}

// TownshipAt is the township whose area contains the point within the first county (in tree
// order) whose boundary contains it, checked against a brute force over every county and
// township with orb's planar point-in-polygon, at village points and points 1–2 km off them.
func TestTownshipAtMatchesBruteForce(t *testing.T) {
	ds, err := dataset.EmbeddedHubei()
	if err != nil {
		t.Fatal(err)
	}
	tree, err := divisions.NewTree(ds.Divisions)
	if err != nil {
		t.Fatal(err)
	}
	loc := divisions.NewLocator(tree)
	type area struct {
		d *divisions.Division
		b orb.Bound
	}
	var counties, towns []area
	for _, d := range tree.All() {
		if len(d.Boundary) == 0 {
			continue
		}
		switch d.Level {
		case divisions.County:
			counties = append(counties, area{d, d.Boundary.Bound()})
		case divisions.Township:
			towns = append(towns, area{d, d.Boundary.Bound()})
		}
	}
	brute := func(p orb.Point) *divisions.Division {
		for _, c := range counties {
			if !c.b.Contains(p) || !planar.MultiPolygonContains(c.d.Boundary, p) {
				continue
			}
			for _, tw := range towns {
				if tw.d.Parent == c.d.Code && tw.b.Contains(p) && planar.MultiPolygonContains(tw.d.Boundary, p) {
					return tw.d
				}
			}
			return nil
		}
		return nil
	}
	checked, found := 0, 0
	for i, v := range tree.All() {
		if v.Level != divisions.Village || !v.HasSeat || i%25 != 0 {
			continue
		}
		for _, off := range []orb.Point{{0, 0}, {0.012, 0.007}, {-0.009, -0.015}} {
			p := orb.Point{v.Seat[0] + off[0], v.Seat[1] + off[1]}
			got, want := loc.TownshipAt(p), brute(p)
			checked++
			if want != nil {
				found++
			}
			if got != want {
				t.Errorf("TownshipAt(%v) = %v, brute force %v", p, code(got), code(want))
			}
		}
	}
	if checked < 2000 || found < checked/2 {
		t.Fatalf("only %d points checked, %d inside a township", checked, found)
	}
}

func code(d *divisions.Division) divisions.Code {
	if d == nil {
		return ""
	}
	return d.Code
}
