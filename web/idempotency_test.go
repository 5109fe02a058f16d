package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/civplan/civplan/data/store"
)

// idemEnv is a test env with a planner token.
func idemEnv(t *testing.T) (*testEnv, string) {
	t.Helper()
	e := newTestEnv(t, Config{OpenReads: true})
	tok, _, err := e.store.CreateToken(context.Background(), "planner-idem", store.RolePlanner)
	if err != nil {
		t.Fatal(err)
	}
	return e, "Bearer " + tok
}

// writeCounts is what a replay must not change: the store's log version and its audit rows.
func writeCounts(t *testing.T, st store.Handle) (version int64, audit int) {
	t.Helper()
	v, err := st.Version()
	if err != nil {
		t.Fatal(err)
	}
	es, err := st.AuditLog(context.Background(), store.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return v, len(es)
}

// Every write endpoint with an Idempotency-Key: the first request writes once (one log version,
// one audit row) and answers; the same request again answers the same status, body, ETag,
// Location and Content-Type with Idempotency-Replayed: true, and writes nothing.
func TestIdempotentWritesReplay(t *testing.T) {
	feature := `{"type":"Feature","geometry":{"type":"Point","coordinates":[110.31,31.51]},"properties":{"name":"幂等敬老院","status":"operating"}}`
	batch := `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[110.21,31.41]},` +
		`"properties":{"kind":"mutual_aid_elderly","name":"批量幂等点","division_code":"420526100201"}}]}`
	scenario := `{"name":"两镇合并","ops":[{"op":"merge","units":["420526100","420526101"],"into":"420526100","name":"古夫镇"}]}`
	plan := `{"name":"幂等规划","siting":{"kind":"mutual_aid_elderly","division":"420526","mode":"jurisdiction","objective":"mclp","p":1}}`
	tests := []struct {
		name, method, path, body, ifMatch string
		setup                             func(t *testing.T, e *testEnv, auth string) string // returns the path when it depends on a prior write
		status                            int
		location, etag                    bool
	}{
		{name: "facility POST", method: "POST", path: "/api/v1/facilities", body: `{"kind":"welfare_home","name":"幂等新建","division_code":"420526101","lon":110.7,"lat":31.5}`, status: 201, location: true, etag: true},
		{name: "facility PATCH", method: "PATCH", path: "/api/v1/facilities/2", body: `{"beds":12}`, ifMatch: `"1"`, status: 200, etag: true},
		{name: "facility PUT", method: "PUT", path: "/api/v1/facilities/4", body: `{"kind":"community_service_center","name":"综合服务社(改)","lon":110.401,"lat":31.701,"division_code":"420526100202"}`, ifMatch: `"1"`, status: 200, etag: true},
		{name: "facility DELETE", method: "DELETE", path: "/api/v1/facilities/3", ifMatch: `"1"`, status: 204},
		{name: "batch POST", method: "POST", path: "/api/v1/facilities", body: batch, status: 200},
		{name: "OGC create", method: "POST", path: "/ogc/collections/welfare_home/items", body: feature, status: 201, location: true, etag: true},
		{name: "OGC update", method: "PATCH", path: "/ogc/collections/welfare_home/items/1", body: `{"type":"Feature","properties":{"beds":70}}`, ifMatch: `"1"`, status: 200, etag: true},
		{name: "OGC replace", method: "PUT", path: "/ogc/collections/welfare_home/items/1", body: `{"type":"Feature","geometry":{"type":"Point","coordinates":[110.31,31.5]},"properties":{"name":"古夫镇敬老院(新)","division_code":"420526100"}}`, ifMatch: `"1"`, status: 200, etag: true},
		{name: "OGC delete", method: "DELETE", path: "/ogc/collections/welfare_home/items/1", ifMatch: `"1"`, status: 204},
		{name: "scenario POST", method: "POST", path: "/api/v1/scenarios", body: scenario, status: 201, location: true},
		{name: "scenario PUT", method: "PUT", body: strings.Replace(scenario, "两镇合并", "两镇合并(二稿)", 1), status: 200,
			setup: func(t *testing.T, e *testEnv, auth string) string { return scenarioOf(t, e, auth, scenario) }},
		{name: "scenario DELETE", method: "DELETE", status: 204,
			setup: func(t *testing.T, e *testEnv, auth string) string { return scenarioOf(t, e, auth, scenario) }},
		{name: "plan POST", method: "POST", path: "/api/v1/plans", body: plan, status: 201, location: true},
		{name: "plan DELETE", method: "DELETE", status: 204,
			setup: func(t *testing.T, e *testEnv, auth string) string {
				code, h, m := e.do(t, "POST", "/api/v1/plans", plan, "Authorization", auth)
				if code != 201 {
					t.Fatalf("plan for the delete: %d %v", code, m)
				}
				return h.Get("Location")
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, auth := idemEnv(t)
			path := tc.path
			if tc.setup != nil {
				path = tc.setup(t, e, auth)
			}
			hdr := []string{"Authorization", auth, "Idempotency-Key", `"` + tc.name + `-1"`}
			if tc.ifMatch != "" {
				hdr = append(hdr, "If-Match", tc.ifMatch)
			}
			v0, a0 := writeCounts(t, e.store)
			code, h1, b1 := e.doRaw(t, tc.method, path, tc.body, hdr...)
			if code != tc.status {
				t.Fatalf("first %s %s: %d %s, want %d", tc.method, path, code, b1, tc.status)
			}
			v1, a1 := writeCounts(t, e.store)
			if v1 != v0+1 || a1 != a0+1 {
				t.Fatalf("first request: version %d → %d, audit rows %d → %d; want one more of each", v0, v1, a0, a1)
			}
			if h1.Get(headerIdemReplayed) != "" {
				t.Errorf("first answer carries %s: %q", headerIdemReplayed, h1.Get(headerIdemReplayed))
			}
			if tc.location != (h1.Get("Location") != "") || tc.etag != (h1.Get("ETag") != "") {
				t.Errorf("first answer: Location %q ETag %q", h1.Get("Location"), h1.Get("ETag"))
			}
			if tc.etag && h1.Get("ETag") != fmt.Sprintf(`"%d"`, v1) {
				t.Errorf("ETag %s, want the write's version %d", h1.Get("ETag"), v1)
			}
			for round := 0; round < 2; round++ {
				code, h2, b2 := e.doRaw(t, tc.method, path, tc.body, hdr...)
				if code != tc.status || !bytes.Equal(b1, b2) {
					t.Fatalf("replay %d: %d %s\nwant %d %s", round, code, b2, tc.status, b1)
				}
				for _, name := range []string{"ETag", "Location", "Content-Type"} {
					if h2.Get(name) != h1.Get(name) {
						t.Errorf("replay %d: %s %q, first answer %q", round, name, h2.Get(name), h1.Get(name))
					}
				}
				if h2.Get(headerIdemReplayed) != "true" {
					t.Errorf("replay %d: %s = %q, want true", round, headerIdemReplayed, h2.Get(headerIdemReplayed))
				}
			}
			if v2, a2 := writeCounts(t, e.store); v2 != v1 || a2 != a1 {
				t.Fatalf("replays wrote: version %d → %d, audit rows %d → %d", v1, v2, a1, a2)
			}
			// What was written is what a read now shows (the replaying server caught up).
			if tc.etag {
				loc := path
				if tc.location {
					loc = h1.Get("Location")
				}
				if code, h, _ := e.do(t, "GET", loc, "", "Authorization", auth); code != 200 || h.Get("ETag") != h1.Get("ETag") {
					t.Errorf("GET %s after the write: %d ETag %s, want %s", loc, code, h.Get("ETag"), h1.Get("ETag"))
				}
			}
		})
	}
}

// scenarioOf creates scenario body without a key and returns its path.
func scenarioOf(t *testing.T, e *testEnv, auth, body string) string {
	t.Helper()
	code, h, m := e.do(t, "POST", "/api/v1/scenarios", body, "Authorization", auth)
	if code != 201 {
		t.Fatalf("scenario: %d %v", code, m)
	}
	return h.Get("Location")
}

// A key's misuse answers a problem naming the header and writes nothing: malformed (400),
// reused for another request (422). Keys are scoped per token; the quoted (sf-string) and the
// bare form of a key are the same key.
func TestIdempotencyKeyProblems(t *testing.T) {
	e, auth := idemEnv(t)
	post := func(body string, hdr ...string) (int, http.Header, map[string]any) {
		t.Helper()
		return e.do(t, "POST", "/api/v1/facilities", body, append([]string{"Authorization", auth}, hdr...)...)
	}
	body := `{"kind":"welfare_home","name":"键测试","division_code":"420526101","lon":110.7,"lat":31.5}`
	v0, a0 := writeCounts(t, e.store)
	for _, c := range []struct {
		name, key string
		status    int
	}{
		{"empty", "", 400},
		{"empty quoted", `""`, 400},
		{"256 characters", strings.Repeat("k", 256), 400},
		{"not ASCII", "键-1", 400},
		{"unterminated quote", `"abc`, 400},
		{"after the quote", `"abc"x`, 400},
		{"bad escape", `"a\bc"`, 400},
	} {
		code, h, m := post(body, "Idempotency-Key", c.key)
		if code != c.status || h.Get("Content-Type") != "application/problem+json" || !namesParam(m, headerIdemKey) {
			t.Errorf("%s key %q: %d %s %v, want a %d problem naming %s", c.name, c.key, code, h.Get("Content-Type"), m, c.status, headerIdemKey)
		}
	}
	// Two Idempotency-Key fields.
	req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/facilities", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", auth)
	req.Header.Add("Idempotency-Key", "a")
	req.Header.Add("Idempotency-Key", "b")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 400 {
		t.Errorf("two keys: %v %v, want 400", res, err)
	} else {
		res.Body.Close()
	}
	if v, a := writeCounts(t, e.store); v != v0 || a != a0 {
		t.Fatalf("malformed keys wrote: version %d → %d, audit %d → %d", v0, v, a0, a)
	}

	// 255 characters is the longest key; its quoted form is the same key.
	long := strings.Repeat("k", 255)
	code, h1, m1 := post(body, "Idempotency-Key", long)
	if code != 201 {
		t.Fatalf("255-character key: %d %v", code, m1)
	}
	if code, h, _ := post(body, "Idempotency-Key", `"`+long+`"`); code != 201 || h.Get(headerIdemReplayed) != "true" || h.Get("Location") != h1.Get("Location") {
		t.Errorf("quoted form of the key: %d replayed %q Location %s, want the replay of %s", code, h.Get(headerIdemReplayed), h.Get("Location"), h1.Get("Location"))
	}
	v1, a1 := writeCounts(t, e.store)
	// The same key with another body, or on another path or method: 422, nothing written.
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/v1/facilities", strings.Replace(body, "键测试", "另一个", 1)},
		{"POST", "/api/v1/facilities?crs=wgs84", body},
		{"POST", "/ogc/collections/welfare_home/items", `{"type":"Feature","geometry":{"type":"Point","coordinates":[110.7,31.5]},"properties":{"name":"键测试"}}`},
	} {
		code, h, m := e.do(t, c.method, c.path, c.body, "Authorization", auth, "Idempotency-Key", long)
		if code != 422 || h.Get("Content-Type") != "application/problem+json" || !namesParam(m, headerIdemKey) {
			t.Errorf("key reused for %s %s: %d %v, want a 422 problem naming %s", c.method, c.path, code, m, headerIdemKey)
		}
	}
	if v, a := writeCounts(t, e.store); v != v1 || a != a1 {
		t.Fatalf("422s wrote: version %d → %d, audit %d → %d", v1, v, a1, a)
	}
	// Another token's key of the same value is another key: a new facility.
	tok2, _, _ := e.store.CreateToken(context.Background(), "planner-two", store.RolePlanner)
	code, h2, m2 := e.do(t, "POST", "/api/v1/facilities", body, "Authorization", "Bearer "+tok2, "Idempotency-Key", long)
	if code != 201 || h2.Get(headerIdemReplayed) != "" || h2.Get("Location") == h1.Get("Location") {
		t.Fatalf("same key, other token: %d %v Location %s (first %s), want a new facility", code, m2, h2.Get("Location"), h1.Get("Location"))
	}
	// A failed write keeps no key: the same key may be sent again, corrected.
	code, _, _ = post(`{"kind":"welfare_home","name":"坏","division_code":"420526101","lon":200,"lat":31.5}`, "Idempotency-Key", "fix-me")
	if code != 400 {
		t.Fatalf("bad body: %d, want 400", code)
	}
	if code, h, m := post(body, "Idempotency-Key", "fix-me"); code != 201 || h.Get(headerIdemReplayed) != "" {
		t.Fatalf("key of a failed request, sent again corrected: %d %v", code, m)
	}
}

// namesParam reports whether the problem m lists name in invalid_params.
func namesParam(m map[string]any, name string) bool {
	ps, _ := m["invalid_params"].([]any)
	for _, p := range ps {
		if q, ok := p.(map[string]any); ok && q["name"] == name {
			return true
		}
	}
	return false
}

// parseIdemKey's edge cases the HTTP client cannot send (control characters).
func TestParseIdemKey(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
		ok   bool
	}{
		{[]string{"abc"}, "abc", true},
		{[]string{` "abc" `}, "abc", true},
		{[]string{`"a\"b\\c"`}, `a"b\c`, true},
		{[]string{"a b"}, "a b", true},
		{[]string{"a\x01b"}, "", false},
		{[]string{"a\tb"}, "", false},
		{[]string{"a\x7fb"}, "", false},
		{[]string{`"a` + "\n" + `"`}, "", false},
		{nil, "", false},
	} {
		got, err := parseIdemKey(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("parseIdemKey(%q) = %q, %v; want %q ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

// A key whose first request is still being processed: 409 (with Retry-After); once it is
// answered, the same key replays.
func TestIdempotencyKeyInFlight(t *testing.T) {
	e, auth := idemEnv(t)
	body := `{"name":"在途方案","ops":[{"op":"rename","unit":"420526100","name":"甲镇"}]}`
	entered, release := make(chan struct{}), make(chan struct{})
	var held atomic.Bool
	hook := func(ctx context.Context) { // holds the first request only
		if held.CompareAndSwap(false, true) {
			close(entered)
			<-release
		}
	}
	e.srv.testHookHeavy.Store(&hook)
	type answer struct {
		code int
		h    http.Header
		b    []byte
	}
	first := make(chan answer, 1)
	go func() {
		code, h, b := e.doRaw(t, "POST", "/api/v1/scenarios", body, "Authorization", auth, "Idempotency-Key", "slow")
		first <- answer{code, h, b}
	}()
	<-entered // the first request holds its heavy slot, before its write
	code, h, m := e.do(t, "POST", "/api/v1/scenarios", body, "Authorization", auth, "Idempotency-Key", "slow")
	if code != 409 || h.Get("Retry-After") == "" || !namesParam(m, headerIdemKey) {
		t.Errorf("same key while the first is in flight: %d Retry-After %q %v, want a 409 problem naming %s", code, h.Get("Retry-After"), m, headerIdemKey)
	}
	close(release)
	a := <-first
	if a.code != 201 {
		t.Fatalf("first request: %d %s", a.code, a.b)
	}
	e.srv.testHookHeavy.Store(nil)
	code, h2, b2 := e.doRaw(t, "POST", "/api/v1/scenarios", body, "Authorization", auth, "Idempotency-Key", "slow")
	if code != 201 || !bytes.Equal(b2, a.b) || h2.Get(headerIdemReplayed) != "true" {
		t.Fatalf("after the first answered: %d replayed %q\n%s\nwant\n%s", code, h2.Get(headerIdemReplayed), b2, a.b)
	}
	list, err := e.store.Scenarios(context.Background())
	if err != nil || len(list) != 1 {
		t.Fatalf("scenarios stored: %d (%v), want 1", len(list), err)
	}
}

// N clients sending one key at once to one server: exactly one write is applied; every answer
// is that write's (201, the same Location) or a 409 while it was in flight.
func TestIdempotencyConcurrentSameKey(t *testing.T) {
	e, auth := idemEnv(t)
	body := `{"kind":"welfare_home","name":"并发幂等","division_code":"420526101","lon":110.7,"lat":31.5}`
	v0, a0 := writeCounts(t, e.store)
	const n = 16
	codes, locs := make([]int, n), make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			code, h, _ := e.doRaw(t, "POST", "/api/v1/facilities", body, "Authorization", auth, "Idempotency-Key", "together")
			codes[i], locs[i] = code, h.Get("Location")
		}(i)
	}
	close(start)
	wg.Wait()
	v1, a1 := writeCounts(t, e.store)
	if v1 != v0+1 || a1 != a0+1 {
		t.Fatalf("%d requests with one key: version %d → %d, audit %d → %d; want exactly one write", n, v0, v1, a0, a1)
	}
	created, conflicts, loc := 0, 0, ""
	for i := range codes {
		if codes[i] == 201 && loc == "" {
			loc = locs[i]
		}
	}
	for i := range codes {
		switch {
		case codes[i] == 201 && locs[i] != "" && locs[i] == loc:
			created++
		case codes[i] == 409:
			conflicts++
		default:
			t.Errorf("request %d: %d Location %q", i, codes[i], locs[i])
		}
	}
	if created == 0 || created+conflicts != n {
		t.Fatalf("answers %v, want 201s (one Location) and 409s", codes)
	}
	t.Logf("%d requests: %d answered 201, %d 409", n, created, conflicts)
}

// facilityCount counts the live facilities named name in st.
func facilityCount(t *testing.T, st store.Store, name string) int {
	t.Helper()
	fs, err := st.LoadFacilities()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range fs {
		if f.Name == name {
			n++
		}
	}
	return n
}

// Two servers over one store (SQLite file, PostgreSQL schema): a retry sent to the other
// replica gets the replay of what the first committed; the same key sent to both at once (no
// in-flight check across processes: the store orders them) writes once.
func TestIdempotencyAcrossReplicas(t *testing.T) {
	for _, be := range replicaBackends() {
		t.Run(be.name, func(t *testing.T) {
			st := be.open(t)
			a, b := newReplica(t, st.a, st.every), newReplica(t, st.b, st.every)
			auth := "Bearer " + st.token
			body := `{"kind":"welfare_home","name":"跨副本幂等","division_code":"420526101","lon":110.7,"lat":31.5}`
			code, h1, b1 := a.env.doRaw(t, "POST", "/api/v1/facilities", body, "Authorization", auth, "Idempotency-Key", "cross-1")
			if code != 201 {
				t.Fatalf("on a: %d %s", code, b1)
			}
			code, h2, b2 := b.env.doRaw(t, "POST", "/api/v1/facilities", body, "Authorization", auth, "Idempotency-Key", "cross-1")
			if code != 201 || !bytes.Equal(b1, b2) || h2.Get("ETag") != h1.Get("ETag") || h2.Get("Location") != h1.Get("Location") || h2.Get(headerIdemReplayed) != "true" {
				t.Fatalf("retry on b: %d %s ETag %s Location %s replayed %q\nwant a's %s ETag %s Location %s",
					code, b2, h2.Get("ETag"), h2.Get("Location"), h2.Get(headerIdemReplayed), b1, h1.Get("ETag"), h1.Get("Location"))
			}
			// b caught up before replaying: the facility reads there at once.
			if code, h, _ := b.env.do(t, "GET", h1.Get("Location"), "", "Authorization", auth); code != 200 || h.Get("ETag") != h1.Get("ETag") {
				t.Errorf("GET on b right after the replay: %d ETag %s, want %s", code, h.Get("ETag"), h1.Get("ETag"))
			}
			if n := facilityCount(t, st.a, "跨副本幂等"); n != 1 {
				t.Fatalf("%d facilities written, want 1", n)
			}
			es, err := st.a.AuditLog(context.Background(), store.AuditFilter{Action: "facility.create"})
			if err != nil || len(es) != 1 {
				t.Fatalf("facility.create audit rows %d (%v), want 1", len(es), err)
			}

			// One key to both replicas at once, several rounds: each round writes exactly once.
			for round := 0; round < 4; round++ {
				name := fmt.Sprintf("同时-%d", round)
				key := fmt.Sprintf("both-%d", round)
				rb := strings.Replace(body, "跨副本幂等", name, 1)
				var wg sync.WaitGroup
				answers := make([]string, 6)
				for i := 0; i < 6; i++ {
					r := []*replica{a, b}[i%2]
					wg.Add(1)
					go func(i int) {
						defer wg.Done()
						code, h, _ := r.env.doRaw(t, "POST", "/api/v1/facilities", rb, "Authorization", auth, "Idempotency-Key", key)
						answers[i] = fmt.Sprintf("%d %s", code, h.Get("Location"))
					}(i)
				}
				wg.Wait()
				if n := facilityCount(t, st.a, name); n != 1 {
					t.Fatalf("round %d: %d facilities written with one key across replicas (answers %v), want 1", round, n, answers)
				}
				var loc string
				for _, ans := range answers {
					code, l, _ := strings.Cut(ans, " ")
					if code == "201" {
						if loc != "" && l != loc {
							t.Fatalf("round %d: answers name two facilities: %v", round, answers)
						}
						loc = l
					} else if code != "409" {
						t.Fatalf("round %d: answers %v, want 201s and 409s", round, answers)
					}
				}
			}
		})
	}
}

// The stored answer is what the write's answer would be without a key.
func TestIdempotentAnswerEqualsPlainAnswer(t *testing.T) {
	e, auth := idemEnv(t)
	_, hk, bk := e.doRaw(t, "PATCH", "/api/v1/facilities/2", `{"beds":7}`, "Authorization", auth, "If-Match", `"1"`, "Idempotency-Key", "k")
	_, hp, bp := e.doRaw(t, "PATCH", "/api/v1/facilities/2", `{"beds":7}`, "Authorization", auth, "If-Match", hk.Get("ETag"))
	var fk, fp map[string]any
	if err := json.Unmarshal(bk, &fk); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(bp, &fp); err != nil {
		t.Fatal(err)
	}
	// The two writes differ only in their version.
	pk, pp := fk["properties"].(map[string]any), fp["properties"].(map[string]any)
	if pk["version"] == pp["version"] {
		t.Fatalf("both at version %v", pk["version"])
	}
	delete(pk, "version")
	delete(pp, "version")
	if fmt.Sprint(fk) != fmt.Sprint(fp) || hk.Get("Content-Type") != hp.Get("Content-Type") {
		t.Errorf("keyed answer %v (%s)\nplain answer %v (%s)", fk, hk.Get("Content-Type"), fp, hp.Get("Content-Type"))
	}
}
