package web

import (
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// Tiles declare vector tile spec version 2 and wind rings as it requires.
func TestTilesAreSpecVersion2(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	tile := maptile.At(orb.Point{110.5, 31.5}, 9) // inside the test county (110.1–110.9°E, 31.1–31.9°N)
	res, err := http.Get(fmt.Sprintf("%s/tiles/all/%d/%d/%d.mvt", e.ts.URL, tile.Z, tile.X, tile.Y))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	layers, err := mvt.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	polys := 0
	for _, l := range layers {
		if l.Version != 2 {
			t.Errorf("layer %s has version %d", l.Name, l.Version)
		}
		for _, f := range l.Features {
			var ps []orb.Polygon
			switch g := f.Geometry.(type) {
			case orb.Polygon:
				ps = []orb.Polygon{g}
			case orb.MultiPolygon:
				ps = g
			}
			for _, p := range ps {
				polys++
				// mvt.Unmarshal leaves coordinates in tile space (y down), where the spec
				// wants a positive surveyor's-formula area for exteriors, negative for holes.
				for i, r := range p {
					if a := surveyorArea(r); (i == 0) != (a > 0) {
						t.Errorf("layer %s: ring %d has surveyor's area %v", l.Name, i, a)
					}
				}
			}
		}
	}
	if polys == 0 {
		t.Fatal("no polygons in the tile")
	}
}

// surveyorArea is ½ Σ (x_i·y_{i+1} − x_{i+1}·y_i) over a closed ring (MVT spec §4.3.4.4).
func surveyorArea(r orb.Ring) float64 {
	a := 0.0
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}
