package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/data/store/postgres"
	"github.com/civplan/civplan/data/store/postgres/pgtest"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
)

// square is a closed ring around [x0,x1]×[y0,y1] in degrees.
func square(x0, y0, x1, y1 float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
}

// testDataset is a tiny Hubei: one county (a 1°×1° square) split into two townships
// (west and east halves), three villages and four facilities.
//
//	31.9 ┌───────────┬───────────┐
//	     │ 古夫镇 100 │ 昭君镇 101 │
//	     │  v201 v202 │   v201    │
//	31.1 └───────────┴───────────┘
//	   110.1       110.5       110.9
func testDataset() *dataset.Dataset {
	mk := func(code, name string, seat orb.Point, b orb.MultiPolygon, pop divisions.Population) divisions.Division {
		c := divisions.MustCode(code)
		d := divisions.Division{Code: c, Name: name, ShortName: divisions.ShortName(name), Level: c.Level(),
			Kind: divisions.KindOf(c, name), Parent: c.Parent(), Seat: seat, HasSeat: true, Boundary: b, Population: pop,
			Sources: divisions.Sources{Attributes: divisions.Real, Seat: divisions.Real, Population: divisions.Estimated}}
		if b != nil {
			d.Sources.Geometry = divisions.Derived
		}
		return d
	}
	v := func(code, name string, p orb.Point, total int64) divisions.Division {
		d := mk(code, name, p, nil, divisions.Population{Total: total, Age60: total / 4, Age65: total / 5})
		d.URCode = "220"
		return d
	}
	return &dataset.Dataset{
		Meta: dataset.Meta{Name: "test", Vintages: map[string]string{"codes": "2023-06-30", "census": "2020"}},
		Divisions: []divisions.Division{
			mk("42", "湖北省", orb.Point{110.5, 31.5}, square(110.1, 31.1, 110.9, 31.9), divisions.Population{Total: 3000, Age60: 750, Age65: 600}),
			mk("4205", "宜昌市", orb.Point{110.5, 31.5}, square(110.1, 31.1, 110.9, 31.9), divisions.Population{Total: 3000, Age60: 750, Age65: 600}),
			mk("420526", "兴山县", orb.Point{110.5, 31.5}, square(110.1, 31.1, 110.9, 31.9), divisions.Population{Total: 3000, Age60: 750, Age65: 600}),
			mk("420526100", "古夫镇", orb.Point{110.3, 31.5}, square(110.1, 31.1, 110.5, 31.9), divisions.Population{Total: 2000, Age60: 500, Age65: 400}),
			mk("420526101", "昭君镇", orb.Point{110.7, 31.5}, square(110.5, 31.1, 110.9, 31.9), divisions.Population{Total: 1000, Age60: 250, Age65: 200}),
			v("420526100201", "古夫村村民委员会", orb.Point{110.2, 31.4}, 1200),
			v("420526100202", "丰邑坪村委会", orb.Point{110.4, 31.7}, 800),
			v("420526101201", "昭君村委会", orb.Point{110.8, 31.3}, 1000),
		},
		Facilities: []facilities.Facility{
			{ID: 1, Kind: facilities.WelfareHome, Name: "古夫镇敬老院", DivisionCode: "420526100000", Point: orb.Point{110.31, 31.5}, Status: facilities.StatusOperating, Beds: 60, Provenance: divisions.Generated},
			{ID: 2, Kind: facilities.MutualAidElderly, Name: "古夫村互助养老服务点", DivisionCode: "420526100201", Point: orb.Point{110.201, 31.401}, Status: facilities.StatusOperating, Provenance: divisions.Generated},
			{ID: 3, Kind: facilities.MutualAidElderly, Name: "昭君村互助养老服务点", DivisionCode: "420526101201", Point: orb.Point{110.801, 31.301}, Status: facilities.StatusPlanned, Provenance: divisions.Generated},
			{ID: 4, Kind: facilities.CommunityServiceCenter, Name: "丰邑坪村综合服务社", DivisionCode: "420526100202", Point: orb.Point{110.401, 31.701}, Status: facilities.StatusOperating, FloorAreaM2: 520, Provenance: divisions.Generated},
		},
	}
}

type testEnv struct {
	srv   *Server
	ts    *httptest.Server
	store store.Handle
}

// webStoreEnv chooses the store every test env runs on: unset or "sqlite" (a temp file), or
// "postgres" (a fresh schema on CIVPLAN_TEST_PG): CIVPLAN_TEST_WEB_STORE=postgres
// scripts/pgtest.sh go test ./web runs the whole HTTP suite on PostgreSQL (make test-web-pg).
const webStoreEnv = "CIVPLAN_TEST_WEB_STORE"

// openTestStore opens a new, empty store of kind ("" or "sqlite", "postgres"), closed when the
// test ends.
func openTestStore(t testing.TB, kind string) store.Handle {
	t.Helper()
	var st store.Handle
	var err error
	switch kind {
	case "", "sqlite":
		st, err = store.Open(filepath.Join(t.TempDir(), "t.db"))
	case "postgres":
		st, err = postgres.Open(context.Background(), pgtest.URL(t), postgres.Options{})
	default:
		t.Fatalf("%s=%q: want sqlite or postgres", webStoreEnv, kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newTestEnv(t *testing.T, cfg Config) *testEnv {
	t.Helper()
	return serveDataset(t, testDataset(), cfg)
}

// serveDataset seeds a store in a temp folder with ds and serves it; everything is closed when
// the test ends.
func serveDataset(t testing.TB, ds *dataset.Dataset, cfg Config) *testEnv {
	t.Helper()
	return serveDatasetOn(t, openTestStore(t, os.Getenv(webStoreEnv)), ds, cfg)
}

// serveDatasetOn seeds st with ds and serves it.
func serveDatasetOn(t testing.TB, st store.Handle, ds *dataset.Dataset, cfg Config) *testEnv {
	t.Helper()
	if err := st.Seed(context.Background(), ds, nil); err != nil {
		t.Fatal(err)
	}
	srv, err := New(st, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &testEnv{srv: srv, ts: ts, store: st}
}

// get fetches path and decodes a JSON body into a generic map.
func (e *testEnv) get(t *testing.T, path string, hdr ...string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.ts.URL+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	body, _ := io.ReadAll(res.Body)
	if len(body) > 0 {
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("GET %s: body is not JSON: %v: %.200s", path, err, body)
		}
	}
	return res.StatusCode, res.Header, m
}

func TestDivisionEndpoint(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	for _, path := range []string{"/api/v1/divisions/420526", "/api/v1/divisions/420526000000"} {
		code, h, m := e.get(t, path)
		if code != 200 || h.Get("Content-Type") != geoJSONType {
			t.Fatalf("%s: %d %s", path, code, h.Get("Content-Type"))
		}
		props := m["properties"].(map[string]any)
		if props["code"] != "420526000000" || props["level"] != "county" || props["kind"] != "county" || props["name"] != "兴山县" {
			t.Errorf("%s: properties %v", path, props)
		}
		if kids := props["children"].([]any); len(kids) != 2 {
			t.Errorf("children = %v", kids)
		}
		if m["geometry"].(map[string]any)["type"] != "Polygon" {
			t.Errorf("geometry = %v", m["geometry"])
		}
		if props["provenance"].(map[string]any)["geometry"] != "derived" || props["vintages"].(map[string]any)["codes"] != "2023-06-30" {
			t.Errorf("provenance/vintages missing: %v", props)
		}
	}
	// A village: geometry is its point; crs=gcj02 shifts it by the GCJ-02 offset (hundreds of metres).
	_, _, w := e.get(t, "/api/v1/divisions/420526100201")
	_, _, g := e.get(t, "/api/v1/divisions/420526100201?crs=gcj02")
	wc := w["geometry"].(map[string]any)["coordinates"].([]any)
	gc := g["geometry"].(map[string]any)["coordinates"].([]any)
	if wc[0].(float64) != 110.2 || gc[0].(float64) == 110.2 || gc[0].(float64)-110.2 > 0.01 {
		t.Errorf("wgs84 %v vs gcj02 %v", wc, gc)
	}
}

func TestBadRequests(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	tests := []struct {
		path   string
		status int
		param  string
	}{
		{"/api/v1/divisions/43", 404, ""},
		{"/api/v1/divisions/4205a", 400, "code"},
		{"/api/v1/divisions/420000001000", 400, "code"},
		{"/api/v1/divisions/420526?crs=epsg3857", 400, "crs"},
		{"/api/v1/divisions/420526?foo=1", 400, "foo"},
		{"/api/v1/divisions/43/children", 404, ""},
		{"/api/v1/divisions?level=city", 400, "level"},
		{"/api/v1/divisions?limit=0", 400, "limit"},
		{"/api/v1/locate?lon=110.2", 400, "lat"},
		{"/api/v1/locate?lon=abc&lat=31", 400, "lon"},
		{"/api/v1/locate?lon=NaN&lat=31", 400, "lon"},
		{"/api/v1/locate?lon=181&lat=31", 400, "lon"},
		{"/api/v1/locate?lon=110.2&lat=31.4&crs=utm", 400, "crs"},
		{"/api/v1/locate?lon=100&lat=20", 404, ""},
		{"/api/v1/facilities?kind=hospital", 400, "kind"},
		{"/api/v1/facilities?status=open", 400, "status"},
		{"/api/v1/facilities?bbox=1,2,3", 400, "bbox"},
		{"/api/v1/facilities?bbox=111,31,110,32", 400, "bbox"},
		{"/api/v1/facilities?bbox=110,31,111,1e400", 400, "bbox"},
		{"/api/v1/facilities?division=12x", 400, "division"},
		{"/api/v1/facilities?division=43", 404, ""},
		{"/api/v1/facilities?limit=10001", 400, "limit"},
		{"/api/v1/facilities?after=-3", 400, "after"},
		{"/api/v1/facilities/0", 400, "id"},
		{"/api/v1/facilities/99", 404, ""},
		{"/api/v1/nothing", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			code, h, m := e.get(t, tt.path)
			if code != tt.status {
				t.Fatalf("status %d, want %d (%v)", code, tt.status, m)
			}
			if h.Get("Content-Type") != "application/problem+json" {
				t.Errorf("content type %q", h.Get("Content-Type"))
			}
			if m["status"].(float64) != float64(tt.status) || m["detail"] == "" {
				t.Errorf("problem body %v", m)
			}
			if tt.param != "" {
				ip, _ := m["invalid_params"].([]any)
				if len(ip) == 0 || ip[0].(map[string]any)["name"] != tt.param {
					t.Errorf("invalid_params %v, want %s named", m["invalid_params"], tt.param)
				}
			}
		})
	}
}

func TestChildrenAndSearch(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	code, _, m := e.get(t, "/api/v1/divisions/420526100/children")
	if code != 200 || len(m["features"].([]any)) != 2 {
		t.Fatalf("children: %d %v", code, m)
	}
	f0 := m["features"].([]any)[0].(map[string]any)
	if f0["properties"].(map[string]any)["short_name"] != "古夫村" {
		t.Errorf("short name: %v", f0["properties"])
	}
	_, _, m = e.get(t, "/api/v1/divisions?q="+"昭君")
	if len(m["features"].([]any)) != 2 || m["numberMatched"].(float64) != 2 {
		t.Errorf("search 昭君: %v", m)
	}
	_, _, m = e.get(t, "/api/v1/divisions?level=village&limit=2")
	if len(m["features"].([]any)) != 2 || m["numberMatched"].(float64) != 3 {
		t.Fatalf("villages page 1: %v", m)
	}
	next := m["links"].([]any)[0].(map[string]any)["href"].(string)
	if !strings.Contains(next, "level=village") || !strings.Contains(next, "offset=2") {
		t.Errorf("next link %s loses a filter", next)
	}
}

func TestLocate(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	code, _, m := e.get(t, "/api/v1/locate?lon=110.79&lat=31.31")
	if code != 200 {
		t.Fatalf("%d %v", code, m)
	}
	chain := m["chain"].([]any)
	var got []string
	for _, c := range chain {
		got = append(got, c.(map[string]any)["code"].(string))
	}
	if strings.Join(got, ",") != "420000000000,420500000000,420526000000,420526101000,420526101201" {
		t.Errorf("chain %v", got)
	}
	// The same place given in GCJ-02 coordinates resolves the same way.
	_, _, m = e.get(t, "/api/v1/locate?lon=110.2048&lat=31.3978&crs=gcj02")
	last := m["chain"].([]any)[len(m["chain"].([]any))-1].(map[string]any)
	if last["code"] != "420526100201" {
		t.Errorf("gcj02 locate: %v", m["chain"])
	}
}

func TestFacilitiesPaging(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	var ids []float64
	path := "/api/v1/facilities?limit=1&division=420526"
	for pages := 0; path != ""; pages++ {
		if pages > 10 {
			t.Fatal("next links do not end")
		}
		code, _, m := e.get(t, strings.TrimPrefix(path, e.ts.URL))
		if code != 200 || m["numberMatched"].(float64) != 4 {
			t.Fatalf("%s: %d %v", path, code, m)
		}
		for _, f := range m["features"].([]any) {
			ids = append(ids, f.(map[string]any)["id"].(float64))
		}
		path = ""
		if links, ok := m["links"].([]any); ok {
			path = links[0].(map[string]any)["href"].(string)
			if !strings.Contains(path, "division=420526") {
				t.Errorf("next link %s loses the filter", path)
			}
		}
	}
	if len(ids) != 4 || ids[0] != 1 || ids[3] != 4 {
		t.Errorf("ids over pages %v", ids)
	}
	_, _, m := e.get(t, "/api/v1/facilities?kind=mutual_aid_elderly&status=operating")
	if m["numberMatched"].(float64) != 1 {
		t.Errorf("kind+status filter: %v", m)
	}
	_, _, m = e.get(t, "/api/v1/facilities?bbox=110.3,31.4,110.5,31.8")
	if m["numberMatched"].(float64) != 2 {
		t.Errorf("bbox filter: %v", m["numberMatched"])
	}
	code, _, m := e.get(t, "/api/v1/facilities/4")
	if code != 200 || m["properties"].(map[string]any)["floor_area_m2"].(float64) != 520 || m["properties"].(map[string]any)["provenance"] != "generated" {
		t.Errorf("facility 4: %v", m)
	}
}

func TestAuthOnReads(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: false})
	if code, h, _ := e.get(t, "/api/v1/divisions/42"); code != 401 || h.Get("WWW-Authenticate") == "" {
		t.Errorf("no token on closed reads: %d", code)
	}
	if code, _, _ := e.get(t, "/api/v1/divisions/42", "Authorization", "Bearer cvp_nonsense"); code != 401 {
		t.Errorf("bad token: %d", code)
	}
	secret, _, err := e.store.CreateToken(context.Background(), "reader", store.RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := e.get(t, "/api/v1/divisions/42", "Authorization", "Bearer "+secret); code != 200 {
		t.Errorf("viewer token: %d", code)
	}
	if code, _, _ := e.get(t, "/healthz"); code != 200 {
		t.Errorf("healthz must stay public: %d", code)
	}
	if code, _, m := e.get(t, "/readyz"); code != 200 || m["divisions"].(float64) != 8 {
		t.Errorf("readyz: %d %v", code, m)
	}
}
