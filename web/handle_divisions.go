package web

import (
	"errors"
	"net/http"

	"github.com/civplan/civplan/divisions"
	"github.com/gin-gonic/gin"
)

// handleDivision answers GET /api/v1/divisions/{code}: one Feature with the boundary where
// known (else the seat), properties, the list of children, ancestors and vintages.
func (s *Server) handleDivision(c *gin.Context) error {
	return s.serveMemo(c, geoJSONType, func(snap *snapshot) (any, kindSet, error) {
		if p := onlyParams(c, "crs"); p != nil {
			return nil, 0, p
		}
		crs, err := parseCRS(c.Query("crs"))
		if err != nil {
			return nil, 0, badParam("crs", err)
		}
		code, p := parseCodeParam("code", c.Param("code"))
		if p != nil {
			return nil, 0, p
		}
		d := snap.tree.Get(code)
		if d == nil {
			return nil, 0, notFound("no division with code %s", code)
		}
		props := divisionProps(snap.tree, d, crs)
		kids := []gin.H{}
		for _, k := range snap.tree.Children(code) {
			kids = append(kids, gin.H{"code": k.Code, "name": k.Name, "level": k.Level, "kind": k.Kind})
		}
		props["children"] = kids
		anc := []gin.H{}
		for _, a := range snap.tree.Ancestors(code) {
			anc = append(anc, gin.H{"code": a.Code, "name": a.Name, "level": a.Level})
		}
		props["ancestors"] = anc
		props["crs"] = crs
		props["vintages"] = snap.vintages()
		if d.Sources.Geometry == divisions.Derived {
			props["note"] = approxNote
		}
		return feature{Type: "Feature", ID: string(d.Code),
			Geometry: geometryOf(divisionGeometry(d, crs, true)), Properties: props}, 0, nil
	})
}

// handleChildren answers GET /api/v1/divisions/{code}/children as a FeatureCollection.
func (s *Server) handleChildren(c *gin.Context) error {
	return s.serveMemo(c, geoJSONType, func(snap *snapshot) (any, kindSet, error) {
		if p := onlyParams(c, "crs", "geometry"); p != nil {
			return nil, 0, p
		}
		crs, err := parseCRS(c.Query("crs"))
		if err != nil {
			return nil, 0, badParam("crs", err)
		}
		withBoundary := true
		switch c.Query("geometry") {
		case "", "boundary":
		case "seat":
			withBoundary = false
		default:
			return nil, 0, badParam("geometry", errors.New("want boundary or seat"))
		}
		code, p := parseCodeParam("code", c.Param("code"))
		if p != nil {
			return nil, 0, p
		}
		if snap.tree.Get(code) == nil {
			return nil, 0, notFound("no division with code %s", code)
		}
		kids := snap.tree.Children(code)
		fc := collection{Type: "FeatureCollection", Features: make([]feature, 0, len(kids)),
			Vintages: snap.vintages(), Note: approxNote}
		for _, k := range kids {
			fc.Features = append(fc.Features, feature{Type: "Feature", ID: string(k.Code),
				Geometry: geometryOf(divisionGeometry(k, crs, withBoundary)), Properties: divisionProps(snap.tree, k, crs)})
		}
		n := len(fc.Features)
		fc.NumberMatched, fc.NumberReturned = &n, n
		return fc, 0, nil
	})
}

// handleDivisionSearch answers GET /api/v1/divisions?q=&level=&limit=&offset= with matching
// divisions as seat points (prefix matches first); fetch one division for its boundary.
func (s *Server) handleDivisionSearch(c *gin.Context) error {
	if p := onlyParams(c, "q", "level", "limit", "offset", "crs"); p != nil {
		return p
	}
	crs, err := parseCRS(c.Query("crs"))
	if err != nil {
		return badParam("crs", err)
	}
	var lvl divisions.Level
	if l := c.Query("level"); l != "" {
		if lvl, err = divisions.ParseLevel(l); err != nil {
			return badParam("level", err)
		}
	}
	q := c.Query("q")
	if len([]rune(q)) > 50 {
		return badParam("q", errors.New("longer than 50 characters"))
	}
	limit, p := intParam(c, "limit", 50, 1, 1000)
	if p != nil {
		return p
	}
	offset, p := intParam(c, "offset", 0, 0, 1<<30)
	if p != nil {
		return p
	}
	snap := s.current()
	all := snap.tree.Search(q, lvl, 0)
	matched := len(all)
	if offset > len(all) {
		offset = len(all)
	}
	page := all[offset:]
	if len(page) > limit {
		page = page[:limit]
	}
	fc := collection{Type: "FeatureCollection", Features: make([]feature, 0, len(page)), NumberMatched: &matched, Vintages: snap.vintages()}
	for _, d := range page {
		fc.Features = append(fc.Features, feature{Type: "Feature", ID: string(d.Code),
			Geometry: geometryOf(divisionGeometry(d, crs, false)), Properties: divisionProps(snap.tree, d, crs)})
	}
	fc.NumberReturned = len(fc.Features)
	if offset+len(page) < matched {
		fc.Links = append(fc.Links, link{Href: nextLink(c, map[string]string{"offset": itoa(int64(offset + len(page)))}), Rel: "next", Type: geoJSONType})
	}
	writeGeoJSON(c, http.StatusOK, fc)
	return nil
}

// handleLocate answers GET /api/v1/locate?lon=&lat=&crs= with the chain of divisions containing the point.
func (s *Server) handleLocate(c *gin.Context) error {
	if p := onlyParams(c, "lon", "lat", "crs"); p != nil {
		return p
	}
	crs, err := parseCRS(c.Query("crs"))
	if err != nil {
		return badParam("crs", err)
	}
	pt, p := parseLonLat(c.Query("lon"), c.Query("lat"))
	if p != nil {
		return p
	}
	w := crs.Inverse(pt)
	snap := s.current()
	chain := snap.locator.Locate(w)
	if len(chain) == 0 {
		return notFound("no county of the dataset contains %.6f, %.6f (%s)", pt[0], pt[1], crs)
	}
	out := make([]gin.H, 0, len(chain))
	for _, d := range chain {
		out = append(out, gin.H{"code": d.Code, "name": d.Name, "level": d.Level, "kind": d.Kind, "provenance": d.Sources})
	}
	c.JSON(http.StatusOK, gin.H{
		"point":    gin.H{"lon": pt[0], "lat": pt[1], "crs": crs, "wgs84": w},
		"chain":    out,
		"method":   "county: real boundary (GCJ-02 converted); township: derived area (approximate); village: nearest village point inside the township",
		"vintages": snap.vintages(),
		"note":     approxNote,
	})
	return nil
}
