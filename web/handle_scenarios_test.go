package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/civplan/civplan/data/store"
)

func TestScenarioEndpoints(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	ctx := context.Background()
	tok, _, err := e.store.CreateToken(ctx, "planner", store.RolePlanner)
	if err != nil {
		t.Fatal(err)
	}
	auth := []string{"Authorization", "Bearer " + tok}
	body := `{"name":"两镇合并","ops":[{"op":"merge","units":["420526100","420526101"],"into":"420526100","name":"古夫镇"}]}`
	code, h, m := e.do(t, "POST", "/api/v1/scenarios", body, auth...)
	if code != http.StatusCreated || h.Get("Location") != "/api/v1/scenarios/1" {
		t.Fatalf("create: %d %v %v", code, h.Get("Location"), m)
	}
	if m["id"].(float64) != 1 {
		t.Errorf("id %v", m["id"])
	}
	// Impact: the merged town holds all three villages and the sum of the populations.
	code, _, m = e.do(t, "GET", "/api/v1/scenarios/1/impact", "", auth...)
	if code != 200 {
		t.Fatalf("impact: %d %v", code, m)
	}
	divs := m["impact"].(map[string]any)["divisions"].([]any)
	found := false
	for _, d := range divs {
		dm := d.(map[string]any)
		if dm["code"] == "420526100000" {
			found = true
			after := dm["after"].(map[string]any)
			if after["villages"].(float64) != 3 || after["population"].(map[string]any)["total"].(float64) != 3000 {
				t.Errorf("after %v", after)
			}
		}
	}
	if !found {
		t.Errorf("no impact row for the merged town: %v", divs)
	}
	if vs := m["impact"].(map[string]any)["villages"].([]any); len(vs) != 3 {
		t.Errorf("affected villages %d, want 3 (every village of the merged towns)", len(vs))
	}
	// GeoJSON, report, code tables.
	code, h, m = e.do(t, "GET", "/api/v1/scenarios/1/impact?f=geojson", "", auth...)
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/geo+json") || m["type"] != "FeatureCollection" {
		t.Errorf("geojson: %d %s %v", code, h.Get("Content-Type"), m["type"])
	}
	req, _ := http.NewRequest("GET", e.ts.URL+"/api/v1/scenarios/1/report.html", nil)
	req.Header.Set(auth[0], auth[1])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), "<svg") || !strings.Contains(string(page), "申请材料清单") {
		t.Errorf("report: %d, %d bytes", res.StatusCode, len(page))
	}
	code, _, m = e.do(t, "GET", "/api/v1/scenarios/1/codes.csv", "", auth...)
	if code != 200 || !strings.Contains(m["raw"].(string), "420526101201") || !strings.Contains(m["raw"].(string), "420526100203") {
		t.Errorf("codes.csv: %d %v", code, m)
	}
	if code, h, _ = e.do(t, "GET", "/api/v1/scenarios/1/codes.xlsx", "", auth...); code != 200 || !strings.Contains(h.Get("Content-Type"), "spreadsheetml") {
		t.Errorf("codes.xlsx: %d %s", code, h.Get("Content-Type"))
	}
	// Bad operations: 400 naming the operation, nothing stored.
	bad := []struct{ body, param string }{
		{`{"name":"x","ops":[{"op":"merge","units":["420526100","420526199"],"into":"420526100"}]}`, "ops[0]"},
		{`{"name":"x","ops":[{"op":"rename","unit":"420526100","name":"甲"},{"op":"merge","units":["420526100","420526100"],"into":"420526100"}]}`, "ops[1]"},
		{`{"name":"x","ops":[{"op":"merge","units":["420526100","420526101"],"into":"420526100","seat":[100,20]}]}`, "ops[0]"},
		{`{"name":"x","ops":[{"op":"transfer","units":["420526100201"],"to":"420526101"},{"op":"transfer","units":["420526101202"],"to":"420526100"}]}`, "ops[1]"},
	}
	for _, b := range bad {
		code, h, m := e.do(t, "POST", "/api/v1/scenarios", b.body, auth...)
		if code != 400 || h.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %v", b.body, code, m)
			continue
		}
		ip, _ := m["invalid_params"].([]any)
		if len(ip) == 0 || ip[0].(map[string]any)["name"] != b.param {
			t.Errorf("%s: invalid_params %v, want %s", b.body, ip, b.param)
		}
	}
	// A bad update leaves the stored scenario unchanged.
	if code, _, _ := e.do(t, "PUT", "/api/v1/scenarios/1", bad[0].body, auth...); code != 400 {
		t.Errorf("bad update: %d", code)
	}
	sc, err := e.store.Scenario(ctx, 1)
	if err != nil || len(sc.Ops) != 1 || sc.Ops[0].Units[1] != "420526101" {
		t.Errorf("stored after a bad update: %+v %v", sc, err)
	}
	list, _ := e.store.Scenarios(ctx)
	if len(list) != 1 {
		t.Errorf("%d scenarios stored, want 1", len(list))
	}
	// A second scenario and the comparison.
	body2 := `{"name":"划转","status":"review","ops":[{"op":"transfer","units":["420526101201"],"to":"420526100"}]}`
	if code, _, m := e.do(t, "POST", "/api/v1/scenarios", body2, auth...); code != 201 {
		t.Fatalf("create 2: %d %v", code, m)
	}
	code, _, m = e.do(t, "GET", "/api/v1/scenarios/compare?a=1&b=2", "", auth...)
	if code != 200 || len(m["shared_units"].([]any)) == 0 {
		t.Errorf("compare: %d %v", code, m)
	}
	if code, _, _ := e.do(t, "GET", "/api/v1/scenarios/compare?a=1", "", auth...); code != 400 {
		t.Errorf("compare without b: %d", code)
	}
	if code, _, _ := e.do(t, "GET", "/api/v1/scenarios/9/impact", "", auth...); code != 404 {
		t.Errorf("unknown scenario: %d", code)
	}
	if code, _, _ := e.do(t, "DELETE", "/api/v1/scenarios/2", "", auth...); code != 204 {
		t.Errorf("delete: %d", code)
	}
	if code, _, _ := e.do(t, "GET", "/api/v1/scenarios/2", "", auth...); code != 404 {
		t.Errorf("deleted scenario: %d", code)
	}
	// A stored replay of a code change list: the removed village is restored and merged back.
	csv := "code,level,change,name_2022,name_2023,town_code,county_code\n" +
		"420526100203,village,removed_2023,古夫二村村委会,,420526100,420526\n" +
		"420526101201,village,renamed,昭君村村民委员会,昭君村委会,420526101,420526\n"
	rb, _ := json.Marshal(map[string]any{"name": "回放", "replay_csv": csv})
	code, _, m = e.do(t, "POST", "/api/v1/scenarios", string(rb), auth...)
	if code != 201 {
		t.Fatalf("replay create: %d %v", code, m)
	}
	rid := itoa(int64(m["id"].(float64)))
	code, _, m = e.do(t, "GET", "/api/v1/scenarios/"+rid+"/impact", "", auth...)
	if code != 200 {
		t.Fatalf("replay impact: %d %v", code, m)
	}
	rp := m["replay"].(map[string]any)
	if c := rp["counts"].(map[string]any); c["villages_removed"].(float64) != 1 || c["mapped"].(float64) != 1 || c["cosmetic_renames"].(float64) != 1 {
		t.Errorf("replay counts %v", c)
	}
	if inf := rp["inferences"].([]any); len(inf) != 1 || inf[0].(map[string]any)["into"] != "420526100201" {
		t.Errorf("inferences %v", inf)
	}
	bad2, _ := json.Marshal(map[string]any{"name": "x", "replay_csv": csv, "ops": []any{map[string]any{"op": "rename", "unit": "420526100", "name": "甲"}}})
	if code, _, _ := e.do(t, "POST", "/api/v1/scenarios", string(bad2), auth...); code != 400 {
		t.Errorf("replay with ops: %d", code)
	}
	// Scenarios never change the base tree.
	if code, _, m := e.get(t, "/api/v1/divisions/420526101"); code != 200 || m["properties"].(map[string]any)["name"] != "昭君镇" {
		t.Errorf("base division changed: %d %v", code, m)
	}
}

// TestScenarioCodeTableFormats: the code table answers both forms the README promises —
// /codes?f=csv|xlsx (json by default) and /codes.csv, /codes.xlsx — and a format that
// contradicts the path is a 400 naming f.
func TestScenarioCodeTableFormats(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	tok, _, err := e.store.CreateToken(context.Background(), "planner", store.RolePlanner)
	if err != nil {
		t.Fatal(err)
	}
	auth := []string{"Authorization", "Bearer " + tok}
	body := `{"name":"两镇合并","ops":[{"op":"merge","units":["420526100","420526101"],"into":"420526100","name":"古夫镇"}]}`
	if code, _, m := e.do(t, "POST", "/api/v1/scenarios", body, auth...); code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, m)
	}
	const csvType, xlsxType = "text/csv", "spreadsheetml"
	cases := []struct {
		path, ctype string
		status      int
	}{
		{"/api/v1/scenarios/1/codes?f=csv", csvType, 200},
		{"/api/v1/scenarios/1/codes?f=xlsx", xlsxType, 200},
		{"/api/v1/scenarios/1/codes", "application/json", 200},
		{"/api/v1/scenarios/1/codes?f=json", "application/json", 200},
		{"/api/v1/scenarios/1/codes.csv", csvType, 200},
		{"/api/v1/scenarios/1/codes.csv?f=csv", csvType, 200},
		{"/api/v1/scenarios/1/codes.xlsx", xlsxType, 200},
		{"/api/v1/scenarios/1/codes.xlsx?f=xlsx", xlsxType, 200},
		{"/api/v1/scenarios/1/codes.csv?f=xlsx", "application/problem+json", 400},
		{"/api/v1/scenarios/1/codes?f=pdf", "application/problem+json", 400},
		{"/api/v1/scenarios/9/codes?f=csv", "application/problem+json", 404},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			code, h, m := e.do(t, "GET", c.path, "", auth...)
			if code != c.status || !strings.Contains(h.Get("Content-Type"), c.ctype) {
				t.Fatalf("%d %s, want %d %s (%v)", code, h.Get("Content-Type"), c.status, c.ctype, m)
			}
			switch {
			case c.status == 400:
				if ps, _ := m["invalid_params"].([]any); len(ps) == 0 || ps[0].(map[string]any)["name"] != "f" {
					t.Errorf("problem does not name f: %v", m)
				}
			case c.ctype == csvType:
				raw, _ := m["raw"].(string)
				if !strings.HasPrefix(raw, "\ufeff层级,原代码") || !strings.Contains(raw, "420526101201") {
					t.Errorf("csv %.80q", raw)
				}
			case c.ctype == "application/json":
				rows, _ := m["codes"].([]any)
				found := false
				for _, r := range rows {
					found = found || r.(map[string]any)["old_code"] == "420526101201"
				}
				if !found {
					t.Errorf("json code table lacks 420526101201: %v", m)
				}
			}
		})
	}
}
