package web

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/data/store/postgres"
	"github.com/civplan/civplan/data/store/postgres/pgtest"
	"github.com/gin-gonic/gin"
	sqlite3 "github.com/mattn/go-sqlite3"
)

// testLogWriter sends a server log to the test's log.
type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// tcpProxy forwards loopback connections to target; cut closes its listener and every
// connection (PostgreSQL "goes away" mid-run: pooled connections break, new ones are refused),
// restore listens again on the same address.
type tcpProxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

func startProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	p := &tcpProxy{t: t, target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			if p.ln != ln { // cut meanwhile
				p.mu.Unlock()
				c.Close()
				u.Close()
				return
			}
			p.conns[c], p.conns[u] = true, true
			p.mu.Unlock()
			go func() { io.Copy(u, c); u.Close(); c.Close() }()
			go func() { io.Copy(c, u); u.Close(); c.Close() }()
		}
	}()
}

func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

func (p *tcpProxy) restore() {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("proxy: listen again on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

// A write while PostgreSQL cannot be reached (the connection cut mid-run, new ones refused)
// answers 503 problem+json with Retry-After and the cause, never the URL; /readyz says why;
// reads keep answering from the snapshot; nothing is half-written; once the server is back,
// writes succeed again.
func TestWritesWhilePostgresUnreachable(t *testing.T) {
	base := pgtest.URL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startProxy(t, u.Host)
	u.Host = proxy.addr
	u.User = url.UserPassword(u.User.Username(), "s3cret-pw") // trust auth ignores it; it must never be shown
	ctx := context.Background()
	st, err := postgres.Open(ctx, u.String(), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := serveDatasetOn(t, st, testDataset(), Config{OpenReads: true})
	e.srv.log = slog.New(slog.NewTextHandler(testLogWriter{t}, nil)) // the driver's errors, should the test fail
	frozen := time.Now()
	e.srv.now = func() time.Time { return frozen } // token checks stay fresh; lag stays 0: readiness is about reachability
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { e.srv.Watch(wctx, 20*time.Millisecond); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	direct, err := postgres.Open(ctx, base, postgres.Options{}) // past the proxy: what is really stored
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { direct.Close() })

	tok, _, err := st.CreateToken(ctx, "planner", store.RolePlanner)
	if err != nil {
		t.Fatal(err)
	}
	auth := []string{"Authorization", "Bearer " + tok}
	code, _, m := e.do(t, "PATCH", "/api/v1/facilities/1", `{"beds":40}`, append(auth, "If-Match", e.etagOf(t, 1))...)
	if code != 200 {
		t.Fatalf("PATCH while healthy: %d %v", code, m)
	}
	etag := e.etagOf(t, 1)
	okWrites := 1
	before, err := direct.DumpTables(ctx)
	if err != nil {
		t.Fatal(err)
	}

	proxy.cut()
	batch := `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[110.3,31.2]},"properties":{"kind":"mutual_aid_elderly","name":"断线-1","division_code":"420526100"}}]}`
	for _, w := range []struct{ method, path, body, ifMatch string }{
		{"PATCH", "/api/v1/facilities/1", `{"beds":41}`, etag},
		{"POST", "/api/v1/facilities", `{"kind":"welfare_home","name":"断线","division_code":"420526101","lon":110.7,"lat":31.5}`, ""},
		{"POST", "/api/v1/facilities", batch, ""},
		{"DELETE", "/api/v1/facilities/1", "", etag},
		{"PATCH", "/api/v1/facilities/1", `{"beds":43}`, etag + " idem"}, // with an Idempotency-Key: its lookup fails too
	} {
		hdr := append([]string{}, auth...)
		if ifm, keyed := strings.CutSuffix(w.ifMatch, " idem"); keyed {
			hdr = append(hdr, "If-Match", ifm, "Idempotency-Key", "outage-1")
		} else if w.ifMatch != "" {
			hdr = append(hdr, "If-Match", w.ifMatch)
		}
		code, h, body := e.doRaw(t, w.method, w.path, w.body, hdr...)
		detail := string(body)
		switch {
		case code != 503 || h.Get("Content-Type") != "application/problem+json" || h.Get("Retry-After") == "":
			t.Errorf("%s %s while PostgreSQL is unreachable: %d %s Retry-After=%q %s, want a 503 problem with Retry-After",
				w.method, w.path, code, h.Get("Content-Type"), h.Get("Retry-After"), body)
		case !strings.Contains(detail, "PostgreSQL cannot be reached") || !strings.Contains(detail, "nothing was written"):
			t.Errorf("%s %s: detail does not name the store and the outcome: %s", w.method, w.path, body)
		case strings.Contains(detail, "s3cret") || strings.Contains(detail, proxy.addr) || strings.Contains(detail, "postgres://"):
			t.Errorf("%s %s: the answer shows the URL, address or password: %s", w.method, w.path, body)
		}
	}
	if code, _, m := e.get(t, "/api/v1/facilities/1"); code != 200 {
		t.Errorf("read while unreachable: %d %v", code, m)
	}
	var ready map[string]any
	deadline := time.Now().Add(10 * time.Second)
	for code = 0; code != 503 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		code, _, ready = e.get(t, "/readyz")
	}
	if d, _ := ready["detail"].(string); code != 503 || !strings.Contains(d, "store unreachable since") || !strings.Contains(d, "PostgreSQL: ") {
		t.Errorf("/readyz while unreachable: %d %v, want 503 naming the cause", code, ready)
	}
	after, err := direct.DumpTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("writes refused while unreachable changed the database")
	}

	proxy.restore()
	var last string
	deadline = time.Now().Add(10 * time.Second)
	for code = 0; code != 200 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var body []byte
		code, _, body = e.doRaw(t, "PATCH", "/api/v1/facilities/1", `{"beds":42}`, append(auth, "If-Match", etag)...)
		last = string(body)
		if code != 200 && code != 503 {
			t.Fatalf("PATCH after the server came back: %d %s, want 200 (or 503 while reconnecting)", code, body)
		}
	}
	if code != 200 {
		t.Fatalf("PATCH never succeeded after the server came back: %d %s", code, last)
	}
	okWrites++
	rec, err := direct.Facility(ctx, 1)
	if err != nil || rec.Facility.Beds != 42 {
		t.Errorf("facility 1 after recovery: %+v %v, want 42 beds", rec.Facility, err)
	}
	if got := len(facilityAudit(ctx, t, &testEnv{store: direct})); got != okWrites {
		t.Errorf("%d facility writes audited, want the %d acknowledged", got, okWrites)
	}
	deadline = time.Now().Add(10 * time.Second)
	for code = 0; code != 200 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		code, _, ready = e.get(t, "/readyz")
	}
	if code != 200 {
		t.Errorf("/readyz after recovery: %d %v", code, ready)
	}
}

// A SQLite write that waits past the busy timeout for a lock another process holds answers 503
// with Retry-After (not 500), and writes nothing.
func TestWriteWhileSQLiteBusy(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED under -short: waits out SQLite's 5 s busy timeout")
	}
	path := filepath.Join(t.TempDir(), "t.db")
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := serveDatasetOn(t, st, testDataset(), Config{OpenReads: true})
	ctx := context.Background()
	tok, _, err := st.CreateToken(ctx, "planner", store.RolePlanner)
	if err != nil {
		t.Fatal(err)
	}
	auth := []string{"Authorization", "Bearer " + tok, "If-Match", e.etagOf(t, 1)}
	if code, _, m := e.do(t, "GET", "/api/v1/facilities/1", "", auth[:2]...); code != 200 { // the token check is cached
		t.Fatalf("read: %d %v", code, m)
	}
	other, err := sql.Open("sqlite3", "file:"+path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.Begin() // another process's write lock
	if err != nil {
		t.Fatal(err)
	}
	v0, _ := st.Version()
	code, h, body := e.doRaw(t, "PATCH", "/api/v1/facilities/1", `{"beds":41}`, auth...)
	tx.Rollback()
	if code != 503 || h.Get("Retry-After") == "" || h.Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(string(body), "SQLite cannot be reached (the database file is locked by another process") {
		t.Errorf("PATCH while another process holds the write lock: %d Retry-After=%q %s", code, h.Get("Retry-After"), body)
	}
	if v, _ := st.Version(); v != v0 {
		t.Errorf("version %d → %d: the refused write changed something", v0, v)
	}
	if code, _, body := e.doRaw(t, "PATCH", "/api/v1/facilities/1", `{"beds":41}`, auth...); code != 200 {
		t.Errorf("PATCH once the lock is released: %d %s", code, body)
	}
}

// unavailableProblem: 503 naming the store and cause for writes ("nothing was written", or
// "may have been made" when the commit was cut off), a shorter detail for reads, the driver's
// error (with its address) never shown, and nil for anything else — also for a deadline that
// is the caller's, which the work-deadline answer handles.
func TestUnavailableProblem(t *testing.T) {
	gin.SetMode(gin.TestMode)
	driver := errors.New("dial tcp 10.9.8.7:5432: connect: connection refused")
	refused := &store.UnavailableError{Store: "PostgreSQL", Cause: "cannot connect: connection refused", Err: driver}
	cut := &store.UnavailableError{Store: "PostgreSQL", Cause: "the server closed the connection", MaybeCommitted: true, Err: driver}
	for _, c := range []struct {
		name, method string
		err          error
		want         []string // in the detail; nil: no problem expected
	}{
		{"write, refused", "PATCH", fmt.Errorf("write: %w", refused), []string{"PostgreSQL cannot be reached (cannot connect: connection refused)", "nothing was written", "retry later"}},
		{"write, cut during commit", "POST", cut, []string{"may have been made", "Idempotency-Key"}},
		{"read", "GET", refused, []string{"PostgreSQL cannot be reached", "retry later"}},
		{"SQLite busy", "DELETE", store.SQLiteUnavailable(sqlite3.Error{Code: sqlite3.ErrBusy}), []string{"SQLite cannot be reached (the database file is locked by another process"}},
		{"not found", "PATCH", store.ErrNotFound, nil},
		{"the caller's deadline", "POST", context.DeadlineExceeded, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, _ := gin.CreateTestContext(httptest.NewRecorder())
			ctx.Request = httptest.NewRequest(c.method, "/api/v1/facilities/1", nil)
			p := unavailableProblem(ctx, c.err)
			if c.want == nil {
				if p != nil {
					t.Fatalf("%v: %+v, want no problem", c.err, p)
				}
				return
			}
			if p == nil || p.Status != 503 {
				t.Fatalf("%v: %+v, want a 503", c.err, p)
			}
			for _, w := range c.want {
				if !strings.Contains(p.Detail, w) {
					t.Errorf("detail %q lacks %q", p.Detail, w)
				}
			}
			if strings.Contains(p.Detail, "10.9.8.7") || (c.method == "GET" && strings.Contains(p.Detail, "written")) {
				t.Errorf("detail %q shows the driver's address or speaks of a write on a read", p.Detail)
			}
		})
	}
}
