package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civplan/civplan/data/dataset/datasettest"
	"github.com/civplan/civplan/data/formats"
	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
)

// idemCounts is what a replayed write must leave unchanged: the change-log version, the audit
// rows, the live facilities and the change-log entries.
type idemCounts struct {
	version                   int64
	audit, facilities, change int
}

func countsOf(t *testing.T, s Store) idemCounts {
	t.Helper()
	ctx := context.Background()
	var c idemCounts
	var err error
	if c.version, err = s.Version(); err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct {
		sql string
		n   *int
	}{{"SELECT count(*) FROM audit_log", &c.audit}, {"SELECT count(*) FROM facilities WHERE deleted_at IS NULL", &c.facilities},
		{"SELECT count(*) FROM change_log", &c.change}} {
		if err := s.DB().QueryRowContext(ctx, q.sql).Scan(q.n); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// keyedInsert inserts one facility named name as a write keyed by key of token, answering
// 201 with the facility's id as body, its version as ETag and a Location.
func keyedInsert(ctx context.Context, s Store, token int64, key, name string) (int64, error) {
	var id int64
	i := &store.Idempotent{
		Request: store.IdemRequest{TokenID: token, Key: key, Method: "POST", Path: "/api/v1/facilities", BodySHA256: fmt.Sprintf("%064x", len(name))},
		Render: func(tx *sql.Tx, version int64, result any) (store.IdemResponse, error) {
			rec, err := s.FacilityTx(ctx, tx, id)
			if err != nil {
				return store.IdemResponse{}, err
			}
			f, ok := result.(facilities.Facility)
			if !ok || f.Name != name {
				return store.IdemResponse{}, fmt.Errorf("render got result %#v, want the facility written", result)
			}
			return store.IdemResponse{Status: 201, ContentType: "application/json", ETag: strconv.Quote(strconv.FormatInt(rec.Version, 10)),
				Location: "/api/v1/facilities/" + strconv.FormatInt(id, 10), Body: []byte(`{"id":` + strconv.FormatInt(id, 10) + `}`)}, nil
		},
	}
	err := s.Write(store.WithIdempotency(ctx, i), store.Actor{Name: "p", TokenID: token, Role: store.RolePlanner}, "facility.create", "facility",
		func(tx *sql.Tx) (any, any, error) {
			f := planFacility(name, datasettest.Vil1, orb.Point{110.70, 31.30})
			var err error
			id, err = s.InsertFacility(ctx, tx, f)
			f.ID = id
			return nil, f, err
		})
	return id, err
}

// testIdempotencyReplay: a keyed write stores its answer with the key in its transaction; the
// same key again writes nothing (no version, audit row, facility or log entry) and returns the
// stored answer; keys are scoped per token.
func testIdempotencyReplay(t *testing.T, open Opener) {
	s := seeded(t, open)
	ctx := context.Background()
	before := countsOf(t, s)
	id, err := keyedInsert(ctx, s, 7, "key-1", "互助点一")
	if err != nil {
		t.Fatal(err)
	}
	after := countsOf(t, s)
	if after.version != before.version+1 || after.audit != before.audit+1 || after.facilities != before.facilities+1 {
		t.Fatalf("first keyed write: counts %+v → %+v, want one more version, audit row and facility", before, after)
	}
	rec, ok, err := s.IdempotencyRecord(ctx, 7, "key-1")
	if err != nil || !ok {
		t.Fatalf("record of key-1: %v %v", ok, err)
	}
	want := store.IdemResponse{Status: 201, ContentType: "application/json", ETag: strconv.Quote(strconv.FormatInt(after.version, 10)),
		Location: "/api/v1/facilities/" + strconv.FormatInt(id, 10), Body: []byte(`{"id":` + strconv.FormatInt(id, 10) + `}`)}
	if !reflect.DeepEqual(rec.IdemResponse, want) || rec.Version != after.version || rec.Method != "POST" || rec.TokenID != 7 || rec.Created.IsZero() {
		t.Fatalf("stored record %+v, want answer %+v at version %d", rec, want, after.version)
	}
	_, err = keyedInsert(ctx, s, 7, "key-1", "互助点一")
	var re *store.ReplayError
	if !errors.As(err, &re) || !errors.Is(err, store.ErrReplay) {
		t.Fatalf("same key again: %v, want a *ReplayError", err)
	}
	if !reflect.DeepEqual(re.Record.IdemResponse, want) || re.Record.Version != after.version {
		t.Fatalf("replayed record %+v, want %+v", re.Record, want)
	}
	if got := countsOf(t, s); got != after {
		t.Fatalf("replay changed the store: %+v → %+v", after, got)
	}
	// Another body under the same key is still a replay for the store; the caller compares.
	_, err = keyedInsert(ctx, s, 7, "key-1", "另一个名字")
	if !errors.As(err, &re) || re.Record.Matches(store.IdemRequest{Method: "POST", Path: "/api/v1/facilities", BodySHA256: fmt.Sprintf("%064x", len("另一个名字"))}) {
		t.Fatalf("same key, other body: %v (record %+v), want a replay whose fingerprint differs", err, re)
	}
	// The same key under another token is another key.
	if _, err := keyedInsert(ctx, s, 8, "key-1", "互助点二"); err != nil {
		t.Fatalf("key-1 of token 8: %v", err)
	}
	if got := countsOf(t, s); got.version != after.version+1 || got.facilities != after.facilities+1 {
		t.Fatalf("token 8's key-1 did not write: %+v", got)
	}
	// A write without a key is untouched by the mechanism.
	if err := s.Write(ctx, store.CLIActor(), "facility.update", "facility/10", func(tx *sql.Tx) (any, any, error) {
		rec, err := s.FacilityTx(ctx, tx, 10)
		if err != nil {
			return nil, nil, err
		}
		rec.Beds++
		_, err = s.UpdateFacility(ctx, tx, rec.Facility, 0)
		return nil, nil, err
	}); err != nil {
		t.Fatal(err)
	}
}

// testIdempotencyFailedWriteKeepsNoKey: a keyed write that fails (in the write or while
// rendering its answer) stores neither the write nor the key, so the key can be sent again.
func testIdempotencyFailedWriteKeepsNoKey(t *testing.T, open Opener) {
	s := seeded(t, open)
	ctx := context.Background()
	before := countsOf(t, s)
	i := &store.Idempotent{Request: store.IdemRequest{TokenID: 3, Key: "k", Method: "POST", Path: "/p", BodySHA256: "00"},
		Render: func(*sql.Tx, int64, any) (store.IdemResponse, error) {
			return store.IdemResponse{}, errors.New("cannot render")
		}}
	err := s.Write(store.WithIdempotency(ctx, i), store.CLIActor(), "facility.create", "facility", func(tx *sql.Tx) (any, any, error) {
		_, err := s.InsertFacility(ctx, tx, planFacility("不该留下", datasettest.Vil1, orb.Point{110.70, 31.30}))
		return nil, nil, err
	})
	if err == nil || !strings.Contains(err.Error(), "cannot render") {
		t.Fatalf("render error: %v", err)
	}
	i.Render = func(*sql.Tx, int64, any) (store.IdemResponse, error) { return store.IdemResponse{Status: 204}, nil }
	err = s.Write(store.WithIdempotency(ctx, i), store.CLIActor(), "facility.create", "facility", func(tx *sql.Tx) (any, any, error) {
		return nil, nil, errors.New("refused")
	})
	if err == nil || errors.Is(err, store.ErrReplay) {
		t.Fatalf("failing write: %v", err)
	}
	if got := countsOf(t, s); got != before {
		t.Fatalf("failed keyed writes changed the store: %+v → %+v", before, got)
	}
	if _, ok, err := s.IdempotencyRecord(ctx, 3, "k"); ok || err != nil {
		t.Fatalf("a failed write left its key: %v %v", ok, err)
	}
	if _, err := keyedInsert(ctx, s, 3, "k", "再来一次"); err != nil {
		t.Fatalf("the key of a failed write, sent again: %v", err)
	}
}

// testIdempotencyConcurrentSameKey: N writers with one key at once → exactly one write
// applied; every other gets the replay of its answer.
func testIdempotencyConcurrentSameKey(t *testing.T, open Opener) {
	s := seeded(t, open)
	ctx := context.Background()
	before := countsOf(t, s)
	const n = 12
	var wg sync.WaitGroup
	start := make(chan struct{})
	ids := make([]int64, n)
	errs := make([]error, n)
	for g := 0; g < n; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			<-start
			ids[g], errs[g] = keyedInsert(ctx, s, 5, "same", "并发点")
		}(g)
	}
	close(start)
	wg.Wait()
	applied, replays := 0, 0
	var winner int64
	for g := 0; g < n; g++ {
		var re *store.ReplayError
		switch {
		case errs[g] == nil:
			applied++
			winner = ids[g]
		case errors.As(errs[g], &re):
			replays++
		default:
			t.Errorf("writer %d: %v", g, errs[g])
		}
	}
	if applied != 1 || replays != n-1 {
		t.Fatalf("%d applied, %d replays of %d writers, want 1 and %d", applied, replays, n, n-1)
	}
	got := countsOf(t, s)
	if got.version != before.version+1 || got.audit != before.audit+1 || got.facilities != before.facilities+1 || got.change != before.change+1 {
		t.Fatalf("counts %+v → %+v, want exactly one write", before, got)
	}
	rec, ok, err := s.IdempotencyRecord(ctx, 5, "same")
	if err != nil || !ok || string(rec.Body) != `{"id":`+strconv.FormatInt(winner, 10)+`}` {
		t.Fatalf("record %+v %v %v, want the winner's answer (id %d)", rec, ok, err, winner)
	}
}

// testIdempotencyExpiry: keys are kept IdempotencyTTL (24 h, on the store's clock); then a
// lookup no longer finds them, the next keyed write deletes them, and the key writes anew.
func testIdempotencyExpiry(t *testing.T, open Opener) {
	s := seeded(t, open)
	ctx := context.Background()
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	now := t0
	s.SetClock(func() time.Time { return now })
	if _, err := keyedInsert(ctx, s, 1, "old", "旧点"); err != nil {
		t.Fatal(err)
	}
	rows := func() []string {
		t.Helper()
		d, err := s.DumpTables(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, l := range d["idempotency_keys"] {
			for _, f := range strings.Split(l, " | ") {
				if k, ok := strings.CutPrefix(f, "key="); ok {
					keys = append(keys, k)
				}
			}
		}
		return keys
	}
	for _, c := range []struct {
		at    time.Duration
		found bool
	}{{0, true}, {23 * time.Hour, true}, {store.IdempotencyTTL, true}, {store.IdempotencyTTL + time.Second, false}} {
		now = t0.Add(c.at)
		if _, ok, err := s.IdempotencyRecord(ctx, 1, "old"); ok != c.found || err != nil {
			t.Errorf("key stored at t0, looked up at t0+%v: found %v (%v), want %v", c.at, ok, err, c.found)
		}
	}
	if got := rows(); !reflect.DeepEqual(got, []string{"old"}) {
		t.Fatalf("before any later keyed write: keys %v, want [old] (lookups do not delete)", got)
	}
	now = t0.Add(store.IdempotencyTTL + time.Second)
	if _, err := keyedInsert(ctx, s, 2, "new", "新点"); err != nil {
		t.Fatal(err)
	}
	if got := rows(); !reflect.DeepEqual(got, []string{"new"}) {
		t.Fatalf("after a keyed write 24 h + 1 s later: keys %v, want [new] (old purged)", got)
	}
	before := countsOf(t, s)
	if _, err := keyedInsert(ctx, s, 1, "old", "旧点"); err != nil {
		t.Fatalf("expired key sent again: %v, want a new write", err)
	}
	if got := countsOf(t, s); got.version != before.version+1 {
		t.Fatalf("expired key: version %d → %d, want a new write", before.version, got.version)
	}
}

// testIdempotencyImport: a keyed facility import (the API's batch) renders its answer from the
// import report and replays like any write.
func testIdempotencyImport(t *testing.T, open Opener) {
	s := seeded(t, open)
	ctx := context.Background()
	body := `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[110.70,31.30]},` +
		`"properties":{"kind":"mutual_aid_elderly","name":"批量点","division_code":"` + string(datasettest.Vil1) + `"}}]}`
	i := &store.Idempotent{Request: store.IdemRequest{TokenID: 4, Key: "batch", Method: "POST", Path: "/api/v1/facilities", BodySHA256: "ab"},
		Render: func(tx *sql.Tx, version int64, result any) (store.IdemResponse, error) {
			rep, ok := result.(*formats.ImportReport)
			if !ok {
				return store.IdemResponse{}, fmt.Errorf("render got %T, want *formats.ImportReport", result)
			}
			return store.IdemResponse{Status: 200, Body: []byte(fmt.Sprintf(`{"version":%d,"inserted":%d}`, version, rep.Inserted))}, nil
		}}
	tree, err := s.LoadTree()
	if err != nil {
		t.Fatal(err)
	}
	imp := func() error {
		_, err := s.ImportFacilities(store.WithIdempotency(ctx, i), strings.NewReader(body), "api.geojson",
			store.ImportOptions{Format: "geojson", Tree: tree}, store.CLIActor())
		return err
	}
	if err := imp(); err != nil {
		t.Fatal(err)
	}
	after := countsOf(t, s)
	rec, ok, err := s.IdempotencyRecord(ctx, 4, "batch")
	if err != nil || !ok || string(rec.Body) != fmt.Sprintf(`{"version":%d,"inserted":1}`, after.version) {
		t.Fatalf("batch record %q %v %v, want version %d and 1 inserted", rec.Body, ok, err, after.version)
	}
	if err := imp(); !errors.Is(err, store.ErrReplay) {
		t.Fatalf("batch again: %v, want a replay", err)
	}
	if got := countsOf(t, s); got != after {
		t.Fatalf("replayed batch changed the store: %+v → %+v", after, got)
	}
}
