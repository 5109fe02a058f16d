package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/civplan/civplan/data/dataset"
	sqlite3 "github.com/mattn/go-sqlite3"
)

// setupBusyWait is how long opening a store keeps retrying while the file is locked by another
// process (SQLITE_BUSY after the 5 s busy timeout): long enough for another process to seed the
// national synthetic data.
const setupBusyWait = 10 * time.Minute

// busyPause is the pause between retries on SQLITE_BUSY.
const busyPause = 50 * time.Millisecond

// isBusy reports whether err is SQLite's SQLITE_BUSY or SQLITE_LOCKED (the lock another
// connection holds outlasted the busy timeout).
func isBusy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}

// retryBusy runs fn until it returns anything but a busy error (isBusy), pausing pause between
// tries, for at most wait (then the last error, saying how long it waited) or until ctx ends. fn
// must be safe to run again: it re-reads what it decides on.
func retryBusy(ctx context.Context, wait, pause time.Duration, fn func() error) error {
	start := time.Now()
	for tries := 1; ; tries++ {
		err := fn()
		if !isBusy(err) {
			return err
		}
		if time.Since(start) >= wait {
			return fmt.Errorf("database still locked by another process after %d tries in %s: %w", tries, time.Since(start).Round(time.Millisecond), err)
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(pause):
		}
	}
}

// SeedOptions controls OpenSeeded.
type SeedOptions struct {
	// Seed returns the dataset to seed a store that holds no divisions yet (called only then).
	Seed func() (*dataset.Dataset, error)
	// Progress sees the seeding's rows written and total (may be nil).
	Progress func(done, total int)
}

// OpenSeeded opens (creating if missing) the database at path, migrates it and, when it holds no
// divisions, seeds it from o.Seed. Processes that start together on a new file all succeed: each
// migration step and the seeding check the schema version and the divisions inside their
// BEGIN IMMEDIATE transaction, so each happens once, and a process that finds the file locked
// past the busy timeout retries. Every process may call o.Seed (each saw the file empty); only
// one writes it.
func OpenSeeded(path string, o SeedOptions) (*SQLite, error) {
	s, err := Open(path)
	if err != nil || o.Seed == nil {
		return s, err
	}
	if err := s.seedIfEmpty(context.Background(), o); err != nil {
		s.Close()
		return nil, fmt.Errorf("seed %s: %w", path, err)
	}
	return s, nil
}

// seedIfEmpty seeds the store from o.Seed unless it holds divisions (another process's seed
// counts), retrying while the file is locked.
func (s *SQLite) seedIfEmpty(ctx context.Context, o SeedOptions) error {
	var ds *dataset.Dataset
	err := retryBusy(ctx, setupBusyWait, busyPause, func() error {
		empty, err := s.Empty()
		if err != nil || !empty {
			return err
		}
		if ds == nil {
			if ds, err = o.Seed(); err != nil {
				return err
			}
		}
		return s.Seed(ctx, ds, o.Progress)
	})
	if errors.Is(err, ErrSeeded) {
		return nil // another process seeded it after this one saw it empty
	}
	return err
}
