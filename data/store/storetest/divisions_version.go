package storetest

import (
	"github.com/civplan/civplan/data/store"

	"bytes"
	"context"
	"testing"
)

// The divisions version moves with every division change (seed, division import) and stays
// put for facility writes, which move only the write version.
func testDivisionsVersion(t *testing.T, open Opener) {
	s := seeded(t, open)
	w0, d0, err := s.Versions()
	if err != nil {
		t.Fatal(err)
	}
	if d0 == 0 {
		t.Fatal("seeding did not move the divisions version")
	}
	if _, err := s.ImportFacilities(context.Background(), bytes.NewReader(readTestdata(t, "facilities_good.csv")), "f.csv", store.ImportOptions{}, importer); err != nil {
		t.Fatal(err)
	}
	w1, d1, _ := s.Versions()
	if w1 <= w0 || d1 != d0 {
		t.Errorf("facility import: write %d→%d, divisions %d→%d; want write up, divisions unchanged", w0, w1, d0, d1)
	}
	if _, err := s.ImportDivisions(context.Background(), bytes.NewReader(readTestdata(t, "divisions_pop.csv")), "d.csv", store.ImportOptions{}, importer); err != nil {
		t.Fatal(err)
	}
	w2, d2, _ := s.Versions()
	if w2 <= w1 || d2 <= d1 {
		t.Errorf("division import: write %d→%d, divisions %d→%d; want both up", w1, w2, d1, d2)
	}
}
