package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/store"
)

// varying are the values of an answer that say when or how fast, not what: write times of a
// saved scenario, siting's run time, the request id. They are blanked before two stores'
// answers are compared.
var varying = regexp.MustCompile(`"(created|updated|at|elapsed_ms|request_id)":("[^"]*"|[0-9.e+-]+)`)

// call sends one request to env (with token, when not empty) and returns the status and the
// body with varying values and the server's own address blanked.
func (e *testEnv) call(t *testing.T, method, path, token, body string, hdr ...string) (int, http.Header, string) {
	t.Helper()
	if token != "" {
		hdr = append(hdr, "Authorization", "Bearer "+token)
	}
	code, h, b := e.doRaw(t, method, path, body, hdr...)
	out := strings.ReplaceAll(string(b), e.ts.URL, "http://SERVER") // in next links
	return code, h, varying.ReplaceAllString(out, `"$1":"…"`)
}

// The same data served from PostgreSQL and from SQLite gives the same answers — divisions,
// locate, facilities, coverage, gaps and clusters, scorecard, accessibility, siting, a saved
// scenario's impact — before and after the same writes (both servers then answer from snapshots
// stepped along their change logs). The embedded Hubei dataset, or the small one under -short.
func TestPostgresAnswersEqualSQLite(t *testing.T) {
	ds, merge := testDataset(), `["420526100","420526101"],"into":"420526100"`
	if !testing.Short() {
		var err error
		if ds, err = dataset.EmbeddedHubei(); err != nil {
			t.Fatal(err)
		}
		merge = `["420526101","420526102"],"into":"420526101"`
	}
	ctx := context.Background()
	names := [2]string{"SQLite", "PostgreSQL"}
	var envs [2]*testEnv
	var tokens [2]string
	for i, kind := range []string{"sqlite", "postgres"} {
		envs[i] = serveDatasetOn(t, openTestStore(t, kind), ds, Config{OpenReads: true})
		tok, _, err := envs[i].store.CreateToken(ctx, "planner", store.RolePlanner)
		if err != nil {
			t.Fatal(err)
		}
		tokens[i] = tok
		if err := envs[i].srv.Reload(); err != nil {
			t.Fatal(err)
		}
	}
	same := func(method, path, body string, wantStatus int, hdr ...string) string {
		t.Helper()
		var got [2]string
		for i, e := range envs {
			code, _, b := e.call(t, method, path, tokens[i], body, hdr...)
			if code != wantStatus {
				t.Fatalf("%s %s on %s: %d %.300s, want %d", method, path, names[i], code, b, wantStatus)
			}
			got[i] = b
		}
		if got[0] != got[1] {
			if d := os.Getenv("CIVPLAN_TEST_DUMP"); d != "" {
				os.WriteFile(d+".sqlite", []byte(got[0]), 0o644)
				os.WriteFile(d+".postgres", []byte(got[1]), 0o644)
			}
			t.Errorf("%s %s: answers differ\n%s: %.400s\n%s: %.400s", method, path, names[0], got[0], names[1], got[1])
		}
		return got[0]
	}
	reads := []string{
		"/api/v1/divisions/420526",
		"/api/v1/divisions/420526/children",
		"/api/v1/divisions?q=古夫",
		"/api/v1/locate?lon=110.75&lat=31.35",
		"/api/v1/facilities?division=420526&limit=50",
		"/api/v1/coverage?kind=mutual_aid_elderly&division=42&group_by=county",
		"/api/v1/coverage?kind=mutual_aid_elderly&division=420526&group_by=township",
		"/api/v1/coverage?kind=welfare_home&division=420526&mode=radius&radius_m=5000",
		"/api/v1/gaps?kind=mutual_aid_elderly&division=420526",
		"/api/v1/gaps?kind=mutual_aid_elderly&division=420526&clusters=true",
		"/api/v1/scorecard/420526",
		"/api/v1/accessibility?kind=welfare_home&division=420526&method=e2sfca",
	}
	for _, p := range reads {
		same("GET", p, "", 200)
	}
	same("POST", "/api/v1/siting", `{"kind":"mutual_aid_elderly","division":"420526","objective":"lscp","target":0.8}`, 200)
	same("POST", "/api/v1/siting", `{"kind":"welfare_home","division":"420526","objective":"mclp","p":2}`, 200)
	same("POST", "/api/v1/scenarios", `{"name":"两镇合并","ops":[{"op":"merge","units":`+merge+`,"name":"古夫镇"}]}`, 201)
	same("GET", "/api/v1/scenarios/1/impact", "", 200)

	// The same writes on both: a facility changed (If-Match), one added, one removed.
	var list struct {
		Features []struct {
			ID any `json:"id"`
		} `json:"features"`
	}
	_, _, b := envs[0].call(t, "GET", "/api/v1/facilities?division=420526&kind=mutual_aid_elderly&limit=2", "", "")
	if err := json.Unmarshal([]byte(b), &list); err != nil || len(list.Features) < 2 {
		t.Fatalf("facility list: %v %.200s", err, b)
	}
	first, second := fmt.Sprint(list.Features[0].ID), fmt.Sprint(list.Features[1].ID)
	_, h, _ := envs[0].call(t, "GET", "/api/v1/facilities/"+first, "", "")
	etag := h.Get("ETag")
	same("PATCH", "/api/v1/facilities/"+first, `{"status":"closed"}`, 200, "If-Match", etag)
	same("PATCH", "/api/v1/facilities/"+first, `{"status":"operating"}`, 412, "If-Match", etag) // stale
	same("POST", "/api/v1/facilities", `{"kind":"mutual_aid_elderly","name":"新建互助点","division_code":"420526101000","lon":110.7404,"lat":31.3424,"status":"operating"}`, 201)
	_, h, _ = envs[0].call(t, "GET", "/api/v1/facilities/"+second, "", "")
	same("DELETE", "/api/v1/facilities/"+second, "", 204, "If-Match", h.Get("ETag"))
	for i, e := range envs {
		if err := e.srv.Reload(); err != nil {
			t.Fatalf("%s: %v", names[i], err)
		}
	}
	for _, p := range reads {
		same("GET", p, "", 200)
	}
	same("GET", "/api/v1/scenarios/1/impact", "", 200)
}
