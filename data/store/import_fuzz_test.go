package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzImport feeds arbitrary bytes to an importer of a seeded store: it must never panic, and
// a rejected file must leave the store exactly as it was (version unchanged).
func fuzzImport(f *testing.F, ext string, imp func(s *SQLite, b []byte) error) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*"+ext))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte{})
	f.Add([]byte("\xff\xfe\x00"))
	s := seeded(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		v0, err := s.Version()
		if err != nil {
			t.Fatal(err)
		}
		if err := imp(s, b); err != nil {
			if v1, _ := s.Version(); v1 != v0 {
				t.Fatalf("a rejected import changed the store (version %d → %d): %v", v0, v1, err)
			}
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("empty error message")
			}
		}
	})
}

func FuzzImportFacilitiesCSV(f *testing.F) {
	fuzzImport(f, ".csv", func(s *SQLite, b []byte) error {
		_, err := s.ImportFacilities(context.Background(), bytes.NewReader(b), "fuzz.csv", ImportOptions{Format: "csv"}, CLIActor())
		return err
	})
}

func FuzzImportFacilitiesGeoJSON(f *testing.F) {
	fuzzImport(f, ".geojson", func(s *SQLite, b []byte) error {
		_, err := s.ImportFacilities(context.Background(), bytes.NewReader(b), "fuzz.geojson", ImportOptions{Format: "geojson"}, CLIActor())
		return err
	})
}
