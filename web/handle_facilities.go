package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/geo"
	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"
)

// facilityFeature renders one facility in crs.
func facilityFeature(f *facilities.Facility, crs geo.CRS) feature {
	props := map[string]any{
		"id": f.ID, "kind": f.Kind, "name": f.Name, "division_code": f.DivisionCode, "status": f.Status,
		"beds": f.Beds, "floor_area_m2": f.FloorAreaM2, "renovated": f.Renovated, "opened": nilIfEmpty(f.Opened),
		"provenance": f.Provenance,
	}
	if f.PlanID != 0 {
		props["plan_id"] = f.PlanID
	}
	if f.Version != 0 {
		props["version"] = f.Version // the change-log version of its last change = its ETag
	}
	return feature{Type: "Feature", ID: f.ID, Geometry: geometryOf(crs.Forward(f.Point)), Properties: props}
}

// handleFacilities answers GET /api/v1/facilities?kind=&bbox=&division=&status=&crs=&limit=&after=
// as a FeatureCollection in id order, paged with a next link that keeps every filter.
// bbox is given in crs (its corners are converted to WGS84).
func (s *Server) handleFacilities(c *gin.Context) error {
	return s.serveMemoAt(c, s.current(), geoJSONType, func(snap *snapshot) (any, kindSet, facilityFilter, error) {
		return facilityPage(c, snap)
	})
}

// facilityPage computes the page handleFacilities answers, the kinds it depends on and the
// filter of the facilities it lists or counts.
func facilityPage(c *gin.Context, snap *snapshot) (any, kindSet, facilityFilter, error) {
	if p := onlyParams(c, "kind", "bbox", "division", "status", "crs", "limit", "after"); p != nil {
		return nil, 0, nil, p
	}
	crs, err := parseCRS(c.Query("crs"))
	if err != nil {
		return nil, 0, nil, badParam("crs", err)
	}
	var kinds map[facilities.Kind]bool
	if k := c.Query("kind"); k != "" {
		kinds = map[facilities.Kind]bool{}
		for _, w := range strings.Split(k, ",") {
			ki, err := facilities.ParseKind(w)
			if err != nil {
				return nil, 0, nil, badParam("kind", err)
			}
			kinds[ki.Kind] = true
		}
	}
	var statuses map[facilities.Status]bool
	if st := c.Query("status"); st != "" {
		statuses = map[facilities.Status]bool{}
		for _, w := range strings.Split(st, ",") {
			v, err := facilities.ParseStatus(w)
			if err != nil {
				return nil, 0, nil, badParam("status", err)
			}
			statuses[v] = true
		}
	}
	var box *orb.Bound
	if b := c.Query("bbox"); b != "" {
		bb, err := parseBBox(b)
		if err != nil {
			return nil, 0, nil, badParam("bbox", err)
		}
		bb = orb.Bound{Min: crs.Inverse(bb.Min), Max: crs.Inverse(bb.Max)}
		box = &bb
	}
	var div divisions.Code
	if d := c.Query("division"); d != "" {
		code, p := parseCodeParam("division", d)
		if p != nil {
			return nil, 0, nil, p
		}
		if snap.tree.Get(code) == nil {
			return nil, 0, nil, notFound("no division with code %s", code)
		}
		div = code
	}
	limit, p := intParam(c, "limit", 100, 1, 10000)
	if p != nil {
		return nil, 0, nil, p
	}
	var after int64
	if a := c.Query("after"); a != "" {
		v, err := strconv.ParseInt(a, 10, 64)
		if err != nil || v < 0 {
			return nil, 0, nil, badParam("after", fmt.Errorf("%q is not a facility id cursor", a))
		}
		after = v
	}
	match := func(f *facilities.Facility) bool {
		return (kinds == nil || kinds[f.Kind]) && (statuses == nil || statuses[f.Status]) &&
			(box == nil || box.Contains(f.Point)) && (div == "" || f.DivisionCode.Within(div))
	}
	reg := snap.registry
	matched := 0
	reg.Each(0, func(f *facilities.Facility) bool {
		if match(f) {
			matched++
		}
		return true
	})
	fc := collection{Type: "FeatureCollection", Features: []feature{}, NumberMatched: &matched, Vintages: snap.vintages()}
	var last int64
	more := false
	reg.Each(after, func(f *facilities.Facility) bool {
		if !match(f) {
			return true
		}
		if len(fc.Features) == limit {
			more = true
			return false
		}
		fc.Features = append(fc.Features, facilityFeature(f, crs))
		last = f.ID
		return true
	})
	fc.NumberReturned = len(fc.Features)
	if more {
		fc.Links = append(fc.Links, link{Href: nextLink(c, map[string]string{"after": itoa(last)}), Rel: "next", Type: geoJSONType})
	}
	deps := allKinds
	if kinds != nil {
		deps = kindsOf(kinds)
	}
	return fc, deps, match, nil
}

// handleFacility answers GET /api/v1/facilities/{id} with its ETag: the change-log version of
// its last change, also in the body as properties.version.
func (s *Server) handleFacility(c *gin.Context) error {
	if p := onlyParams(c, "crs"); p != nil {
		return p
	}
	crs, err := parseCRS(c.Query("crs"))
	if err != nil {
		return badParam("crs", err)
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return badParam("id", fmt.Errorf("%q is not a facility id", c.Param("id")))
	}
	f, ok := s.current().registry.Get(id)
	if !ok {
		return notFound("no facility with id %d", id)
	}
	c.Header("ETag", etag(f.Version)) // body and ETag from the same snapshot
	writeGeoJSON(c, http.StatusOK, facilityFeature(&f, crs))
	return nil
}
