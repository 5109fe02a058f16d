package geo

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestParseCRS(t *testing.T) {
	tests := []struct {
		in     string
		want   CRS
		name   string
		epsg   int
		uri    string
		latLon bool
	}{
		{"", WGS84, "wgs84", 4326, crs84URI, false},
		{"WGS84", WGS84, "wgs84", 4326, crs84URI, false},
		{" epsg:4326 ", WGS84, "wgs84", 4326, crs84URI, false},
		{"cgcs2000", CGCS2000, "cgcs2000", 4490, "http://www.opengis.net/def/crs/EPSG/0/4490", false},
		{"EPSG:4490", CGCS2000, "cgcs2000", 4490, "http://www.opengis.net/def/crs/EPSG/0/4490", false},
		{"gcj02", GCJ02, "gcj02", 0, "", false},
		{"GCJ-02", GCJ02, "gcj02", 0, "", false},
		{"bd09", BD09, "bd09", 0, "", false},
		{"BD-09", BD09, "bd09", 0, "", false},
		{"EPSG:4547", gkFirst + 13, "epsg:4547", 4547, "http://www.opengis.net/def/crs/EPSG/0/4547", false},
		{"4545", gkFirst + 11, "epsg:4545", 4545, "http://www.opengis.net/def/crs/EPSG/0/4545", false},
		{"epsg:4534", gkFirst, "epsg:4534", 4534, "http://www.opengis.net/def/crs/EPSG/0/4534", false},
		{"epsg:4554", gkFirst + 20, "epsg:4554", 4554, "http://www.opengis.net/def/crs/EPSG/0/4554", false},
		{crs84URI, WGS84, "wgs84", 4326, crs84URI, false},
		{"[OGC:CRS84]", WGS84, "wgs84", 4326, crs84URI, false},
		{"http://www.opengis.net/def/crs/EPSG/0/4326", EPSG4326, "[EPSG:4326]", 4326, "http://www.opengis.net/def/crs/EPSG/0/4326", true},
		{"[EPSG:4326]", EPSG4326, "[EPSG:4326]", 4326, "http://www.opengis.net/def/crs/EPSG/0/4326", true},
		{"http://www.opengis.net/def/crs/EPSG/0/4490", EPSG4490, "[EPSG:4490]", 4490, "http://www.opengis.net/def/crs/EPSG/0/4490", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := ParseCRS(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if c != tt.want || c.String() != tt.name || c.EPSG() != tt.epsg || c.URI() != tt.uri || c.LatLon() != tt.latLon {
				t.Errorf("got %v (%q, EPSG %d, %q, latLon %v), want %v (%q, %d, %q, %v)", uint16(c), c, c.EPSG(), c.URI(), c.LatLon(),
					uint16(tt.want), tt.name, tt.epsg, tt.uri, tt.latLon)
			}
			if back, err := ParseCRS(c.String()); err != nil || back != c {
				t.Errorf("ParseCRS(%q) = %v, %v; want %v back", c.String(), back, err, c)
			}
			j, err := json.Marshal(map[string]CRS{"crs": c})
			var back struct{ CRS CRS }
			if err != nil || string(j) != `{"crs":"`+tt.name+`"}` || json.Unmarshal(j, &back) != nil || back.CRS != c {
				t.Errorf("JSON %s, %v; read back %v", j, err, back.CRS)
			}
		})
	}
	for _, bad := range []string{"utm", "epsg:3857", "3857", "epsg:4533", "epsg:4555", "http://www.opengis.net/def/crs/EPSG/0/3857", "[EPSG:4326", "gk3", "wgs84x"} {
		if c, err := ParseCRS(bad); err == nil {
			t.Errorf("ParseCRS(%q) = %v, want an error", bad, c)
		} else if !strings.Contains(err.Error(), strconv.Quote(bad)) {
			t.Errorf("ParseCRS(%q): error %q does not name the input", bad, err)
		}
	}
	// Names are not URIs: ParseCRSURI takes only what OGC APIs send.
	for _, s := range []string{"EPSG:4326", "4490", "wgs84", "gcj02", "", "urn:x"} {
		if c, err := ParseCRSURI(s); err == nil {
			t.Errorf("ParseCRSURI(%q) = %v, want an error", s, c)
		}
	}
}

func TestNearestGaussKruger(t *testing.T) {
	// Oracle: the zone with the smallest |lon − central meridian|, the western one on a tie.
	brute := func(lon float64) int {
		best, bestD := 0, math.Inf(1)
		for code := 4534; code <= 4554; code++ {
			if d := math.Abs(lon - (75 + 3*float64(code-4534))); d < bestD {
				best, bestD = code, d
			}
		}
		return best
	}
	for _, lon := range []float64{0, 70, 75, 76.4, 76.5, 76.6, 109.4, 109.5, 112.3, 115.6, 135, 136.6, 180} {
		if got := NearestGaussKruger(lon).EPSG(); got != brute(lon) {
			t.Errorf("NearestGaussKruger(%v) = EPSG:%d, want EPSG:%d", lon, got, brute(lon))
		}
	}
	for lon := 72.0; lon < 138; lon += 0.01 {
		if got := NearestGaussKruger(lon).EPSG(); got != brute(lon) {
			t.Fatalf("NearestGaussKruger(%v) = EPSG:%d, want EPSG:%d", lon, got, brute(lon))
		}
	}
}

// TestGaussKrugerAgainstPyproj compares both directions with pyproj (testdata/gen_gk.py) over
// Hubei's four zones, up to 3° from the central meridian.
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
	var worstFwd, worstInv float64
	for _, r := range rows[1:] {
		v := make([]float64, 5)
		for i, s := range r {
			if v[i], err = strconv.ParseFloat(s, 64); err != nil {
				t.Fatal(err)
			}
		}
		c, err := ParseCRS("epsg:" + r[0])
		if err != nil || !c.Projected() {
			t.Fatalf("%s: %v %v", r[0], c, err)
		}
		ll, en := orb.Point{v[1], v[2]}, orb.Point{v[3], v[4]}
		got := c.Forward(ll)
		d := math.Hypot(got[0]-en[0], got[1]-en[1])
		worstFwd = math.Max(worstFwd, d)
		if d > 1e-3 {
			t.Errorf("EPSG:%s forward %v: got %.4f %.4f, pyproj %.4f %.4f (off %.2g m)", r[0], ll, got[0], got[1], en[0], en[1], d)
		}
		back := c.Inverse(en)
		di := DistanceM(back, ll)
		worstInv = math.Max(worstInv, di)
		if di > 1e-3 {
			t.Errorf("EPSG:%s inverse %v: got %v, pyproj %v (off %.2g m)", r[0], en, back, ll, di)
		}
	}
	t.Logf("%d points, worst forward %.2g m, worst inverse %.2g m", len(rows)-1, worstFwd, worstInv)
}

// hubeiGrid calls f on every point of the 0.01° grid over the Hubei box (lon 108.3–116.2, lat
// 29.0–33.3), built from integers so no point is skipped by rounding.
func hubeiGrid(f func(p orb.Point)) int {
	n := 0
	for i := 10830; i <= 11620; i++ {
		for j := 2900; j <= 3330; j++ {
			f(orb.Point{float64(i) / 100, float64(j) / 100})
			n++
		}
	}
	return n
}

// TestBD09RoundTripHubei is issue 11's check: |Forward(Inverse(b)) − b| < 0.01 m on the 0.01°
// grid over Hubei (geodesic metres), for BD-09 taken as input; and the approximate published
// path it replaces fails the same check, so the check can tell them apart.
func TestBD09RoundTripHubei(t *testing.T) {
	var worst, worstApprox float64
	n := hubeiGrid(func(b orb.Point) {
		worst = math.Max(worst, DistanceM(BD09.Forward(BD09.Inverse(b)), b))
		worstApprox = math.Max(worstApprox, DistanceM(BD09.Forward(eviltransformBD2WGS(b)), b))
	})
	t.Logf("%d grid points, worst |Forward(Inverse(b)) − b| = %.2g m (published approximate inverse: %.2f m)", n, worst, worstApprox)
	if worst >= 0.01 {
		t.Errorf("round trip off by %.3g m, want < 0.01 m", worst)
	}
	if worstApprox < 1 {
		t.Errorf("the approximate inverse is off by only %.3g m here; the test would not catch it", worstApprox)
	}
}

func TestCRSGeometry(t *testing.T) {
	poly := orb.Polygon{{{110.5, 31}, {111, 31}, {111, 31.5}, {110.5, 31}}, {{110.8, 31.1}, {110.9, 31.1}, {110.9, 31.2}, {110.8, 31.1}}}
	orig := orb.Clone(poly).(orb.Polygon)
	gk, _ := GaussKruger(4546)
	for _, c := range []CRS{WGS84, CGCS2000, GCJ02, BD09, gk} {
		t.Run(c.String(), func(t *testing.T) {
			fg := c.ForwardGeometry(poly)
			if !reflect.DeepEqual(poly, orig) {
				t.Fatal("ForwardGeometry modified its input")
			}
			fp := fg.(orb.Polygon)
			for i, r := range poly {
				for k, p := range r {
					if fp[i][k] != c.Forward(p) {
						t.Fatalf("ring %d vertex %d: %v, want Forward = %v", i, k, fp[i][k], c.Forward(p))
					}
				}
			}
			back := c.InverseGeometry(fg).(orb.Polygon)
			for i, r := range poly {
				for k, p := range r {
					if d := DistanceM(back[i][k], p); d > 1e-3 {
						t.Errorf("ring %d vertex %d: round trip off by %.2g m", i, k, d)
					}
				}
			}
			if c.ForwardGeometry(nil) != nil || c.InverseGeometry(nil) != nil {
				t.Error("nil geometry did not give nil")
			}
		})
	}
	// Points move as they should: GCJ-02 and BD-09 by hundreds of metres, GK into metres.
	p := orb.Point{114.3, 30.6}
	if d := DistanceM(GCJ02.Forward(p), p); d < 100 || d > 1000 {
		t.Errorf("GCJ-02 offset %.0f m", d)
	}
	if d := DistanceM(BD09.Forward(p), GCJ02.Forward(p)); d < 100 || d > 1500 {
		t.Errorf("BD-09 offset from GCJ-02 %.0f m", d)
	}
	if e := gk.Forward(p); math.Abs(e[0]-500000-(114.3-111)*96000) > 5000 || math.Abs(e[1]-3.39e6) > 2e4 {
		t.Errorf("EPSG:4546 of %v = %v", p, e)
	}
}

func TestCRSMetadata(t *testing.T) {
	gk, _ := GaussKruger(4547)
	tests := []struct {
		c         CRS
		title     string
		wktPrefix string
		projected bool
	}{
		{WGS84, "WGS 84", `GEOGCS["WGS 84"`, false},
		{CGCS2000, "China Geodetic Coordinate System 2000", `GEOGCS["China Geodetic Coordinate System 2000"`, false},
		{GCJ02, "GCJ-02 (AMap offset coordinates, not WGS 84)", "", false},
		{BD09, "BD-09 (Baidu offset coordinates, not WGS 84)", "", false},
		{gk, "CGCS2000 / 3-degree Gauss-Kruger CM 114E", `PROJCS["CGCS2000 / 3-degree Gauss-Kruger CM 114E",GEOGCS["China Geodetic`, true},
	}
	for _, tt := range tests {
		if tt.c.Title() != tt.title || !strings.HasPrefix(tt.c.WKT(), tt.wktPrefix) || (tt.wktPrefix == "") != (tt.c.WKT() == "") || tt.c.Projected() != tt.projected {
			t.Errorf("%v: title %q, WKT %.60q, projected %v", tt.c, tt.c.Title(), tt.c.WKT(), tt.c.Projected())
		}
	}
	if w := gk.WKT(); !strings.Contains(w, `PARAMETER["central_meridian",114]`) || !strings.HasSuffix(w, `AUTHORITY["EPSG","4547"]]`) {
		t.Errorf("EPSG:4547 WKT %s", w)
	}
}

func BenchmarkCRS(b *testing.B) {
	gk, _ := GaussKruger(4547)
	for _, c := range []CRS{GCJ02, BD09, gk} {
		b.Run(c.String()+"/inverse", func(b *testing.B) {
			b.ReportAllocs()
			p := c.Forward(orb.Point{114.3, 30.6})
			for i := 0; i < b.N; i++ {
				c.Inverse(p)
			}
		})
	}
}
