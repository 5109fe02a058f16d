package web

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/civplan/civplan/data/store"
)

// POST /api/v1/facilities without division_code registers the facility where its point lies:
// (110.41, 31.69) is in 古夫镇's half (lon 110.1–110.5) of the fixture and nearest to 丰邑坪村's
// point (110.4, 31.7) of its two villages — worked out by hand from testDataset.
func TestFacilityCreateLocatedByPoint(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	tok, _, _ := e.store.CreateToken(context.Background(), "planner", store.RolePlanner)
	auth := []string{"Authorization", "Bearer " + tok}
	code, _, m := e.do(t, "POST", "/api/v1/facilities", `{"kind":"mutual_aid_elderly","name":"无代码互助点","lon":110.41,"lat":31.69}`, auth...)
	if code != 201 {
		t.Fatalf("create without division_code: %d %v", code, m)
	}
	if got := m["properties"].(map[string]any)["division_code"]; got != "420526100202" {
		t.Errorf("registered in %v; want 420526100202 丰邑坪村", got)
	}
	code, _, m = e.do(t, "POST", "/api/v1/facilities", `{"kind":"mutual_aid_elderly","name":"省外","lon":116.4,"lat":39.9}`, auth...)
	if b, _ := json.Marshal(m); code != 400 || !strings.Contains(string(b), `"lon"`) {
		t.Errorf("point outside every county: %d %v; want 400 naming lon", code, m)
	}
	code, _, m = e.do(t, "POST", "/api/v1/facilities", `{"kind":"mutual_aid_elderly","name":"无点"}`, auth...)
	if code != 400 {
		t.Errorf("neither division nor point: %d %v; want 400", code, m)
	}
}
