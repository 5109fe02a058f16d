package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/dataset/datasettest"
	sqlite3 "github.com/mattn/go-sqlite3"
)

// Stores (each its own sql.DB pools, as separate processes have) that open one new file at the
// same moment all start; the schema is migrated once (each step one schema_version row), the data
// seeded once (one seed audit entry, the dataset's divisions once), and all report one version.
// Before the fix, 6 stores on a new file failed in most rounds ("migration 1 (initial schema):
// table meta already exists", "duplicate column name: replay_csv", "already holds 9 divisions").
func TestStoresStartTogetherOnNewFile(t *testing.T) {
	const stores, rounds = 6, 8
	for round := range rounds {
		path := filepath.Join(t.TempDir(), "new.db")
		var loads atomic.Int32
		seed := func() (*dataset.Dataset, error) { loads.Add(1); return datasettest.Small(), nil }
		start := make(chan struct{})
		var wg sync.WaitGroup
		opened := make([]*SQLite, stores)
		errs := make([]error, stores)
		for i := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				opened[i], errs[i] = OpenSeeded(path, SeedOptions{Seed: seed})
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: store %d: %v", round, i, err)
			}
			defer opened[i].Close()
		}
		for i, s := range opened {
			var v, rows int
			if err := s.DB().QueryRow("SELECT max(version), count(*) FROM schema_version").Scan(&v, &rows); err != nil {
				t.Fatal(err)
			}
			if v != SchemaVersion() || rows != SchemaVersion() {
				t.Errorf("round %d: store %d sees schema version %d in %d rows, want %d in %d", round, i, v, rows, SchemaVersion(), SchemaVersion())
			}
			if w, err := s.Version(); err != nil || w != 1 {
				t.Errorf("round %d: store %d: write version %d (%v), want 1 (the seed alone)", round, i, w, err)
			}
		}
		seeds, err := opened[0].AuditLog(context.Background(), AuditFilter{Action: "seed"})
		if err != nil || len(seeds) != 1 {
			t.Errorf("round %d: %d seed audit entries (%v), want 1", round, len(seeds), err)
		}
		divs, err := opened[stores-1].LoadDivisions()
		if want := len(datasettest.Small().Divisions); err != nil || len(divs) != want {
			t.Errorf("round %d: %d divisions (%v), want %d", round, len(divs), err, want)
		}
		if loads.Load() < 1 {
			t.Errorf("round %d: the dataset was never loaded", round)
		}
	}
}

// A store opening a new file while another process holds the write lock past SQLite's 5 s busy
// timeout gets SQLITE_BUSY, retries, and starts once the lock is released (migrated, seeded once).
func TestOpenSeededWaitsOutABusyFile(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED under -short: holds a lock past SQLite's 5 s busy timeout")
	}
	path := filepath.Join(t.TempDir(), "new.db")
	other, err := sql.Open("sqlite3", "file:"+path+"?_txlock=immediate&_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.Begin() // creates the file and takes its write lock
	if err != nil {
		t.Fatal(err)
	}
	const hold = 6 * time.Second
	released := time.AfterFunc(hold, func() { tx.Rollback() })
	defer released.Stop()
	t0 := time.Now()
	s, err := OpenSeeded(path, SeedOptions{Seed: func() (*dataset.Dataset, error) { return datasettest.Small(), nil }})
	if err != nil {
		t.Fatalf("open while another process held the lock for %s: %v", hold, err)
	}
	defer s.Close()
	if took := time.Since(t0); took < hold {
		t.Errorf("opened after %s, before the lock was released (%s): the busy path was not exercised", took, hold)
	}
	if empty, err := s.Empty(); err != nil || empty {
		t.Errorf("not seeded after the wait: empty=%v %v", empty, err)
	}
}

// retryBusy retries only SQLite's busy and locked errors, gives up after its wait naming how
// long, and stops with the context.
func TestRetryBusy(t *testing.T) {
	busy := fmt.Errorf("begin write: %w", sqlite3.Error{Code: sqlite3.ErrBusy})
	locked := &UnavailableError{Store: "SQLite", Cause: "locked", Err: sqlite3.Error{Code: sqlite3.ErrLocked}}
	other := errors.New("disk I/O error")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name      string
		ctx       context.Context
		results   []error // what fn returns on each try; the last repeats
		wait      time.Duration
		wantTries int
		want      error  // errors.Is the result; nil: success
		wantText  string // in the error
	}{
		{"success at once", context.Background(), []error{nil}, time.Second, 1, nil, ""},
		{"busy twice, then success", context.Background(), []error{busy, busy, nil}, time.Second, 3, nil, ""},
		{"locked (classified) then success", context.Background(), []error{locked, nil}, time.Second, 2, nil, ""},
		{"busy, then another error: not retried", context.Background(), []error{busy, other}, time.Second, 2, other, ""},
		{"already seeded by another process", context.Background(), []error{busy, ErrSeeded}, time.Second, 2, ErrSeeded, ""},
		{"busy past the wait", context.Background(), []error{busy}, 30 * time.Millisecond, -1, busy, "still locked by another process"},
		{"context ended", cancelled, []error{busy}, time.Minute, 1, context.Canceled, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			tries := 0
			err := retryBusy(c.ctx, c.wait, time.Millisecond, func() error {
				tries++
				return c.results[min(tries, len(c.results))-1]
			})
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("err %v, want %v", err, c.want)
			}
			if !strings.Contains(fmt.Sprint(err), c.wantText) {
				t.Errorf("err %v, want it to say %q", err, c.wantText)
			}
			if c.wantTries > 0 && tries != c.wantTries || c.wantTries < 0 && tries < 3 {
				t.Errorf("%d tries, want %d", tries, c.wantTries)
			}
		})
	}
}
