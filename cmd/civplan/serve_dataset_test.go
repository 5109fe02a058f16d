package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
)

// TestServeDatasetSeeds: --dataset seeds an empty database from a dataset file (not the
// embedded data), a database that holds data ignores it, and a bad file is an error naming it.
func TestServeDatasetSeeds(t *testing.T) {
	dir := t.TempDir()
	gen := divisions.Sources{Seat: divisions.Generated, Population: divisions.Generated, Attributes: divisions.Generated}
	ds := &dataset.Dataset{Meta: dataset.Meta{Name: "tiny"}, Divisions: []divisions.Division{
		{Code: "110000000000", Name: "合成11省", Level: divisions.Province, Kind: divisions.KindProvince, Seat: orb.Point{116, 40}, HasSeat: true, Sources: gen},
		{Code: "110100000000", Name: "合成1101市", Level: divisions.Prefecture, Kind: divisions.KindPrefectureCity, Parent: "110000000000", Seat: orb.Point{116, 40}, HasSeat: true, Sources: gen},
	}, Facilities: []facilities.Facility{{ID: 7, Kind: facilities.FuneralHome, Name: "合成设施7", DivisionCode: "110100000000",
		Point: orb.Point{116.1, 40.1}, Status: facilities.StatusOperating, Provenance: divisions.Generated}}}
	file := filepath.Join(dir, "tiny.json.gz")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := dataset.WriteDataset(f, ds); err != nil {
		t.Fatal(err)
	}
	f.Close()

	db := filepath.Join(dir, "t.db")
	st, err := openSeededFrom(db, file, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	divs, err := st.LoadDivisions()
	st.Close()
	if err != nil || len(divs) != 2 || divs[1].Code != "110100000000" {
		t.Fatalf("seeded divisions %v, %v; want the file's two", divs, err)
	}
	// Already seeded: the file is not read again (a missing one does not matter here).
	st, err = openSeededFrom(db, filepath.Join(dir, "gone.json.gz"), io.Discard)
	if err != nil {
		t.Fatalf("existing database: %v", err)
	}
	st.Close()

	bad := filepath.Join(dir, "bad.json.gz")
	os.WriteFile(bad, []byte("not gzip"), 0o644)
	if _, err := openSeededFrom(filepath.Join(dir, "u.db"), bad, io.Discard); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("bad file: %v, want an error naming %s", err, bad)
	}
}
