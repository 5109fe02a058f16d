package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/geo"
	"github.com/civplan/civplan/web/cql2"
	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Media types of the OGC API.
const (
	jsonType    = "application/json"
	openAPIType = "application/vnd.oai.openapi+json;version=3.0"
	schemaType  = "application/schema+json"
	htmlType    = "text/html"
)

// OGC API items paging: the default and maximum limit (declared in the OpenAPI document).
const (
	ogcDefaultLimit = 100
	ogcMaxLimit     = 10000
)

// chinaBound is the extent reported for a collection without any geometry.
var chinaBound = orb.Bound{Min: orb.Point{73, 18}, Max: orb.Point{135, 54}}

// ogcConformance lists exactly the conformance classes /ogc implements.
func ogcConformance() []string {
	out := []string{
		"http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
		"http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/landing-page",
		"http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/json",
		"http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/html",
		"http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/oas30",
		"http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
		"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
		"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
		"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
		"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
		"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
	}
	return append(append(out, cql2.Conformance()...), ogcPart4Conformance()...)
}

// ogcFormat picks json or html from f= or the Accept header; anything else is 406.
func ogcFormat(c *gin.Context) (string, *Problem) {
	switch f := c.Query("f"); f {
	case "json", "geojson":
		return "json", nil
	case "html":
		return "html", nil
	case "":
		acc := c.GetHeader("Accept")
		if strings.Contains(acc, "text/html") && !strings.Contains(acc, "json") {
			return "html", nil
		}
		return "json", nil
	default:
		return "", problemOf(http.StatusNotAcceptable, "parameter f: unsupported format %q (want json or html)", f)
	}
}

// baseURL is the absolute URL of /ogc as the client called it.
func baseURL(c *gin.Context) string {
	scheme := "http"
	if c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host + "/ogc"
}

// writeTyped marshals v and sends it with exactly the content type ct.
func writeTyped(c *gin.Context, status int, ct string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", c.Request.URL.Path, err)
	}
	c.Data(status, ct, b)
	return nil
}

// attribution is the data attribution from the dataset's sources (licence and origin).
func (s *snapshot) attribution() string {
	var parts []string
	for _, src := range s.meta.Sources {
		a := src.Attribution
		if a == "" {
			a = src.Name
		}
		if src.Licence != "" && !strings.Contains(a, src.Licence) {
			a += ", " + src.Licence
		}
		parts = append(parts, a)
	}
	if len(parts) == 0 {
		return "civplan dataset (no source recorded)"
	}
	return strings.Join(parts, "; ")
}

// handleOGCLanding answers GET /ogc.
func (s *Server) handleOGCLanding(c *gin.Context) error {
	if p := onlyParams(c, "f"); p != nil {
		return p
	}
	f, p := ogcFormat(c)
	if p != nil {
		return p
	}
	b := baseURL(c)
	snap := s.current()
	body := gin.H{
		"title":       "civplan — 民政规划 OGC API – Features",
		"description": "Division units, civil-affairs facilities and uncovered villages of the civplan dataset. " + approxNote,
		"attribution": snap.attribution(),
		"vintages":    snap.vintages(),
		"links": []link{
			{Href: b + "?f=json", Rel: "self", Type: jsonType, Title: "this document"},
			{Href: b + "?f=html", Rel: "alternate", Type: htmlType, Title: "this document as HTML"},
			{Href: b + "/api", Rel: "service-desc", Type: openAPIType, Title: "the API definition (OpenAPI 3.0)"},
			{Href: b + "/api?f=html", Rel: "service-doc", Type: htmlType, Title: "the API documentation"},
			{Href: b + "/conformance", Rel: "conformance", Type: jsonType, Title: "conformance classes"},
			{Href: b + "/collections", Rel: "data", Type: jsonType, Title: "the collections"},
		},
	}
	if f == "html" {
		return renderHTML(c, "civplan OGC API – Features", body)
	}
	return writeTyped(c, http.StatusOK, jsonType, body)
}

// handleOGCConformance answers GET /ogc/conformance.
func (s *Server) handleOGCConformance(c *gin.Context) error {
	if p := onlyParams(c, "f"); p != nil {
		return p
	}
	f, p := ogcFormat(c)
	if p != nil {
		return p
	}
	body := gin.H{"conformsTo": ogcConformance()}
	if f == "html" {
		return renderHTML(c, "Conformance", body)
	}
	return writeTyped(c, http.StatusOK, jsonType, body)
}

// collectionJSON is the metadata of one collection.
func (s *Server) collectionJSON(c *gin.Context, d *ogcData, col *ogcCollection) (gin.H, error) {
	set, err := d.set(col)
	if err != nil {
		return nil, err
	}
	b := baseURL(c) + "/collections/" + col.id
	e, hasExt := set.bounds()
	if !hasExt {
		e = chinaBound
	}
	return gin.H{
		"id":          col.id,
		"title":       col.title,
		"description": col.description,
		"attribution": d.snap.attribution(),
		"itemType":    "feature",
		"extent": gin.H{"spatial": gin.H{
			"bbox": [][]float64{{e.Min[0], e.Min[1], e.Max[0], e.Max[1]}},
			"crs":  geo.WGS84.URI(),
		}},
		"crs":        ogcCRSList(),
		"storageCrs": geo.WGS84.URI(),
		"links": []link{
			{Href: b, Rel: "self", Type: jsonType, Title: col.title},
			{Href: b + "?f=html", Rel: "alternate", Type: htmlType, Title: col.title},
			{Href: b + "/items", Rel: "items", Type: geoJSONType, Title: "the features"},
			{Href: b + "/items?f=html", Rel: "items", Type: htmlType, Title: "the features as HTML"},
			{Href: b + "/queryables", Rel: "http://www.opengis.net/def/rel/ogc/1.0/queryables", Type: schemaType, Title: "the queryable properties"},
			{Href: "/tiles/" + col.id + ".json", Rel: "tiles", Type: jsonType, Title: "vector tiles (TileJSON)"},
		},
	}, nil
}

// handleOGCCollections answers GET /ogc/collections.
func (s *Server) handleOGCCollections(c *gin.Context) error {
	if p := onlyParams(c, "f"); p != nil {
		return p
	}
	f, p := ogcFormat(c)
	if p != nil {
		return p
	}
	d := s.ogcData()
	cols := make([]gin.H, 0, len(d.collections))
	for _, col := range d.collections {
		m, err := s.collectionJSON(c, d, col)
		if err != nil {
			return err
		}
		cols = append(cols, m)
	}
	b := baseURL(c) + "/collections"
	body := gin.H{
		"links": []link{
			{Href: b, Rel: "self", Type: jsonType, Title: "the collections"},
			{Href: b + "?f=html", Rel: "alternate", Type: htmlType, Title: "the collections as HTML"},
		},
		"collections": cols,
		"attribution": d.snap.attribution(),
	}
	if f == "html" {
		return renderHTML(c, "Collections", body)
	}
	return writeTyped(c, http.StatusOK, jsonType, body)
}

// ogcCollectionParam finds the collection named in the path (404 otherwise).
func (s *Server) ogcCollectionParam(c *gin.Context) (*ogcData, *ogcCollection, error) {
	d := s.ogcData()
	col, ok := d.byID[c.Param("collection")]
	if !ok {
		return nil, nil, notFound("no collection %q (see /ogc/collections)", c.Param("collection"))
	}
	return d, col, nil
}

// handleOGCCollection answers GET /ogc/collections/{collectionId}.
func (s *Server) handleOGCCollection(c *gin.Context) error {
	if p := onlyParams(c, "f"); p != nil {
		return p
	}
	d, col, err := s.ogcCollectionParam(c)
	if err != nil {
		return err
	}
	f, p := ogcFormat(c)
	if p != nil {
		return p
	}
	m, err := s.collectionJSON(c, d, col)
	if err != nil {
		return err
	}
	if f == "html" {
		return renderHTML(c, col.title, m)
	}
	return writeTyped(c, http.StatusOK, jsonType, m)
}

// handleOGCQueryables answers GET /ogc/collections/{collectionId}/queryables as JSON Schema.
func (s *Server) handleOGCQueryables(c *gin.Context) error {
	if p := onlyParams(c, "f"); p != nil {
		return p
	}
	_, col, err := s.ogcCollectionParam(c)
	if err != nil {
		return err
	}
	f, p := ogcFormat(c)
	if p != nil {
		return p
	}
	props := gin.H{"geometry": gin.H{"format": "geometry-any", "title": "the feature's geometry (" + col.geometryType() + ")",
		"x-ogc-role": "primary-geometry"}}
	for _, q := range col.queryables {
		props[q.name] = q.schema
	}
	body := gin.H{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  baseURL(c) + "/collections/" + col.id + "/queryables",
		"type":                 "object",
		"title":                col.title,
		"properties":           props,
		"additionalProperties": false,
	}
	if f == "html" {
		return renderHTML(c, "Queryables of "+col.title, body)
	}
	return writeTyped(c, http.StatusOK, schemaType, body)
}

// ogcQuery is a validated items request.
type ogcQuery struct {
	limit     int
	crs       geo.CRS
	boxes     []orb.Bound // CRS84; nil = no bbox
	filters   []*cql2.Filter
	filterCRS geo.CRS
	after     int64
	checksum  string
}

// itemParams are the fixed parameters of /items (queryables come on top).
var itemParams = []string{"f", "limit", "bbox", "bbox-crs", "crs", "cursor", "datetime", "filter", "filter-lang", "filter-crs"}

// parseItemsQuery validates every parameter of an items request (unknown → 400).
func parseItemsQuery(c *gin.Context, col *ogcCollection) (*ogcQuery, *Problem) {
	params := c.Request.URL.Query()
	for k := range params {
		known := false
		for _, a := range itemParams {
			known = known || k == a
		}
		if _, ok := col.queryable(k); !known && !ok {
			names := make([]string, 0, len(col.queryables))
			for _, q := range col.queryables {
				names = append(names, q.name)
			}
			return nil, badParam(k, fmt.Errorf("unknown parameter (allowed: %s, and the queryables %s)", strings.Join(itemParams, ", "), strings.Join(names, ", ")))
		}
		if len(params[k]) > 1 {
			return nil, badParam(k, errors.New("given more than once"))
		}
	}
	q := &ogcQuery{}
	var p *Problem
	if q.limit, p = intParam(c, "limit", ogcDefaultLimit, 1, ogcMaxLimit); p != nil {
		return nil, p
	}
	var err error
	if q.crs, err = parseOGCCRS(c.Query("crs")); err != nil {
		return nil, badParam("crs", err)
	}
	bboxCRS, err := parseOGCCRS(c.Query("bbox-crs"))
	if err != nil {
		return nil, badParam("bbox-crs", err)
	}
	if _, ok := params["bbox-crs"]; ok && c.Query("bbox") == "" {
		return nil, badParam("bbox-crs", errors.New("given without bbox"))
	}
	if b := c.Query("bbox"); b != "" {
		if q.boxes, err = parseOGCBBox(b, bboxCRS); err != nil {
			return nil, badParam("bbox", err)
		}
	}
	if q.filterCRS, err = parseOGCCRS(c.Query("filter-crs")); err != nil {
		return nil, badParam("filter-crs", err)
	}
	if fl := c.Query("filter-lang"); fl != "" && fl != "cql2-text" {
		return nil, badParam("filter-lang", fmt.Errorf("%q is not supported (want cql2-text)", fl))
	}
	types := col.queryableTypes()
	if ft, ok := params["filter"]; ok {
		flt, err := cql2.Compile(ft[0], types)
		if err != nil {
			return nil, badParam("filter", err)
		}
		q.filters = append(q.filters, flt)
	}
	if dt, ok := params["datetime"]; ok {
		if col.temporal == "" {
			return nil, badParam("datetime", fmt.Errorf("collection %s has no temporal property; datetime selects by the opening date of facility collections only", col.id))
		}
		text, err := datetimeFilter(col.temporal, dt[0])
		if err != nil {
			return nil, badParam("datetime", err)
		}
		flt, err := cql2.Compile(text, types)
		if err != nil {
			return nil, badParam("datetime", err)
		}
		q.filters = append(q.filters, flt)
	}
	// Queryables as query parameters: equality.
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		qa, ok := col.queryable(k)
		if !ok {
			continue
		}
		v := params[k][0]
		var text string
		switch qa.typ {
		case cql2.Number:
			f, err := parseFloat(v)
			if err != nil {
				return nil, badParam(k, err)
			}
			text = fmt.Sprintf("%s = %s", k, strconv.FormatFloat(f, 'g', -1, 64))
		case cql2.Date:
			if err := cql2.CheckDate(v, false); err != nil {
				return nil, badParam(k, err)
			}
			text = fmt.Sprintf("%s = DATE('%s')", k, v)
		default:
			text = fmt.Sprintf("%s = '%s'", k, strings.ReplaceAll(v, "'", "''"))
		}
		flt, err := cql2.Compile(text, types)
		if err != nil {
			return nil, badParam(k, err)
		}
		q.filters = append(q.filters, flt)
	}
	q.checksum = filterChecksum(params)
	if cur := c.Query("cursor"); cur != "" {
		id, sum, ok := strings.Cut(cur, ".")
		v, err := strconv.ParseInt(id, 10, 64)
		if !ok || err != nil || v < 0 {
			return nil, badParam("cursor", fmt.Errorf("%q is not a cursor (take it from a next link)", cur))
		}
		if sum != q.checksum {
			return nil, badParam("cursor", errors.New("the cursor belongs to a request with other filters; start again without cursor"))
		}
		q.after = v
	}
	return q, nil
}

// filterChecksum hashes every parameter that selects features (not cursor, limit, f or crs), so
// a cursor cannot be replayed against another filter.
func filterChecksum(params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		switch k {
		case "cursor", "limit", "f", "crs":
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := fnv.New64a()
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%s\x00", k, params.Get(k))
	}
	return strconv.FormatUint(h.Sum64(), 16)
}

// swapped presents an item with lat/lon axes for filters whose literals are in EPSG:4326/4490.
type swapped struct{ *ogcItem }

func (s swapped) Geometry() orb.Geometry { return swapAxes(s.geom) }

// matches reports whether it passes the bbox and every filter.
func (q *ogcQuery) matches(it *ogcItem) bool {
	if q.boxes != nil {
		hit := false
		for _, b := range q.boxes {
			if cql2.IntersectsBound(it.geom, b) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	var f cql2.Feature = it
	if q.filterCRS.LatLon() {
		f = swapped{it}
	}
	for _, flt := range q.filters {
		if !flt.Match(f) {
			return false
		}
	}
	return true
}

// ogcFeature renders an item in crs.
func ogcFeature(it *ogcItem, crs geo.CRS) feature {
	var g *geojson.Geometry
	if it.geom != nil {
		g = geojson.NewGeometry(ogcGeometry(crs, it.geom))
	}
	return feature{Type: "Feature", ID: it.id, Geometry: g, Properties: it.properties()}
}

// ogcItemsPage is the items answer (a GeoJSON FeatureCollection with OGC members).
type ogcItemsPage struct {
	Type           string    `json:"type"`
	Features       []feature `json:"features"`
	NumberMatched  int       `json:"numberMatched"`
	NumberReturned int       `json:"numberReturned"`
	TimeStamp      string    `json:"timeStamp"`
	Links          []link    `json:"links"`
	Attribution    string    `json:"attribution,omitempty"`
}

// handleOGCItems answers GET /ogc/collections/{collectionId}/items.
func (s *Server) handleOGCItems(c *gin.Context) error {
	d, col, err := s.ogcCollectionParam(c)
	if err != nil {
		return err
	}
	q, p := parseItemsQuery(c, col)
	if p != nil {
		return p
	}
	f, p := ogcFormat(c)
	if p != nil {
		return p
	}
	c.Header("Content-Crs", "<"+q.crs.URI()+">")
	if f == "html" {
		page, err := itemsPage(c, d, col, q, f)
		if err != nil {
			return err
		}
		return renderHTML(c, col.title, page)
	}
	// JSON pages are memoised as encoded answers: a facility write keeps the pages of the other
	// kinds' collections and of the divisions (answer_encoded.go).
	return s.serveMemoAt(c, d.snap, geoJSONType, func(*snapshot) (any, kindSet, facilityFilter, error) {
		page, err := itemsPage(c, d, col, q, f)
		if err != nil {
			return nil, 0, nil, err
		}
		var deps kindSet
		var filter facilityFilter
		if col.source != srcDivisions {
			deps = kindsOf(map[facilities.Kind]bool{col.kind: true})
		}
		if col.source == srcFacilities {
			filter = func(f *facilities.Facility) bool { // a facility the page lists or counts
				it := ogcItem{id: f.ID, geom: f.Point, bound: f.Point.Bound(), fac: f}
				return f.Kind == col.kind && q.matches(&it)
			}
		}
		return page, deps, filter, nil
	})
}

// itemsPage is the items page of collection col of d for the query q in format f (json or html).
func itemsPage(c *gin.Context, d *ogcData, col *ogcCollection, q *ogcQuery, f string) (*ogcItemsPage, error) {
	set, err := d.set(col)
	if err != nil {
		return nil, err
	}
	collURL := baseURL(c) + "/collections/" + col.id
	page := ogcItemsPage{Type: "FeatureCollection", Features: []feature{}, TimeStamp: d.snap.builtAt.Format(time.RFC3339),
		Attribution: d.snap.attribution()}
	var last int64
	more := false
	ctx := c.Request.Context()
	for i := range set.items {
		if i&1023 == 0 && ctx.Err() != nil {
			return nil, ctx.Err() // the client went or the work deadline passed (middleware_work.go)
		}
		it := &set.items[i]
		if !q.matches(it) {
			continue
		}
		page.NumberMatched++
		if it.id <= q.after {
			continue
		}
		if len(page.Features) == q.limit {
			more = true
			continue
		}
		page.Features = append(page.Features, ogcFeature(it, q.crs))
		last = it.id
	}
	page.NumberReturned = len(page.Features)
	self := nextLink(c, map[string]string{})
	page.Links = []link{
		{Href: self, Rel: "self", Type: geoJSONType, Title: "this page"},
		{Href: nextLink(c, map[string]string{"f": "html"}), Rel: "alternate", Type: htmlType, Title: "this page as HTML"},
		{Href: collURL, Rel: "collection", Type: jsonType, Title: col.title},
	}
	if more {
		set := map[string]string{"cursor": strconv.FormatInt(last, 10) + "." + q.checksum}
		typ := geoJSONType
		if f == "html" {
			typ = htmlType
		}
		page.Links = append(page.Links, link{Href: nextLink(c, set), Rel: "next", Type: typ, Title: "the next page"})
	}
	return &page, nil
}

// handleOGCItem answers GET /ogc/collections/{collectionId}/items/{featureId}.
func (s *Server) handleOGCItem(c *gin.Context) error {
	if p := onlyParams(c, "f", "crs"); p != nil {
		return p
	}
	d, col, err := s.ogcCollectionParam(c)
	if err != nil {
		return err
	}
	crs, err := parseOGCCRS(c.Query("crs"))
	if err != nil {
		return badParam("crs", err)
	}
	f, p := ogcFormat(c)
	if p != nil {
		return p
	}
	id, err := strconv.ParseInt(c.Param("fid"), 10, 64)
	if err != nil || id < 0 {
		return notFound("no feature %q in collection %s (feature ids are integers)", c.Param("fid"), col.id)
	}
	set, err := d.set(col)
	if err != nil {
		return err
	}
	i := sort.Search(len(set.items), func(i int) bool { return set.items[i].id >= id })
	if i == len(set.items) || set.items[i].id != id {
		return notFound("no feature %d in collection %s", id, col.id)
	}
	collURL := baseURL(c) + "/collections/" + col.id
	ft := ogcFeature(&set.items[i], crs)
	body := struct {
		feature
		Links []link `json:"links"`
	}{ft, []link{
		{Href: nextLink(c, map[string]string{}), Rel: "self", Type: geoJSONType, Title: "this feature"},
		{Href: nextLink(c, map[string]string{"f": "html"}), Rel: "alternate", Type: htmlType, Title: "this feature as HTML"},
		{Href: collURL, Rel: "collection", Type: jsonType, Title: col.title},
	}}
	c.Header("Content-Crs", "<"+crs.URI()+">")
	if fac := set.items[i].fac; fac != nil && fac.Version != 0 {
		c.Header("ETag", etag(fac.Version)) // from the same snapshot as the body; If-Match for Part 4
	}
	if f == "html" {
		return renderHTML(c, fmt.Sprintf("%s %d", col.id, id), body)
	}
	return writeTyped(c, http.StatusOK, geoJSONType, body)
}
