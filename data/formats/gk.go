package formats

import (
	"fmt"
	"math"
	"strings"

	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/project"
)

// CGCS2000 ellipsoid (the same semi-major axis as WGS84; 1/f = 298.257222101).
const (
	cgcsA    = 6378137.0
	cgcsInvF = 298.257222101
)

// tmSeries holds the 6th-order Krüger series coefficients of a transverse Mercator projection
// (Karney 2011, "Transverse Mercator with an accuracy of a few nanometers").
type tmSeries struct {
	e, bigA float64
	alpha   [7]float64 // alpha[1..6]
}

func newTMSeries(a, invF float64) tmSeries {
	f := 1 / invF
	n := f / (2 - f)
	n2, n3 := n*n, n*n*n
	n4, n5, n6 := n2*n2, n2*n3, n3*n3
	s := tmSeries{e: math.Sqrt(f * (2 - f)), bigA: a / (1 + n) * (1 + n2/4 + n4/64 + n6/256)}
	s.alpha[1] = n/2 - 2*n2/3 + 5*n3/16 + 41*n4/180 - 127*n5/288 + 7891*n6/37800
	s.alpha[2] = 13*n2/48 - 3*n3/5 + 557*n4/1440 + 281*n5/630 - 1983433*n6/1935360
	s.alpha[3] = 61*n3/240 - 103*n4/140 + 15061*n5/26880 + 167603*n6/181440
	s.alpha[4] = 49561*n4/161280 - 179*n5/168 + 6601661*n6/7257600
	s.alpha[5] = 34729*n5/80640 - 3418889*n6/1995840
	s.alpha[6] = 212378941 * n6 / 319334400
	return s
}

// GaussKruger projects CGCS2000 longitude/latitude (degrees) onto a 3° Gauss-Krüger zone with
// central meridian lon0 (degrees), scale 1, false easting 500 km, no zone prefix: the
// EPSG:4534–4554 "CM" systems. It returns easting, northing in metres (accurate to well under
// a millimetre within a few degrees of the central meridian).
func GaussKruger(p orb.Point, lon0 float64) (easting, northing float64) {
	s := newTMSeries(cgcsA, cgcsInvF)
	return s.forward(p, lon0)
}

func (s tmSeries) forward(p orb.Point, lon0 float64) (float64, float64) {
	phi := p[1] * math.Pi / 180
	lam := (p[0] - lon0) * math.Pi / 180
	sinPhi := math.Sin(phi)
	t := math.Sinh(math.Atanh(sinPhi) - s.e*math.Atanh(s.e*sinPhi))
	xi0 := math.Atan2(t, math.Cos(lam))
	eta0 := math.Atanh(math.Sin(lam) / math.Sqrt(1+t*t))
	xi, eta := xi0, eta0
	for j := 1; j <= 6; j++ {
		fj := float64(2 * j)
		xi += s.alpha[j] * math.Sin(fj*xi0) * math.Cosh(fj*eta0)
		eta += s.alpha[j] * math.Cos(fj*xi0) * math.Sinh(fj*eta0)
	}
	return 500000 + s.bigA*eta, s.bigA * xi
}

// ExportCRS is the coordinate system of an export: how points are converted from the stored
// WGS84 coordinates and how the result is declared (EPSG code or a custom one for GCJ-02).
type ExportCRS struct {
	Name        string // wgs84, cgcs2000, epsg:4545 … epsg:4548, gcj02
	SRSID       int    // GeoPackage srs_id: the EPSG code, or 990002 for GCJ-02
	Org         string // EPSG or civplan
	Title       string
	WKT         string // WKT1 definition
	Projected   bool   // metres (Gauss-Krüger) rather than degrees
	Description string
	lon0        float64
	gcj         bool
	series      tmSeries
}

// Point converts a stored WGS84 point to the export CRS (x = easting/longitude, y =
// northing/latitude: GIS axis order, as GeoPackage and GeoJSON store them).
func (c ExportCRS) Point(p orb.Point) orb.Point {
	switch {
	case c.gcj:
		return geo.WGS84ToGCJ02(p)
	case c.Projected:
		e, n := c.series.forward(p, c.lon0)
		return orb.Point{e, n}
	}
	return p
}

// Geometry converts every coordinate of g (a copy; g is not modified).
func (c ExportCRS) Geometry(g orb.Geometry) orb.Geometry {
	if g == nil {
		return nil
	}
	return project.Geometry(orb.Clone(g), c.Point)
}

const (
	wkt4326 = `GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]`
	wkt4490 = `GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4490"]]`
)

// gkZones are the CGCS2000 3° Gauss-Krüger zones (no zone prefix) that cover Hubei.
var gkZones = map[int]float64{4545: 108, 4546: 111, 4547: 114, 4548: 117}

// ParseExportCRS parses an export CRS: wgs84 (default), cgcs2000 (EPSG:4490: the same numbers,
// the two differ by well under a metre), epsg:4545…4548 (CGCS2000 3° Gauss-Krüger, CM 108°E …
// 117°E), gk3 (the zone whose central meridian is nearest centreLon) or gcj02 (AMap overlays;
// not a real CRS, declared as a custom one).
func ParseExportCRS(s string, centreLon float64) (ExportCRS, error) {
	w := strings.ToLower(strings.TrimSpace(s))
	switch w {
	case "", "wgs84", "epsg:4326", "4326":
		return ExportCRS{Name: "wgs84", SRSID: 4326, Org: "EPSG", Title: "WGS 84", WKT: wkt4326}, nil
	case "cgcs2000", "epsg:4490", "4490":
		return ExportCRS{Name: "cgcs2000", SRSID: 4490, Org: "EPSG", Title: "China Geodetic Coordinate System 2000", WKT: wkt4490,
			Description: "stored WGS84 coordinates used as CGCS2000 (they differ by well under a metre)"}, nil
	case "gcj02":
		return ExportCRS{Name: "gcj02", SRSID: gcj02SRSID, Org: "civplan", Title: "GCJ-02 (AMap offset coordinates, not WGS 84)", WKT: wktGCJ02, gcj: true,
			Description: gcj02Description}, nil
	case "gk3":
		best, bestD := 0, math.Inf(1)
		for code, cm := range gkZones {
			if d := math.Abs(centreLon - cm); d < bestD || (d == bestD && code < best) {
				best, bestD = code, d
			}
		}
		return gkCRS(best), nil
	}
	code := strings.TrimPrefix(w, "epsg:")
	for c := range gkZones {
		if code == fmt.Sprint(c) {
			return gkCRS(c), nil
		}
	}
	return ExportCRS{}, fmt.Errorf("unknown export crs %q (want wgs84, cgcs2000, gk3, epsg:4545, epsg:4546, epsg:4547, epsg:4548 or gcj02)", s)
}

func gkCRS(code int) ExportCRS {
	cm := gkZones[code]
	title := fmt.Sprintf("CGCS2000 / 3-degree Gauss-Kruger CM %gE", cm)
	wkt := fmt.Sprintf(`PROJCS["%s",%s,PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",%g],PARAMETER["scale_factor",1],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AUTHORITY["EPSG","%d"]]`,
		title, wkt4490, cm, code)
	return ExportCRS{Name: fmt.Sprintf("epsg:%d", code), SRSID: code, Org: "EPSG", Title: title, WKT: wkt, Projected: true, lon0: cm,
		series:      newTMSeries(cgcsA, cgcsInvF),
		Description: "stored WGS84 coordinates used as CGCS2000, projected to easting/northing in metres (x = easting)"}
}
