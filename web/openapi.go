package web

import (
	"sort"
	"strings"

	"github.com/civplan/civplan/web/cql2"
)

// obj is a JSON object of the OpenAPI document.
type obj = map[string]any

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func pref(name string) obj { return obj{"$ref": "#/components/parameters/" + name} }

func qparam(name, desc string, schema obj) obj {
	return obj{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
}

func pathParam(name, desc string, schema obj) obj {
	return obj{"name": name, "in": "path", "required": true, "description": desc, "schema": schema}
}

func str() obj { return obj{"type": "string"} }

func enumStr(vs ...string) obj { return obj{"type": "string", "enum": vs} }

// content is a response body of media type mt with schema.
func content(mt string, schema obj) obj { return obj{mt: obj{"schema": schema}} }

// resp is a response with a description and optional content.
func resp(desc string, c obj) obj {
	r := obj{"description": desc}
	if c != nil {
		r["content"] = c
	}
	return r
}

func problems(codes ...string) obj {
	out := obj{}
	for _, code := range codes {
		out[code] = obj{"$ref": "#/components/responses/Problem"}
	}
	return out
}

// op is one operation: a summary, parameters and responses (200-type plus problems).
func op(id, summary string, params []any, ok obj, problemCodes ...string) obj {
	rs := problems(problemCodes...)
	for k, v := range ok {
		rs[k] = v
	}
	o := obj{"operationId": id, "summary": summary, "responses": rs}
	if len(params) > 0 {
		o["parameters"] = params
	}
	return o
}

// openAPIDoc is the OpenAPI 3.0 document of every endpoint the router serves under /api/v1,
// /ogc and /tiles, plus health. Its server is /ogc, so the OGC paths read /collections/…; the
// other paths carry a path-level server "/" (see ogcRelativePaths).
func (s *Server) openAPIDoc() obj {
	geo := func(desc string) obj { return resp(desc, content(geoJSONType, ref("FeatureCollection"))) }
	js := func(desc, schema string) obj { return resp(desc, content(jsonType, ref(schema))) }
	crsParam := qparam("crs", "coordinate system of the answer: wgs84 (default), gcj02 or bd09 (for AMap/Baidu overlays)", enumStr("wgs84", "gcj02", "bd09"))
	paths := obj{
		"/healthz": obj{"get": op("healthz", "liveness", nil, obj{"200": js("alive", "Object")})},
		"/metrics": obj{"get": op("metrics", "Prometheus metrics (text exposition format)", nil, obj{"200": resp("the metrics", content("text/plain", str()))})},
		"/readyz":  obj{"get": op("readyz", "readiness: the snapshot is loaded", nil, obj{"200": js("ready", "Object")}, "503")},
		"/api/v1/audit": obj{"get": op("auditLog", "the audit log, newest first (admin)", []any{
			qparam("since", "entries at or after this RFC 3339 time", obj{"type": "string", "format": "date-time"}),
			qparam("until", "entries before this RFC 3339 time", obj{"type": "string", "format": "date-time"}),
			qparam("actor", "token name, cli or system", str()),
			qparam("action", "e.g. facility.update", str()),
			qparam("target", "e.g. facility/17", str()),
			qparam("before_id", "page: entries with a smaller id", obj{"type": "integer", "minimum": 1}),
			qparam("limit", "page size", obj{"type": "integer", "minimum": 1, "maximum": 500, "default": 100}),
		}, obj{"200": js("audit entries and a next link", "Object")}, "400", "401", "403")},
		"/api/v1/divisions": obj{"get": op("searchDivisions", "search divisions by name (prefix matches first)", []any{
			qparam("q", "name or short name fragment (≤ 50 characters)", obj{"type": "string", "maxLength": 50}),
			qparam("level", "restrict to one level", enumStr("province", "prefecture", "county", "township", "village")),
			qparam("limit", "page size", obj{"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}),
			qparam("offset", "first result", obj{"type": "integer", "minimum": 0, "default": 0}),
			crsParam,
		}, obj{"200": geo("matching divisions as seat points, paged with next links")}, "400")},
		"/api/v1/divisions/{code}": obj{"get": op("getDivision", "one division with boundary (else seat), children and ancestors", []any{
			pathParam("code", "division code, short (2/4/6/9 digits) or 12-digit", str()), crsParam,
		}, obj{"200": resp("the division", content(geoJSONType, ref("Feature")))}, "400", "404")},
		"/api/v1/divisions/{code}/children": obj{"get": op("getChildren", "the direct children of a division", []any{
			pathParam("code", "division code", str()), crsParam,
			qparam("geometry", "boundary (default) or seat", enumStr("boundary", "seat")),
		}, obj{"200": geo("the children")}, "400", "404")},
		"/api/v1/locate": obj{"get": op("locate", "the chain of divisions containing a point", []any{
			obj{"name": "lon", "in": "query", "required": true, "description": "longitude in degrees", "schema": obj{"type": "number", "minimum": -180, "maximum": 180}},
			obj{"name": "lat", "in": "query", "required": true, "description": "latitude in degrees", "schema": obj{"type": "number", "minimum": -90, "maximum": 90}},
			crsParam,
		}, obj{"200": js("the chain province → … → village", "Object")}, "400", "404")},
		"/api/v1/facilities": obj{"get": op("listFacilities", "facilities, filtered and paged with next links", []any{
			qparam("kind", "comma-separated facility kinds", str()),
			qparam("status", "comma-separated statuses", str()),
			qparam("bbox", "minLon,minLat,maxLon,maxLat in crs", str()),
			qparam("division", "only facilities registered within this division", str()),
			qparam("limit", "page size", obj{"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}),
			qparam("after", "cursor: the last id of the previous page", obj{"type": "integer", "minimum": 0}),
			crsParam,
		}, obj{"200": geo("facilities in id order")}, "400", "404")},
		"/api/v1/facilities/{id}": obj{"get": op("getFacility", "one facility", []any{
			pathParam("id", "facility id", obj{"type": "integer", "minimum": 1}), crsParam,
		}, obj{"200": resp("the facility", content(geoJSONType, ref("Feature")))}, "400", "404")},
	}
	addAPIv1Analysis(paths, js, geo, crsParam)
	addAPIv1Scenarios(paths) // handle_scenarios.go
	// OGC API – Features.
	f := pref("f")
	paths["/ogc"] = obj{"get": op("ogcLanding", "OGC API landing page", []any{f},
		obj{"200": resp("the landing page", obj{jsonType: obj{"schema": ref("LandingPage")}, htmlType: obj{"schema": str()}})}, "400", "406")}
	paths["/ogc/conformance"] = obj{"get": op("ogcConformance", "conformance classes", []any{f},
		obj{"200": resp("the conformance declaration", obj{jsonType: obj{"schema": ref("Conformance")}, htmlType: obj{"schema": str()}})}, "400", "406")}
	paths["/ogc/api"] = obj{"get": op("ogcAPI", "this OpenAPI document", []any{f},
		obj{"200": resp("the API definition", obj{openAPIType: obj{"schema": ref("Object")}, htmlType: obj{"schema": str()}})}, "400", "406")}
	paths["/ogc/collections"] = obj{"get": op("ogcCollections", "the feature collections", []any{f},
		obj{"200": resp("the collections", obj{jsonType: obj{"schema": ref("Collections")}, htmlType: obj{"schema": str()}})}, "400", "406")}
	paths["/ogc/collections/{collectionId}"] = obj{"get": op("ogcCollection", "one collection", []any{pref("collectionId"), f},
		obj{"200": resp("the collection", obj{jsonType: obj{"schema": ref("Collection")}, htmlType: obj{"schema": str()}})}, "400", "404", "406")}
	paths["/ogc/collections/{collectionId}/queryables"] = obj{"get": op("ogcQueryables", "the queryable properties (JSON Schema)", []any{pref("collectionId"), f},
		obj{"200": resp("the queryables", obj{schemaType: obj{"schema": ref("Object")}, htmlType: obj{"schema": str()}})}, "400", "404", "406")}
	ogcIfMatch := obj{"name": "If-Match", "in": "header", "required": true, "description": "the ETag read from GET of the feature", "schema": str()}
	featureBody := obj{"required": true, "description": "a GeoJSON Feature (PATCH: only the properties to change)",
		"content": obj{geoJSONType: obj{"schema": ref("Feature")}, jsonType: obj{"schema": ref("Feature")}, "application/merge-patch+json": obj{"schema": ref("Feature")}}}
	fidParams := []any{pref("collectionId"), pref("featureId"), ogcIfMatch}
	paths["/ogc/collections/{collectionId}/items/{featureId}"] = obj{
		"get": op("ogcItem", "one feature (facilities: with its ETag)", []any{pref("collectionId"), pref("featureId"), pref("crs"), f},
			obj{"200": resp("the feature", obj{geoJSONType: obj{"schema": ref("Feature")}, htmlType: obj{"schema": str()}})}, "400", "404", "406"),
		"put": obj{"operationId": "ogcReplace", "summary": "replace a facility (planner; facility collections only, OGC API Part 4)", "parameters": fidParams, "requestBody": featureBody,
			"responses": mergeObj(problems("400", "401", "403", "404", "405", "412", "413", "415", "428", "503"), obj{"200": resp("the stored feature with its new ETag", content(geoJSONType, ref("Feature")))})},
		"patch": obj{"operationId": "ogcUpdate", "summary": "change some properties of a facility (planner; OGC API Part 4)", "parameters": fidParams, "requestBody": featureBody,
			"responses": mergeObj(problems("400", "401", "403", "404", "405", "412", "413", "415", "428", "503"), obj{"200": resp("the stored feature with its new ETag", content(geoJSONType, ref("Feature")))})},
		"delete": obj{"operationId": "ogcDelete", "summary": "delete a facility (planner; kept in the history; OGC API Part 4)", "parameters": fidParams,
			"responses": mergeObj(problems("400", "401", "403", "404", "405", "412", "428", "503"), obj{"204": resp("deleted", nil)})},
	}
	itemParams := []any{pref("limit"), pref("bbox"), pref("bbox-crs"), pref("crs"), pref("cursor"), pref("filter"), pref("filter-lang"), pref("filter-crs"), f}
	// datetime: every items path declares it (Part 1 core); on collections without a temporal
	// property it is a 400 that says so.
	dtParam := func(col *ogcCollection) obj {
		d := "instant or interval (start/end, '..' or '' for an open end) of dates YYYY-MM-DD or RFC 3339 timestamps"
		if col.temporal == "" {
			return qparam("datetime", d+"; this collection has no temporal property, so any value is a 400", str())
		}
		return qparam("datetime", d+", matched against the civil date (UTC+8) "+col.temporal+"; features without one never match", str())
	}
	itemsResp := obj{"200": resp("a page of features; follow the next link for more", obj{geoJSONType: obj{"schema": ref("FeatureCollection")}, htmlType: obj{"schema": str()}})}
	// One items path per collection, so each declares its queryables as parameters (GDAL reads them).
	for _, col := range ogcCollections() {
		ps := append(append([]any{}, itemParams...), dtParam(col))
		for _, q := range col.queryables {
			sch := obj{}
			for k, v := range q.schema {
				if k != "title" && k != "format" {
					sch[k] = v
				}
			}
			ps = append(ps, qparam(q.name, q.title+" (equality)", sch))
		}
		item := obj{"get": op("ogcItems_"+col.id, "features of "+col.id, ps, itemsResp, "400", "406")}
		if col.source == srcFacilities { // OGC API Part 4 (ogc_write.go)
			item["post"] = obj{"operationId": "ogcCreate_" + col.id, "summary": "add a facility of kind " + col.id + " (planner; the same write as POST /api/v1/facilities)",
				"requestBody": obj{"required": true, "description": "a GeoJSON Feature: Point geometry (WGS84 lon/lat), properties name, division_code, status, … (kind defaults to the collection's)",
					"content": obj{geoJSONType: obj{"schema": ref("Feature")}, jsonType: obj{"schema": ref("Feature")}}},
				"responses": mergeObj(problems("400", "401", "403", "404", "413", "415"), obj{"201": resp("created; Location (the OGC item) and ETag headers", content(geoJSONType, ref("Feature")))})}
		}
		paths["/ogc/collections/"+col.id+"/items"] = item
	}
	// Vector tiles.
	paths["/tiles/{name}"] = obj{"get": op("tileJSON", "TileJSON of a tileset ({collectionId}.json or all.json) or the MapLibre style (style.json)", []any{
		pathParam("name", "{collectionId}.json, all.json or style.json", str()),
	}, obj{"200": js("TileJSON 3.0.0 or a MapLibre style", "Object")}, "400", "404")}
	paths["/tiles/{name}/{z}/{x}/{y}"] = obj{"get": op("tile", "a Mapbox vector tile (one layer per collection)", []any{
		pathParam("name", "a collection id or all", str()),
		pathParam("z", "zoom", obj{"type": "integer", "minimum": 0, "maximum": tileServeZoom}),
		pathParam("x", "column", obj{"type": "integer", "minimum": 0}),
		pathParam("y", "row followed by .mvt", obj{"type": "string", "pattern": `^[0-9]+\.(mvt|pbf)$`}),
	}, obj{
		"200": resp("the tile", content(mvtType, obj{"type": "string", "format": "binary"})),
		"204": resp("the tile is empty", nil),
		"304": resp("not modified (ETag)", nil),
	}, "400", "404")}

	colIDs := []string{}
	for _, col := range ogcCollections() {
		colIDs = append(colIDs, col.id)
	}
	sort.Strings(colIDs)
	linkSchema := obj{"type": "object", "required": []string{"href", "rel"}, "properties": obj{
		"href": str(), "rel": str(), "type": str(), "title": str()}}
	return obj{
		"openapi": "3.0.3",
		"info": obj{
			"title":       "civplan API",
			"version":     "1.0.0",
			"description": "Planning service for civil-affairs departments: divisions, facilities, coverage; OGC API – Features under /ogc and vector tiles under /tiles. " + approxNote,
			"license":     obj{"name": "data: see the attribution of each collection"},
		},
		"servers": []any{obj{"url": "/ogc"}},
		"paths":   withIdempotencyKey(ogcRelativePaths(paths)),
		"components": obj{
			"parameters": obj{
				"f":            qparam("f", "answer format", enumStr("json", "geojson", "html")),
				"collectionId": pathParam("collectionId", "collection id", enumStr(colIDs...)),
				"featureId":    pathParam("featureId", "feature id (integer; 12-digit code for divisions)", obj{"type": "integer", "minimum": 0}),
				"limit":        qparam("limit", "page size", obj{"type": "integer", "minimum": 1, "maximum": ogcMaxLimit, "default": ogcDefaultLimit}),
				"bbox": obj{"name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
					"description": "minLon,minLat,maxLon,maxLat (or 6 numbers with heights) in bbox-crs axis order; minLon > maxLon crosses the antimeridian",
					"schema":      obj{"type": "array", "minItems": 4, "maxItems": 6, "items": obj{"type": "number"}}},
				"bbox-crs":    qparam("bbox-crs", "CRS of bbox (URI)", enumStr(ogcCRSList()...)),
				"crs":         qparam("crs", "CRS of the answer (URI); EPSG:4326 and EPSG:4490 use lat/lon axis order", enumStr(ogcCRSList()...)),
				"filter-crs":  qparam("filter-crs", "CRS of the filter's geometry literals (URI)", enumStr(ogcCRSList()...)),
				"cursor":      qparam("cursor", "keyset cursor from a next link (last id.filter checksum)", obj{"type": "string", "pattern": `^[0-9]+\.[0-9a-f]+$`}),
				"filter":      qparam("filter", "CQL2-text filter over the queryables: comparisons, AND/OR/NOT, IS NULL, LIKE, BETWEEN, IN, S_INTERSECTS", obj{"type": "string", "maxLength": cql2.MaxLen}),
				"filter-lang": qparam("filter-lang", "filter language", enumStr("cql2-text")),
				"Idempotency-Key": obj{"name": headerIdemKey, "in": "header", "required": false,
					"description": "a unique key per logical write (1–255 printable ASCII, bare or as a quoted sf-string): sent again with the same request, the stored answer is repeated with Idempotency-Replayed: true and nothing is written twice; 422 with another request, 409 while the first is in flight; kept 24 h per token",
					"schema":      obj{"type": "string", "minLength": 1, "maxLength": 257}},
			},
			"responses": obj{
				"Problem": resp("an RFC 7807 problem", content("application/problem+json", ref("Problem"))),
			},
			"schemas": obj{
				"Object": obj{"type": "object"},
				"Link":   linkSchema,
				"Problem": obj{"type": "object", "required": []string{"type", "title", "status"}, "properties": obj{
					"type": str(), "title": str(), "status": obj{"type": "integer"}, "detail": str(), "instance": str(), "request_id": str(),
					"invalid_params": obj{"type": "array", "items": obj{"type": "object", "required": []string{"name", "reason"},
						"properties": obj{"name": str(), "reason": str()}}},
				}},
				"Geometry": obj{"type": "object", "nullable": true, "required": []string{"type"}, "properties": obj{
					"type": enumStr("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"),
				}},
				"Feature": obj{"type": "object", "required": []string{"type", "geometry", "properties"}, "properties": obj{
					"type": enumStr("Feature"), "id": obj{"oneOf": []any{str(), obj{"type": "integer"}}},
					"geometry": ref("Geometry"), "properties": obj{"type": "object", "nullable": true},
					"links": obj{"type": "array", "items": ref("Link")},
				}},
				"FeatureCollection": obj{"type": "object", "required": []string{"type", "features"}, "properties": obj{
					"type": enumStr("FeatureCollection"), "features": obj{"type": "array", "items": ref("Feature")},
					"numberMatched": obj{"type": "integer", "minimum": 0}, "numberReturned": obj{"type": "integer", "minimum": 0},
					"timeStamp": obj{"type": "string", "format": "date-time"},
					"links":     obj{"type": "array", "items": ref("Link")},
				}},
				"LandingPage": obj{"type": "object", "required": []string{"links"}, "properties": obj{
					"title": str(), "description": str(), "attribution": str(), "links": obj{"type": "array", "items": ref("Link")}}},
				"Conformance": obj{"type": "object", "required": []string{"conformsTo"}, "properties": obj{
					"conformsTo": obj{"type": "array", "items": str()}}},
				"Collection": obj{"type": "object", "required": []string{"id", "links"}, "properties": obj{
					"id": str(), "title": str(), "description": str(), "attribution": str(), "itemType": str(),
					"crs": obj{"type": "array", "items": str()}, "storageCrs": str(),
					"extent": obj{"type": "object", "properties": obj{"spatial": obj{"type": "object", "properties": obj{
						"bbox": obj{"type": "array", "minItems": 1, "items": obj{"type": "array", "minItems": 4, "maxItems": 6, "items": obj{"type": "number"}}},
						"crs":  str()}}}},
					"links": obj{"type": "array", "items": ref("Link")}}},
				"Collections": obj{"type": "object", "required": []string{"links", "collections"}, "properties": obj{
					"links": obj{"type": "array", "items": ref("Link")}, "collections": obj{"type": "array", "items": ref("Collection")}}},
			},
		},
	}
}

// addAPIv1Analysis documents the facility writes, coverage, gaps, scorecard, accessibility,
// siting and plan endpoints (bodies and answers loosely: objects, as their handlers define them).
func addAPIv1Analysis(paths obj, js func(string, string) obj, geo func(string) obj, crsParam obj) {
	table := func(desc string) obj {
		return resp(desc, obj{
			jsonType:   obj{"schema": ref("Object")},
			"text/csv": obj{"schema": str()},
			"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": obj{"schema": obj{"type": "string", "format": "binary"}},
		})
	}
	body := func(desc string) obj {
		return obj{"required": true, "description": desc, "content": content(jsonType, ref("Object"))}
	}
	covParams := []any{
		obj{"name": "kind", "in": "query", "required": true, "description": "facility kind", "schema": str()},
		qparam("division", "division code (short or 12-digit); default the whole dataset", str()),
		qparam("mode", "jurisdiction, radius or radius_in_jurisdiction", enumStr("jurisdiction", "radius", "radius_in_jurisdiction")),
		qparam("radius_m", "radius in metres (default: the kind's)", obj{"type": "number", "exclusiveMinimum": true, "minimum": 0}),
		qparam("detour", "detour factor: a number ≥ 1, suggested, or code:factor pairs", str()),
		qparam("elderly", "age60 (default) or age65", enumStr("age60", "age65")),
		qparam("group_by", "a level at or below the division's", enumStr("province", "prefecture", "county", "township", "village")),
		qparam("rural", "only rural villages (ur_code 2xx)", obj{"type": "boolean"}),
		qparam("include_village_like", "also count 类似村委会", obj{"type": "boolean"}),
		qparam("plan", "count this saved plan's planned facilities as existing", obj{"type": "integer", "minimum": 1}),
		qparam("f", "json (default), csv (UTF-8 with BOM) or xlsx", enumStr("json", "csv", "xlsx")),
	}
	with := func(extra ...any) []any { return append(append([]any{}, covParams...), extra...) }
	idParam := pathParam("id", "facility id", obj{"type": "integer", "minimum": 1})
	ifMatch := obj{"name": "If-Match", "in": "header", "required": true, "description": "the ETag read from GET /api/v1/facilities/{id}", "schema": str()}
	fac := paths["/api/v1/facilities"].(obj)
	fac["post"] = obj{"operationId": "createFacility", "summary": "add a facility (planner)", "requestBody": body("the facility (kind, name, division_code, lon/lat or point, …)"),
		"responses": mergeObj(problems("400", "401", "403", "404", "413", "503"), obj{"201": resp("created; Location and ETag headers", content(geoJSONType, ref("Feature")))})}
	one := paths["/api/v1/facilities/{id}"].(obj)
	for _, m := range []string{"put", "patch"} {
		one[m] = obj{"operationId": m + "Facility", "summary": m + " a facility (planner; PUT replaces, PATCH merges)", "parameters": []any{idParam, ifMatch},
			"requestBody": body("the facility or the fields to change"),
			"responses":   mergeObj(problems("400", "401", "403", "404", "412", "413", "428", "503"), obj{"200": resp("the stored facility with its new ETag", content(geoJSONType, ref("Feature")))})}
	}
	one["delete"] = obj{"operationId": "deleteFacility", "summary": "delete a facility (planner; kept in the history)", "parameters": []any{idParam, ifMatch},
		"responses": mergeObj(problems("400", "401", "403", "404", "412", "428", "503"), obj{"204": resp("deleted", nil)})}
	paths["/api/v1/coverage"] = obj{"get": op("coverage", "covered / total village committees and elderly per division against the target",
		with(qparam("villages", "add the per-village answers", obj{"type": "boolean"})), obj{"200": table("coverage")}, "400", "404")}
	paths["/api/v1/gaps"] = obj{"get": op("gaps", "uncovered village committees, elderly descending, with their nearest facility",
		with(qparam("clusters", "also group them into clusters one new site each could serve", obj{"type": "boolean"}), crsParam,
			qparam("limit", "at most this many villages", obj{"type": "integer", "minimum": 1})),
		obj{"200": resp("the gaps", obj{geoJSONType: obj{"schema": ref("FeatureCollection")}, "text/csv": obj{"schema": str()},
			"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": obj{"schema": obj{"type": "string", "format": "binary"}}})}, "400", "404")}
	paths["/api/v1/scorecard/{code}"] = obj{"get": op("scorecard", "every measurable seed target of a division", []any{
		pathParam("code", "division code", str()), qparam("f", "json, csv or xlsx", enumStr("json", "csv", "xlsx")),
		qparam("plan", "count this saved plan's planned facilities as existing", obj{"type": "integer", "minimum": 1}),
	}, obj{"200": table("the scorecard")}, "400", "404")}
	paths["/api/v1/accessibility"] = obj{"get": op("accessibility", "beds per 1,000 elderly reachable (2SFCA / E2SFCA)", with(
		qparam("method", "2sfca or e2sfca", enumStr("2sfca", "e2sfca")), qparam("decay", "E2SFCA decay", str()),
		qparam("norm", "beds per 1,000 elderly norm", obj{"type": "number"}), qparam("villages", "add the per-village answers", obj{"type": "boolean"})),
		obj{"200": table("accessibility")}, "400", "404")}
	paths["/api/v1/siting"] = obj{"post": obj{"operationId": "siting", "summary": "propose sites (nothing is saved)", "requestBody": body("the siting request (kind, division, objective lscp|mclp|…, p or target with target_of villages|elderly, …); the answer's siting.indicator is the official village-committee share with its target and met"),
		"responses": mergeObj(problems("400", "404", "413"), obj{"200": geo("the proposed sites, ranked, with explanations")})}}
	planID := pathParam("id", "plan id", obj{"type": "integer", "minimum": 1})
	paths["/api/v1/plans"] = obj{
		"post": obj{"operationId": "createPlan", "summary": "run a siting request and save its sites as planned facilities (planner)", "requestBody": body("a siting request with a name"),
			"responses": mergeObj(problems("400", "401", "403", "404", "413"), obj{"201": js("the saved plan; Location header", "Object")})},
		"get": op("listPlans", "saved plans, newest first (planner)", nil, obj{"200": resp("the plans", content(jsonType, obj{"oneOf": []any{ref("Object"), obj{"type": "array", "items": ref("Object")}}}))}, "401", "403"),
	}
	paths["/api/v1/plans/{id}"] = obj{
		"get": op("getPlan", "a plan and its facilities (planner); f=csv|xlsx: the facilities as a table with the plan's summary", []any{planID, crsParam,
			qparam("f", "json (default), csv (UTF-8 with BOM) or xlsx", enumStr("json", "csv", "xlsx"))}, obj{"200": resp("the plan", content(jsonType, ref("Object")))}, "400", "401", "403", "404"),
		"delete": op("deletePlan", "delete a plan and its still-planned facilities (planner)", []any{planID}, obj{"204": resp("deleted", nil)}, "400", "401", "403", "404"),
	}
}

// ogcRelativePaths keys the OGC API paths relative to the document's server /ogc ("/ogc/collections"
// becomes "/collections", "/ogc" becomes "/"), as OGC clients look them up relative to the landing
// page (GDAL's OAPIF driver reads paths["/collections/{id}/items"] for the queryable parameters it
// may send); every other path (/api/v1, /tiles, health) carries its own server "/".
func ogcRelativePaths(paths obj) obj {
	out := obj{}
	for k, v := range paths {
		if rest, ok := strings.CutPrefix(k, "/ogc"); ok && (rest == "" || strings.HasPrefix(rest, "/")) {
			if rest == "" {
				rest = "/"
			}
			out[rest] = v
			continue
		}
		item := v.(obj)
		item["servers"] = []any{obj{"url": "/", "description": "the server root: paths outside OGC API – Features"}}
		out[k] = item
	}
	return out
}

// withIdempotencyKey adds the Idempotency-Key header to every write operation of paths (the
// planner routes that take it: POST, PUT, PATCH, DELETE other than the computing-only siting).
func withIdempotencyKey(paths obj) obj {
	for k, v := range paths {
		item, ok := v.(obj)
		if !ok || strings.HasSuffix(k, "/siting") {
			continue
		}
		for _, m := range []string{"post", "put", "patch", "delete"} {
			o, ok := item[m].(obj)
			if !ok {
				continue
			}
			ps, _ := o["parameters"].([]any)
			o["parameters"] = append(append([]any(nil), ps...), pref("Idempotency-Key"))
		}
	}
	return paths
}

func mergeObj(a, b obj) obj {
	for k, v := range b {
		a[k] = v
	}
	return a
}
