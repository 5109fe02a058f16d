package web

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/civplan/civplan/data/store"
)

func TestMetrics(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	e.get(t, "/api/v1/divisions/42")
	e.get(t, "/api/v1/divisions/43")
	res, err := http.Get(e.ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	body := string(b)
	for _, want := range []string{
		`civplan_http_requests_total{method="GET",route="/api/v1/divisions/:code",status="200"} 1`,
		`civplan_http_requests_total{method="GET",route="/api/v1/divisions/:code",status="404"} 1`,
		`civplan_http_request_duration_seconds_bucket{method="GET",route="/api/v1/divisions/:code"`,
		"civplan_snapshot_age_seconds", "civplan_snapshot_version 1", "civplan_db_size_bytes",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestRateLimit(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true, RatePerSec: 1, Burst: 3})
	var codes []int
	for i := 0; i < 5; i++ {
		code, h, _ := e.get(t, "/healthz")
		codes = append(codes, code)
		if code == 429 && h.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	if codes[0] != 200 || codes[2] != 200 || codes[3] != 429 || codes[4] != 429 {
		t.Errorf("codes %v: want 3 × 200 then 429", codes)
	}
	// Another client (a token) has its own bucket.
	tok, _, _ := e.store.CreateToken(context.Background(), "other", store.RoleViewer)
	if code, _, _ := e.get(t, "/healthz", "Authorization", "Bearer "+tok); code != 200 {
		t.Errorf("a different client was limited: %d", code)
	}
}

func TestAuditEndpoint(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	ctx := context.Background()
	adminTok, _, _ := e.store.CreateToken(ctx, "root", store.RoleAdmin)
	plannerTok, _, _ := e.store.CreateToken(ctx, "li", store.RolePlanner)
	for i := 0; i < 3; i++ {
		code, _, m := e.do(t, "POST", "/api/v1/facilities", `{"kind":"welfare_home","name":"测试敬老院`+string(rune('A'+i))+`","division_code":"420526100","lon":110.3,"lat":31.5}`, "Authorization", "Bearer "+plannerTok)
		if code != 201 {
			t.Fatalf("create: %d %v", code, m)
		}
	}
	code, _, m := e.get(t, "/api/v1/audit?action=facility.create&limit=2", "Authorization", "Bearer "+adminTok)
	if code != 200 {
		t.Fatalf("%d %v", code, m)
	}
	entries := m["entries"].([]any)
	if len(entries) != 2 || entries[0].(map[string]any)["actor"] != "li" {
		t.Fatalf("entries %v", entries)
	}
	next := m["links"].([]any)[0].(map[string]any)["href"].(string)
	code, _, m = e.get(t, strings.TrimPrefix(next, e.ts.URL), "Authorization", "Bearer "+adminTok)
	if code != 200 || len(m["entries"].([]any)) != 1 {
		t.Errorf("page 2: %d %v", code, m)
	}
	if code, _, _ := e.get(t, "/api/v1/audit", "Authorization", "Bearer "+plannerTok); code != 403 {
		t.Errorf("planner reads the audit log: %d", code)
	}
	if code, _, _ := e.get(t, "/api/v1/audit?since=yesterday", "Authorization", "Bearer "+adminTok); code != 400 {
		t.Errorf("bad since: %d", code)
	}
}

// With every computation slot taken, a siting request waits Config.HeavyWait and then gets 503
// with Retry-After; once a slot frees, it runs. Oversized work is refused up front.
func TestHeavyWorkLimits(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true, MaxHeavy: 1, HeavyWait: 50 * time.Millisecond})
	body := `{"kind":"mutual_aid_elderly","division":"420526","objective":"mclp","p":1,"radius_m":5000,"mode":"radius"}`
	e.srv.work <- struct{}{} // a computation is running
	code, h, m := e.do(t, "POST", "/api/v1/siting", body)
	if code != 503 || h.Get("Retry-After") == "" {
		t.Errorf("busy: %d %v", code, m)
	}
	<-e.srv.work
	if code, _, m := e.do(t, "POST", "/api/v1/siting", body); code != 200 {
		t.Errorf("free: %d %v", code, m)
	}
	if code, _, m := e.do(t, "POST", "/api/v1/siting", `{"kind":"mutual_aid_elderly","objective":"mclp","p":5001}`); code != 400 || m["invalid_params"].([]any)[0].(map[string]any)["name"] != "p" {
		t.Errorf("p too large: %d %v", code, m)
	}
	tok, _, _ := e.store.CreateToken(context.Background(), "p", store.RolePlanner)
	ops := strings.Repeat(`{"op":"rename","unit":"420526100","name":"某镇"},`, maxScenarioOps+1)
	code, _, m = e.do(t, "POST", "/api/v1/scenarios", `{"name":"太多","ops":[`+strings.TrimSuffix(ops, ",")+`]}`, "Authorization", "Bearer "+tok)
	if code != 400 || m["invalid_params"].([]any)[0].(map[string]any)["name"] != "ops" {
		t.Errorf("too many ops: %d %v", code, m)
	}
}
