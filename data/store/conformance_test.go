package store_test

import (
	"path/filepath"
	"testing"

	"github.com/civplan/civplan/data/store"
	"github.com/civplan/civplan/data/store/storetest"
)

// The conformance suite (data/store/storetest) on the SQLite store; the PostgreSQL store runs the
// same suite in data/store/postgres.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t testing.TB) storetest.Store {
		t.Helper()
		s, err := store.Open(filepath.Join(t.TempDir(), "civplan.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
