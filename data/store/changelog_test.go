package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Every committed write is one change-log entry numbered by the write counter, 1 … n without
// gaps; a failed or conflicting write leaves neither entry nor bump; each facility carries the
// version of its last change; ChangesSince returns exactly what changed after a version.
func TestChangeLogNumbersEveryWrite(t *testing.T) {
	s := seeded(t)
	ctx := context.Background()
	a := Actor{Name: "张三", Role: RolePlanner}
	logOf := func() []Change {
		t.Helper()
		cs, err := s.Changes(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	// The seed is version 1: divisions and facilities, kinds division, facility, meta.
	cs := logOf()
	if len(cs) != 1 || cs[0].Version != 1 || !reflect.DeepEqual(cs[0].Kinds, []string{"division", "facility", "meta"}) ||
		len(cs[0].FacilityIDs) != 4 || cs[0].Divisions != int64(len(testDivisions())) {
		t.Fatalf("after seed: %+v", cs)
	}
	st, err := s.LoadFacilityState(ctx)
	if err != nil || st.Version != 1 || len(st.Facilities) != 4 || st.Facilities[0].Version != 1 {
		t.Fatalf("state after seed: %+v %v", st, err)
	}

	update := func(id int64, beds int, ifMatch int64) error {
		return s.Write(ctx, a, "facility.update", "facility/x", func(tx *sql.Tx) (any, any, error) {
			rec, err := GetFacility(ctx, tx, id)
			if err != nil {
				return nil, nil, err
			}
			rec.Facility.Beds = beds
			_, err = s.UpdateFacility(ctx, tx, rec.Facility, ifMatch)
			return nil, nil, err
		})
	}
	if err := update(10, 61, 1); err != nil {
		t.Fatal(err)
	}
	// A stale If-Match and a failing write: rolled back, counter and log unchanged.
	if err := update(11, 5, 7); !errors.Is(err, ErrVersionConflict) {
		t.Fatalf("stale If-Match: %v", err)
	}
	if err := s.Write(ctx, a, "facility.update", "facility/11", func(tx *sql.Tx) (any, any, error) {
		return nil, nil, errors.New("refused")
	}); err == nil {
		t.Fatal("failing write succeeded")
	}
	// A write to another facility does not move facility 10's version.
	if err := update(11, 5, 1); err != nil {
		t.Fatalf("facility 11 at its own version 1: %v", err)
	}
	if err := s.Write(ctx, a, "facility.delete", "facility/12", func(tx *sql.Tx) (any, any, error) {
		_, err := s.DeleteFacility(ctx, tx, 12, 1)
		return nil, nil, err
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateToken(ctx, "viewer", RoleViewer); err != nil {
		t.Fatal(err)
	}
	cs = logOf()
	var versions []int64
	for _, c := range cs {
		versions = append(versions, c.Version)
	}
	if !reflect.DeepEqual(versions, []int64{1, 2, 3, 4, 5}) {
		t.Fatalf("log versions %v, want 1…5 without gaps", versions)
	}
	if v, _ := s.Version(); v != 5 {
		t.Errorf("write counter %d, want 5", v)
	}
	want := []struct {
		kinds []string
		ids   []int64
		act   string
	}{{[]string{"facility"}, []int64{10}, "facility.update"}, {[]string{"facility"}, []int64{11}, "facility.update"},
		{[]string{"facility"}, []int64{12}, "facility.delete"}, {[]string{"token"}, []int64{}, "token.create"}}
	for i, w := range want {
		c := cs[i+1]
		if !reflect.DeepEqual(c.Kinds, w.kinds) || !reflect.DeepEqual(c.FacilityIDs, w.ids) || len(c.Actions) != 1 || c.Actions[0].Action != w.act {
			t.Errorf("change %d: %+v, want kinds %v ids %v action %s", c.Version, c, w.kinds, w.ids, w.act)
		}
	}
	for id, v := range map[int64]int64{10: 2, 11: 3} {
		if rec, err := GetFacility(ctx, s.DB(), id); err != nil || rec.Version != v {
			t.Errorf("facility %d at version %d (%v), want %d", id, rec.Version, err, v)
		}
	}
	// ChangesSince 2: facility 11 changed (live), 12 deleted; 10 is older.
	set, err := s.ChangesSince(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if set.From != 2 || set.To != 5 || len(set.Changes) != 3 || len(set.Facilities) != 1 || set.Facilities[0].ID != 11 ||
		set.Facilities[0].Beds != 5 || set.Facilities[0].Version != 3 || !reflect.DeepEqual(set.Deleted, []int64{12}) {
		t.Errorf("ChangesSince(2) = %+v", set)
	}
	if !set.Has("facility") || !set.Has("token") || set.Has("division") {
		t.Errorf("kinds of ChangesSince(2): %+v", set.Changes)
	}
	if set, err := s.ChangesSince(ctx, 5); err != nil || set.To != 5 || len(set.Changes)+len(set.Facilities)+len(set.Deleted) != 0 {
		t.Errorf("ChangesSince(5) = %+v, %v; want nothing", set, err)
	}
}

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
func TestGroupCommitKeepsWritesSeparate(t *testing.T) {
	s := seeded(t)
	ctx := context.Background()
	v0, _ := s.Version()
	const n = 40
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			wctx := ctx
			if i%10 == 9 {
				c, cancel := context.WithCancel(ctx)
				cancel()
				wctx = c
			}
			defer func() {
				if p := recover(); p != nil {
					errs[i] = fmt.Errorf("panic: %v", p)
				}
			}()
			errs[i] = s.Write(wctx, CLIActor(), "token.test", fmt.Sprintf("w/%d", i), func(tx *sql.Tx) (any, any, error) {
				if _, err := tx.ExecContext(wctx, "INSERT INTO meta (key, value) VALUES (?, 'x')", fmt.Sprintf("w%d", i)); err != nil {
					return nil, nil, err
				}
				switch i % 10 {
				case 3:
					return nil, nil, errors.New("refused")
				case 6:
					panic("boom")
				}
				return nil, i, nil
			})
		}(i)
	}
	wg.Wait()
	var want []string
	for i, err := range errs {
		switch i % 10 {
		case 3, 6, 9:
			if err == nil {
				t.Errorf("write %d should have failed", i)
			}
		default:
			if err != nil {
				t.Errorf("write %d: %v", i, err)
			}
			want = append(want, fmt.Sprintf("w/%d", i))
		}
	}
	cs, err := s.Changes(ctx, v0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for k, c := range cs {
		if c.Version != v0+int64(k)+1 || len(c.Actions) != 1 {
			t.Fatalf("change %d: %+v (want version %d with one action)", k, c, v0+int64(k)+1)
		}
		got = append(got, c.Actions[0].Target)
	}
	sort.Strings(got)
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("log targets %v, want %v", got, want)
	}
	var rows int
	s.DB().QueryRow("SELECT count(*) FROM meta WHERE key LIKE 'w%'").Scan(&rows)
	if rows != len(want) {
		t.Errorf("%d rows written, want %d (failed writes must leave none)", rows, len(want))
	}
	if v, _ := s.Version(); v != v0+int64(len(want)) {
		t.Errorf("write counter %d, want %d", v, v0+int64(len(want)))
	}
}

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
