package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/geo"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// loadOpenAPI fetches /ogc/api and loads and validates it with kin-openapi.
func loadOpenAPI(t *testing.T, e *testEnv) *openapi3.T {
	t.Helper()
	code, h, b := e.fetch(t, "/ogc/api")
	if code != 200 || h.Get("Content-Type") != openAPIType {
		t.Fatalf("/ogc/api: %d %q", code, h.Get("Content-Type"))
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	return doc
}

// fullPath is a document path as the server serves it: the path-level server (or the document's)
// joined with the path template ("/" under server "/ogc" is "/ogc").
func fullPath(doc *openapi3.T, tmpl string, item *openapi3.PathItem) string {
	servers := doc.Servers
	if len(item.Servers) > 0 {
		servers = item.Servers
	}
	base := ""
	if len(servers) > 0 {
		base = strings.TrimSuffix(servers[0].URL, "/")
	}
	if tmpl == "/" && base != "" {
		return base
	}
	return base + tmpl
}

// findOperation matches a request path against the document's path templates joined with their
// servers (concrete paths win over templated ones, as OpenAPI requires).
func findOperation(doc *openapi3.T, method, path string) (*routers.Route, map[string]string) {
	var best *routers.Route
	var bestParams map[string]string
	bestLiteral := -1
	for tmpl, item := range doc.Paths.Map() {
		ts, ps := strings.Split(fullPath(doc, tmpl, item), "/"), strings.Split(path, "/")
		if len(ts) != len(ps) {
			continue
		}
		params, literal, ok := map[string]string{}, 0, true
		for i := range ts {
			if strings.HasPrefix(ts[i], "{") {
				params[strings.Trim(ts[i], "{}")] = ps[i]
				continue
			}
			if ts[i] != ps[i] {
				ok = false
				break
			}
			literal++
		}
		op := item.GetOperation(method)
		if ok && op != nil && literal > bestLiteral {
			best = &routers.Route{Spec: doc, Path: tmpl, PathItem: item, Method: method, Operation: op}
			bestParams, bestLiteral = params, literal
		}
	}
	return best, bestParams
}

// TestOpenAPIServers checks the layout GDAL's OAPIF driver needs: the document's server is /ogc,
// the OGC paths are relative to it (/collections/{id}/items with the queryables as parameters),
// and every other path carries the server "/".
func TestOpenAPIServers(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	doc := loadOpenAPI(t, e)
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/ogc" {
		t.Fatalf("document servers %v, want [/ogc]", doc.Servers)
	}
	for _, want := range []string{"/", "/conformance", "/api", "/collections", "/collections/{collectionId}", "/collections/villages/items"} {
		if doc.Paths.Value(want) == nil {
			t.Errorf("no path %s relative to /ogc", want)
		}
	}
	items := doc.Paths.Value("/collections/villages/items")
	if items == nil || items.Get == nil || items.Get.Parameters.GetByInAndName("query", "name") == nil {
		t.Fatal("/collections/villages/items does not declare the queryable name")
	}
	for tmpl, item := range doc.Paths.Map() {
		if strings.HasPrefix(tmpl, "/ogc") {
			t.Errorf("path %s still carries the /ogc prefix", tmpl)
		}
		isOGC := tmpl == "/" || tmpl == "/api" || tmpl == "/conformance" || strings.HasPrefix(tmpl, "/collections")
		if isOGC != (len(item.Servers) == 0) {
			t.Errorf("path %s: servers %v (OGC paths use the document's /ogc, others their own /)", tmpl, item.Servers)
		}
		if !isOGC && item.Servers[0].URL != "/" {
			t.Errorf("path %s: server %s, want /", tmpl, item.Servers[0].URL)
		}
	}
}

// TestOpenAPIMatchesResponses validates real requests and answers against the document, and
// checks that every route the router serves is documented.
func TestOpenAPIMatchesResponses(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	doc := loadOpenAPI(t, e)
	for _, r := range e.srv.routes() {
		if !strings.HasPrefix(r.path, "/api/v1") && !strings.HasPrefix(r.path, "/ogc") && !strings.HasPrefix(r.path, "/tiles") {
			continue
		}
		tmpl := r.path
		for _, seg := range strings.Split(r.path, "/") {
			if strings.HasPrefix(seg, ":") {
				tmpl = strings.Replace(tmpl, seg, "{x}", 1)
			}
		}
		found := false
		for p, item := range doc.Paths.Map() {
			norm := fullPath(doc, p, item)
			for _, seg := range strings.Split(norm, "/") {
				if strings.HasPrefix(seg, "{") {
					norm = strings.Replace(norm, seg, "{x}", 1)
				}
			}
			if norm == tmpl && item.GetOperation(r.method) != nil {
				found = true
			}
		}
		if !found && !strings.Contains(tmpl, "/ogc/collections/{x}/items") {
			t.Errorf("route %s %s is not in the OpenAPI document (web/openapi.go)", r.method, r.path)
		}
	}
	paths := []string{
		"/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/villages", "/ogc/collections/villages/queryables",
		"/ogc/collections/villages/items?limit=2", "/ogc/collections/townships/items?bbox=110,31,111,32&crs=" + url.QueryEscape(geo.EPSG4490.URI()),
		"/ogc/collections/welfare_home/items?status=operating&filter=" + url.QueryEscape("beds > 10"),
		"/ogc/collections/uncovered_mutual_aid_elderly/items", "/ogc/collections/welfare_home/items?datetime=2015-01-01/..",
		"/ogc/collections/villages/items?datetime=2015-01-01", "/ogc/collections/villages/items/420526100201",
		"/ogc/collections/villages/items?limit=0", "/ogc/collections/villages/items?foo=1", "/ogc/collections/nothing",
		"/tiles/all.json", "/tiles/style.json", "/tiles/villages/8/206/107.mvt",
		"/api/v1/divisions/420526", "/api/v1/divisions/420526/children", "/api/v1/divisions?q=昭君", "/api/v1/locate?lon=110.79&lat=31.31",
		"/api/v1/facilities?limit=2", "/api/v1/facilities/4", "/api/v1/facilities/99", "/healthz", "/readyz",
		"/api/v1/coverage?kind=mutual_aid_elderly&division=420526", "/api/v1/coverage?kind=hospital",
		"/api/v1/gaps?kind=mutual_aid_elderly&mode=radius", "/api/v1/scorecard/420526", "/api/v1/accessibility?kind=welfare_home",
		"POST /api/v1/siting", "POST /api/v1/siting?x=1",
	}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			method, body := "GET", io.Reader(nil)
			if m, rest, ok := strings.Cut(p, " "); ok {
				method, p = m, rest
				body = strings.NewReader(`{"kind": "mutual_aid_elderly", "division": "420526", "mode": "radius", "radius_m": 1000, "objective": "mclp", "p": 1}`)
			}
			req, _ := http.NewRequest(method, e.ts.URL+p, body)
			if body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			answer, _ := io.ReadAll(res.Body)
			res.Body.Close()
			req.Body = io.NopCloser(strings.NewReader(`{"kind": "mutual_aid_elderly", "division": "420526", "mode": "radius", "radius_m": 1000, "objective": "mclp", "p": 1}`))
			route, params := findOperation(doc, method, req.URL.Path)
			if route == nil {
				t.Fatalf("no operation for %s", req.URL.Path)
			}
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
			if res.StatusCode < 400 {
				if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
					t.Errorf("request does not match the document: %v", err)
				}
			}
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
				Options: &openapi3filter.Options{IncludeResponseStatus: true}}
			out.SetBodyBytes(answer)
			if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
				t.Errorf("%d answer does not match the document: %v\n%.300s", res.StatusCode, err, bytes.TrimSpace(answer))
			}
		})
	}
	// The validator is not vacuous: the conformance document is not a valid /ogc/collections answer.
	_, h, conf := e.fetch(t, "/ogc/conformance")
	req, _ := http.NewRequest("GET", e.ts.URL+"/ogc/collections", nil)
	route, params := findOperation(doc, "GET", "/ogc/collections")
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status: 200, Header: h, Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	out.SetBodyBytes(conf)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err == nil {
		t.Error("a conformance document validated as a collections answer")
	}
}

// TestHEADOnEveryGETRoute walks the route table: every GET route answers HEAD with the GET's
// status and headers (with and without gzip) and no body.
func TestHEADOnEveryGETRoute(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	tok, _, err := e.store.CreateToken(context.Background(), "a", store.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	fill := strings.NewReplacer(":code", "420526", ":id", "1", ":collection", "villages", ":fid", "420526100201",
		":z", "8", ":x", "206", ":y", "107.mvt", "*file", "app.js")
	send := func(method, path string, hdr ...string) (*http.Response, []byte) {
		req, _ := http.NewRequest(method, e.ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	checked := 0
	for _, r := range e.srv.routes() {
		if r.method != "GET" {
			continue
		}
		path := fill.Replace(r.path)
		if r.path == "/tiles/:name" {
			path = "/tiles/all.json"
		} else if strings.HasPrefix(r.path, "/tiles/:name/") {
			path = strings.Replace(path, ":name", "all", 1)
		}
		for _, enc := range []string{"identity", "gzip"} {
			t.Run(path+" "+enc, func(t *testing.T) {
				get, body := send("GET", path, "Accept-Encoding", enc)
				head, hbody := send("HEAD", path, "Accept-Encoding", enc)
				if head.StatusCode != get.StatusCode || head.StatusCode == http.StatusMethodNotAllowed {
					t.Fatalf("HEAD %d, GET %d", head.StatusCode, get.StatusCode)
				}
				if len(hbody) != 0 {
					t.Errorf("HEAD sent a body of %d bytes", len(hbody))
				}
				for _, h := range []http.Header{get.Header, head.Header} {
					h.Del("Date")
					h.Del("X-Request-Id")
					if r.path == "/readyz" || r.path == "/metrics" {
						h.Del("Content-Length") // their bodies change from one request to the next (age, counters)
					}
				}
				if !reflect.DeepEqual(get.Header, head.Header) {
					t.Errorf("headers differ:\nGET  %v\nHEAD %v", get.Header, head.Header)
				}
				if get.StatusCode == 200 && len(body) == 0 {
					t.Errorf("GET %s: 200 with no body", path)
				}
			})
		}
		checked++
	}
	if checked < 25 {
		t.Errorf("only %d GET routes checked", checked)
	}
}
