package web

import (
	"testing"

	"github.com/civplan/civplan/geo"
)

func TestParseOGCBBox(t *testing.T) {
	c84, _ := parseOGCCRS("")
	c4326, _ := parseOGCCRS(geo.EPSG4326.URI())
	tests := []struct {
		in    string
		crs   geo.CRS
		boxes int
		ok    bool
		minX  float64
	}{
		{"110,31,111,32", c84, 1, true, 110},
		{"31,110,32,111", c4326, 1, true, 110},
		{"110,31,0,111,32,10", c84, 1, true, 110},
		{"170,-10,-170,10", c84, 2, true, 170},
		{"110,31,111", c84, 0, false, 0},
		{"110,31,111,32,5", c84, 0, false, 0},
		{"110,31,0,111,32,-1", c84, 0, false, 0},
		{"110,32,111,31", c84, 0, false, 0},
		{"110,31,181,32", c84, 0, false, 0},
		{"110,31,111,91", c84, 0, false, 0},
		{"110,31,111,32", c4326, 0, false, 0}, // read as lat 110: out of range
		{"x,31,111,32", c84, 0, false, 0},
		{"Inf,31,111,32", c84, 0, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			bs, err := parseOGCBBox(tt.in, tt.crs)
			if (err == nil) != tt.ok || len(bs) != tt.boxes {
				t.Fatalf("got %v %v", bs, err)
			}
			if tt.ok && bs[0].Min[0] != tt.minX {
				t.Errorf("first box %v, want west edge %v", bs[0], tt.minX)
			}
		})
	}
}

func TestParseOGCCRS(t *testing.T) {
	for _, s := range []string{"", geo.WGS84.URI(), geo.EPSG4326.URI(), geo.EPSG4490.URI(), "[EPSG:4326]"} {
		if _, err := parseOGCCRS(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	for _, s := range []string{"EPSG:4326", "http://www.opengis.net/def/crs/EPSG/0/3857", "gcj02", "4490"} {
		if _, err := parseOGCCRS(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

// FuzzParseOGCBBox: no input panics, and every accepted box is inside the world with west ≤ east
// and south ≤ north.
func FuzzParseOGCBBox(f *testing.F) {
	for _, s := range []string{"110,31,111,32", "170,-10,-170,10", "1,2,3,4,5,6", ",,,", "1e308,0,1,1"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, latLon bool) {
		crs := geo.WGS84
		if latLon {
			crs = geo.EPSG4326
		}
		bs, err := parseOGCBBox(s, crs)
		if err != nil {
			return
		}
		for _, b := range bs {
			if b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 || b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] {
				t.Fatalf("%q gave an impossible box %v", s, b)
			}
		}
	})
}
