package formats

import (
	"fmt"
	"strings"

	"github.com/civplan/civplan/geo"
)

// ParseExportCRS reads the CRS of an export with geo.ParseCRS: wgs84 (the default), cgcs2000,
// gcj02 (AMap overlays), a CGCS2000 3° Gauss-Krüger zone epsg:4534 … epsg:4554, or gk3: the zone
// whose central meridian is nearest centreLon (degrees). Exports always write x first, so the
// latitude-first URIs of EPSG:4326 and EPSG:4490 mean WGS84 and CGCS2000. BD-09 is refused.
func ParseExportCRS(s string, centreLon float64) (geo.CRS, error) {
	if strings.EqualFold(strings.TrimSpace(s), "gk3") {
		return geo.NearestGaussKruger(centreLon), nil
	}
	c, err := geo.ParseCRS(s)
	switch {
	case err != nil || c == geo.BD09:
		return geo.WGS84, fmt.Errorf("unknown export crs %q (want wgs84, cgcs2000, gcj02, gk3 or a Gauss-Krüger zone epsg:4534 … epsg:4554)", s)
	case c == geo.EPSG4326:
		return geo.WGS84, nil
	case c == geo.EPSG4490:
		return geo.CGCS2000, nil
	}
	return c, nil
}
