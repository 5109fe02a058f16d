package storetest

import (
	"github.com/civplan/civplan/data/dataset/datasettest"
	"github.com/civplan/civplan/data/store"

	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
)

func testChangeLogNumbersEveryWrite(t *testing.T, open Opener) {
	s := seeded(t, open)
	ctx := context.Background()
	a := store.Actor{Name: "张三", Role: store.RolePlanner}
	logOf := func() []store.Change {
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
		len(cs[0].FacilityIDs) != 4 || cs[0].Divisions != int64(len(datasettest.Divisions())) {
		t.Fatalf("after seed: %+v", cs)
	}
	st, err := s.LoadFacilityState(ctx)
	if err != nil || st.Version != 1 || len(st.Facilities) != 4 || st.Facilities[0].Version != 1 {
		t.Fatalf("state after seed: %+v %v", st, err)
	}

	update := func(id int64, beds int, ifMatch int64) error {
		return s.Write(ctx, a, "facility.update", "facility/x", func(tx *sql.Tx) (any, any, error) {
			rec, err := s.FacilityTx(ctx, tx, id)
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
	if err := update(11, 5, 7); !errors.Is(err, store.ErrVersionConflict) {
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
	if _, _, err := s.CreateToken(ctx, "viewer", store.RoleViewer); err != nil {
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
		if rec, err := s.Facility(ctx, id); err != nil || rec.Version != v {
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

func testGroupCommitKeepsWritesSeparate(t *testing.T, open Opener) {
	s := seeded(t, open)
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
			errs[i] = s.Write(wctx, store.CLIActor(), "token.test", fmt.Sprintf("w/%d", i), func(tx *sql.Tx) (any, any, error) {
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
