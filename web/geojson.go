package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/geo"
	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

const geoJSONType = "application/geo+json"

// approxNote is attached wherever a derived boundary is shown.
const approxNote = "Derived boundaries (township areas, prefecture/province unions) are approximate and are not legal boundaries; distances are straight-line geodesic."

// feature is a GeoJSON Feature; geometry is null when nothing is known.
type feature struct {
	Type       string            `json:"type"`
	ID         any               `json:"id,omitempty"`
	Geometry   *geojson.Geometry `json:"geometry"`
	Properties map[string]any    `json:"properties"`
}

// collection is a GeoJSON FeatureCollection with the paging and provenance members civplan adds.
type collection struct {
	Type           string            `json:"type"`
	Features       []feature         `json:"features"`
	NumberMatched  *int              `json:"numberMatched,omitempty"`
	NumberReturned int               `json:"numberReturned"`
	Links          []link            `json:"links,omitempty"`
	Vintages       map[string]string `json:"vintages,omitempty"`
	Note           string            `json:"note,omitempty"`
}

type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

func geometryOf(g orb.Geometry) *geojson.Geometry {
	if g == nil {
		return nil
	}
	if mp, ok := g.(orb.MultiPolygon); ok && len(mp) == 1 {
		g = mp[0]
	}
	return geojson.NewGeometry(g)
}

func writeGeoJSON(c *gin.Context, status int, v any) {
	c.Header("Content-Type", geoJSONType)
	c.JSON(status, v)
}

// divisionGeometry is the boundary where known, else the seat point, else nil; in crs.
func divisionGeometry(d *divisions.Division, crs geo.CRS, withBoundary bool) orb.Geometry {
	switch {
	case withBoundary && len(d.Boundary) > 0:
		return crs.ForwardGeometry(d.Boundary)
	case d.HasSeat:
		return crs.Forward(d.Seat)
	}
	return nil
}

// divisionProps are the properties of a division answer (ARCHITECTURE.md).
func divisionProps(t *divisions.Tree, d *divisions.Division, crs geo.CRS) map[string]any {
	var seat any
	if d.HasSeat {
		seat = crs.Forward(d.Seat)
	}
	var ur any
	if d.URCode != "" {
		ur = d.URCode
	}
	kids := t.Children(d.Code)
	p := map[string]any{
		"code":           d.Code,
		"short_code":     d.Code.Short(),
		"name":           d.Name,
		"short_name":     d.ShortName,
		"level":          d.Level,
		"kind":           d.Kind,
		"parent":         nilIfEmpty(string(d.Parent)),
		"ur_code":        ur,
		"population":     d.Population,
		"seat":           seat,
		"children_count": len(kids),
		"provenance":     d.Sources,
	}
	if d.Programme != nil {
		p["programme"] = d.Programme
	}
	return p
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nextLink rebuilds the request URL with the given parameters replaced, keeping every filter.
func nextLink(c *gin.Context, set map[string]string) string {
	u := *c.Request.URL
	q := u.Query()
	for k, v := range set {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: c.Request.Host, Path: u.Path, RawQuery: u.RawQuery}).String()
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

var _ = http.StatusOK
