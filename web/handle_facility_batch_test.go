package web

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/civplan/civplan/data/store"
)

// A map front-end writes back the Feature it read: GET → change a property → PUT the Feature
// with its ETag; the other properties survive, a mismatched id or a second position is refused.
func TestFacilityFeatureBodies(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	tok, _, _ := e.store.CreateToken(context.Background(), "p", store.RolePlanner)
	auth := []string{"Authorization", "Bearer " + tok, "Content-Type", "application/geo+json"}
	code, h, m := e.do(t, "POST", "/api/v1/facilities", `{"type":"Feature","geometry":{"type":"Point","coordinates":[110.3,31.25]},
		"properties":{"kind":"welfare_home","name":"要素敬老院","division_code":"420526100","beds":20,"renovated":{"fire_safety":true}}}`, auth...)
	if code != 201 {
		t.Fatalf("POST Feature: %d %v", code, m)
	}
	id := h.Get("Location")[len("/api/v1/facilities/"):]
	code, h, m = e.get(t, "/api/v1/facilities/"+id)
	if code != 200 {
		t.Fatal(code)
	}
	m["properties"].(map[string]any)["beds"] = 21
	body, _ := json.Marshal(m)
	code, h2, m2 := e.do(t, "PUT", "/api/v1/facilities/"+id, string(body), append(auth, "If-Match", h.Get("ETag"))...)
	if code != 200 {
		t.Fatalf("PUT the Feature read: %d %v", code, m2)
	}
	p := m2["properties"].(map[string]any)
	if p["beds"].(float64) != 21 || p["name"] != "要素敬老院" || p["renovated"].(map[string]any)["fire_safety"] != true ||
		fmt.Sprintf(`"%v"`, p["version"]) != h2.Get("ETag") || h2.Get("ETag") == h.Get("ETag") {
		t.Errorf("after PUT: %v, ETag %s (was %s)", p, h2.Get("ETag"), h.Get("ETag"))
	}
	for name, b := range map[string]string{
		"id of another facility": `{"type":"Feature","geometry":null,"properties":{"id":1,"beds":3}}`,
		"position twice":         `{"type":"Feature","geometry":{"type":"Point","coordinates":[110.3,31.25]},"properties":{"lon":110.3}}`,
		"a line":                 `{"type":"Feature","geometry":{"type":"LineString","coordinates":[[110.3,31.25],[110.4,31.3]]},"properties":{}}`,
		"unknown property":       `{"type":"Feature","geometry":null,"properties":{"colour":"red"}}`,
		"a collection":           `{"type":"FeatureCollection","features":[]}`,
	} {
		if code, _, m := e.do(t, "PATCH", "/api/v1/facilities/"+id, b, append(auth, "If-Match", h2.Get("ETag"))...); code != 400 {
			t.Errorf("PATCH %s: %d %v", name, code, m)
		}
	}
}

// POST with a FeatureCollection is one batch: one transaction, one log version, one snapshot
// step; a bad feature is named by number and field and nothing is written.
func TestFacilityBatch(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	tok, _, _ := e.store.CreateToken(context.Background(), "p", store.RolePlanner)
	auth := []string{"Authorization", "Bearer " + tok}
	feature := func(i int, beds string) string {
		return fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[110.3,%.3f]},"properties":{"kind":"mutual_aid_elderly","name":"批量-%d","division_code":"420526100","beds":%s,"renovated":{"accessibility":false},"version":9}}`,
			31.2+0.01*float64(i), i, beds)
	}
	count := func() int {
		_, _, m := e.get(t, "/api/v1/facilities?limit=1")
		return int(m["numberMatched"].(float64))
	}
	n0 := count()
	v0, _ := e.store.Version()
	bad := `{"type":"FeatureCollection","features":[` + feature(1, "3") + "," + feature(2, "-4") + "]}"
	code, _, m := e.do(t, "POST", "/api/v1/facilities", bad, auth...)
	if detail, _ := m["detail"].(string); code != 400 || !strings.Contains(detail, "feature 2") || !strings.Contains(detail, "beds") {
		t.Errorf("bad batch: %d %v", code, m)
	}
	if v, _ := e.store.Version(); count() != n0 || v != v0 {
		t.Fatalf("a refused batch changed something: %d → %d facilities, version %d → %d", n0, count(), v0, v)
	}
	good := `{"type":"FeatureCollection","features":[` + feature(1, "3") + "," + feature(2, "4") + "," + feature(3, "5") + "]}"
	code, _, m = e.do(t, "POST", "/api/v1/facilities", good, auth...)
	if code != 200 || m["report"].(map[string]any)["inserted"].(float64) != 3 || m["version"].(float64) != float64(v0+1) {
		t.Fatalf("batch: %d %v (version before %d)", code, m, v0)
	}
	if count() != n0+3 || e.srv.current().version != v0+1 {
		t.Errorf("after the batch: %d facilities (want %d), version %d (want %d)", count(), n0+3, e.srv.current().version, v0+1)
	}
	_, _, page := e.get(t, "/api/v1/facilities?kind=mutual_aid_elderly&limit=1000")
	found := 0
	for _, f := range page["features"].([]any) {
		p := f.(map[string]any)["properties"].(map[string]any)
		if strings.HasPrefix(p["name"].(string), "批量-") {
			found++
			if p["version"].(float64) != float64(v0+1) || p["renovated"].(map[string]any)["accessibility"] != false {
				t.Errorf("batch facility %v", p)
			}
		}
	}
	if found != 3 {
		t.Errorf("%d batch facilities listed, want 3", found)
	}
}

// A write by another process (here: straight into the store) reaches the readers through the
// change log as one snapshot step, sharing the tree, without any request.
func TestFollowerAppliesOtherWriters(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	before := e.srv.current()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.srv.Watch(ctx, 0)
	err := e.store.Write(context.Background(), store.CLIActor(), "facility.update", "facility/2", func(tx *sql.Tx) (any, any, error) {
		rec, err := store.GetFacility(context.Background(), tx, 2)
		if err != nil {
			return nil, nil, err
		}
		rec.Facility.Name = "另一进程改名"
		_, err = e.store.UpdateFacility(context.Background(), tx, rec.Facility, 0)
		return nil, rec.Facility, err
	})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := e.store.Version()
	deadline := time.Now().Add(5 * time.Second)
	for e.srv.current().version != want && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	got := e.srv.current()
	if got.version != want || got.tree != before.tree {
		t.Fatalf("snapshot at %d (store %d), tree shared %v", got.version, want, got.tree == before.tree)
	}
	if f, ok := got.registry.Get(2); !ok || f.Name != "另一进程改名" || f.Version != want {
		t.Errorf("facility 2 in the snapshot: %+v", f)
	}
}

// A feature whose renovated is not an object fails the batch with 400 naming the feature and
// the property; nothing is written.
func TestFacilityBatchBadRenovated(t *testing.T) {
	e := newTestEnv(t, Config{OpenReads: true})
	tok, _, _ := e.store.CreateToken(context.Background(), "p", store.RolePlanner)
	v0, _ := e.store.Version()
	f := func(i int, ren string) string {
		return fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[110.3,31.2]},"properties":{"kind":"mutual_aid_elderly","name":"坏-%d","division_code":"420526100","renovated":%s}}`, i, ren)
	}
	body := `{"type":"FeatureCollection","features":[` + f(1, `{"fire_safety":true}`) + "," + f(2, `5`) + "]}"
	code, _, m := e.do(t, "POST", "/api/v1/facilities", body, "Authorization", "Bearer "+tok)
	detail, _ := m["detail"].(string)
	if code != 400 || !strings.Contains(detail, "feature 2") || !strings.Contains(detail, "renovated") {
		t.Errorf("renovated 5: %d %v", code, m)
	}
	if v, _ := e.store.Version(); v != v0 {
		t.Errorf("a refused batch moved the version %d → %d", v0, v)
	}
}
