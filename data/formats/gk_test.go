package formats

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
)

// TestGaussKrugerAgainstPyproj compares with pyproj (testdata/gen_gk.py) over Hubei's four zones,
// up to 3° from the central meridian.
func TestGaussKrugerAgainstPyproj(t *testing.T) {
	f, err := os.Open("testdata/gk_pyproj.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for _, r := range rows[1:] {
		v := make([]float64, 5)
		for i, s := range r {
			if v[i], err = strconv.ParseFloat(s, 64); err != nil {
				t.Fatal(err)
			}
		}
		c, err := ParseExportCRS("epsg:"+r[0], 0)
		if err != nil {
			t.Fatal(err)
		}
		got := c.Point(orb.Point{v[1], v[2]})
		d := math.Hypot(got[0]-v[3], got[1]-v[4])
		worst = math.Max(worst, d)
		if d > 1e-3 {
			t.Errorf("EPSG:%s (%v, %v): got %.4f %.4f, pyproj %.4f %.4f (off %.2g m)", r[0], v[1], v[2], got[0], got[1], v[3], v[4], d)
		}
	}
	t.Logf("%d points, worst difference %.2g m", len(rows)-1, worst)
}

func TestParseExportCRS(t *testing.T) {
	tests := []struct {
		in      string
		centre  float64
		srid    int
		wantErr bool
	}{
		{"", 0, 4326, false},
		{"WGS84", 0, 4326, false},
		{"cgcs2000", 0, 4490, false},
		{"EPSG:4547", 0, 4547, false},
		{"4545", 0, 4545, false},
		{"gk3", 112.3, 4546, false},
		{"gk3", 109.4, 4545, false},
		{"gk3", 115.6, 4548, false},
		{"gcj02", 0, 990002, false},
		{"epsg:3857", 0, 0, true},
		{"utm", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := ParseExportCRS(tt.in, tt.centre)
			if (err != nil) != tt.wantErr || c.SRSID != tt.srid {
				t.Errorf("got %v %v, want srid %d err %v", c.SRSID, err, tt.srid, tt.wantErr)
			}
		})
	}
	// gcj02 moves points by the GCJ-02 offset (hundreds of metres), wgs84 and cgcs2000 do not.
	p := orb.Point{114.3, 30.6}
	g, _ := ParseExportCRS("gcj02", 0)
	w, _ := ParseExportCRS("cgcs2000", 0)
	if q := g.Point(p); q == p || math.Abs(q[0]-p[0]) > 0.01 {
		t.Errorf("gcj02 %v", q)
	}
	if q := w.Point(p); q != p {
		t.Errorf("cgcs2000 %v", q)
	}
}

func BenchmarkGaussKruger(b *testing.B) {
	c, _ := ParseExportCRS("epsg:4547", 0)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.Point(orb.Point{114.3, 30.6})
	}
}
