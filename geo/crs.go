package geo

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/project"
)

// CRS is a coordinate reference system civplan reads or writes: every reader and writer
// converts through it. Stored coordinates are always WGS84 lon/lat; Forward converts them into
// the CRS, Inverse back (exactly: the GCJ-02 and BD-09 inverses iterate). Coordinates are
// always given x first (lon/easting, lat/northing); LatLon says when an API must swap them. The
// zero value is WGS84.
type CRS uint16

const (
	// WGS84 is lon/lat on WGS84 (EPSG:4326 in longitude-first order, OGC CRS84).
	WGS84 CRS = iota
	// CGCS2000 is lon/lat on China Geodetic Coordinate System 2000 (EPSG:4490). The stored
	// WGS84 numbers are used as CGCS2000 unchanged: the two frames differ by well under a metre.
	CGCS2000
	// GCJ02 is the Chinese web-map offset (AMap, Tencent): WGS84 shifted by hundreds of metres
	// inside China, unchanged outside it. Not a CRS of any registry.
	GCJ02
	// BD09 is Baidu's offset on top of GCJ-02. Not a CRS of any registry.
	BD09
	// gkFirst … gkFirst+20 are the CGCS2000 3° Gauss-Krüger zones EPSG:4534 … EPSG:4554.
	gkFirst

	// latLonAxes marks a geographic CRS named by an EPSG URI, whose authority axis order is
	// latitude first.
	latLonAxes CRS = 1 << 15

	// EPSG4326 is WGS84 as OGC APIs name it by its EPSG URI: latitude first (LatLon).
	EPSG4326 = WGS84 | latLonAxes
	// EPSG4490 is CGCS2000 as OGC APIs name it by its EPSG URI: latitude first (LatLon).
	EPSG4490 = CGCS2000 | latLonAxes
)

// The CGCS2000 3° Gauss-Krüger "CM" systems without zone prefix: EPSG:4534 has its central
// meridian at 75°E, each next code 3° further east, EPSG:4554 at 135°E (Hubei: 4545–4548).
const (
	gkFirstEPSG = 4534
	gkLastEPSG  = 4554
	gkFirstCM   = 75.0
)

// OGC URIs of the CRSs that have one.
const (
	crs84URI   = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	epsgURIFmt = "http://www.opengis.net/def/crs/EPSG/0/%d"
)

// GaussKruger returns the CGCS2000 3° Gauss-Krüger zone with EPSG code code (4534 … 4554,
// central meridian 75°E … 135°E, scale 1, false easting 500 km, no zone prefix).
func GaussKruger(code int) (CRS, error) {
	if code < gkFirstEPSG || code > gkLastEPSG {
		return WGS84, fmt.Errorf("EPSG:%d is not a CGCS2000 3° Gauss-Krüger zone (want EPSG:%d … EPSG:%d)", code, gkFirstEPSG, gkLastEPSG)
	}
	return gkFirst + CRS(code-gkFirstEPSG), nil
}

// NearestGaussKruger returns the 3° Gauss-Krüger zone whose central meridian is nearest lon
// (degrees); a lon halfway between two zones takes the western one, and lon outside 73.5°E …
// 136.5°E takes the first or last zone.
func NearestGaussKruger(lon float64) CRS {
	k := int((lon-gkFirstCM)/3 + 0.5)
	if float64(k) == (lon-gkFirstCM)/3+0.5 { // exactly halfway: the western zone
		k--
	}
	k = max(0, min(k, gkLastEPSG-gkFirstEPSG))
	return gkFirst + CRS(k)
}

func (c CRS) base() CRS { return c &^ latLonAxes }

// gkZone is the EPSG code and central meridian of a Gauss-Krüger CRS; ok is false for others.
func (c CRS) gkZone() (code int, lon0 float64, ok bool) {
	b := c.base()
	if b < gkFirst || b > gkFirst+gkLastEPSG-gkFirstEPSG {
		return 0, 0, false
	}
	k := int(b - gkFirst)
	return gkFirstEPSG + k, gkFirstCM + 3*float64(k), true
}

// valid reports whether c is one of the CRSs above.
func (c CRS) valid() bool {
	_, _, gk := c.gkZone()
	return c.base() < gkFirst || gk
}

// Projected reports whether c is a projection in metres (Gauss-Krüger) rather than degrees.
func (c CRS) Projected() bool { _, _, ok := c.gkZone(); return ok }

// LatLon reports whether c was named by an EPSG URI whose axis order is latitude first
// (EPSG4326, EPSG4490): OGC APIs then write and read coordinates as lat, lon.
func (c CRS) LatLon() bool { return c&latLonAxes != 0 }

// EPSG returns c's EPSG code (4326 for WGS84 in either axis order), or 0 for GCJ-02 and BD-09.
func (c CRS) EPSG() int {
	switch c.base() {
	case WGS84:
		return 4326
	case CGCS2000:
		return 4490
	}
	code, _, _ := c.gkZone()
	return code
}

// URI returns c's OGC URI (CRS84 for WGS84 in longitude-first order), or "" for GCJ-02 and BD-09.
func (c CRS) URI() string {
	if c == WGS84 {
		return crs84URI
	}
	if code := c.EPSG(); code != 0 {
		return fmt.Sprintf(epsgURIFmt, code)
	}
	return ""
}

// String returns the name ParseCRS reads back: wgs84, cgcs2000, gcj02, bd09, epsg:4534 …
// epsg:4554, or the safe CURIEs [EPSG:4326] and [EPSG:4490] for the latitude-first forms.
func (c CRS) String() string {
	switch c {
	case EPSG4326:
		return "[EPSG:4326]"
	case EPSG4490:
		return "[EPSG:4490]"
	case WGS84:
		return "wgs84"
	case CGCS2000:
		return "cgcs2000"
	case GCJ02:
		return "gcj02"
	case BD09:
		return "bd09"
	}
	if code := c.EPSG(); code != 0 && c.valid() {
		return "epsg:" + strconv.Itoa(code)
	}
	return fmt.Sprintf("CRS(%d)", uint16(c))
}

// MarshalText writes c as String, so JSON answers name the CRS as users type it.
func (c CRS) MarshalText() ([]byte, error) {
	if !c.valid() {
		return nil, fmt.Errorf("geo: invalid CRS %d", uint16(c))
	}
	return []byte(c.String()), nil
}

// UnmarshalText reads c with ParseCRS.
func (c *CRS) UnmarshalText(b []byte) error {
	v, err := ParseCRS(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Title is c's human-readable name, as registries spell it.
func (c CRS) Title() string {
	switch c.base() {
	case WGS84:
		return "WGS 84"
	case CGCS2000:
		return "China Geodetic Coordinate System 2000"
	case GCJ02:
		return "GCJ-02 (AMap offset coordinates, not WGS 84)"
	case BD09:
		return "BD-09 (Baidu offset coordinates, not WGS 84)"
	}
	_, cm, _ := c.gkZone()
	return fmt.Sprintf("CGCS2000 / 3-degree Gauss-Kruger CM %gE", cm)
}

// Note says how civplan converts into c, for the metadata of an export or an answer.
func (c CRS) Note() string {
	switch c.base() {
	case WGS84:
		return ""
	case CGCS2000:
		return "stored WGS84 coordinates used as CGCS2000 (they differ by well under a metre)"
	case GCJ02:
		return "GCJ-02: WGS84 with the Chinese web-map offset (hundreds of metres); for overlays on AMap only, not for measurement"
	case BD09:
		return "BD-09: GCJ-02 with Baidu's further offset; for overlays on Baidu maps only, not for measurement"
	}
	return "stored WGS84 coordinates used as CGCS2000, projected to easting/northing in metres (x = easting)"
}

const (
	wkt4326 = `GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]`
	wkt4490 = `GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4490"]]`
)

// WKT returns c's WKT1 definition (as GeoPackage's gpkg_spatial_ref_sys holds it), or "" for
// GCJ-02 and BD-09, which no WKT can describe.
func (c CRS) WKT() string {
	switch c.base() {
	case WGS84:
		return wkt4326
	case CGCS2000:
		return wkt4490
	case GCJ02, BD09:
		return ""
	}
	code, cm, _ := c.gkZone()
	return fmt.Sprintf(`PROJCS["%s",%s,PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",%g],PARAMETER["scale_factor",1],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AUTHORITY["EPSG","%d"]]`,
		c.Title(), wkt4490, cm, code)
}

// Forward converts a stored WGS84 point into c (x first: lon or easting). WGS84 and CGCS2000
// return p; GCJ-02 and BD-09 apply their offsets (WGS84ToGCJ02, WGS84ToBD09); Gauss-Krüger
// zones give easting, northing in metres (Karney's 6th-order series, sub-millimetre within a
// few degrees of the central meridian).
func (c CRS) Forward(p orb.Point) orb.Point {
	switch c.base() {
	case WGS84, CGCS2000:
		return p
	case GCJ02:
		return WGS84ToGCJ02(p)
	case BD09:
		return WGS84ToBD09(p)
	}
	_, lon0, _ := c.gkZone()
	return newTMSeries(cgcsA, cgcsInvF).forward(p, lon0)
}

// Inverse converts a point in c back to WGS84, the exact inverse of Forward: GCJ-02 and BD-09
// iterate until Forward of the answer is within 1e-9° of p (GCJ02ToWGS84, BD09ToWGS84).
func (c CRS) Inverse(p orb.Point) orb.Point {
	switch c.base() {
	case WGS84, CGCS2000:
		return p
	case GCJ02:
		return GCJ02ToWGS84(p)
	case BD09:
		return BD09ToWGS84(p)
	}
	_, lon0, _ := c.gkZone()
	return newTMSeries(cgcsA, cgcsInvF).inverse(p, lon0)
}

// identity reports whether Forward and Inverse return their input.
func (c CRS) identity() bool { b := c.base(); return b == WGS84 || b == CGCS2000 }

// ForwardGeometry converts every coordinate of g with Forward, on a copy: g is never modified
// (for WGS84 and CGCS2000, g itself is returned). nil gives nil.
func (c CRS) ForwardGeometry(g orb.Geometry) orb.Geometry {
	if g == nil || c.identity() {
		return g
	}
	return project.Geometry(orb.Clone(g), c.Forward)
}

// InverseGeometry converts every coordinate of g with Inverse, on a copy: g is never modified
// (for WGS84 and CGCS2000, g itself is returned). nil gives nil.
func (c CRS) InverseGeometry(g orb.Geometry) orb.Geometry {
	if g == nil || c.identity() {
		return g
	}
	return project.Geometry(orb.Clone(g), c.Inverse)
}

// ParseCRS reads a CRS as users type it, case-insensitively: "" or wgs84 (also wgs-84, crs84,
// epsg:4326, 4326), cgcs2000 (also epsg:4490, 4490), gcj02 (gcj-02), bd09 (bd-09), a
// Gauss-Krüger zone as epsg:4534 … epsg:4554 (or the bare number), or an OGC URI or safe
// CURIE (ParseCRSURI). Names always mean longitude first; only the EPSG URIs of 4326 and 4490
// give the latitude-first EPSG4326 and EPSG4490.
func ParseCRS(s string) (CRS, error) {
	w := strings.ToLower(strings.TrimSpace(s))
	switch w {
	case "", "wgs84", "wgs-84", "crs84", "ogc:crs84", "epsg:4326", "4326":
		return WGS84, nil
	case "cgcs2000", "cgcs-2000", "epsg:4490", "4490":
		return CGCS2000, nil
	case "gcj02", "gcj-02":
		return GCJ02, nil
	case "bd09", "bd-09":
		return BD09, nil
	}
	if c, err := ParseCRSURI(s); err == nil {
		return c, nil
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(w, "epsg:")); err == nil {
		if c, err := GaussKruger(n); err == nil {
			return c, nil
		}
	}
	return WGS84, fmt.Errorf("unknown crs %q (want wgs84, cgcs2000, gcj02, bd09, epsg:%d … epsg:%d or an OGC CRS URI)", s, gkFirstEPSG, gkLastEPSG)
}

// ParseCRSURI reads a CRS as OGC APIs name it: an OGC URI (http://www.opengis.net/def/crs/…)
// or its safe CURIE ([OGC:CRS84], [EPSG:4326]). CRS84 gives WGS84 (longitude first); the EPSG
// URIs of 4326 and 4490 give EPSG4326 and EPSG4490 (latitude first); those of 4534 … 4554 the
// Gauss-Krüger zones. GCJ-02 and BD-09 have no URI.
func ParseCRSURI(s string) (CRS, error) {
	t := strings.TrimSpace(s)
	if t == crs84URI || t == "[OGC:CRS84]" {
		return WGS84, nil
	}
	var code int
	if rest, ok := strings.CutPrefix(t, "http://www.opengis.net/def/crs/EPSG/0/"); ok {
		code, _ = strconv.Atoi(rest)
	} else if rest, ok := strings.CutPrefix(t, "[EPSG:"); ok && strings.HasSuffix(rest, "]") {
		code, _ = strconv.Atoi(strings.TrimSuffix(rest, "]"))
	}
	switch code {
	case 4326:
		return EPSG4326, nil
	case 4490:
		return EPSG4490, nil
	}
	if c, err := GaussKruger(code); err == nil {
		return c, nil
	}
	return WGS84, fmt.Errorf("unknown CRS URI %q", s)
}
