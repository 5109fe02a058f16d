package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/data/store/postgres"
	"github.com/civplan/civplan/data/store/postgres/pgtest"
)

// replicaStores are two handles on one seeded store, as two replica processes would hold,
// a planner token valid in it, and the replicas' Watch interval.
type replicaStores struct {
	a, b  store.Store
	token string
	every time.Duration
}

// replicaBackends lists the stores the two-replica test runs over: an SQLite file opened twice,
// and one PostgreSQL schema opened twice (CIVPLAN_TEST_PG, which `make test` sets through
// scripts/pgtest.sh; without it that case fails, as every PostgreSQL test does, unless
// CIVPLAN_TEST_PG=skip). Each PostgreSQL handle LISTENs on its own connection, so the replicas
// follow each other by NOTIFY.
func replicaBackends() []struct {
	name string
	open func(t *testing.T) replicaStores
} {
	return []struct {
		name string
		open func(t *testing.T) replicaStores
	}{
		{"sqlite", func(t *testing.T) replicaStores {
			path := filepath.Join(t.TempDir(), "shared.db")
			a, err := store.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close() })
			if err := a.Seed(context.Background(), testDataset(), nil); err != nil {
				t.Fatal(err)
			}
			b, err := store.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			tok, _, err := a.CreateToken(context.Background(), "replica-test", store.RolePlanner)
			if err != nil {
				t.Fatal(err)
			}
			return replicaStores{a: a, b: b, token: tok} // every 0: the 50 ms timer, SQLite has no signals
		}},
		{"postgres", func(t *testing.T) replicaStores {
			u := pgtest.URL(t)
			ctx := context.Background()
			a, err := postgres.Open(ctx, u, postgres.Options{Seed: func() (*dataset.Dataset, error) { return testDataset(), nil }})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close() })
			b, err := postgres.Open(ctx, u, postgres.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			tok, _, err := a.CreateToken(ctx, "replica-test", store.RolePlanner)
			if err != nil {
				t.Fatal(err)
			}
			// An hour's timer: only NOTIFY (store.Notifier) can bring a write within 1 s.
			return replicaStores{a: a, b: b, token: tok, every: time.Hour}
		}},
	}
}

// replica is one server of the pair; stop ends its Watch (and waits for it), start begins it.
type replica struct {
	env    *testEnv
	srv    *Server
	every  time.Duration
	cancel context.CancelFunc
	done   chan struct{}
}

func newReplica(t *testing.T, st store.Store, every time.Duration) *replica {
	t.Helper()
	srv, err := New(st, Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	r := &replica{env: &testEnv{srv: srv, ts: ts}, srv: srv, every: every}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *replica) start() {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan struct{})
	go func() { r.srv.Watch(ctx, r.every); close(r.done) }()
}

func (r *replica) stop() {
	if r.cancel != nil {
		r.cancel()
		<-r.done
		r.cancel = nil
	}
}

// visibleWithin polls GET path on r until the ETag is want or the deadline passes; it returns
// how long that took from since.
func (r *replica) visibleWithin(t *testing.T, path, want, auth string, since time.Time, limit time.Duration) time.Duration {
	t.Helper()
	last := ""
	for {
		code, h, _ := r.env.do(t, "GET", path, "", "Authorization", auth)
		if code == 200 && h.Get("ETag") == want {
			return time.Since(since)
		}
		last = fmt.Sprintf("%d ETag %s", code, h.Get("ETag"))
		if time.Since(since) > limit {
			t.Fatalf("%s on the other replica after %v: %s, want ETag %s", path, limit, last, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// converge polls both replicas until they answer path with one ETag (within 1 s) and returns
// it. The replica that acknowledged the last write already has it, so equal means current.
func converge(t *testing.T, a, b *replica, path, auth string) string {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for {
		_, ha, _ := a.env.do(t, "GET", path, "", "Authorization", auth)
		_, hb, _ := b.env.do(t, "GET", path, "", "Authorization", auth)
		if ha.Get("ETag") == hb.Get("ETag") {
			return ha.Get("ETag")
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: replicas still at ETags %s and %s after 1 s", path, ha.Get("ETag"), hb.Get("ETag"))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Two servers over one store: what one acknowledges, the other serves within 1 s, and an
// If-Match taken from either is checked by the store inside the write transaction, so a stale
// ETag is refused even by a replica whose own snapshot still shows it.
func TestTwoReplicas(t *testing.T) {
	for _, be := range replicaBackends() {
		t.Run(be.name, func(t *testing.T) {
			st := be.open(t)
			a, b := newReplica(t, st.a, st.every), newReplica(t, st.b, st.every)
			auth := "Bearer " + st.token

			// A write on a is visible on b within 1 s of its acknowledgement.
			code, h, m := a.env.do(t, "POST", "/api/v1/facilities", `{"kind":"welfare_home","name":"副本甲新建","division_code":"420526101","lon":110.7,"lat":31.5}`, "Authorization", auth)
			acked := time.Now()
			if code != 201 {
				t.Fatalf("create on a: %d %v", code, m)
			}
			loc, tag0 := h.Get("Location"), h.Get("ETag")
			took := b.visibleWithin(t, loc, tag0, auth, acked, time.Second)
			t.Logf("create on a visible on b after %v", took)

			// b's snapshot is frozen (its Watch stopped); a changes the facility; b still
			// shows the old ETag, yet a PATCH through b with that ETag is a 412.
			b.stop()
			code, h, m = a.env.do(t, "PATCH", loc, `{"beds":40}`, "Authorization", auth, "If-Match", tag0)
			if code != 200 {
				t.Fatalf("patch on a: %d %v", code, m)
			}
			tag1 := h.Get("ETag")
			if code, h, _ := b.env.do(t, "GET", loc, "", "Authorization", auth); code != 200 || h.Get("ETag") != tag0 {
				t.Fatalf("b (not following) should still show %s: %d %s", tag0, code, h.Get("ETag"))
			}
			code, h, m = b.env.do(t, "PATCH", loc, `{"beds":99}`, "Authorization", auth, "If-Match", tag0)
			if code != 412 || h.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("stale If-Match through the lagging replica: %d %v, want a 412 problem", code, m)
			}
			b.start()
			b.visibleWithin(t, loc, tag1, auth, time.Now(), time.Second)

			// Both replicas PATCH with the same current ETag at once: exactly one wins.
			for round := 0; round < 5; round++ {
				cur := converge(t, a, b, loc, auth)
				codes, errs := make([]int, 2), make([]error, 2)
				var wg sync.WaitGroup
				for i, r := range []*replica{a, b} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						req, _ := http.NewRequest("PATCH", r.env.ts.URL+loc, strings.NewReader(fmt.Sprintf(`{"beds":%d}`, 100*round+i)))
						req.Header.Set("Content-Type", "application/json")
						req.Header.Set("Authorization", auth)
						req.Header.Set("If-Match", cur)
						res, err := http.DefaultClient.Do(req)
						if errs[i] = err; err == nil {
							codes[i] = res.StatusCode
							res.Body.Close()
						}
					}()
				}
				wg.Wait()
				if err := errors.Join(errs...); err != nil {
					t.Fatal(err)
				}
				if !(codes[0] == 200 && codes[1] == 412 || codes[0] == 412 && codes[1] == 200) {
					t.Fatalf("round %d: concurrent PATCHes with one ETag answered %v, want one 200 and one 412", round, codes)
				}
			}

			// Both end on the same version with the same body.
			converge(t, a, b, loc, auth)
			_, _, ma := a.env.do(t, "GET", loc, "", "Authorization", auth)
			_, _, mb := b.env.do(t, "GET", loc, "", "Authorization", auth)
			if fmt.Sprint(ma) != fmt.Sprint(mb) {
				t.Errorf("replicas differ at one version:\na %v\nb %v", ma, mb)
			}
		})
	}
}
