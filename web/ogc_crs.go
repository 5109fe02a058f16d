package web

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/project"
)

// ogcCRSs are the OGC API – Features Part 2 CRSs every collection offers; the data are stored
// as CRS84 (geo.WGS84). EPSG:4326 and EPSG:4490 use their authority axis order, latitude first.
func ogcCRSs() []geo.CRS { return []geo.CRS{geo.WGS84, geo.EPSG4326, geo.EPSG4490} }

// ogcCRSList is the URIs of ogcCRSs.
func ogcCRSList() []string {
	var uris []string
	for _, c := range ogcCRSs() {
		uris = append(uris, c.URI())
	}
	return uris
}

// parseOGCCRS reads an output, bbox or filter CRS: one of ogcCRSs as a URI or safe CURIE
// ([EPSG:4326]); "" = CRS84.
func parseOGCCRS(s string) (geo.CRS, error) {
	if strings.TrimSpace(s) == "" {
		return geo.WGS84, nil
	}
	if c, err := geo.ParseCRSURI(s); err == nil && slices.Contains(ogcCRSs(), c) {
		return c, nil
	}
	if c, err := geo.ParseCRS(s); err == nil && (c == geo.GCJ02 || c == geo.BD09) || strings.Contains(strings.ToLower(s), "gcj") {
		return geo.WGS84, fmt.Errorf("%q: GCJ-02 and BD-09 are not coordinate reference systems and are not offered by /ogc (use /api/v1 with crs=gcj02 or crs=bd09 for web-map overlays)", s)
	}
	return geo.WGS84, fmt.Errorf("unsupported CRS %q (want one of %s)", s, strings.Join(ogcCRSList(), ", "))
}

// ogcGeometry returns g in crs's axis order (a copy when axes are swapped; g is never modified).
func ogcGeometry(crs geo.CRS, g orb.Geometry) orb.Geometry {
	if !crs.LatLon() || g == nil {
		return g
	}
	return swapAxes(g)
}

// swapAxes returns a copy of g with every coordinate's axes swapped (lon/lat ↔ lat/lon).
func swapAxes(g orb.Geometry) orb.Geometry {
	if g == nil {
		return nil
	}
	return project.Geometry(orb.Clone(g), func(p orb.Point) orb.Point { return orb.Point{p[1], p[0]} })
}

// parseOGCBBox parses bbox (4 or 6 numbers, in crs's axis order) into one or two CRS84 boxes: a
// box whose west edge is east of its east edge crosses the antimeridian and is split in two.
func parseOGCBBox(s string, crs geo.CRS) ([]orb.Bound, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return nil, fmt.Errorf("want 4 or 6 comma-separated numbers, got %d", len(parts))
	}
	v := make([]float64, len(parts))
	for i, p := range parts {
		f, err := parseFloat(p)
		if err != nil {
			return nil, fmt.Errorf("number %d: %v", i+1, err)
		}
		v[i] = f
	}
	if len(v) == 6 { // minx, miny, minz, maxx, maxy, maxz: heights are ignored
		if v[2] > v[5] {
			return nil, errors.New("minimum height is greater than maximum height")
		}
		v = []float64{v[0], v[1], v[3], v[4]}
	}
	w, so, e, n := v[0], v[1], v[2], v[3]
	if crs.LatLon() {
		w, so, e, n = v[1], v[0], v[3], v[2]
	}
	switch {
	case w < -180 || w > 180 || e < -180 || e > 180:
		return nil, fmt.Errorf("longitude outside [-180, 180] (axis order of %s)", crs.URI())
	case so < -90 || so > 90 || n < -90 || n > 90:
		return nil, fmt.Errorf("latitude outside [-90, 90] (axis order of %s)", crs.URI())
	case so > n:
		return nil, errors.New("the southern edge is north of the northern edge")
	}
	if w > e {
		return []orb.Bound{{Min: orb.Point{w, so}, Max: orb.Point{180, n}}, {Min: orb.Point{-180, so}, Max: orb.Point{e, n}}}, nil
	}
	return []orb.Bound{{Min: orb.Point{w, so}, Max: orb.Point{e, n}}}, nil
}
