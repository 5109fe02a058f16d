package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/dataset/datasettest"
	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/data/store/postgres"
	"github.com/civplan/civplan/data/store/postgres/pgtest"
)

// Replicas starting together on an empty database migrate and seed it once: the others wait on
// the advisory lock, then find it seeded.
func TestOpenSeedsOnceUnderTheLock(t *testing.T) {
	u := pgtest.URL(t)
	var loads atomic.Int32
	seed := func() (*dataset.Dataset, error) { loads.Add(1); return datasettest.Small(), nil }
	const n = 3
	stores := make([]*postgres.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = postgres.Open(context.Background(), u, postgres.Options{Seed: seed})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	if got := loads.Load(); got != 1 {
		t.Errorf("the dataset was loaded %d times, want once", got)
	}
	seeds, err := stores[0].AuditLog(context.Background(), store.AuditFilter{Action: "seed"})
	if err != nil || len(seeds) != 1 {
		t.Errorf("seed audit entries: %d (%v), want 1", len(seeds), err)
	}
	for i, s := range stores {
		if v, err := s.Version(); err != nil || v != 1 {
			t.Errorf("replica %d: version %d (%v), want 1", i, v, err)
		}
	}
	var migrations int
	stores[1].DB().QueryRow("SELECT count(*) FROM schema_version").Scan(&migrations)
	if migrations != postgres.SchemaVersion() {
		t.Errorf("schema_version rows %d, want %d (each step once)", migrations, postgres.SchemaVersion())
	}
}

// The tables QGIS opens: geometry columns typed and in EPSG:4326, GiST-indexed, and holding
// exactly the points and polygons written (read back by PostGIS itself, not by civplan).
func TestGeometryColumnsForQGIS(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	if err := s.Seed(ctx, datasettest.Small(), nil); err != nil {
		t.Fatal(err)
	}
	cols := map[string]string{}
	rows, err := s.DB().Query("SELECT f_table_name || '.' || f_geometry_column, type || ' ' || srid FROM geometry_columns WHERE f_table_schema = current_schema()")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k, v string
		rows.Scan(&k, &v)
		cols[k] = v
	}
	rows.Close()
	want := map[string]string{"facilities.geom": "POINT 4326", "divisions.boundary": "MULTIPOLYGON 4326", "divisions.seat": "POINT 4326"}
	for k, v := range want {
		if cols[k] != v {
			t.Errorf("geometry column %s: %q, want %q (all: %v)", k, cols[k], v, cols)
		}
		table, col, _ := strings.Cut(k, ".")
		var n int
		s.DB().QueryRow(`SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1
			AND indexdef LIKE '%USING gist (' || $2 || ')%'`, table, col).Scan(&n)
		if n != 1 {
			t.Errorf("%s: %d GiST indexes, want 1", k, n)
		}
	}
	checks := []struct{ sql, want string }{
		{"SELECT ST_AsText(geom) FROM facilities WHERE id = 10", "POINT(110.752 31.352)"},
		{"SELECT ST_AsText(seat) FROM divisions WHERE code = '420526100201'", "POINT(110.7 31.3)"},
		{"SELECT coalesce(ST_AsText(seat), 'NULL') FROM divisions WHERE code = '420526200000'", "NULL"}, // 高桥乡 has no seat
		{"SELECT ST_AsText(boundary) FROM divisions WHERE code = '420526000000'", "MULTIPOLYGON(((110.5 31,111 31,111 31.5,110.5 31.5,110.5 31)))"},
		{"SELECT ST_NumGeometries(boundary) || ' ' || ST_NumInteriorRings(ST_GeometryN(boundary, 1)) FROM divisions WHERE code = '420526100000'", "2 1"},
		// PostGIS's own containment: every facility of the fixture lies in the county's boundary.
		{"SELECT count(*) FROM facilities f JOIN divisions d ON d.code = '420526000000' WHERE ST_Contains(d.boundary, f.geom)", "4"},
	}
	for _, c := range checks {
		var got string
		if err := s.DB().QueryRow(c.sql).Scan(&got); err != nil || got != c.want {
			t.Errorf("%s = %q (%v), want %q", c.sql, got, err, c.want)
		}
	}
}

// Two stores on one database (two replicas) write at once: every write gets its own version,
// contiguous and in commit order, and no read-modify-write is lost, because the counter's row
// lock orders the transactions and the If-Match check runs after it.
func TestWritersOfTwoReplicasSerialise(t *testing.T) {
	u := pgtest.URL(t)
	ctx := context.Background()
	a, err := postgres.Open(ctx, u, postgres.Options{Seed: func() (*dataset.Dataset, error) { return datasettest.Small(), nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := postgres.Open(ctx, u, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const perReplica = 15
	var wg sync.WaitGroup
	var failed atomic.Int32
	for _, s := range []*postgres.Store{a, b} {
		for range perReplica {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.Write(ctx, store.CLIActor(), "facility.update", "facility/10", func(tx *sql.Tx) (any, any, error) {
					rec, err := s.FacilityTx(ctx, tx, 10)
					if err != nil {
						return nil, nil, err
					}
					f := rec.Facility
					f.Beds++
					_, err = s.UpdateFacility(ctx, tx, f, rec.Version)
					return rec, f, err
				})
				if err != nil {
					failed.Add(1)
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	rec, err := b.Facility(ctx, 10)
	if err != nil || rec.Beds != 60+2*perReplica {
		t.Errorf("beds %d (%v), want %d: an update was lost", rec.Beds, err, 60+2*perReplica)
	}
	cs, err := a.Changes(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1+2*perReplica {
		t.Fatalf("%d log entries, want %d", len(cs), 1+2*perReplica)
	}
	for i, c := range cs {
		if c.Version != int64(i+1) {
			t.Fatalf("entry %d has version %d: versions must be contiguous", i, c.Version)
		}
		if i > 0 && c.At.Before(cs[i-1].At) {
			t.Errorf("version %d committed at %v, before version %d (%v)", c.Version, c.At, cs[i-1].Version, cs[i-1].At)
		}
	}
	if rec.Version != int64(1+2*perReplica) {
		t.Errorf("facility at version %d, want the last, %d", rec.Version, 1+2*perReplica)
	}
}

// Changed sends once it listens; then a commit on one replica wakes the other's Changed; after the
// listening connection is killed it reconnects and sends once (notifications may have been
// missed); the channel closes with ctx.
func TestChangedNotifiesAndReconnects(t *testing.T) {
	u := pgtest.URL(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := postgres.Open(ctx, u, postgres.Options{Seed: func() (*dataset.Dataset, error) { return datasettest.Small(), nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := postgres.Open(ctx, u, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ch := b.Changed(ctx)
	wait := func(what string) {
		t.Helper()
		select {
		case _, ok := <-ch:
			if !ok {
				t.Fatalf("%s: channel closed", what)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no signal within 5 s", what)
		}
	}
	wait("listening") // it sends once it listens: commits before that may have gone unnoticed
	if err := a.Write(ctx, store.CLIActor(), "token.test", "t", func(*sql.Tx) (any, any, error) { return nil, nil, nil }); err != nil {
		t.Fatal(err)
	}
	wait("commit on the other replica")
	if err := a.Write(ctx, store.CLIActor(), "token.test", "t", func(*sql.Tx) (any, any, error) { return nil, nil, nil }); err != nil {
		t.Fatal(err)
	}
	wait("second commit")
	// A failed write commits nothing and notifies nobody.
	a.Write(ctx, store.CLIActor(), "token.test", "t", func(*sql.Tx) (any, any, error) { return nil, nil, errors.New("refused") })
	select {
	case <-ch:
		t.Error("a rolled-back write signalled")
	case <-time.After(500 * time.Millisecond):
	}
	var killed int
	if err := a.DB().QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = 'civplan-listen' AND datname = current_database()`).Scan(&killed); err != nil || killed == 0 {
		t.Fatalf("terminated %d listeners (%v)", killed, err)
	}
	wait("reconnect")
	if err := a.Write(ctx, store.CLIActor(), "token.test", "t", func(*sql.Tx) (any, any, error) { return nil, nil, nil }); err != nil {
		t.Fatal(err)
	}
	wait("commit after the reconnect")
	cancel()
	select {
	case _, ok := <-ch:
		for ok {
			_, ok = <-ch
		}
	case <-time.After(5 * time.Second):
		t.Error("channel not closed after ctx ended")
	}
}

// Bad URLs, unreachable servers and newer schemas give one-line errors naming the database,
// never a password.
func TestOpenErrors(t *testing.T) {
	u := pgtest.URL(t)
	ctx := context.Background()
	for _, c := range []struct{ url, want string }{
		{"postgres://civ:secret@127.0.0.1:1/x?connect_timeout=2", "connect"},
		{"postgres://civ:secret@127.0.0.1:notaport/x", "bad PostgreSQL URL"},
		{"postgresql://civ:secret@no-such-host.invalid/x?connect_timeout=2", "no-such-host.invalid"},
	} {
		_, err := postgres.Open(ctx, c.url, postgres.Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "\n") {
			t.Errorf("Open(%s): %v, want one line mentioning %q without the password", c.url, err, c.want)
		}
	}
	s2, err := postgres.Open(ctx, u, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.DB().Exec("INSERT INTO schema_version VALUES (99, 'future', now())"); err != nil {
		t.Fatal(err)
	}
	s2.Close()
	if _, err := postgres.Open(ctx, u, postgres.Options{}); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open of a schema-99 database: %v, want 'newer'", err)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://civ:pw@h:5432/db":           "postgres://civ:xxxxx@h:5432/db",
		"postgres://civ@h/db?password=pw&x=1":   "postgres://civ@h/db?password=xxxxx&x=1",
		"postgresql://h/db":                     "postgresql://h/db",
		"postgres://civ:pw@h:5432/db?sslmode=x": "postgres://civ:xxxxx@h:5432/db?sslmode=x",
	} {
		if got := postgres.Redact(in); got != want {
			t.Errorf("Redact(%s) = %s, want %s", in, got, want)
		}
	}
}
