package web

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civplan/civplan/data/store"
)

// followStore is a store whose change-log reads the test controls: they fail while fail is
// set and wait while hold is open (a slow or stalled store); it signals like a store.Notifier
// when the test says so. Everything else is the SQLite store beneath.
type followStore struct {
	store.Store
	signals chan struct{}
	mu      sync.Mutex
	fail    error
	hold    chan struct{} // non-nil: ChangesSince reports on entered, then waits until hold is closed
	entered chan struct{}
}

func (f *followStore) ChangesSince(ctx context.Context, from int64) (store.ChangeSet, error) {
	f.mu.Lock()
	fail, hold := f.fail, f.hold
	f.mu.Unlock()
	if hold != nil {
		f.entered <- struct{}{}
		<-hold
	}
	if fail != nil {
		return store.ChangeSet{}, fail
	}
	return f.Store.ChangesSince(ctx, from)
}

func (f *followStore) Authenticate(ctx context.Context, secret string) (store.Token, error) {
	f.mu.Lock()
	fail := f.fail
	f.mu.Unlock()
	if fail != nil {
		return store.Token{}, fail
	}
	return f.Store.Authenticate(ctx, secret)
}

func (f *followStore) Changed(context.Context) <-chan struct{} { return f.signals }

func (f *followStore) set(fail error, hold chan struct{}) {
	f.mu.Lock()
	f.fail, f.hold = fail, hold
	f.mu.Unlock()
}

// testClock is a clock the test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// followEnv is a server over a followStore with a hand-moved clock; Watch runs with an hour's
// interval, so only the test's signals make it catch up, and caughtUp delivers each outcome.
type followEnv struct {
	*testEnv
	fs       *followStore
	clock    *testClock
	caughtUp chan error
}

func newFollowEnv(t *testing.T, watch bool) *followEnv {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Seed(context.Background(), testDataset(), nil); err != nil {
		t.Fatal(err)
	}
	fs := &followStore{Store: st, signals: make(chan struct{}), entered: make(chan struct{})}
	srv, err := New(fs, Config{OpenReads: true}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	e := &followEnv{fs: fs, clock: &testClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, caughtUp: make(chan error, 16)}
	srv.now = e.clock.Now // before any goroutine reads it
	hook := func(err error) { e.caughtUp <- err }
	srv.testHookCatchUp.Store(&hook)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	e.testEnv = &testEnv{srv: srv, ts: ts, store: st}
	if watch {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { srv.Watch(ctx, time.Hour); close(done) }()
		t.Cleanup(func() { cancel(); <-done })
		if err := e.wait(t); err != nil { // Watch's first catch-up
			t.Fatalf("first catch-up: %v", err)
		}
	}
	return e
}

// wait returns the outcome of the next catch-up.
func (e *followEnv) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-e.caughtUp:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("no catch-up within 10 s")
		return nil
	}
}

// signal sends one change signal and returns the catch-up's outcome.
func (e *followEnv) signal(t *testing.T) error {
	t.Helper()
	e.fs.signals <- struct{}{}
	return e.wait(t)
}

// fetch GETs path (with a bearer token when given) and returns the status, the Civplan-Stale
// header, the body and its type.
func (e *followEnv) fetch(t *testing.T, path string, token ...string) (int, string, map[string]any, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.ts.URL+path, nil)
	for _, tok := range token {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return res.StatusCode, res.Header.Get(staleHeader), m, res.Header.Get("Content-Type")
}

// renameFacility2 writes straight into the store, as another replica would.
func (e *followEnv) renameFacility2(t *testing.T, name string) int64 {
	t.Helper()
	err := e.store.Write(context.Background(), store.CLIActor(), "facility.update", "facility/2", func(tx *sql.Tx) (any, any, error) {
		rec, err := store.GetFacility(context.Background(), tx, 2)
		if err != nil {
			return nil, nil, err
		}
		rec.Facility.Name = name
		_, err = e.store.UpdateFacility(context.Background(), tx, rec.Facility, 0)
		return nil, rec.Facility, err
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.store.Version()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func facilityName(m map[string]any) any {
	p, _ := m["properties"].(map[string]any)
	return p["name"]
}

// While the store cannot be read, /readyz says so (without the store's error text) and every
// answer still comes from the last snapshot, marked Civplan-Stale; once the store answers again
// the replica catches up with what was written meanwhile and is ready.
func TestReadyzWhileStoreUnreachable(t *testing.T) {
	e := newFollowEnv(t, true)
	if code, stale, m, _ := e.fetch(t, "/readyz"); code != 200 || stale != "" || m["following"] != true {
		t.Fatalf("healthy: %d stale=%q %v", code, stale, m)
	}
	e.fs.set(errors.New("dial tcp 10.9.8.7:5432: connection refused"), nil)
	e.clock.Add(300 * time.Millisecond)
	if err := e.signal(t); err == nil {
		t.Fatal("catch-up over a failing store succeeded")
	}
	want := e.renameFacility2(t, "宕机期间改名")
	e.clock.Add(4 * time.Second)
	if err := e.signal(t); err == nil {
		t.Fatal("second catch-up over a failing store succeeded")
	}

	code, stale, m, ctype := e.fetch(t, "/readyz")
	detail, _ := m["detail"].(string)
	if code != 503 || ctype != "application/problem+json" || stale != "4.300" {
		t.Fatalf("unreachable: %d %s stale=%q %v", code, ctype, stale, m)
	}
	for _, w := range []string{"store unreachable since 2026-01-02T03:04:05Z", "2 catch-ups failed", "4.3 s ago"} {
		if !strings.Contains(detail, w) {
			t.Errorf("readyz detail %q lacks %q", detail, w)
		}
	}
	if strings.Contains(detail, "10.9.8.7") {
		t.Errorf("readyz detail leaks the store's error: %q", detail)
	}
	code, stale, m, _ = e.fetch(t, "/api/v1/facilities/2")
	if code != 200 || stale != "4.300" || facilityName(m) != "古夫村互助养老服务点" {
		t.Errorf("read while unreachable: %d stale=%q name %v (want the last snapshot's)", code, stale, facilityName(m))
	}
	if code, stale, _, _ := e.fetch(t, "/healthz"); code != 200 || stale != "4.300" {
		t.Errorf("healthz while unreachable: %d stale=%q", code, stale)
	}

	e.fs.set(nil, nil)
	e.clock.Add(time.Second)
	if err := e.signal(t); err != nil {
		t.Fatalf("catch-up after the store came back: %v", err)
	}
	if code, stale, m, _ := e.fetch(t, "/readyz"); code != 200 || stale != "" || m["snapshot_version"] != float64(want) {
		t.Errorf("after recovery: %d stale=%q %v (want version %d)", code, stale, m, want)
	}
	if _, stale, m, _ := e.fetch(t, "/api/v1/facilities/2"); stale != "" || facilityName(m) != "宕机期间改名" {
		t.Errorf("after recovery: stale=%q name %v", stale, facilityName(m))
	}
}

// A replica whose catch-ups stall is ready up to MaxLag (2 s by default) and not after; it is
// judged by when the last successful catch-up started, so even the stalled one, once done,
// leaves it behind until the next.
func TestReadyzWhileLagging(t *testing.T) {
	e := newFollowEnv(t, true)
	hold := make(chan struct{})
	e.fs.set(nil, hold)
	go func() { e.fs.signals <- struct{}{} }()
	<-e.fs.entered // Watch now waits inside ChangesSince

	e.clock.Add(1500 * time.Millisecond)
	code, stale, m, _ := e.fetch(t, "/readyz")
	if code != 200 || stale != "" || m["lag_s"] != 1.5 {
		t.Fatalf("1.5 s behind, max 2 s: %d stale=%q %v", code, stale, m)
	}
	e.clock.Add(time.Second)
	code, stale, m, _ = e.fetch(t, "/readyz")
	if detail, _ := m["detail"].(string); code != 503 || stale != "2.500" || !strings.Contains(detail, "2.5 s behind") || !strings.Contains(detail, "max lag 2s") {
		t.Fatalf("2.5 s behind: %d stale=%q %v", code, stale, m)
	}
	if code, stale, _, _ := e.fetch(t, "/api/v1/divisions/420526"); code != 200 || stale != "2.500" {
		t.Errorf("read while lagging: %d stale=%q", code, stale)
	}

	e.fs.set(nil, nil)
	close(hold)
	if err := e.wait(t); err != nil {
		t.Fatal(err)
	}
	if code, _, _, _ := e.fetch(t, "/readyz"); code != 503 {
		t.Errorf("the stalled catch-up read the store 2.5 s ago, yet /readyz says %d", code)
	}
	if err := e.signal(t); err != nil {
		t.Fatal(err)
	}
	if code, stale, m, _ := e.fetch(t, "/readyz"); code != 200 || stale != "" || m["lag_s"] != 0.0 {
		t.Errorf("after a prompt catch-up: %d stale=%q %v", code, stale, m)
	}
}

// A store.Notifier's signal alone (the ticker is an hour) brings another writer's change in.
func TestWatchCatchesUpOnSignal(t *testing.T) {
	e := newFollowEnv(t, true)
	want := e.renameFacility2(t, "通知后可见")
	if e.srv.current().version == want {
		t.Fatal("applied before any signal")
	}
	if err := e.signal(t); err != nil {
		t.Fatal(err)
	}
	if got := e.srv.current(); got.version != want {
		t.Fatalf("after a signal: version %d, want %d", got.version, want)
	}
}

// A server that does not follow the store (it applies only its own writes) is never stale,
// however long it runs; a failed catch-up of its own is the request's error, not staleness.
func TestNotFollowingIsNeverStale(t *testing.T) {
	e := newFollowEnv(t, false)
	e.clock.Add(time.Hour)
	e.fs.set(errors.New("gone"), nil)
	if err := e.srv.Reload(); err == nil {
		t.Fatal("Reload over a failing store succeeded")
	}
	if code, stale, m, _ := e.fetch(t, "/readyz"); code != 200 || stale != "" || m["following"] != false {
		t.Errorf("not following: %d stale=%q %v", code, stale, m)
	}
}

// Token checks are reused for tokenTTL, so a revoked token stops working within it; while the
// store is unreachable a token seen before still reads (from the snapshot), while writes and
// tokens never seen answer 503 — not 401, which would tell the client its token is bad.
func TestTokensWhileStoreUnreachable(t *testing.T) {
	e := newFollowEnv(t, true)
	ctx := context.Background()
	viewerTok, _, err := e.store.CreateToken(ctx, "v", store.RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	plannerTok, _, err := e.store.CreateToken(ctx, "p", store.RolePlanner)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{viewerTok, plannerTok} {
		if code, _, m, _ := e.fetch(t, "/api/v1/divisions/420526", tok); code != 200 {
			t.Fatalf("healthy read with a token: %d %v", code, m)
		}
	}
	unseen, _, err := e.store.CreateToken(ctx, "u", store.RoleViewer)
	if err != nil {
		t.Fatal(err)
	}

	e.fs.set(errors.New("connection reset"), nil)
	e.clock.Add(10 * time.Second) // past tokenTTL: the store is asked, and fails
	if code, _, m, _ := e.fetch(t, "/api/v1/divisions/420526", viewerTok); code != 200 {
		t.Errorf("read with a known token while unreachable: %d %v", code, m)
	}
	if code, _, m, ctype := e.fetch(t, "/api/v1/divisions/420526", unseen); code != 503 || ctype != "application/problem+json" {
		t.Errorf("read with an unseen token while unreachable: %d %s %v, want a 503 problem", code, ctype, m)
	}
	code, _, m := e.do(t, "POST", "/api/v1/facilities", `{"kind":"welfare_home","name":"x","division_code":"420526101","lon":110.7,"lat":31.5}`, "Authorization", "Bearer "+plannerTok)
	if code != 503 {
		t.Errorf("write while unreachable: %d %v, want 503", code, m)
	}

	e.fs.set(nil, nil)
	e.clock.Add(10 * time.Second)
	if code, _, m, _ := e.fetch(t, "/api/v1/divisions/420526", viewerTok); code != 200 {
		t.Fatalf("read after recovery: %d %v", code, m)
	}
	toks, err := e.store.ListTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range toks {
		if tk.Name == "v" {
			if err := e.store.RevokeToken(ctx, tk.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.clock.Add(tokenTTL / 2)
	if code, _, _, _ := e.fetch(t, "/api/v1/divisions/420526", viewerTok); code != 200 {
		t.Errorf("revoked token within tokenTTL of its last check: %d, want 200 (the check is reused)", code)
	}
	e.clock.Add(tokenTTL)
	if code, _, _, _ := e.fetch(t, "/api/v1/divisions/420526", viewerTok); code != 401 {
		t.Errorf("revoked token past tokenTTL: %d, want 401", code)
	}
}
