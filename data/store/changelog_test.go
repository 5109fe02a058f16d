package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// Every committed write is one change-log entry numbered by the write counter, 1 … n without
// gaps; a failed or conflicting write leaves neither entry nor bump; each facility carries the
// version of its last change; ChangesSince returns exactly what changed after a version.
// A database of schema 5 (per-facility version counters) migrates to the change log: every
// facility takes the write counter's value, and the next write is the counter + 1.
func TestChangeLogMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := open(path, schemaMigrations()[:5])
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"INSERT INTO divisions (code, name, short_name, level, kind) VALUES ('420000000000', '湖北省', '湖北省', 1, 'province')",
		`INSERT INTO facilities (kind, name, division_code, lon, lat, status, created, updated, version)
			VALUES ('welfare_home', '老敬老院', '420000000000', 111, 31, 'operating', '2020-01-01T00:00:00.000000Z', '2020-01-01T00:00:00.000000Z', 3)`,
		"UPDATE write_version SET n = 7",
	} {
		if _, err := old.wdb.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	st, err := s.LoadFacilityState(ctx)
	if err != nil || st.Version != 7 || len(st.Facilities) != 1 || st.Facilities[0].Version != 7 {
		t.Fatalf("after migration: %+v %v", st, err)
	}
	err = s.Write(ctx, CLIActor(), "facility.update", "facility/1", func(tx *sql.Tx) (any, any, error) {
		f := st.Facilities[0]
		f.Beds = 3
		_, err := s.UpdateFacility(ctx, tx, f, 7)
		return nil, f, err
	})
	if err != nil {
		t.Fatal(err)
	}
	set, err := s.ChangesSince(ctx, 7)
	if err != nil || set.To != 8 || len(set.Changes) != 1 || len(set.Facilities) != 1 || set.Facilities[0].Version != 8 {
		t.Errorf("after the first write: %+v %v", set, err)
	}
}

// Concurrent writes share commits (group commit) but stay separate changes: each successful
// one has its own version (contiguous, no gaps), audit entry and row; a failing, panicking or
// cancelled one leaves nothing and does not take its group down.
// The snapshot step's read of changed facilities searches the version index; walking the
// table in id order (what SQLite picks for ORDER BY id without the +) reads every facility.
func TestChangedSinceUsesVersionIndex(t *testing.T) {
	s := seeded(t)
	rows, err := s.rdb.Query("EXPLAIN QUERY PLAN SELECT "+facilityCols+" FROM facilities "+changedSince, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if len(plan) == 0 || !strings.Contains(plan[0], "USING INDEX facilities_version") {
		t.Fatalf("plan %q: want a search of facilities_version", plan)
	}
}

// Committed follows this process's commits: once Write returns nil it is at least the write's
// version (here, writes one at a time: exactly the store's version); a failed write leaves it.
func TestCommittedFollowsOwnCommits(t *testing.T) {
	s := seeded(t)
	ctx := context.Background()
	v0, err := s.Version()
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Committed(); got != v0 {
		t.Fatalf("Committed after the seed = %d, store at %d", got, v0)
	}
	write := func(fail bool) error {
		return s.Write(ctx, Actor{Name: "t", Role: RolePlanner}, "facility.update", "facility/10", func(tx *sql.Tx) (any, any, error) {
			rec, err := GetFacility(ctx, tx, 10)
			if err != nil {
				return nil, nil, err
			}
			rec.Facility.Beds++
			if _, err := s.UpdateFacility(ctx, tx, rec.Facility, 0); err != nil || !fail {
				return nil, nil, err
			}
			return nil, nil, errors.New("refused")
		})
	}
	for i := 1; i <= 3; i++ {
		if err := write(false); err != nil {
			t.Fatal(err)
		}
		if got, v := s.Committed(), v0+int64(i); got != v {
			t.Fatalf("after write %d: Committed = %d, want %d", i, got, v)
		}
	}
	if err := write(true); err == nil {
		t.Fatal("failing write succeeded")
	}
	if got := s.Committed(); got != v0+3 {
		t.Fatalf("a failed write moved Committed to %d (want %d)", got, v0+3)
	}
}
