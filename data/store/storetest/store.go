package storetest

import (
	"github.com/civplan/civplan/data/dataset/datasettest"
	"github.com/civplan/civplan/data/store"

	"context"
	"database/sql"
	"errors"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

func testWritePanicReleasesTheWriter(t *testing.T, open Opener) {
	s := seeded(t, open)
	func() {
		defer func() { recover() }()
		s.Write(context.Background(), store.CLIActor(), "panic", "", func(tx *sql.Tx) (any, any, error) {
			tx.Exec("UPDATE divisions SET name = 'x'")
			panic("boom")
		})
	}()
	if err := s.Write(context.Background(), store.CLIActor(), "after", "", func(*sql.Tx) (any, any, error) { return nil, nil, nil }); err != nil {
		t.Fatalf("write after a panicking write: %v", err)
	}
	var n int
	s.DB().QueryRow("SELECT count(*) FROM divisions WHERE name = 'x'").Scan(&n)
	if n != 0 {
		t.Error("the panicking write's change was committed")
	}
}

func testSeedLoadRoundTrip(t *testing.T, open Opener) {
	s := open(t)
	var calls [][2]int
	if err := s.Seed(context.Background(), datasettest.Small(), func(d, n int) { calls = append(calls, [2]int{d, n}) }); err != nil {
		t.Fatal(err)
	}
	if len(calls) == 0 || calls[len(calls)-1] != [2]int{13, 13} {
		t.Errorf("progress calls %v, want last (13, 13)", calls)
	}
	t.Run("divisions", func(t *testing.T) {
		got, err := s.LoadDivisions()
		if err != nil {
			t.Fatal(err)
		}
		want := datasettest.Divisions()
		sort.Slice(want, func(i, j int) bool { return want[i].Code < want[j].Code })
		if len(got) != len(want) {
			t.Fatalf("%d divisions, want %d", len(got), len(want))
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("division %s:\n got %+v\nwant %+v", want[i].Code, got[i], want[i])
			}
		}
		if _, err := divisions.NewTree(got); err != nil {
			t.Errorf("tree from loaded divisions: %v", err)
		}
	})
	t.Run("facilities", func(t *testing.T) {
		got, err := s.LoadFacilities()
		if err != nil {
			t.Fatal(err)
		}
		want := datasettest.Facilities()
		if len(got) != len(want) {
			t.Fatalf("%d facilities, want %d", len(got), len(want))
		}
		if got[3].ID != 13 {
			t.Errorf("facility without id got id %d, want 13 (after the explicit 10–12)", got[3].ID)
		}
		want[3].ID = 13
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("facility %d:\n got %+v\nwant %+v", want[i].ID, got[i], want[i])
			}
		}
	})
	t.Run("meta", func(t *testing.T) {
		m, err := s.Meta()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(m, datasettest.Small().Meta) {
			t.Errorf("meta %+v, want %+v", m, datasettest.Small().Meta)
		}
	})
	t.Run("second seed refused", func(t *testing.T) {
		if err := s.Seed(context.Background(), datasettest.Small(), nil); err == nil || !strings.Contains(err.Error(), "already holds 9 divisions") {
			t.Errorf("second seed: %v", err)
		}
	})
}

func testSeedIsAllOrNothing(t *testing.T, open Opener) {
	cases := []struct {
		name  string
		spoil func(ds *dataset.Dataset)
		want  string
	}{
		{"facility in unknown division", func(ds *dataset.Dataset) { ds.Facilities[2].DivisionCode = "420526100299" }, "420526100299"},
		{"division with missing parent", func(ds *dataset.Dataset) { ds.Divisions[1].Parent = "430000000000" }, "420500000000"},
		{"duplicate facility id", func(ds *dataset.Dataset) { ds.Facilities[1].ID = 10 }, "id 10"},
		{"bad facility kind", func(ds *dataset.Dataset) { ds.Facilities[0].Kind = "hospital" }, "hospital"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := open(t)
			empty, _ := s.DumpTables(context.Background())
			v0, _ := s.Version()
			ds := datasettest.Small()
			c.spoil(ds)
			err := s.Seed(context.Background(), ds, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
			after, _ := s.DumpTables(context.Background())
			if !reflect.DeepEqual(empty, after) {
				t.Error("a failed seed left rows behind")
			}
			if v1, _ := s.Version(); v1 != v0 {
				t.Errorf("version moved %d → %d on a failed seed", v0, v1)
			}
		})
	}
}

func testSeedEmbeddedHubei(t *testing.T, open Opener) {
	ds, err := dataset.EmbeddedHubei()
	if err != nil {
		t.Fatal(err)
	}
	// The whole province: 1 + 14 + 105 + 1,475 + 27,057 units of the 2023 code lists.
	if want := 1 + 14 + 105 + 1475 + 27057; len(ds.Divisions) != want {
		t.Fatalf("embedded Hubei dataset holds %d divisions, want %d", len(ds.Divisions), want)
	}
	if testing.Short() {
		t.Skip("seeding the full embedded dataset is slow; skipped with -short")
	}
	s := open(t)
	if err := s.Seed(context.Background(), ds, nil); err != nil {
		t.Fatal(err)
	}
	divs, err := s.LoadDivisions()
	if err != nil {
		t.Fatal(err)
	}
	facs, err := s.LoadFacilities()
	if err != nil {
		t.Fatal(err)
	}
	if len(divs) != len(ds.Divisions) || len(facs) != len(ds.Facilities) {
		t.Fatalf("loaded %d divisions, %d facilities; dataset has %d, %d", len(divs), len(facs), len(ds.Divisions), len(ds.Facilities))
	}
	count := func(divs []divisions.Division) map[string]int {
		m := map[string]int{}
		for _, d := range divs {
			m[d.Level.String()]++
			if len(d.Boundary) > 0 {
				m["boundary"]++
			}
			if d.HasSeat {
				m["seat"]++
			}
		}
		return m
	}
	if got, want := count(divs), count(ds.Divisions); !reflect.DeepEqual(got, want) {
		t.Errorf("per-level counts after round trip %v, want %v", got, want)
	}
	if _, err := divisions.NewTree(divs); err != nil {
		t.Errorf("tree from loaded divisions: %v", err)
	}
	// Beyond counts: every division and facility comes back equal, field by field.
	want := append([]divisions.Division(nil), ds.Divisions...)
	sort.Slice(want, func(i, j int) bool { return want[i].Code < want[j].Code })
	bad := 0
	for i := range want {
		if !reflect.DeepEqual(divs[i], want[i]) && bad < 5 {
			bad++
			t.Errorf("division %s differs after the round trip", want[i].Code)
		}
	}
	fwant := map[int64]facilities.Facility{}
	for _, f := range ds.Facilities {
		fwant[f.ID] = f
	}
	for _, f := range facs {
		if w, ok := fwant[f.ID]; (!ok || !reflect.DeepEqual(f, w)) && bad < 10 {
			bad++
			t.Errorf("facility %d differs after the round trip:\n got %+v\nwant %+v", f.ID, f, w)
		}
	}
}

func testVersionBumpsOnCommitOnly(t *testing.T, open Opener) {
	s := seeded(t, open)
	ctx := context.Background()
	v0, err := s.Version()
	if err != nil {
		t.Fatal(err)
	}
	if v0 != 1 {
		t.Errorf("version after seed = %d, want 1", v0)
	}
	s.Write(ctx, store.CLIActor(), "noop", "", func(*sql.Tx) (any, any, error) { return nil, nil, errors.New("no") })
	if v, _ := s.Version(); v != v0 {
		t.Errorf("failed write bumped version to %d", v)
	}
	s.Write(ctx, store.CLIActor(), "noop", "", func(*sql.Tx) (any, any, error) { return nil, nil, nil })
	if v, _ := s.Version(); v != v0+1 {
		t.Errorf("committed write: version %d, want %d", v, v0+1)
	}
}

func testWriteAndAuditInOneTransaction(t *testing.T, open Opener) {
	ctx := context.Background()
	s := seeded(t, open)
	a := store.Actor{TokenID: 7, Name: "张三", Role: store.RolePlanner, RequestID: "req-1"}
	rename := func(name string, fail error) func(tx *sql.Tx) (any, any, error) {
		return func(tx *sql.Tx) (any, any, error) {
			old, err := s.FacilityTx(ctx, tx, 11)
			if err != nil {
				return nil, nil, err
			}
			f := old.Facility
			f.Name = name
			if _, err := s.UpdateFacility(ctx, tx, f, old.Version); err != nil {
				return nil, nil, err
			}
			return old.Facility, f, fail
		}
	}
	t.Run("failing fn leaves nothing", func(t *testing.T) {
		before, _ := s.DumpTables(ctx)
		err := s.Write(ctx, a, "facility.update", "facility/11", rename("改名失败", errors.New("boom")))
		if err == nil || err.Error() != "boom" {
			t.Fatalf("err = %v, want boom", err)
		}
		after, _ := s.DumpTables(ctx)
		if !reflect.DeepEqual(before, after) {
			t.Errorf("failed write changed tables: audit %v → %v", before["audit_log"], after["audit_log"])
		}
	})
	t.Run("unencodable after rolls back the data change", func(t *testing.T) {
		before, _ := s.DumpTables(ctx)
		err := s.Write(ctx, a, "facility.update", "facility/11", func(tx *sql.Tx) (any, any, error) {
			if _, _, err := rename("x", nil)(tx); err != nil {
				return nil, nil, err
			}
			return nil, func() {}, nil
		})
		if err == nil {
			t.Fatal("a func as audit 'after' was accepted")
		}
		after, _ := s.DumpTables(ctx)
		if !reflect.DeepEqual(before, after) {
			t.Error("audit failure left the data change committed")
		}
	})
	t.Run("success writes both", func(t *testing.T) {
		if err := s.Write(ctx, a, "facility.update", "facility/11", rename("平水村互助养老服务站", nil)); err != nil {
			t.Fatal(err)
		}
		rec, err := s.Facility(ctx, 11)
		if err != nil || rec.Name != "平水村互助养老服务站" || rec.Version != 2 {
			t.Fatalf("after update: %+v, %v", rec, err)
		}
		es, err := s.AuditLog(ctx, store.AuditFilter{Action: "facility.update"})
		if err != nil || len(es) != 1 {
			t.Fatalf("audit entries %v, %v; want 1", es, err)
		}
		e := es[0]
		if e.Actor != "张三" || e.TokenID != 7 || e.Role != store.RolePlanner || e.RequestID != "req-1" || e.Target != "facility/11" {
			t.Errorf("entry %+v", e)
		}
		if !strings.Contains(string(e.Before), `"平水村互助养老点"`) || !strings.Contains(string(e.After), `"平水村互助养老服务站"`) {
			t.Errorf("before %s after %s", e.Before, e.After)
		}
		var h int
		s.DB().QueryRow("SELECT count(*) FROM facility_history WHERE facility_id = 11 AND version = 1 AND CAST(old_row AS TEXT) LIKE '%平水村互助养老点%'").Scan(&h)
		if h != 1 {
			t.Errorf("facility_history rows for the old version = %d, want 1", h)
		}
	})
	t.Run("stale version conflicts", func(t *testing.T) {
		err := s.Write(ctx, a, "facility.update", "facility/11", func(tx *sql.Tx) (any, any, error) {
			rec, _ := s.FacilityTx(ctx, tx, 11)
			_, err := s.UpdateFacility(ctx, tx, rec.Facility, 1)
			return nil, nil, err
		})
		if !errors.Is(err, store.ErrVersionConflict) {
			t.Errorf("update at stale version 1: %v, want store.ErrVersionConflict", err)
		}
	})
	t.Run("history", func(t *testing.T) {
		h, err := s.FacilityHistory(ctx, 11)
		if err != nil {
			t.Fatal(err)
		}
		want := datasettest.Facilities()[1]
		if len(h) != 1 || h[0].Version != 1 || !reflect.DeepEqual(h[0].Facility, want) {
			t.Errorf("history of 11: %+v, want version 1 = %+v", h, want)
		}
		if h, _ := s.FacilityHistory(ctx, 13); len(h) != 0 {
			t.Errorf("history of the unchanged 13: %+v", h)
		}
	})
	t.Run("delete hides from LoadFacilities", func(t *testing.T) {
		err := s.Write(ctx, a, "facility.delete", "facility/12", func(tx *sql.Tx) (any, any, error) {
			old, err := s.DeleteFacility(ctx, tx, 12, 1)
			return old, nil, err
		})
		if err != nil {
			t.Fatal(err)
		}
		fs, _ := s.LoadFacilities()
		for _, f := range fs {
			if f.ID == 12 {
				t.Error("deleted facility 12 still loaded")
			}
		}
		if len(fs) != 3 {
			t.Errorf("%d facilities after delete, want 3", len(fs))
		}
		if _, err := s.Facility(ctx, 12); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetFacility(deleted) = %v, want store.ErrNotFound", err)
		}
	})
}

func testAuditLogFilterAndPaging(t *testing.T, open Opener) {
	ctx := context.Background()
	s := seeded(t, open) // entry 1: seed by "system"
	for i, a := range []string{"a", "b", "a", "a", "b"} {
		action := "x"
		if i%2 == 1 {
			action = "y"
		}
		if err := s.Write(ctx, store.Actor{Name: a}, action, "t", func(*sql.Tx) (any, any, error) { return nil, i, nil }); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(es []store.AuditEntry) []int64 {
		var out []int64
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	cases := []struct {
		name string
		f    store.AuditFilter
		want []int64
	}{
		{"all newest first", store.AuditFilter{}, []int64{6, 5, 4, 3, 2, 1}},
		{"actor a", store.AuditFilter{Actor: "a"}, []int64{5, 4, 2}},
		{"action y", store.AuditFilter{Action: "y"}, []int64{5, 3}},
		{"page 1", store.AuditFilter{Limit: 2}, []int64{6, 5}},
		{"page 2", store.AuditFilter{Limit: 2, BeforeID: 5}, []int64{4, 3}},
		{"seed", store.AuditFilter{Action: "seed", Actor: "system"}, []int64{1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			es, err := s.AuditLog(ctx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(es); !reflect.DeepEqual(got, c.want) {
				t.Errorf("ids %v, want %v", got, c.want)
			}
		})
	}
	es, _ := s.AuditLog(ctx, store.AuditFilter{})
	if es[0].At.Before(es[len(es)-1].At) {
		t.Error("newest entry has an earlier time than the oldest")
	}
	if es2, _ := s.AuditLog(ctx, store.AuditFilter{Since: es[0].At.Add(time.Microsecond)}); len(es2) != 0 {
		t.Errorf("Since after the newest entry returned %d entries", len(es2))
	}
	if es2, _ := s.AuditLog(ctx, store.AuditFilter{Until: es[len(es)-1].At}); len(es2) != 0 {
		t.Errorf("Until the oldest entry returned %d entries", len(es2))
	}
}

func testTokens(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	secret, tok, err := s.CreateToken(ctx, "规划科", store.RolePlanner)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("secret shape", func(t *testing.T) {
		if !strings.HasPrefix(secret, "cvp_") || len(secret) != 4+43 {
			t.Errorf("secret %q: want cvp_ + 43 base64url characters", secret)
		}
		if tok.Prefix != secret[:10] || tok.Role != store.RolePlanner || tok.Name != "规划科" || tok.ID == 0 {
			t.Errorf("token %+v", tok)
		}
	})
	t.Run("authenticate", func(t *testing.T) {
		got, err := s.Authenticate(ctx, secret)
		if err != nil || got.ID != tok.ID || got.Role != store.RolePlanner {
			t.Fatalf("Authenticate = %+v, %v", got, err)
		}
		for _, bad := range []string{"", "cvp_", secret[:len(secret)-1], secret + "x", strings.ToUpper(secret), "Bearer " + secret} {
			if _, err := s.Authenticate(ctx, bad); !errors.Is(err, store.ErrBadToken) {
				t.Errorf("Authenticate(%q) = %v, want store.ErrBadToken", bad, err)
			}
		}
	})
	t.Run("only the hash is stored", func(t *testing.T) {
		dump, _ := s.DumpTables(ctx)
		for table, rows := range dump {
			for _, r := range rows {
				if strings.Contains(r, secret) || strings.Contains(r, secret[10:]) {
					t.Errorf("table %s stores the secret: %s", table, r)
				}
			}
		}
		var n int
		s.DB().QueryRow("SELECT count(*) FROM tokens WHERE length(hash) = 32").Scan(&n)
		if n != 1 {
			t.Errorf("tokens with a 32-byte hash: %d", n)
		}
	})
	t.Run("revoked rejected", func(t *testing.T) {
		secret2, tok2, err := s.CreateToken(ctx, "admin", store.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		if secret2 == secret {
			t.Fatal("two tokens share a secret")
		}
		if n, _ := s.TokenCount(ctx); n != 2 {
			t.Errorf("TokenCount = %d, want 2", n)
		}
		if err := s.RevokeToken(store.WithActor(ctx, store.Actor{Name: "root", Role: store.RoleAdmin}), tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, secret); !errors.Is(err, store.ErrBadToken) {
			t.Errorf("revoked token authenticates: %v", err)
		}
		if _, err := s.Authenticate(ctx, secret2); err != nil {
			t.Errorf("other token rejected after revoking the first: %v", err)
		}
		if err := s.RevokeToken(ctx, tok.ID); err == nil {
			t.Error("revoking twice succeeded")
		}
		if err := s.RevokeToken(ctx, 999); err == nil {
			t.Error("revoking an unknown token succeeded")
		}
		if n, _ := s.TokenCount(ctx); n != 1 {
			t.Errorf("TokenCount after revoke = %d, want 1", n)
		}
		ts, _ := s.ListTokens(ctx)
		if len(ts) != 2 || ts[0].Revoked == nil || ts[1].Revoked != nil || ts[1].ID != tok2.ID {
			t.Errorf("ListTokens %+v", ts)
		}
	})
	t.Run("audited", func(t *testing.T) {
		es, _ := s.AuditLog(ctx, store.AuditFilter{})
		var got []string
		for _, e := range es {
			got = append(got, e.Actor+" "+e.Action+" "+e.Target)
		}
		want := []string{"root token.revoke token/1", "cli token.create token/2", "cli token.create token/1"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("audit %q, want %q", got, want)
		}
	})
	t.Run("roles", func(t *testing.T) {
		for _, c := range []struct {
			in   string
			want store.Role
		}{{"viewer", store.RoleViewer}, {"planner", store.RolePlanner}, {"Admin", store.RoleAdmin}} {
			r, err := store.ParseRole(c.in)
			if err != nil || r != c.want || !strings.EqualFold(r.String(), c.in) {
				t.Errorf("ParseRole(%q) = %v, %v", c.in, r, err)
			}
		}
		if _, err := store.ParseRole("root"); err == nil {
			t.Error("ParseRole(root) succeeded")
		}
		if !(store.RoleViewer < store.RolePlanner && store.RolePlanner < store.RoleAdmin) || store.RoleViewer.Allows(store.RolePlanner) || !store.RoleAdmin.Allows(store.RolePlanner) {
			t.Error("role order wrong")
		}
		if _, _, err := s.CreateToken(ctx, "x", store.Role(0)); err == nil {
			t.Error("token with no role created")
		}
	})
}

func testConcurrentWritersAndReaders(t *testing.T, open Opener) {
	ctx := context.Background()
	s := seeded(t, open)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := 0; w < 4; w++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				errs <- s.Write(ctx, store.CLIActor(), "bump", "", func(tx *sql.Tx) (any, any, error) {
					_, err := tx.Exec("UPDATE divisions SET pop_total = pop_total + 1 WHERE code = ?", datasettest.Vil1)
					return nil, nil, err
				})
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				_, err := s.LoadDivisions()
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var pop int64
	s.DB().QueryRow("SELECT pop_total FROM divisions WHERE code = ?", datasettest.Vil1).Scan(&pop)
	if pop != 1200+40 {
		t.Errorf("population after 40 concurrent increments = %d, want 1240", pop)
	}
	if v, _ := s.Version(); v != 41 {
		t.Errorf("version = %d, want 41 (seed + 40 writes)", v)
	}
}
