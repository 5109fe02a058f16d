package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/dataset/datasettest"
)

func testDataset() *dataset.Dataset { return datasettest.Small() }

func openTemp(t testing.TB) *SQLite {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "civplan.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func seeded(t testing.TB) *SQLite {
	t.Helper()
	s := openTemp(t)
	if err := s.Seed(context.Background(), testDataset(), nil); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOpenSetsPragmasAndMigrates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ pragma, want string }{
		{"journal_mode", "wal"}, {"synchronous", "2"}, {"foreign_keys", "1"}, {"busy_timeout", "5000"},
	} {
		t.Run(c.pragma, func(t *testing.T) {
			for name, db := range map[string]*sql.DB{"write": s.wdb, "read": s.rdb} {
				var got string
				if err := db.QueryRow("PRAGMA " + c.pragma).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if got != c.want {
					t.Errorf("%s pool: PRAGMA %s = %q, want %q", name, c.pragma, got, c.want)
				}
			}
		})
	}
	var n int
	if err := s.rdb.QueryRow("SELECT count(*) FROM schema_version").Scan(&n); err != nil || n != SchemaVersion() {
		t.Fatalf("schema_version rows = %d (%v), want %d", n, err, SchemaVersion())
	}
	if empty, err := s.Empty(); err != nil || !empty {
		t.Fatalf("fresh store Empty() = %v, %v", empty, err)
	}
	if err := s.Seed(context.Background(), testDataset(), nil); err != nil {
		t.Fatal(err)
	}
	before, _ := s.DumpTables(context.Background())
	s.Close()

	t.Run("reopen keeps data and applies nothing", func(t *testing.T) {
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		after, err := s.DumpTables(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(before, after) {
			t.Errorf("re-open changed the database:\nbefore %v\nafter  %v", before["schema_version"], after["schema_version"])
		}
	})
	t.Run("newer schema refused", func(t *testing.T) {
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.wdb.Exec("INSERT INTO schema_version VALUES (99, 'future', 'x')"); err != nil {
			t.Fatal(err)
		}
		s.Close()
		_, err = Open(path)
		if err == nil || !strings.Contains(err.Error(), "newer") {
			t.Fatalf("Open of a schema-99 file: err = %v, want 'newer'", err)
		}
	})
}

func TestOpenOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "民政 data#1?x=y")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "库 civplan.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not created at the exact path: %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing", "x.db")); err == nil {
		t.Error("Open in a missing directory succeeded")
	}
}

func TestMigrationsAppliedInOrderEachInATransaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	k := len(schemaMigrations()) // the real steps; the test appends two more
	steps := append(schemaMigrations(),
		migration{k + 1, "add plans_x", "CREATE TABLE plans_x (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"},
		migration{k + 2, "broken", "CREATE TABLE half (x INTEGER); INSERT INTO no_such_table VALUES (1)"})
	if _, err := open(path, steps); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("migration %d (broken)", k+2)) {
		t.Fatalf("broken migration: err = %v, want it named", err)
	}
	s, err := open(path, steps[:k+1])
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v int
	s.rdb.QueryRow("SELECT max(version) FROM schema_version").Scan(&v)
	if v != k+1 {
		t.Errorf("schema version after failed step %d = %d, want %d", k+2, v, k+1)
	}
	var n int
	s.rdb.QueryRow("SELECT count(*) FROM sqlite_schema WHERE name IN ('plans_x', 'half')").Scan(&n)
	if n != 1 {
		t.Errorf("tables plans_x+half = %d, want 1 (half rolled back)", n)
	}
	if _, err := open(filepath.Join(t.TempDir(), "gap.db"), []migration{{1, "a", "SELECT 1"}, {3, "c", "SELECT 1"}}); err == nil {
		t.Error("a gap in the migration list was accepted")
	}
}

func TestReadPoolIsReadOnly(t *testing.T) {
	s := seeded(t)
	if _, err := s.DB().Exec("DELETE FROM divisions"); err == nil {
		t.Error("the read pool accepted a DELETE")
	}
}

func TestBackup(t *testing.T) {
	ctx := context.Background()
	s := seeded(t)
	dst := filepath.Join(t.TempDir(), "backup.db")
	if err := s.Backup(ctx, dst); err != nil {
		t.Fatal(err)
	}
	b, err := Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	want, _ := s.DumpTables(ctx)
	got, err := b.DumpTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("backup differs from the source")
	}
	if err := s.Backup(ctx, s.Path()); err == nil {
		t.Error("backup onto the database itself succeeded")
	}
}
