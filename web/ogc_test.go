package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/civplan/civplan/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under web/testdata/ogc")

// fetch GETs path and returns status, headers and the raw body.
func (e *testEnv) fetch(t *testing.T, path string, hdr ...string) (int, http.Header, []byte) {
	t.Helper()
	if !strings.HasPrefix(path, "http") {
		path = e.ts.URL + path
	}
	req, _ := http.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultTransport.RoundTrip(req) // no transparent gzip: we see what was sent
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

var stampRE = regexp.MustCompile(`"timeStamp":"[^"]*"`)

// golden compares body (with the test server's address and time stamps normalised, indented) to
// testdata/ogc/name, rewriting it with -update.
func (e *testEnv) golden(t *testing.T, name string, body []byte) {
	t.Helper()
	norm := strings.ReplaceAll(string(body), e.ts.URL, "http://HOST")
	norm = strings.ReplaceAll(norm, strings.TrimPrefix(e.ts.URL, "http://"), "HOST")
	norm = stampRE.ReplaceAllString(norm, `"timeStamp":"TIME"`)
	var v any
	if err := json.Unmarshal([]byte(norm), &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	got, _ := json.MarshalIndent(v, "", "  ")
	got = append(got, '\n')
	path := filepath.Join("testdata", "ogc", name)
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./web -run %s -update)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; got:\n%s", name, got)
	}
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %v: %.200s", err, b)
	}
	return m
}

func linksOf(m map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	ls, _ := m["links"].([]any)
	for _, l := range ls {
		lm := l.(map[string]any)
		key := lm["rel"].(string)
		if t, ok := lm["type"].(string); ok && t == "text/html" {
			key += "+html"
		}
		out[key] = lm
	}
	return out
}

func TestOGCLandingAndConformance(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	code, h, b := e.fetch(t, "/ogc")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Fatalf("landing: %d %s", code, h.Get("Content-Type"))
	}
	e.golden(t, "landing.json", b)
	ls := linksOf(decode(t, b))
	for _, rel := range []string{"self", "alternate+html", "service-desc", "service-doc+html", "conformance", "data"} {
		if ls[rel] == nil {
			t.Errorf("landing page lacks a %s link", rel)
		}
	}
	if ls["service-desc"]["type"] != "application/vnd.oai.openapi+json;version=3.0" || ls["data"]["href"] != e.ts.URL+"/ogc/collections" {
		t.Errorf("service-desc/data links: %v %v", ls["service-desc"], ls["data"])
	}
	code, h, b = e.fetch(t, "/ogc/api")
	if code != 200 || h.Get("Content-Type") != "application/vnd.oai.openapi+json;version=3.0" {
		t.Errorf("/ogc/api: %d %q", code, h.Get("Content-Type"))
	}
	if api := decode(t, b); api["openapi"] != "3.0.3" {
		t.Errorf("api document: %.200s", b)
	}

	code, _, b = e.fetch(t, "/ogc/conformance")
	if code != 200 {
		t.Fatal(code)
	}
	e.golden(t, "conformance.json", b)
	var conf struct{ ConformsTo []string }
	_ = json.Unmarshal(b, &conf)
	have := strings.Join(conf.ConformsTo, " ")
	for _, want := range []string{
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
		"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
		"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
		"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
		"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
	} {
		if !strings.Contains(have, want) {
			t.Errorf("conformance lacks %s", want)
		}
	}
	for _, c := range conf.ConformsTo {
		switch c {
		case "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json", "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
			"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas3", "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison":
			t.Errorf("conformance declares %s, which is not implemented", c)
		}
	}

	code, h, b = e.fetch(t, "/ogc?f=html")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !bytes.Contains(b, []byte(`href="`+e.ts.URL+`/ogc/collections"`)) {
		t.Errorf("landing html: %d %s %.300s", code, h.Get("Content-Type"), b)
	}
	if code, _, _ := e.fetch(t, "/ogc?f=xml"); code != 406 {
		t.Errorf("f=xml: %d, want 406", code)
	}
}

func TestOGCCollections(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	code, _, b := e.fetch(t, "/ogc/collections")
	if code != 200 {
		t.Fatal(code)
	}
	e.golden(t, "collections.json", b)
	m := decode(t, b)
	cols := m["collections"].([]any)
	if want := 5 + 2*len(facilities.Kinds()); len(cols) != want {
		t.Fatalf("%d collections, want %d", len(cols), want)
	}
	byID := map[string]map[string]any{}
	for _, c := range cols {
		cm := c.(map[string]any)
		byID[cm["id"].(string)] = cm
	}
	for _, id := range []string{"provinces", "prefectures", "counties", "townships", "villages", "welfare_home", "marriage_registry", "uncovered_mutual_aid_elderly"} {
		if byID[id] == nil {
			t.Errorf("no collection %s", id)
		}
	}
	tw := byID["townships"]
	bbox := tw["extent"].(map[string]any)["spatial"].(map[string]any)["bbox"].([]any)[0].([]any)
	if bbox[0].(float64) != 110.1 || bbox[3].(float64) != 31.9 {
		t.Errorf("township extent %v, want the test county's square 110.1,31.1,110.9,31.9", bbox)
	}
	if !strings.Contains(tw["description"].(string), "approximate") || !strings.Contains(tw["description"].(string), "CGCS2000") {
		t.Errorf("township description must say boundaries are approximate and explain CGCS2000: %s", tw["description"])
	}
	if tw["storageCrs"] != geo.WGS84.URI() || len(tw["crs"].([]any)) != 3 {
		t.Errorf("crs members: %v %v", tw["storageCrs"], tw["crs"])
	}
	if linksOf(tw)["items"]["type"] != "application/geo+json" {
		t.Errorf("items link: %v", linksOf(tw)["items"])
	}
	code, _, b = e.fetch(t, "/ogc/collections/villages/queryables")
	q := decode(t, b)
	props := q["properties"].(map[string]any)
	if code != 200 || props["ur_code"] == nil || props["population"].(map[string]any)["type"] != "number" || props["geometry"] == nil {
		t.Errorf("queryables: %d %v", code, q)
	}
}

// TestOGCItemsNextChain walks villages two at a time: the golden pages and the next chain keep the
// bbox and the queryable filter, and the ids come out in order with numberMatched constant.
func TestOGCItemsNextChain(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	path := "/ogc/collections/villages/items?limit=1&bbox=110,31,111,32&kind=village_committee"
	var ids []float64
	for page := 1; path != ""; page++ {
		if page > 5 {
			t.Fatal("the next chain does not end")
		}
		code, h, b := e.fetch(t, path)
		if code != 200 || h.Get("Content-Type") != "application/geo+json" || h.Get("Content-Crs") != "<"+geo.WGS84.URI()+">" {
			t.Fatalf("page %d: %d %s %s: %s", page, code, h.Get("Content-Type"), h.Get("Content-Crs"), b)
		}
		if page <= 2 {
			e.golden(t, "villages_page"+string(rune('0'+page))+".json", b)
		}
		m := decode(t, b)
		if m["numberMatched"].(float64) != 3 || m["numberReturned"].(float64) != 1 || m["timeStamp"] == "" {
			t.Errorf("page %d: counts %v %v", page, m["numberMatched"], m["numberReturned"])
		}
		for _, f := range m["features"].([]any) {
			ids = append(ids, f.(map[string]any)["id"].(float64))
		}
		path = ""
		if next := linksOf(m)["next"]; next != nil {
			path = next["href"].(string)
			u, _ := url.Parse(path)
			if u.Query().Get("bbox") != "110,31,111,32" || u.Query().Get("kind") != "village_committee" || u.Query().Get("limit") != "1" {
				t.Errorf("next link %s loses a filter", path)
			}
			if next["type"] != "application/geo+json" {
				t.Errorf("next link type %v", next["type"])
			}
		}
	}
	want := []float64{420526100201, 420526100202, 420526101201}
	if len(ids) != 3 || ids[0] != want[0] || ids[1] != want[1] || ids[2] != want[2] {
		t.Errorf("ids over pages %v, want %v", ids, want)
	}
}

func TestOGCItemsFilters(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	q := func(path string) (int, []float64, map[string]any) {
		t.Helper()
		code, _, b := e.fetch(t, path)
		m := decode(t, b)
		var ids []float64
		if fs, ok := m["features"].([]any); ok {
			for _, f := range fs {
				ids = append(ids, f.(map[string]any)["id"].(float64))
			}
		}
		sort.Float64s(ids)
		return code, ids, m
	}
	esc := url.QueryEscape
	tests := []struct {
		path string
		ids  []float64
	}{
		// bbox over the east township only: the west township's square touches it at 110.5, so it counts.
		{"/ogc/collections/townships/items?bbox=110.6,31.2,110.8,31.4", []float64{420526101000}},
		{"/ogc/collections/townships/items?bbox=110.5,31.2,110.8,31.4", []float64{420526100000, 420526101000}},
		// EPSG:4326 bbox is lat/lon.
		{"/ogc/collections/villages/items?bbox=31.3,110.1,31.5,110.3&bbox-crs=" + esc(geo.EPSG4326.URI()), []float64{420526100201}},
		// 6-number bbox (heights ignored).
		{"/ogc/collections/villages/items?bbox=110.1,31.3,0,110.3,31.5,100", []float64{420526100201}},
		// antimeridian-crossing box: from 170°E across to 111°E covers everything west of 111.
		{"/ogc/collections/villages/items?bbox=170,31,111,32", []float64{420526100201, 420526100202, 420526101201}},
		{"/ogc/collections/villages/items?bbox=170,31,110.3,32", []float64{420526100201}},
		{"/ogc/collections/villages/items?filter=" + esc("population >= 1000 AND short_name LIKE '%村'"), []float64{420526100201, 420526101201}},
		{"/ogc/collections/villages/items?filter=" + esc("S_INTERSECTS(geometry, POLYGON((110.3 31.6, 110.5 31.6, 110.5 31.8, 110.3 31.8, 110.3 31.6)))"), []float64{420526100202}},
		{"/ogc/collections/villages/items?filter-crs=" + esc(geo.EPSG4326.URI()) + "&filter=" + esc("S_INTERSECTS(geometry, BBOX(31.6, 110.3, 31.8, 110.5))"), []float64{420526100202}},
		{"/ogc/collections/villages/items?parent=420526101000", []float64{420526101201}},
		{"/ogc/collections/villages/items?level=village&ur_code=220", []float64{420526100201, 420526100202, 420526101201}},
		{"/ogc/collections/villages/items?level=county", nil},
		{"/ogc/collections/villages/items?population=800", []float64{420526100202}},
		{"/ogc/collections/mutual_aid_elderly/items?status=operating", []float64{2}},
		{"/ogc/collections/mutual_aid_elderly/items?filter=" + esc("status IN ('planned','building')"), []float64{3}},
		{"/ogc/collections/community_service_center/items?filter=" + esc("floor_area_m2 BETWEEN 500 AND 600"), []float64{4}},
		{"/ogc/collections/welfare_home/items?filter=" + esc("opened IS NULL"), []float64{1}},
		{"/ogc/collections/uncovered_mutual_aid_elderly/items", []float64{420526100202, 420526101201}},
		{"/ogc/collections/marriage_registry/items", nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			code, ids, m := q(tt.path)
			if code != 200 {
				t.Fatalf("%d %v", code, m)
			}
			if len(ids) != len(tt.ids) || int(m["numberMatched"].(float64)) != len(tt.ids) {
				t.Fatalf("ids %v (matched %v), want %v", ids, m["numberMatched"], tt.ids)
			}
			for i := range ids {
				if ids[i] != tt.ids[i] {
					t.Fatalf("ids %v, want %v", ids, tt.ids)
				}
			}
		})
	}
	// crs=EPSG:4326 swaps the axes of the answer; EPSG:4490 too (same numbers as WGS84).
	for _, uri := range []string{geo.EPSG4326.URI(), geo.EPSG4490.URI()} {
		code, h, b := e.fetch(t, "/ogc/collections/villages/items/420526100201?crs="+esc(uri))
		m := decode(t, b)
		coords := m["geometry"].(map[string]any)["coordinates"].([]any)
		if code != 200 || coords[0].(float64) != 31.4 || coords[1].(float64) != 110.2 || h.Get("Content-Crs") != "<"+uri+">" {
			t.Errorf("%s: %d %v %s", uri, code, coords, h.Get("Content-Crs"))
		}
	}
	code, _, b := e.fetch(t, "/ogc/collections/townships/items/420526100000")
	m := decode(t, b)
	if code != 200 || m["geometry"].(map[string]any)["type"] != "MultiPolygon" || m["properties"].(map[string]any)["geometry_provenance"] != "derived" {
		t.Errorf("township item: %d %.300s", code, b)
	}
}

func TestOGCBadInput(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	_, _, b := e.fetch(t, "/ogc/collections/villages/items?limit=1")
	next := linksOf(decode(t, b))["next"]["href"].(string)
	u, _ := url.Parse(next)
	cursor := u.Query().Get("cursor")
	tests := []struct {
		path   string
		status int
		param  string
	}{
		{"/ogc/collections/villages/items?bbox=1,2,3", 400, "bbox"},
		{"/ogc/collections/villages/items?bbox=a,2,3,4", 400, "bbox"},
		{"/ogc/collections/villages/items?bbox=110,32,111,31", 400, "bbox"},
		{"/ogc/collections/villages/items?bbox=110,31,200,32", 400, "bbox"},
		{"/ogc/collections/villages/items?bbox=110,-91,111,32", 400, "bbox"},
		{"/ogc/collections/villages/items?bbox=110,31,NaN,32", 400, "bbox"},
		{"/ogc/collections/villages/items?limit=0", 400, "limit"},
		{"/ogc/collections/villages/items?limit=10001", 400, "limit"},
		{"/ogc/collections/villages/items?limit=x", 400, "limit"},
		{"/ogc/collections/villages/items?crs=EPSG:3857", 400, "crs"},
		{"/ogc/collections/villages/items?crs=gcj02", 400, "crs"},
		{"/ogc/collections/villages/items?bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326", 400, "bbox-crs"},
		{"/ogc/collections/villages/items?bbox=1,2,3,4&bbox-crs=urn:x", 400, "bbox-crs"},
		{"/ogc/collections/villages/items?filter=" + url.QueryEscape("name = "), 400, "filter"},
		{"/ogc/collections/villages/items?filter=" + url.QueryEscape("colour = 'red'"), 400, "filter"},
		{"/ogc/collections/villages/items?filter=x&filter-lang=cql2-json", 400, "filter-lang"},
		{"/ogc/collections/villages/items?population=many", 400, "population"},
		{"/ogc/collections/villages/items?status=operating", 400, "status"},
		{"/ogc/collections/villages/items?foo=1", 400, "foo"},
		{"/ogc/collections/villages/items?limit=1&limit=2", 400, "limit"},
		{"/ogc/collections/villages/items?cursor=abc", 400, "cursor"},
		{"/ogc/collections/villages/items?cursor=" + cursor + "&parent=420526101000", 400, "cursor"},
		{"/ogc/collections/villages/items?f=csv", 406, ""},
		{"/ogc/collections/nothing", 404, ""},
		{"/ogc/collections/nothing/items", 404, ""},
		{"/ogc/collections/villages/items/123", 404, ""},
		{"/ogc/collections/villages/items/abc", 404, ""},
		{"/ogc/collections?x=1", 400, "x"},
		{"/tiles/villages/5/1/99.mvt", 400, "y"},
		{"/tiles/villages/25/1/1.mvt", 400, "z"},
		{"/tiles/villages/5/1/1.png", 400, "y"},
		{"/tiles/nothing/5/1/1.mvt", 404, ""},
		{"/tiles/nothing.json", 404, ""},
		{"/ogc/collections/villages/items?datetime=2020-01-01", 400, "datetime"},
		{"/ogc/collections/welfare_home/items?datetime=2015-13-45", 400, "datetime"},
		{"/ogc/collections/welfare_home/items?datetime=2019-02-29/..", 400, "datetime"},
		{"/ogc/collections/welfare_home/items?datetime=2020-01-01/2019-01-01", 400, "datetime"},
		{"/ogc/collections/welfare_home/items?datetime=2020-01-01T12:00:00Z/2020-01-01T11:00:00Z", 400, "datetime"},
		{"/ogc/collections/welfare_home/items?datetime=2020-01-01/2020-02-01/2020-03-01", 400, "datetime"},
		{"/ogc/collections/welfare_home/items?datetime=..", 400, "datetime"},
		{"/ogc/collections/welfare_home/items?datetime=", 400, "datetime"},
		{"/ogc/collections/welfare_home/items?datetime=2019-05-01T25:00:00Z", 400, "datetime"},
		{"/ogc/collections/welfare_home/items?datetime=yesterday", 400, "datetime"},
		{"/ogc/collections/welfare_home/items?opened=2015-13-45", 400, "opened"},
		{"/ogc/collections/welfare_home/items?opened=2015-02-29", 400, "opened"},
		{"/ogc/collections/welfare_home/items?filter=" + url.QueryEscape("opened > DATE('2015-13-45')"), 400, "filter"},
		{"/ogc/collections/welfare_home/items?filter=" + url.QueryEscape("opened > '2015-01-01'"), 400, "filter"},
		{"/ogc/collections/villages/items?filter=" + url.QueryEscape("S_CONTAINS(geometry, POINT(110.2 31.4))"), 400, "filter"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			code, h, b := e.fetch(t, tt.path)
			if code != tt.status {
				t.Fatalf("status %d, want %d: %s", code, tt.status, b)
			}
			if h.Get("Content-Type") != "application/problem+json" {
				t.Errorf("content type %q", h.Get("Content-Type"))
			}
			m := decode(t, b)
			if m["detail"] == "" {
				t.Errorf("problem without detail: %v", m)
			}
			if tt.param != "" {
				ip, _ := m["invalid_params"].([]any)
				if len(ip) == 0 || ip[0].(map[string]any)["name"] != tt.param {
					t.Errorf("invalid_params %v, want %s named", m["invalid_params"], tt.param)
				}
			}
		})
	}
	// The cursor replayed with its own filters works.
	if code, _, b := e.fetch(t, next); code != 200 || len(decode(t, b)["features"].([]any)) != 1 {
		t.Errorf("next page: %d %s", code, b)
	}
}

func TestGzipJSON(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	_, _, plain := e.fetch(t, "/ogc/collections")
	code, h, b := e.fetch(t, "/ogc/collections", "Accept-Encoding", "gzip")
	if code != 200 || h.Get("Content-Encoding") != "gzip" || !strings.Contains(h.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("gzip: %d %v", code, h)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	un, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(un, plain) {
		t.Errorf("gunzipped body differs from the plain one (%v)", err)
	}
	if len(b) >= len(plain) {
		t.Errorf("gzip did not shrink %d bytes (got %d)", len(plain), len(b))
	}
	// Small answers and problems stay plain, and still arrive whole.
	code, h, b = e.fetch(t, "/ogc/collections/nothing", "Accept-Encoding", "gzip")
	if code != 404 || h.Get("Content-Encoding") != "" || decode(t, b)["status"].(float64) != 404 {
		t.Errorf("small problem: %d %v %s", code, h, b)
	}
	// Empty tiles keep their 204.
	if code, _, _ := e.fetch(t, "/tiles/villages/5/0/0.mvt", "Accept-Encoding", "gzip"); code != 204 {
		t.Errorf("empty tile with gzip: %d", code)
	}
}

func TestTilesAndTileJSON(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	// Zoom 9 tile holding the village 古夫村 (110.2, 31.4): x = floor((110.2+180)/360·512) = 412,
	// y = floor((1 − asinh(tan φ)/π)/2 · 512) = floor(208.8) = 208 for φ = 31.4°.
	code, h, b := e.fetch(t, "/tiles/all/9/412/208.mvt")
	if code != 200 || h.Get("Content-Type") != "application/vnd.mapbox-vector-tile" || h.Get("ETag") == "" || len(b) == 0 {
		t.Fatalf("tile: %d %v %d bytes", code, h, len(b))
	}
	for _, layer := range []string{"villages", "counties", "townships", "mutual_aid_elderly"} {
		if !bytes.Contains(b, []byte(layer)) {
			t.Errorf("tile lacks layer %s", layer)
		}
	}
	if code, _, _ := e.fetch(t, "/tiles/all/9/412/208.mvt", "If-None-Match", h.Get("ETag")); code != 304 {
		t.Errorf("If-None-Match: %d, want 304", code)
	}
	if code, _, b := e.fetch(t, "/tiles/villages/9/0/0.mvt"); code != 204 || len(b) != 0 {
		t.Errorf("empty tile: %d %d bytes", code, len(b))
	}
	// Below the villages' minzoom the villages tileset is empty even over the villages.
	if code, _, _ := e.fetch(t, "/tiles/villages/5/25/13.mvt"); code != 204 {
		t.Errorf("villages below minzoom: %d", code)
	}
	code, _, b = e.fetch(t, "/tiles/villages.json")
	tj := decode(t, b)
	tiles := tj["tiles"].([]any)
	if code != 200 || tj["tilejson"] != "3.0.0" || tiles[0] != e.ts.URL+"/tiles/villages/{z}/{x}/{y}.mvt" ||
		tj["minzoom"].(float64) != 9 || tj["attribution"] == "" {
		t.Errorf("tilejson: %d %v", code, tj)
	}
	bounds := tj["bounds"].([]any)
	if bounds[0].(float64) != 110.2 || bounds[3].(float64) != 31.7 {
		t.Errorf("villages bounds %v, want the villages' extent", bounds)
	}
	_, _, b = e.fetch(t, "/tiles/style.json")
	st := decode(t, b)
	src := st["sources"].(map[string]any)["civplan"].(map[string]any)
	if st["version"].(float64) != 8 || src["url"] != e.ts.URL+"/tiles/all.json" {
		t.Errorf("style: %v", st)
	}
	_, _, b = e.fetch(t, "/tiles/all.json")
	layers := map[string]bool{}
	for _, l := range decode(t, b)["vector_layers"].([]any) {
		layers[l.(map[string]any)["id"].(string)] = true
	}
	for _, l := range st["layers"].([]any) {
		lm := l.(map[string]any)
		if sl, ok := lm["source-layer"].(string); ok && !layers[sl] {
			t.Errorf("style layer %v uses an unknown source layer %s", lm["id"], sl)
		}
	}
}

// TestOGCFollowsWrites: a facility added through /api/v1 appears in its OGC collection, in the
// uncovered-villages collection's answer and in the tiles, because the caches belong to a snapshot.
func TestOGCFollowsWrites(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	_, _, b := e.fetch(t, "/ogc/collections/mutual_aid_elderly/items")
	before := decode(t, b)["numberMatched"].(float64)
	_, _, b = e.fetch(t, "/ogc/collections/uncovered_mutual_aid_elderly/items")
	uncovered := decode(t, b)["numberMatched"].(float64)
	_, th, _ := e.fetch(t, "/tiles/all/9/413/208.mvt")
	tok, _, err := e.store.CreateToken(context.Background(), "planner", store.RolePlanner)
	if err != nil {
		t.Fatal(err)
	}
	// An operating mutual-aid point right at 丰邑坪村 (110.4, 31.7), uncovered so far.
	code, _, m := e.do(t, "POST", "/api/v1/facilities", `{"kind":"mutual_aid_elderly","name":"丰邑坪互助点","division_code":"420526100202","lon":110.4001,"lat":31.7001}`,
		"Authorization", "Bearer "+tok)
	if code != 201 {
		t.Fatalf("create: %d %v", code, m)
	}
	_, _, b = e.fetch(t, "/ogc/collections/mutual_aid_elderly/items")
	if got := decode(t, b)["numberMatched"].(float64); got != before+1 {
		t.Errorf("mutual_aid_elderly: %v features after the write, want %v", got, before+1)
	}
	_, _, b = e.fetch(t, "/ogc/collections/uncovered_mutual_aid_elderly/items")
	if got := decode(t, b)["numberMatched"].(float64); got != uncovered-1 {
		t.Errorf("uncovered villages: %v after the write, want %v", got, uncovered-1)
	}
	if _, h, _ := e.fetch(t, "/tiles/all/9/413/208.mvt"); h.Get("ETag") == th.Get("ETag") {
		t.Error("the tile's ETag did not change with the data")
	}
}

func TestRealNumJSON(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{{520, "520.0"}, {0, "0.0"}, {520.25, "520.25"}, {-3, "-3.0"}, {1e21, "1000000000000000000000.0"}}
	for _, tt := range tests {
		b, err := json.Marshal(realNum(tt.v))
		if err != nil || string(b) != tt.want {
			t.Errorf("%v → %s %v, want %s", tt.v, b, err, tt.want)
		}
	}
	// In an answer: GDAL infers Real from 520.0 but Integer from 520.
	e := newTestEnv(t, Config{OpenReads: true})
	_, _, b := e.fetch(t, "/ogc/collections/community_service_center/items/4")
	if !bytes.Contains(b, []byte(`"floor_area_m2":520.0`)) {
		t.Errorf("floor area not written as a real number: %s", b)
	}
}

// TestOGCErrorsNameTheProblem checks the wording of date and function errors: an impossible date
// is called one, a date compared with a string is a type mismatch, and an unsupported function is
// named as a function rather than reported as an unknown property.
func TestOGCErrorsNameTheProblem(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	tests := []struct{ query, want string }{
		{"/ogc/collections/welfare_home/items?opened=2015-13-45", `"2015-13-45" is not a real calendar date`},
		{"/ogc/collections/welfare_home/items?filter=" + url.QueryEscape("opened = DATE('2015-13-45')"), `"2015-13-45" is not a real calendar date`},
		{"/ogc/collections/welfare_home/items?filter=" + url.QueryEscape("opened > '2015-01-01'"), "compares property opened (date) with 2015-01-01 (string)"},
		{"/ogc/collections/villages/items?filter=" + url.QueryEscape("S_CONTAINS(geometry, POINT(110.2 31.4))"), "unsupported function S_CONTAINS"},
		{"/ogc/collections/villages/items?filter=" + url.QueryEscape("CASEI(name) = 'x'"), "unsupported function CASEI"},
		{"/ogc/collections/villages/items?datetime=2020", "collection villages has no temporal property"},
	}
	for _, tt := range tests {
		code, _, b := e.fetch(t, tt.query)
		m := decode(t, b)
		detail, _ := m["detail"].(string)
		if code != 400 || !strings.Contains(detail, tt.want) || strings.Contains(detail, "unknown property") {
			t.Errorf("%s: %d %q, want 400 mentioning %q", tt.query, code, detail, tt.want)
		}
	}
}

// newDatedEnv serves the test dataset with opening dates on its facilities (and one without).
func newDatedEnv(t *testing.T, opened map[int64]string) *testEnv {
	t.Helper()
	ds := testDataset()
	for i := range ds.Facilities {
		ds.Facilities[i].Opened = opened[ds.Facilities[i].ID]
	}
	return serveDataset(t, ds, Config{OpenReads: true})
}

// TestOGCDatetime selects facilities by their opening date with OGC datetime instants and
// intervals. The oracle treats each opening date as the closed span of its civil day in UTC+8
// and each datetime value as a closed span of instants (a date stands for its whole day), and
// keeps the facilities whose spans overlap: a formulation independent of the server's, which
// compares dates.
func TestOGCDatetime(t *testing.T) {
	opened := map[int64]string{2: "2015-01-01", 3: "2019-05-01", 4: "2020-12-31"} // 1: unknown
	e := newDatedEnv(t, opened)
	cst := time.FixedZone("UTC+8", 8*3600)
	inf := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	span := func(s string) (time.Time, time.Time) { // a value's first and last instant
		if len(s) == 10 {
			d, err := time.ParseInLocation("2006-01-02", s, cst)
			if err != nil {
				t.Fatal(err)
			}
			return d, d.AddDate(0, 0, 1).Add(-time.Nanosecond)
		}
		ts, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return ts, ts
	}
	oracle := func(dt string) []int64 {
		var lo, hi time.Time
		if a, b, ok := strings.Cut(dt, "/"); ok {
			lo, hi = time.Time{}, inf
			if a != "" && a != ".." {
				lo, _ = span(a)
			}
			if b != "" && b != ".." {
				_, hi = span(b)
			}
		} else {
			lo, hi = span(dt)
		}
		var ids []int64
		for id := int64(1); id <= 4; id++ {
			if opened[id] == "" {
				continue
			}
			ds, de := span(opened[id])
			if !ds.After(hi) && !lo.After(de) {
				ids = append(ids, id)
			}
		}
		return ids
	}
	values := []string{"2019-05-01", "2019-04-30T16:00:00Z", "2019-04-30T15:59:59Z", "2019-05-01T15:59:59.999Z",
		"2019-05-01T16:00:00Z", "2015-01-01/2019-05-01", "2015-01-02/2019-04-30", "../2019-05-01", "2019-05-01/..",
		"2019-05-01/", "/2015-01-01", "../..", "2014-12-31T16:00:00Z/2014-12-31T16:00:00Z", "2020-12-31T23:00:00+08:00",
		"2010-01-01/2010-12-31"}
	// Every facility collection: the ids come from several kinds, so ask each and join.
	kinds := []string{"welfare_home", "mutual_aid_elderly", "community_service_center"}
	nonEmpty := 0
	for _, dt := range values {
		t.Run(dt, func(t *testing.T) {
			var got []int64
			for _, k := range kinds {
				code, _, b := e.fetch(t, "/ogc/collections/"+k+"/items?datetime="+url.QueryEscape(dt))
				if code != 200 {
					t.Fatalf("%s: %d %s", k, code, b)
				}
				for _, f := range decode(t, b)["features"].([]any) {
					got = append(got, int64(f.(map[string]any)["id"].(float64)))
				}
			}
			sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
			want := oracle(dt)
			if len(want) > 0 {
				nonEmpty++
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("datetime=%s: ids %v, want %v", dt, got, want)
			}
		})
	}
	if nonEmpty < 8 {
		t.Errorf("only %d of %d datetime values select anything: the test is too weak", nonEmpty, len(values))
	}
	// Equality on the date queryable.
	code, _, b := e.fetch(t, "/ogc/collections/mutual_aid_elderly/items?opened=2019-05-01")
	if fs := decode(t, b)["features"].([]any); code != 200 || len(fs) != 1 {
		t.Errorf("opened=2019-05-01: %d %s", code, b)
	}
}

// TestTilesGzip checks that a tile is gzipped for clients that accept it (Content-Encoding,
// Vary, its own ETag), sent raw otherwise (with Vary too) and that both carry the same tile.
func TestTilesGzip(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	const path = "/tiles/all/9/412/208.mvt"
	code, hRaw, raw := e.fetch(t, path, "Accept-Encoding", "identity") // else Go's transport asks for gzip
	if code != 200 || hRaw.Get("Content-Encoding") != "" || !headerHas(hRaw.Values("Vary"), "Accept-Encoding") {
		t.Fatalf("identity: %d %v", code, hRaw)
	}
	for _, ae := range []string{"gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.8", "*"} {
		code, h, b := e.fetch(t, path, "Accept-Encoding", ae)
		if code != 200 || h.Get("Content-Encoding") != "gzip" || len(h.Values("Vary")) != 1 || h.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("Accept-Encoding %q: %d %v", ae, code, h)
		}
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		unz, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(unz, raw) {
			t.Fatalf("Accept-Encoding %q: the gunzipped tile differs from the raw one (%v)", ae, err)
		}
		if h.Get("ETag") == hRaw.Get("ETag") || h.Get("ETag") == "" {
			t.Errorf("gzip and identity share the ETag %s", h.Get("ETag"))
		}
		if code, _, _ := e.fetch(t, path, "Accept-Encoding", ae, "If-None-Match", h.Get("ETag")); code != 304 {
			t.Errorf("If-None-Match on the gzip ETag: %d", code)
		}
	}
	for _, ae := range []string{"identity", "gzip;q=0", "br"} {
		if _, h, b := e.fetch(t, path, "Accept-Encoding", ae); h.Get("Content-Encoding") != "" || !bytes.Equal(b, raw) {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q", ae, h.Get("Content-Encoding"))
		}
	}
}

// TestTileBudgetHubei encodes a sample of the heaviest tiles of the "all" tileset over Hubei at
// z5–12 (per zoom, the tiles holding the most points and the most township boundaries, counted
// here from the items) and checks each is under tileBudget raw while still holding every feature
// its zoom promises: every point of a layer at or above its minzoom inside the tile, and every
// boundary covering at least one pixel (64 of 4096² units) of it; names of village-level points
// only from tileDetailZoom.
func TestTileBudgetHubei(t *testing.T) {
	const tileBudget = 300 << 10
	_, srv, ts := hubeiEnv(t)
	d := srv.ogcData()
	type scored struct {
		tile maptile.Tile
		n    int
	}
	var sample []maptile.Tile
	for z := maptile.Zoom(5); z <= 12; z++ {
		points, polys := map[maptile.Tile]int{}, map[maptile.Tile]int{}
		for _, col := range d.collections {
			if int(z) < col.minZoom {
				continue
			}
			set, _ := d.set(col)
			for _, it := range set.items {
				switch g := it.geom.(type) {
				case orb.Point:
					points[maptile.At(g, z)]++
				case orb.MultiPolygon:
					if col.level == divisions.Township {
						polys[maptile.At(it.bound.Center(), z)]++
					}
				}
			}
		}
		for _, m := range []map[maptile.Tile]int{points, polys} {
			var s []scored
			for tl, n := range m {
				s = append(s, scored{tl, n})
			}
			sort.Slice(s, func(i, j int) bool { return s[i].n > s[j].n || (s[i].n == s[j].n && s[i].tile.X < s[j].tile.X) })
			for i := 0; i < 2 && i < len(s); i++ {
				sample = append(sample, s[i].tile)
			}
		}
	}
	largest := 0
	for _, tl := range sample {
		path := fmt.Sprintf("/tiles/all/%d/%d/%d.mvt", tl.Z, tl.X, tl.Y)
		res, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		largest = max(largest, len(b))
		if len(b) > tileBudget {
			t.Errorf("%s: %d bytes, over the %d budget", path, len(b), tileBudget)
		}
		layers, err := mvt.Unmarshal(b)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		got := map[string]map[int64]geojson.Properties{}
		for _, l := range layers {
			got[l.Name] = map[int64]geojson.Properties{}
			for _, f := range l.Features {
				id, _ := f.ID.(float64) // orb decodes MVT ids as float64 (exact below 2⁵³)
				got[l.Name][int64(id)] = f.Properties
			}
		}
		inner := tl.Bound()
		units := 4096 / (inner.Max[0] - inner.Min[0]) // tile units per degree of longitude
		for _, col := range d.collections {
			if int(tl.Z) < col.minZoom {
				if len(got[col.id]) > 0 {
					t.Errorf("%s carries %s below its minzoom %d", path, col.id, col.minZoom)
				}
				continue
			}
			set, _ := d.set(col)
			for i := range set.items {
				it := &set.items[i]
				switch g := it.geom.(type) {
				case orb.Point:
					if !inner.Contains(g) {
						continue
					}
					props, ok := got[col.id][it.id]
					if !ok {
						t.Errorf("%s: layer %s lacks feature %d at %v", path, col.id, it.id, g)
						continue
					}
					_, named := props["name"]
					if wantName := int(tl.Z) >= tileDetailZoom || col.minZoom < villageMinZoom; named != wantName {
						t.Errorf("%s: layer %s feature %d has a name: %v, want %v", path, col.id, it.id, named, wantName)
					}
				case orb.MultiPolygon:
					if !inner.Intersects(it.bound) {
						continue
					}
					clipped := clip.MultiPolygon(inner, orb.Clone(g).(orb.MultiPolygon))
					// Degrees² to tile units² (Mercator stretches y; the latitude span of the tile
					// maps to 4096 units as well).
					area := planar.Area(clipped) * units * (4096 / (inner.Max[1] - inner.Min[1]))
					if _, ok := got[col.id][it.id]; !ok && area >= 64 {
						t.Errorf("%s: layer %s lacks boundary %d covering %.0f units² of the tile", path, col.id, it.id, area)
					}
				}
			}
		}
	}
	t.Logf("%d sampled tiles; the largest is %.1f KB", len(sample), float64(largest)/1024)
	if largest < 100<<10 {
		t.Errorf("the largest sampled tile is %d bytes: the sample misses the heavy tiles", largest)
	}
}

// TestOGCPart4 runs create, replace, update and delete through OGC API Part 4 on a facility
// collection with GeoJSON Feature bodies and ETags: stale and missing If-Match are refused,
// kinds stay in their collection, read-only collections answer 405, every accepted write is in
// the audit log, and each change is visible on the next OGC read with a new ETag.
func TestOGCPart4(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	ctx := context.Background()
	tok, _, err := e.store.CreateToken(ctx, "planner-ogc", store.RolePlanner)
	if err != nil {
		t.Fatal(err)
	}
	send := func(method, path, body string, hdr ...string) (int, http.Header, map[string]any) {
		t.Helper()
		return e.do(t, method, path, body, append([]string{"Authorization", "Bearer " + tok, "Content-Type", geoJSONType}, hdr...)...)
	}
	const item = "/ogc/collections/welfare_home/items/1"
	code, h, _ := e.get(t, item)
	var m map[string]any
	e1 := h.Get("ETag")
	if code != 200 || e1 == "" {
		t.Fatalf("GET %s: %d ETag %q", item, code, e1)
	}
	// PUT: a Feature without kind (the collection's) and with the geometry it read.
	put := `{"type":"Feature","geometry":{"type":"Point","coordinates":[110.312,31.501]},"properties":{"name":"古夫镇中心敬老院","division_code":"420526100000","status":"operating","beds":70}}`
	if code, _, _ := send("PUT", item, put); code != 428 {
		t.Errorf("PUT without If-Match: %d, want 428", code)
	}
	code, h, m = send("PUT", item, put, "If-Match", e1)
	e2 := h.Get("ETag")
	if code != 200 || e2 == "" || e2 == e1 {
		t.Fatalf("PUT: %d ETag %q (was %q) %v", code, e2, e1, m)
	}
	if code, _, _ := send("PUT", item, put, "If-Match", e1); code != 412 {
		t.Errorf("PUT with the stale ETag %s: %d, want 412", e1, code)
	}
	code, h, m = e.get(t, item)
	props := m["properties"].(map[string]any)
	if code != 200 || h.Get("ETag") != e2 || props["name"] != "古夫镇中心敬老院" || props["beds"].(float64) != 70 || props["kind"] != "welfare_home" {
		t.Errorf("after PUT: %d ETag %s %v", code, h.Get("ETag"), props)
	}
	// PATCH: only beds changes.
	code, h, _ = send("PATCH", item, `{"type":"Feature","properties":{"beds":80}}`, "If-Match", e2)
	e3 := h.Get("ETag")
	if code != 200 || e3 == e2 {
		t.Fatalf("PATCH: %d ETag %s", code, e3)
	}
	_, h, m = e.get(t, item)
	props = m["properties"].(map[string]any)
	if h.Get("ETag") != e3 || props["beds"].(float64) != 80 || props["name"] != "古夫镇中心敬老院" {
		t.Errorf("after PATCH: %s %v", h.Get("ETag"), props)
	}
	// POST to a facility collection: 201, Location is the OGC item, the collection lists it.
	post := `{"type":"Feature","geometry":{"type":"Point","coordinates":[110.21,31.41]},"properties":{"name":"古夫村第二互助点","division_code":"420526100201","status":"planned"}}`
	code, h, m = send("POST", "/ogc/collections/mutual_aid_elderly/items", post)
	loc := h.Get("Location")
	if code != 201 || !strings.HasPrefix(loc, "/ogc/collections/mutual_aid_elderly/items/") || h.Get("ETag") == "" {
		t.Fatalf("POST: %d Location %q ETag %q %v", code, loc, h.Get("ETag"), m)
	}
	code, h, m = e.get(t, loc)
	if code != 200 || m["properties"].(map[string]any)["name"] != "古夫村第二互助点" || h.Get("ETag") == "" {
		t.Errorf("GET %s: %d %v", loc, code, m)
	}
	newETag := h.Get("ETag")
	_, _, page := e.get(t, "/ogc/collections/mutual_aid_elderly/items?status=planned")
	if n := len(page["features"].([]any)); n != 2 {
		t.Errorf("planned mutual-aid sites after POST: %d, want 2", n)
	}
	// Refused: another kind in this collection, a read-only collection, a facility of another
	// collection, a body that is not a Feature, and a delete with a stale ETag.
	refused := []struct {
		method, path, body string
		status             int
	}{
		{"POST", "/ogc/collections/mutual_aid_elderly/items", strings.Replace(post, `"status"`, `"kind":"welfare_home","status"`, 1), 400},
		{"POST", "/ogc/collections/villages/items", post, 405},
		{"POST", "/ogc/collections/nothing/items", post, 404},
		{"PUT", "/ogc/collections/mutual_aid_elderly/items/1", put, 404},
		{"PUT", "/ogc/collections/villages/items/420526100201", put, 405},
		{"POST", "/ogc/collections/mutual_aid_elderly/items", `{"name":"flat object"}`, 400},
		{"POST", "/ogc/collections/mutual_aid_elderly/items", `[1,2]`, 400},
		{"DELETE", loc, "", 412},
	}
	for _, r := range refused {
		hdr := []string{"If-Match", e1}
		if code, _, m := send(r.method, r.path, r.body, hdr...); code != r.status || m["detail"] == nil {
			t.Errorf("%s %s: %d %v, want %d with a problem", r.method, r.path, code, m, r.status)
		}
	}
	// DELETE with the current ETag: 204, then 404 on read.
	if code, _, _ := send("DELETE", loc, "", "If-Match", newETag); code != 204 {
		t.Errorf("DELETE: %d", code)
	}
	if code, _, _ := e.get(t, loc); code != 404 {
		t.Errorf("deleted feature answers %d", code)
	}
	// The audit log holds the four accepted writes, by the planner, newest first.
	got := facilityAudit(ctx, t, e)
	want := []string{"facility.delete by planner-ogc", "facility.create by planner-ogc", "facility.update by planner-ogc", "facility.update by planner-ogc"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("audit %v, want %v", got, want)
	}
	// Declared only with the routes that work: the conformance lists Part 4.
	_, _, conf := e.fetch(t, "/ogc/conformance")
	if !bytes.Contains(conf, []byte("ogcapi-features-4/1.0/conf/create-replace-delete")) {
		t.Error("conformance lacks Part 4")
	}
}
