package formats

import (
	"testing"

	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
)

func TestParseExportCRS(t *testing.T) {
	tests := []struct {
		in      string
		centre  float64
		want    string // geo.CRS.String
		srid    int    // GeoPackage srs_id
		wantErr bool
	}{
		{"", 0, "wgs84", 4326, false},
		{"WGS84", 0, "wgs84", 4326, false},
		{"cgcs2000", 0, "cgcs2000", 4490, false},
		{"EPSG:4547", 0, "epsg:4547", 4547, false},
		{"4545", 0, "epsg:4545", 4545, false},
		{"gk3", 112.3, "epsg:4546", 4546, false},
		{"gk3", 109.4, "epsg:4545", 4545, false},
		{"GK3", 115.6, "epsg:4548", 4548, false},
		{"gcj02", 0, "gcj02", gcj02SRSID, false},
		{"http://www.opengis.net/def/crs/EPSG/0/4326", 0, "wgs84", 4326, false},
		{"[EPSG:4490]", 0, "cgcs2000", 4490, false},
		{"bd09", 0, "", 0, true},
		{"epsg:3857", 0, "", 0, true},
		{"utm", 0, "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := ParseExportCRS(tt.in, tt.centre)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got %v, %v; want error %v", c, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if id := gpkgSRS(c).id; c.String() != tt.want || id != tt.srid {
				t.Errorf("got %v (srs_id %d), want %s (%d)", c, id, tt.want, tt.srid)
			}
		})
	}
	// gcj02 moves points by the GCJ-02 offset (hundreds of metres), wgs84 and cgcs2000 do not.
	p := orb.Point{114.3, 30.6}
	g, _ := ParseExportCRS("gcj02", 0)
	w, _ := ParseExportCRS("cgcs2000", 0)
	if d := geo.DistanceM(g.Forward(p), p); d < 100 || d > 1000 {
		t.Errorf("gcj02 moved %v by %.0f m", p, d)
	}
	if q := w.Forward(p); q != p {
		t.Errorf("cgcs2000 %v", q)
	}
}
