package web

import (
	"bytes"
	"context"
	"github.com/civplan/civplan/data/store"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// In testDataset, of the three village committees only 古夫村 (420526100201) has an operating
// mutual-aid site registered in it; 昭君村's is only planned. So jurisdiction coverage is 1/3
// and the elderly covered are 古夫村's 300 of 300+200+250 = 750.
func TestCoverageEndpoint(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	code, _, m := e.get(t, "/api/v1/coverage?kind=mutual_aid_elderly&division=420526&group_by=township")
	if code != 200 {
		t.Fatalf("%d %v", code, m)
	}
	cov := m["coverage"].(map[string]any)
	sum := cov["summary"].(map[string]any)
	if sum["villages"].(float64) != 3 || sum["covered"].(float64) != 1 || sum["elderly"].(float64) != 750 || sum["elderly_covered"].(float64) != 300 {
		t.Errorf("summary %v", sum)
	}
	if sum["target"].(float64) != 0.8 || sum["met"] != false {
		t.Errorf("target/met %v", sum)
	}
	groups := cov["groups"].([]any)
	if len(groups) != 2 || groups[0].(map[string]any)["covered"].(float64) != 1 || groups[1].(map[string]any)["covered"].(float64) != 0 {
		t.Errorf("groups %v", groups)
	}
	if _, ok := cov["villages"]; ok && cov["villages"] != nil {
		t.Errorf("villages listed without villages=true")
	}
	if m["vintages"] == nil || cov["query"].(map[string]any)["distance_note"] == "" {
		t.Errorf("vintages / distance note missing")
	}
	// Radius mode, the only operating site at (110.201, 31.401): 丰邑坪 (110.4, 31.7) is
	// ≈ √(18.9² + 33.2²) ≈ 38 km away, 昭君村 (110.8, 31.3) ≈ √(56.9² + 11.2²) ≈ 58 km
	// (1° lon ≈ 95.0 km at 31.35°N, 1° lat ≈ 110.9 km).
	for _, tc := range []struct {
		radius string
		want   float64
	}{{"30000", 1}, {"45000", 2}, {"55000", 2}, {"62000", 3}} {
		_, _, m = e.get(t, "/api/v1/coverage?kind=mutual_aid_elderly&division=420526&mode=radius&radius_m="+tc.radius)
		if got := m["coverage"].(map[string]any)["summary"].(map[string]any)["covered"].(float64); got != tc.want {
			t.Errorf("%s m radius covers %v villages, want %v", tc.radius, got, tc.want)
		}
	}
	_, _, m = e.get(t, "/api/v1/coverage?kind=mutual_aid_elderly&division=420526&mode=radius&radius_m=1000")
	if got := m["coverage"].(map[string]any)["summary"].(map[string]any)["covered"].(float64); got != 1 {
		t.Errorf("1 km radius covers %v villages, want 1", got)
	}
}

func TestCoverageBadParams(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	tests := []struct {
		query  string
		status int
		param  string
	}{
		{"", 400, "kind"},
		{"kind=hospital", 400, "kind"},
		{"kind=mutual_aid_elderly&radius_m=0", 400, "radius_m"},
		{"kind=mutual_aid_elderly&radius_m=-5", 400, "radius_m"},
		{"kind=mutual_aid_elderly&radius_m=200001", 400, "radius_m"},
		{"kind=mutual_aid_elderly&mode=walk", 400, "mode"},
		{"kind=mutual_aid_elderly&division=4206", 404, ""},
		{"kind=mutual_aid_elderly&division=42x", 400, "division"},
		{"kind=mutual_aid_elderly&detour=0.5", 400, "detour"},
		{"kind=mutual_aid_elderly&group_by=city", 400, "group_by"},
		{"kind=mutual_aid_elderly&rural=maybe", 400, "rural"},
		{"kind=mutual_aid_elderly&f=pdf", 400, "f"},
		{"kind=mutual_aid_elderly&plan=7", 404, ""},
		{"kind=mutual_aid_elderly&bogus=1", 400, "bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			code, h, m := e.get(t, "/api/v1/coverage?"+tt.query)
			if code != tt.status || h.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%d %s %v; want %d", code, h.Get("Content-Type"), m, tt.status)
			}
			if tt.param != "" {
				ip, _ := m["invalid_params"].([]any)
				if len(ip) == 0 || ip[0].(map[string]any)["name"] != tt.param {
					t.Errorf("invalid_params %v, want %s", m["invalid_params"], tt.param)
				}
			}
		})
	}
}

func TestGapsEndpoint(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	code, h, m := e.get(t, "/api/v1/gaps?kind=mutual_aid_elderly&division=420526&clusters=true")
	if code != 200 || h.Get("Content-Type") != geoJSONType {
		t.Fatalf("%d %v", code, m)
	}
	feats := m["features"].([]any)
	// Uncovered: 昭君村 (250 elderly) then 丰邑坪 (200): elderly descending.
	if len(feats) != 2 {
		t.Fatalf("features %v", feats)
	}
	p0 := feats[0].(map[string]any)["properties"].(map[string]any)
	p1 := feats[1].(map[string]any)["properties"].(map[string]any)
	if p0["code"] != "420526101201" || p1["code"] != "420526100202" || p0["elderly"].(float64) < p1["elderly"].(float64) {
		t.Errorf("order: %v then %v", p0, p1)
	}
	if p0["nearest"].(map[string]any)["id"].(float64) != 2 {
		t.Errorf("nearest operating mutual-aid site of 昭君村 should be facility 2: %v", p0["nearest"])
	}
	if _, ok := m["clusters"].([]any); !ok {
		t.Errorf("clusters missing: %v", m)
	}
}

func TestScorecardEndpoint(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	code, _, m := e.get(t, "/api/v1/scorecard/420526")
	if code != 200 {
		t.Fatalf("%d %v", code, m)
	}
	items := m["scorecard"].(map[string]any)["items"].([]any)
	var found bool
	for _, it := range items {
		it := it.(map[string]any)
		if it["id"] == "mutual_aid_coverage" {
			found = true
			if v := it["value"].(float64); v < 0.333 || v > 0.334 || it["met"] != false || it["deadline"] == "" || it["provenance"] == "" {
				t.Errorf("mutual aid item %v", it)
			}
		}
	}
	if !found {
		t.Errorf("no mutual_aid_coverage item in %v", items)
	}
	if code, _, _ := e.get(t, "/api/v1/scorecard/4206"); code != 404 {
		t.Errorf("unknown division: %d", code)
	}
}

func TestTablesCSVAndXLSX(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	res, err := http.Get(e.ts.URL + "/api/v1/coverage?kind=mutual_aid_elderly&division=420526&group_by=township&f=csv")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) || !strings.Contains(string(body), "覆盖率") || !strings.Contains(string(body), "古夫镇") {
		t.Errorf("csv: %q", body)
	}
	res, err = http.Get(e.ts.URL + "/api/v1/scorecard/420526?f=xlsx")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	f, err := excelize.OpenReader(res.Body)
	if err != nil {
		t.Fatalf("xlsx does not open: %v", err)
	}
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil || len(rows) < 3 {
		t.Fatalf("xlsx rows %v %v", rows, err)
	}
}

func TestAccessibilityEndpoint(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	code, _, m := e.get(t, "/api/v1/accessibility?kind=welfare_home&division=420526&radius_m=100000")
	if code != 200 {
		t.Fatalf("%d %v", code, m)
	}
	// One welfare home with 60 beds reaches all three villages (elderly 300+200+250 = 750; the
	// province has no other villages): every village gets 60/750 beds per elderly = 80 per 1,000.
	sum := m["accessibility"].(map[string]any)["summary"].(map[string]any)
	if v := sum["beds_per_1000"].(float64); v < 79.999 || v > 80.001 {
		t.Errorf("beds per 1000 = %v, want 80", v)
	}
	if code, _, _ := e.get(t, "/api/v1/accessibility?kind=welfare_home&method=3sfca"); code != 400 {
		t.Errorf("unknown method: %d", code)
	}
}

// A saved plan's planned sites count in the scorecard with plan=ID (and not without it); the
// memoised answer of one snapshot is not served for another after a write.
func TestScorecardWithPlanAndAfterWrite(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	value := func(path string) float64 {
		t.Helper()
		code, _, m := e.get(t, path)
		if code != 200 {
			t.Fatalf("%s: %d %v", path, code, m)
		}
		for _, it := range m["scorecard"].(map[string]any)["items"].([]any) {
			if it := it.(map[string]any); it["id"] == "mutual_aid_coverage" {
				return it["value"].(float64)
			}
		}
		t.Fatal("no mutual_aid_coverage item")
		return 0
	}
	if v := value("/api/v1/scorecard/420526"); v < 0.333 || v > 0.334 {
		t.Fatalf("before: %v, want 1/3", v)
	}
	tok, _, _ := e.store.CreateToken(context.Background(), "p", store.RolePlanner)
	code, _, m := e.do(t, "POST", "/api/v1/facilities", `{"kind":"mutual_aid_elderly","name":"丰邑坪互助点","division_code":"420526100202","lon":110.4,"lat":31.7}`, "Authorization", "Bearer "+tok)
	if code != 201 {
		t.Fatalf("create: %d %v", code, m)
	}
	if v := value("/api/v1/scorecard/420526"); v < 0.666 || v > 0.667 {
		t.Errorf("after a new operating site: %v, want 2/3 (a stale memoised answer?)", v)
	}
	if code, _, _ := e.get(t, "/api/v1/scorecard/420526?plan=99"); code != 404 {
		t.Errorf("unknown plan: %d", code)
	}
}
