package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/civplan/civplan/data/store"
)

func (e *testEnv) do(t *testing.T, method, path, body string, hdr ...string) (int, http.Header, map[string]any) {
	t.Helper()
	code, h, b := e.doRaw(t, method, path, body, hdr...)
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			m = map[string]any{"raw": string(b)}
		}
	}
	return code, h, m
}

// doRaw sends one request (a JSON body when body is not empty, headers as name, value pairs)
// and returns the status, headers and body.
func (e *testEnv) doRaw(t *testing.T, method, path, body string, hdr ...string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, e.ts.URL+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

// routePath fills the route's parameters with plausible values.
func routePath(p string) string {
	r := strings.NewReplacer(":code", "420526", ":id", "1", ":collectionId", "villages", ":featureId", "1",
		":collection", "counties", ":z", "5", ":x", "25", ":y", "13")
	return r.Replace(strings.ReplaceAll(p, "*filepath", "x"))
}

// Every route that needs planner or admin rejects requests without a token (401) and with a
// viewer token (403), whatever the body; admin routes also reject a planner token.
func TestEveryWriteRouteNeedsItsRole(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	ctx := context.Background()
	viewerTok, _, _ := e.store.CreateToken(ctx, "v", store.RoleViewer)
	plannerTok, _, _ := e.store.CreateToken(ctx, "p", store.RolePlanner)
	before, err := e.store.DumpTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, r := range e.srv.routes() {
		if r.access < planner {
			continue
		}
		checked++
		path := routePath(r.path)
		body := `{"kind":"welfare_home"}`
		if code, h, _ := e.do(t, r.method, path, body); code != 401 || h.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s without token: %d", r.method, r.path, code)
		}
		if code, _, _ := e.do(t, r.method, path, body, "Authorization", "Bearer "+viewerTok); code != 403 {
			t.Errorf("%s %s with a viewer token: %d, want 403", r.method, r.path, code)
		}
		if r.access == admin {
			if code, _, _ := e.do(t, r.method, path, body, "Authorization", "Bearer "+plannerTok); code != 403 {
				t.Errorf("%s %s with a planner token: %d, want 403", r.method, r.path, code)
			}
		}
		if code, _, _ := e.do(t, r.method, path, body, "Authorization", "Bearer cvp_forged"); code != 401 {
			t.Errorf("%s %s with a forged token: %d, want 401", r.method, r.path, code)
		}
	}
	if checked < 4 {
		t.Fatalf("only %d write routes in the table", checked)
	}
	after, _ := e.store.DumpTables(ctx)
	delete(before, "audit_log")
	delete(after, "audit_log")
	if !reflect.DeepEqual(before, after) {
		t.Error("rejected requests changed the data")
	}
}

// etagOf reads the ETag of facility id.
func (e *testEnv) etagOf(t *testing.T, id int64) string {
	t.Helper()
	code, h, _ := e.get(t, fmt.Sprintf("/api/v1/facilities/%d", id))
	if code != 200 || h.Get("ETag") == "" {
		t.Fatalf("GET facility %d: %d, ETag %q", id, code, h.Get("ETag"))
	}
	return h.Get("ETag")
}

func TestFacilityEditsWithETagsAndAudit(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	ctx := context.Background()
	tok, _, _ := e.store.CreateToken(ctx, "planner-li", store.RolePlanner)
	auth := []string{"Authorization", "Bearer " + tok}

	// Create: a mutual-aid site in 昭君村, given in GCJ-02.
	code, h, m := e.do(t, "POST", "/api/v1/facilities", `{"kind":"mutual_aid_elderly","name":"昭君村互助点","division_code":"420526101201","lon":110.805,"lat":31.297,"crs":"gcj02"}`, auth...)
	// The ETag is the change-log version of the write, also in the body as properties.version.
	logVersion := func() string {
		v, err := e.store.Version()
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf(`"%d"`, v)
	}
	if code != 201 || h.Get("ETag") != logVersion() || !strings.HasPrefix(h.Get("Location"), "/api/v1/facilities/") {
		t.Fatalf("create: %d %v %v", code, h, m)
	}
	etag1 := h.Get("ETag")
	id := h.Get("Location")[len("/api/v1/facilities/"):]
	props := m["properties"].(map[string]any)
	if fmt.Sprintf(`"%v"`, props["version"]) != etag1 {
		t.Errorf("properties.version %v, ETag %s", props["version"], etag1)
	}
	if props["status"] != "operating" || props["provenance"] != "real" {
		t.Errorf("created %v", props)
	}
	lon := m["geometry"].(map[string]any)["coordinates"].([]any)[0].(float64)
	if lon >= 110.805 || lon < 110.79 {
		t.Errorf("GCJ-02 input not converted to WGS84: lon %v", lon)
	}
	// The new site shows in the snapshot at once: 昭君村 is now covered.
	_, _, cov := e.get(t, "/api/v1/coverage?kind=mutual_aid_elderly&division=420526")
	if got := cov["coverage"].(map[string]any)["summary"].(map[string]any)["covered"].(float64); got != 2 {
		t.Errorf("after create, covered = %v, want 2", got)
	}
	// PATCH needs If-Match; a stale one gets 412; the right one updates and bumps the ETag.
	if code, _, _ := e.do(t, "PATCH", "/api/v1/facilities/"+id, `{"beds":4}`, auth...); code != 428 {
		t.Errorf("patch without If-Match: %d", code)
	}
	if code, _, _ := e.do(t, "PATCH", "/api/v1/facilities/"+id, `{"beds":4}`, append(auth, "If-Match", `"7"`)...); code != 412 {
		t.Errorf("patch with a stale ETag: %d", code)
	}
	// A write to another facility does not conflict with this one's ETag.
	if code, _, m := e.do(t, "PATCH", "/api/v1/facilities/2", `{"beds":9}`, append(auth, "If-Match", e.etagOf(t, 2))...); code != 200 {
		t.Fatalf("patch of facility 2: %d %v", code, m)
	}
	code, h, m = e.do(t, "PATCH", "/api/v1/facilities/"+id, `{"beds":4,"status":"suspended"}`, append(auth, "If-Match", etag1)...)
	if code != 200 || h.Get("ETag") != logVersion() || m["properties"].(map[string]any)["beds"].(float64) != 4 || m["properties"].(map[string]any)["name"] != "昭君村互助点" {
		t.Fatalf("patch: %d %v %v", code, h.Get("ETag"), m)
	}
	etag2 := h.Get("ETag")
	if code, _, _ := e.do(t, "PATCH", "/api/v1/facilities/"+id, `{"beds":5}`, append(auth, "If-Match", etag1)...); code != 412 {
		t.Errorf("patch with the ETag before the last change: %d", code)
	}
	// Bad bodies: 400 naming the field, nothing written.
	for _, body := range []string{
		`{"kind":"hospital"}`, `{"beds":-1}`, `{"lon":116.4,"lat":39.9}`, `{"unknown":1}`, `{"opened":"2020-13-01"}`,
		`{"division_code":"420526999201"}`, `{"lat":"north"}`, `[1,2]`, `{"name":""}`,
	} {
		if code, _, m := e.do(t, "PATCH", "/api/v1/facilities/"+id, body, append(auth, "If-Match", etag2)...); code != 400 {
			t.Errorf("PATCH %s: %d %v", body, code, m)
		}
	}
	// DELETE, then the facility is gone but its history stays.
	if code, _, _ := e.do(t, "DELETE", "/api/v1/facilities/"+id, "", append(auth, "If-Match", etag2)...); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if code, _, _ := e.get(t, "/api/v1/facilities/"+id); code != 404 {
		t.Errorf("deleted facility still answers: %d", code)
	}
	// The audit log has exactly the three accepted writes, by this token, in order.
	got := facilityAudit(ctx, t, e)
	want := []string{"facility.delete by planner-li", "facility.update by planner-li", "facility.update by planner-li", "facility.create by planner-li"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("audit %v, want %v", got, want)
	}
}

// facilityAudit lists the audit log's facility writes, newest first, as "action by actor".
func facilityAudit(ctx context.Context, t *testing.T, e *testEnv) []string {
	t.Helper()
	entries, err := e.store.AuditLog(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range entries {
		if strings.HasPrefix(a.Action, "facility.") {
			got = append(got, a.Action+" by "+a.Actor)
		}
	}
	return got
}
