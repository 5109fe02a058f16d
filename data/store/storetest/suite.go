// Package storetest is the conformance suite of civplan's stores: the same tests, written
// against store.Handle, run from the SQLite store's tests and from the PostgreSQL store's
// (Run). A behaviour either store must have belongs here, not in one store's own tests.
package storetest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/civplan/civplan/data/dataset/datasettest"
	"github.com/civplan/civplan/data/store"
)

// Store is what the suite tests: everything the server, the CLI and the tests use.
type Store = store.Handle

// Opener opens a new, empty, migrated store for one test; it closes it when t ends.
type Opener func(t testing.TB) Store

// Run runs every conformance test as a subtest, each on its own stores from open.
func Run(t *testing.T, open Opener) {
	for _, c := range tests() {
		t.Run(c.name, func(t *testing.T) { c.run(t, open) })
	}
}

type suiteTest struct {
	name string
	run  func(t *testing.T, open Opener)
}

// seeded opens a store and seeds datasettest.Small into it.
func seeded(t testing.TB, open Opener) Store {
	t.Helper()
	s := open(t)
	if err := s.Seed(context.Background(), datasettest.Small(), nil); err != nil {
		t.Fatal(err)
	}
	return s
}

// readTestdata reads a file of data/store/testdata (found from this source file, so the suite
// runs from any package's directory).
func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(self), "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
