package store

import (
	"errors"
	"fmt"
	"testing"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// SQLite's busy and locked (past the busy timeout) and cannot-open errors are ErrUnavailable;
// constraint and other errors are not.
func TestSQLiteUnavailable(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"busy", fmt.Errorf("begin write: %w", sqlite3.Error{Code: sqlite3.ErrBusy}), true},
		{"locked", sqlite3.Error{Code: sqlite3.ErrLocked}, true},
		{"cannot open", sqlite3.Error{Code: sqlite3.ErrCantOpen}, true},
		{"constraint", sqlite3.Error{Code: sqlite3.ErrConstraint, ExtendedCode: sqlite3.ErrConstraintUnique}, false},
		{"full", sqlite3.Error{Code: sqlite3.ErrFull}, false},
		{"not found", ErrNotFound, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := SQLiteUnavailable(c.err)
			if errors.Is(got, ErrUnavailable) != c.want {
				t.Fatalf("SQLiteUnavailable(%v) = %v, unavailable want %v", c.err, got, c.want)
			}
			if !errors.Is(got, c.err) && got != c.err {
				t.Errorf("the driver's error is lost: %v", got)
			}
		})
	}
}
