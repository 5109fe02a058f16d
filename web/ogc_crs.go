package web

import (
	"errors"
	"fmt"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/project"
)

// OGC API – Features Part 2 coordinate reference systems, as URIs.
const (
	crs84URI    = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	epsg4326URI = "http://www.opengis.net/def/crs/EPSG/0/4326"
	epsg4490URI = "http://www.opengis.net/def/crs/EPSG/0/4490"
)

// ogcCRSList is what every collection offers; the data are stored as CRS84.
var ogcCRSList = []string{crs84URI, epsg4326URI, epsg4490URI}

// ogcCRS is an output, bbox or filter CRS; latLon is the authority axis order of EPSG:4326/4490.
type ogcCRS struct {
	uri    string
	latLon bool
}

// parseOGCCRS accepts the URIs of ogcCRSList (also as [EPSG:4326]-style safe CURIEs); "" = CRS84.
func parseOGCCRS(s string) (ogcCRS, error) {
	switch strings.TrimSpace(s) {
	case "", crs84URI, "[OGC:CRS84]":
		return ogcCRS{uri: crs84URI}, nil
	case epsg4326URI, "[EPSG:4326]":
		return ogcCRS{uri: epsg4326URI, latLon: true}, nil
	case epsg4490URI, "[EPSG:4490]":
		return ogcCRS{uri: epsg4490URI, latLon: true}, nil
	}
	if strings.Contains(strings.ToLower(s), "gcj") {
		return ogcCRS{}, fmt.Errorf("%q: GCJ-02 is not a coordinate reference system and is not offered by /ogc (use /api/v1 with crs=gcj02 for AMap overlays)", s)
	}
	return ogcCRS{}, fmt.Errorf("unsupported CRS %q (want one of %s)", s, strings.Join(ogcCRSList, ", "))
}

// point converts a CRS84 point to this CRS's axis order.
func (c ogcCRS) point(p orb.Point) orb.Point {
	if c.latLon {
		return orb.Point{p[1], p[0]}
	}
	return p
}

// geometry returns g in this CRS's axis order (a copy when axes are swapped; g is never modified).
func (c ogcCRS) geometry(g orb.Geometry) orb.Geometry {
	if !c.latLon || g == nil {
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
func parseOGCBBox(s string, crs ogcCRS) ([]orb.Bound, error) {
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
	if crs.latLon {
		w, so, e, n = v[1], v[0], v[3], v[2]
	}
	switch {
	case w < -180 || w > 180 || e < -180 || e > 180:
		return nil, fmt.Errorf("longitude outside [-180, 180] (axis order of %s)", crs.uri)
	case so < -90 || so > 90 || n < -90 || n > 90:
		return nil, fmt.Errorf("latitude outside [-90, 90] (axis order of %s)", crs.uri)
	case so > n:
		return nil, errors.New("the southern edge is north of the northern edge")
	}
	if w > e {
		return []orb.Bound{{Min: orb.Point{w, so}, Max: orb.Point{180, n}}, {Min: orb.Point{-180, so}, Max: orb.Point{e, n}}}, nil
	}
	return []orb.Bound{{Min: orb.Point{w, so}, Max: orb.Point{e, n}}}, nil
}
