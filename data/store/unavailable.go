package store

import (
	"context"
	"errors"
	"fmt"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// ErrUnavailable marks a failure to reach the store at all — PostgreSQL down, restarting or cut
// off (connection refused or reset, "the database system is shutting down"), SQLite locked by
// another process past the busy timeout — as opposed to a write the store refused. Match it with
// errors.Is; the error is an *UnavailableError saying why. Retrying later may succeed.
var ErrUnavailable = errors.New("store unavailable")

// UnavailableError is a connection-level failure of a store: errors.Is(err, ErrUnavailable).
type UnavailableError struct {
	// Store names the kind of store ("PostgreSQL", "SQLite"), never its URL or path.
	Store string
	// Cause is a short reason fit for a client ("connection refused", "the database system is
	// shutting down"): no address, user, URL or password.
	Cause string
	// MaybeCommitted is true when the connection broke while a COMMIT was under way: the write
	// may have been committed, so a client must read before retrying it.
	MaybeCommitted bool
	// Err is the driver's error (for the server log; it may name hosts).
	Err error
}

// Error says which store is unavailable and why.
func (e *UnavailableError) Error() string {
	return fmt.Sprintf("%s unavailable: %s: %v", e.Store, e.Cause, e.Err)
}

// Unwrap makes errors.Is match ErrUnavailable and the driver's error.
func (e *UnavailableError) Unwrap() []error { return []error{ErrUnavailable, e.Err} }

// markUnavailable applies the dialect's classifier to err (nil, nil classifier, or an error
// already classified: err unchanged). A failure while ctx is done is left alone: the caller
// went away or ran out of time, which says nothing about the store.
func (s *Core) markUnavailable(ctx context.Context, err error) error {
	if err == nil || s.d.Unavailable == nil || ctx.Err() != nil || errors.Is(err, ErrUnavailable) {
		return err
	}
	return s.d.Unavailable(err)
}

// SQLiteUnavailable classifies a SQLite error: SQLITE_BUSY or SQLITE_LOCKED (another process
// held the write lock past the busy timeout) and SQLITE_CANTOPEN (the file went away or its
// directory is unreadable) become an *UnavailableError; anything else is returned unchanged.
func SQLiteUnavailable(err error) error {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return err
	}
	cause := ""
	switch se.Code {
	case sqlite3.ErrBusy, sqlite3.ErrLocked:
		cause = "the database file is locked by another process (busy past the 5 s timeout)"
	case sqlite3.ErrCantOpen:
		cause = "the database file cannot be opened"
	default:
		return err
	}
	return &UnavailableError{Store: "SQLite", Cause: cause, Err: err}
}
