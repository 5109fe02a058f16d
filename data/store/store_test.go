package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
)

// Test fixture: one county with a square boundary, two townships, four villages.
//
//	31.5 +-----------------------+
//	     |  兴山县 420526          |
//	     |   古夫镇 seat (110.75,31.35)
//	     |   · 201 (110.70,31.30) |
//	     |   · 202 (110.80,31.40) |
//	     |   高桥乡 (no seat)      |
//	     |   · 201 (110.60,31.10) |
//	31.0 +-----------------------+
//	   110.5                   111.0
const (
	cProv    = divisions.Code("420000000000")
	cPref    = divisions.Code("420500000000")
	cCounty  = divisions.Code("420526000000")
	cTown    = divisions.Code("420526100000")
	cTwp     = divisions.Code("420526200000")
	cRes     = divisions.Code("420526100001")
	cVil1    = divisions.Code("420526100201")
	cVil2    = divisions.Code("420526100202")
	cTwpVil1 = divisions.Code("420526200201")
)

func square(x0, y0, x1, y1 float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
}

func testDivisions() []divisions.Division {
	real, der, est, gen := divisions.Real, divisions.Derived, divisions.Estimated, divisions.Generated
	return []divisions.Division{
		{Code: cProv, Name: "湖北省", ShortName: "湖北省", Level: divisions.Province, Kind: divisions.KindProvince,
			Seat: orb.Point{114.341861, 30.546498}, HasSeat: true, Population: divisions.Population{Total: 58300000, Age60: 12000000, Age65: 9000000},
			Sources: divisions.Sources{Seat: real, Population: real, Attributes: real}},
		{Code: cPref, Name: "宜昌市", ShortName: "宜昌市", Level: divisions.Prefecture, Kind: divisions.KindPrefectureCity, Parent: cProv,
			Sources: divisions.Sources{Attributes: real}},
		{Code: cCounty, Name: "兴山县", ShortName: "兴山县", Level: divisions.County, Kind: divisions.KindCounty, Parent: cPref,
			Seat: orb.Point{110.75, 31.35}, HasSeat: true, Boundary: square(110.5, 31.0, 111.0, 31.5),
			Population: divisions.Population{Total: 150000, Age60: 40000, Age65: 30000},
			Sources:    divisions.Sources{Geometry: real, Seat: real, Population: real, Attributes: real}},
		{Code: cTown, Name: "古夫镇", ShortName: "古夫镇", Level: divisions.Township, Kind: divisions.KindTown, Parent: cCounty,
			Seat: orb.Point{110.75, 31.35}, HasSeat: true, Boundary: orb.MultiPolygon{
				{{{110.5, 31.25}, {111, 31.25}, {111, 31.5}, {110.5, 31.5}, {110.5, 31.25}}, {{110.9, 31.4}, {110.95, 31.4}, {110.95, 31.45}, {110.9, 31.4}}},
				{{{110.5, 31.2}, {110.6, 31.2}, {110.6, 31.24}, {110.5, 31.2}}}},
			Population: divisions.Population{Total: 40000, Age60: 11000, Age65: 8000},
			Sources:    divisions.Sources{Geometry: der, Seat: real, Population: real, Attributes: real}},
		{Code: cTwp, Name: "高桥乡", ShortName: "高桥乡", Level: divisions.Township, Kind: divisions.KindTownship, Parent: cCounty,
			Population: divisions.Population{Total: 9000, Age60: 2500, Age65: 1900},
			Sources:    divisions.Sources{Population: real, Attributes: real}},
		{Code: cRes, Name: "高阳社区居民委员会", ShortName: "高阳社区", Level: divisions.Village, Kind: divisions.KindResidentsCommittee, Parent: cTown,
			URCode: "111", Seat: orb.Point{110.751, 31.351}, HasSeat: true, Population: divisions.Population{Total: 5000, Age60: 900, Age65: 700},
			Programme: &divisions.Programme{}, Sources: divisions.Sources{Seat: der, Population: est, Attributes: real, Programme: gen}},
		{Code: cVil1, Name: "平水村委会", ShortName: "平水村", Level: divisions.Village, Kind: divisions.KindVillageCommittee, Parent: cTown,
			URCode: "220", Seat: orb.Point{110.70, 31.30}, HasSeat: true, Population: divisions.Population{Total: 1200, Age60: 350, Age65: 260},
			Programme: &divisions.Programme{PilotYear: 2018, SocialOrgs: 3, Ledger: true, CareContact: true, ActivityPlace: false, RegularVisits: true},
			Sources:   divisions.Sources{Seat: real, Population: est, Attributes: real, Programme: gen}},
		{Code: cVil2, Name: "昭君村委会", ShortName: "昭君村", Level: divisions.Village, Kind: divisions.KindVillageCommittee, Parent: cTown,
			URCode: "210", Seat: orb.Point{110.80, 31.40}, HasSeat: true, Population: divisions.Population{Total: 800, Age60: 260, Age65: 200},
			Sources: divisions.Sources{Seat: gen, Population: est, Attributes: real}},
		{Code: cTwpVil1, Name: "平水村委会", ShortName: "平水村", Level: divisions.Village, Kind: divisions.KindVillageCommittee, Parent: cTwp,
			URCode: "220", Seat: orb.Point{110.60, 31.10}, HasSeat: true, Population: divisions.Population{Total: 600, Age60: 200, Age65: 150},
			Sources: divisions.Sources{Seat: gen, Population: est, Attributes: real}},
	}
}

func testFacilities() []facilities.Facility {
	return []facilities.Facility{
		{ID: 10, Kind: facilities.WelfareHome, Name: "古夫镇敬老院", DivisionCode: cTown, Point: orb.Point{110.752, 31.352},
			Status: facilities.StatusOperating, Beds: 60, FloorAreaM2: 2400.5, Opened: "2009-05-01",
			Renovated:  facilities.Renovation{FireSafety: facilities.Yes, Accessibility: facilities.No, SpecialCare: facilities.Unknown},
			Provenance: divisions.Real},
		{ID: 11, Kind: facilities.MutualAidElderly, Name: "平水村互助养老点", DivisionCode: cVil1, Point: orb.Point{110.701, 31.301},
			Status: facilities.StatusOperating, Provenance: divisions.Generated},
		{ID: 12, Kind: facilities.MutualAidElderly, Name: "昭君村互助养老点（规划）", DivisionCode: cVil2, Point: orb.Point{110.80, 31.40},
			Status: facilities.StatusPlanned, PlanID: 3, Provenance: divisions.Derived},
		{Kind: facilities.FuneralHome, Name: "兴山县殡仪馆", DivisionCode: cCounty, Point: orb.Point{110.76, 31.36},
			Status: facilities.StatusBuilding, Provenance: divisions.Real},
	}
}

func testDataset() *dataset.Dataset {
	return &dataset.Dataset{
		Meta: dataset.Meta{Name: "test", Vintages: map[string]string{"codes": "2023-06-30"},
			Sources: []dataset.Source{{Name: "统计用区划代码", Files: "codes.csv", Licence: "public", CRS: "n/a"}},
			Counts:  map[string]int{"village": 4}, Notes: []string{"fixture"}},
		Divisions:  testDivisions(),
		Facilities: testFacilities(),
	}
}

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

func TestWritePanicReleasesTheWriter(t *testing.T) {
	s := seeded(t)
	func() {
		defer func() { recover() }()
		s.Write(context.Background(), CLIActor(), "panic", "", func(tx *sql.Tx) (any, any, error) {
			tx.Exec("UPDATE divisions SET name = 'x'")
			panic("boom")
		})
	}()
	if err := s.Write(context.Background(), CLIActor(), "after", "", func(*sql.Tx) (any, any, error) { return nil, nil, nil }); err != nil {
		t.Fatalf("write after a panicking write: %v", err)
	}
	var n int
	s.DB().QueryRow("SELECT count(*) FROM divisions WHERE name = 'x'").Scan(&n)
	if n != 0 {
		t.Error("the panicking write's change was committed")
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

func TestSeedLoadRoundTrip(t *testing.T) {
	s := openTemp(t)
	var calls [][2]int
	if err := s.Seed(context.Background(), testDataset(), func(d, n int) { calls = append(calls, [2]int{d, n}) }); err != nil {
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
		want := testDivisions()
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
		want := testFacilities()
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
		if !reflect.DeepEqual(m, testDataset().Meta) {
			t.Errorf("meta %+v, want %+v", m, testDataset().Meta)
		}
	})
	t.Run("second seed refused", func(t *testing.T) {
		if err := s.Seed(context.Background(), testDataset(), nil); err == nil || !strings.Contains(err.Error(), "already holds 9 divisions") {
			t.Errorf("second seed: %v", err)
		}
	})
}

func TestSeedIsAllOrNothing(t *testing.T) {
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
			s := openTemp(t)
			empty, _ := s.DumpTables(context.Background())
			v0, _ := s.Version()
			ds := testDataset()
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

func TestSeedEmbeddedHubei(t *testing.T) {
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
	s := openTemp(t)
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

func TestVersionBumpsOnCommitOnly(t *testing.T) {
	s := seeded(t)
	ctx := context.Background()
	v0, err := s.Version()
	if err != nil {
		t.Fatal(err)
	}
	if v0 != 1 {
		t.Errorf("version after seed = %d, want 1", v0)
	}
	s.Write(ctx, CLIActor(), "noop", "", func(*sql.Tx) (any, any, error) { return nil, nil, errors.New("no") })
	if v, _ := s.Version(); v != v0 {
		t.Errorf("failed write bumped version to %d", v)
	}
	s.Write(ctx, CLIActor(), "noop", "", func(*sql.Tx) (any, any, error) { return nil, nil, nil })
	if v, _ := s.Version(); v != v0+1 {
		t.Errorf("committed write: version %d, want %d", v, v0+1)
	}
}

func TestWriteAndAuditInOneTransaction(t *testing.T) {
	ctx := context.Background()
	s := seeded(t)
	a := Actor{TokenID: 7, Name: "张三", Role: RolePlanner, RequestID: "req-1"}
	rename := func(name string, fail error) func(tx *sql.Tx) (any, any, error) {
		return func(tx *sql.Tx) (any, any, error) {
			old, err := GetFacility(ctx, tx, 11)
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
		rec, err := GetFacility(ctx, s.DB(), 11)
		if err != nil || rec.Name != "平水村互助养老服务站" || rec.Version != 2 {
			t.Fatalf("after update: %+v, %v", rec, err)
		}
		es, err := s.AuditLog(ctx, AuditFilter{Action: "facility.update"})
		if err != nil || len(es) != 1 {
			t.Fatalf("audit entries %v, %v; want 1", es, err)
		}
		e := es[0]
		if e.Actor != "张三" || e.TokenID != 7 || e.Role != RolePlanner || e.RequestID != "req-1" || e.Target != "facility/11" {
			t.Errorf("entry %+v", e)
		}
		if !strings.Contains(string(e.Before), `"平水村互助养老点"`) || !strings.Contains(string(e.After), `"平水村互助养老服务站"`) {
			t.Errorf("before %s after %s", e.Before, e.After)
		}
		var h int
		s.DB().QueryRow("SELECT count(*) FROM facility_history WHERE facility_id = 11 AND version = 1 AND old_row LIKE '%平水村互助养老点%'").Scan(&h)
		if h != 1 {
			t.Errorf("facility_history rows for the old version = %d, want 1", h)
		}
	})
	t.Run("stale version conflicts", func(t *testing.T) {
		err := s.Write(ctx, a, "facility.update", "facility/11", func(tx *sql.Tx) (any, any, error) {
			rec, _ := GetFacility(ctx, tx, 11)
			_, err := s.UpdateFacility(ctx, tx, rec.Facility, 1)
			return nil, nil, err
		})
		if !errors.Is(err, ErrVersionConflict) {
			t.Errorf("update at stale version 1: %v, want ErrVersionConflict", err)
		}
	})
	t.Run("history", func(t *testing.T) {
		h, err := s.FacilityHistory(ctx, 11)
		if err != nil {
			t.Fatal(err)
		}
		want := testFacilities()[1]
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
		if _, err := GetFacility(ctx, s.DB(), 12); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetFacility(deleted) = %v, want ErrNotFound", err)
		}
	})
}

func TestAuditLogFilterAndPaging(t *testing.T) {
	ctx := context.Background()
	s := seeded(t) // entry 1: seed by "system"
	for i, a := range []string{"a", "b", "a", "a", "b"} {
		action := "x"
		if i%2 == 1 {
			action = "y"
		}
		if err := s.Write(ctx, Actor{Name: a}, action, "t", func(*sql.Tx) (any, any, error) { return nil, i, nil }); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(es []AuditEntry) []int64 {
		var out []int64
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	cases := []struct {
		name string
		f    AuditFilter
		want []int64
	}{
		{"all newest first", AuditFilter{}, []int64{6, 5, 4, 3, 2, 1}},
		{"actor a", AuditFilter{Actor: "a"}, []int64{5, 4, 2}},
		{"action y", AuditFilter{Action: "y"}, []int64{5, 3}},
		{"page 1", AuditFilter{Limit: 2}, []int64{6, 5}},
		{"page 2", AuditFilter{Limit: 2, BeforeID: 5}, []int64{4, 3}},
		{"seed", AuditFilter{Action: "seed", Actor: "system"}, []int64{1}},
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
	es, _ := s.AuditLog(ctx, AuditFilter{})
	if es[0].At.Before(es[len(es)-1].At) {
		t.Error("newest entry has an earlier time than the oldest")
	}
	if es2, _ := s.AuditLog(ctx, AuditFilter{Since: es[0].At.Add(time.Microsecond)}); len(es2) != 0 {
		t.Errorf("Since after the newest entry returned %d entries", len(es2))
	}
	if es2, _ := s.AuditLog(ctx, AuditFilter{Until: es[len(es)-1].At}); len(es2) != 0 {
		t.Errorf("Until the oldest entry returned %d entries", len(es2))
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	secret, tok, err := s.CreateToken(ctx, "规划科", RolePlanner)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("secret shape", func(t *testing.T) {
		if !strings.HasPrefix(secret, "cvp_") || len(secret) != 4+43 {
			t.Errorf("secret %q: want cvp_ + 43 base64url characters", secret)
		}
		if tok.Prefix != secret[:10] || tok.Role != RolePlanner || tok.Name != "规划科" || tok.ID == 0 {
			t.Errorf("token %+v", tok)
		}
	})
	t.Run("authenticate", func(t *testing.T) {
		got, err := s.Authenticate(ctx, secret)
		if err != nil || got.ID != tok.ID || got.Role != RolePlanner {
			t.Fatalf("Authenticate = %+v, %v", got, err)
		}
		for _, bad := range []string{"", "cvp_", secret[:len(secret)-1], secret + "x", strings.ToUpper(secret), "Bearer " + secret} {
			if _, err := s.Authenticate(ctx, bad); !errors.Is(err, ErrBadToken) {
				t.Errorf("Authenticate(%q) = %v, want ErrBadToken", bad, err)
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
		secret2, tok2, err := s.CreateToken(ctx, "admin", RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		if secret2 == secret {
			t.Fatal("two tokens share a secret")
		}
		if n, _ := s.TokenCount(ctx); n != 2 {
			t.Errorf("TokenCount = %d, want 2", n)
		}
		if err := s.RevokeToken(WithActor(ctx, Actor{Name: "root", Role: RoleAdmin}), tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, secret); !errors.Is(err, ErrBadToken) {
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
		es, _ := s.AuditLog(ctx, AuditFilter{})
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
			want Role
		}{{"viewer", RoleViewer}, {"planner", RolePlanner}, {"Admin", RoleAdmin}} {
			r, err := ParseRole(c.in)
			if err != nil || r != c.want || !strings.EqualFold(r.String(), c.in) {
				t.Errorf("ParseRole(%q) = %v, %v", c.in, r, err)
			}
		}
		if _, err := ParseRole("root"); err == nil {
			t.Error("ParseRole(root) succeeded")
		}
		if !(RoleViewer < RolePlanner && RolePlanner < RoleAdmin) || RoleViewer.Allows(RolePlanner) || !RoleAdmin.Allows(RolePlanner) {
			t.Error("role order wrong")
		}
		if _, _, err := s.CreateToken(ctx, "x", Role(0)); err == nil {
			t.Error("token with no role created")
		}
	})
}

func TestConcurrentWritersAndReaders(t *testing.T) {
	ctx := context.Background()
	s := seeded(t)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := 0; w < 4; w++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				errs <- s.Write(ctx, CLIActor(), "bump", "", func(tx *sql.Tx) (any, any, error) {
					_, err := tx.Exec("UPDATE divisions SET pop_total = pop_total + 1 WHERE code = ?", cVil1)
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
	s.DB().QueryRow("SELECT pop_total FROM divisions WHERE code = ?", cVil1).Scan(&pop)
	if pop != 1200+40 {
		t.Errorf("population after 40 concurrent increments = %d, want 1240", pop)
	}
	if v, _ := s.Version(); v != 41 {
		t.Errorf("version = %d, want 41 (seed + 40 writes)", v)
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
