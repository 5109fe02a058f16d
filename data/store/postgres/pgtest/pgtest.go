// Package pgtest gives tests a fresh PostgreSQL schema in the database named by the environment
// variable CIVPLAN_TEST_PG (a postgres:// URL of a database where the test user may create
// schemas; scripts/pgtest.sh, which `make test` uses, starts a throwaway cluster with one).
// Without it a test fails, saying how to get one, unless CIVPLAN_TEST_PG=skip (or -short), which
// skips it loudly: the explicit, documented switch for a machine without PostgreSQL.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env is the environment variable naming the test server.
const Env = "CIVPLAN_TEST_PG"

// Server returns the test database's URL, or ends the test: failed when Env is unset, skipped
// when Env is "skip" or under -short.
func Server(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	switch {
	case u == "skip" || (testing.Short() && u == ""):
		t.Skip("SKIPPED: PostgreSQL test (" + Env + "=skip or -short); `make test` runs it against a throwaway cluster")
	case u == "":
		t.Fatal(Env + " is not set: run this test through scripts/pgtest.sh (e.g. `scripts/pgtest.sh go test ./data/store/...`, as `make test` does), or set " + Env + "=skip to skip the PostgreSQL tests")
	}
	return u
}

// URL creates a new, empty schema in the test database (PostGIS installed there when missing)
// and returns a URL whose search_path is that schema, then public (where PostGIS lives): a store
// opened on it has tables of its own. The schema is dropped when the test ends (after the
// test's own cleanups, which close stores). A schema costs milliseconds where a database copy
// costs most of a second.
func URL(t testing.TB) string {
	t.Helper()
	base := Server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", Env, err)
	}
	defer admin.Close(context.Background())
	if err := ensurePostGIS(ctx, admin); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "civplan_test_" + hex.EncodeToString(b[:])
	if _, err = admin.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatalf("pgtest: create schema %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, "DROP SCHEMA IF EXISTS "+name+" CASCADE"); err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", Env, err)
	}
	q := u.Query()
	q.Set("options", "-csearch_path="+name+",public") // understood by pgx and by libpq (pg_dump)
	u.RawQuery = q.Encode()
	return u.String()
}

// ensurePostGIS creates PostGIS in the test database when it lacks it (a server not started
// by scripts/pgtest.sh), under an advisory lock so parallel test packages create it once.
func ensurePostGIS(ctx context.Context, admin *pgx.Conn) error {
	const q = "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis')"
	var ok bool
	if err := admin.QueryRow(ctx, q).Scan(&ok); err != nil || ok {
		return err
	}
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(4242)"); err != nil {
		return err
	}
	defer admin.Exec(context.Background(), "SELECT pg_advisory_unlock(4242)")
	if _, err := admin.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS postgis"); err != nil {
		return fmt.Errorf("create PostGIS in the test database: %w", err)
	}
	return nil
}
