package postgres_test

import (
	"context"
	"testing"

	"github.com/civplan/civplan/data/store/postgres"
	"github.com/civplan/civplan/data/store/postgres/pgtest"
	"github.com/civplan/civplan/data/store/storetest"
)

// open opens the PostgreSQL store on a fresh database of the test server.
func open(t testing.TB) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), pgtest.URL(t), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// The conformance suite (data/store/storetest), as the SQLite store runs it.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t testing.TB) storetest.Store { return open(t) })
}
