package dataset

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// Source names one upstream data source of the embedded dataset.
type Source struct {
	Name        string `json:"name"`
	Files       string `json:"files"`
	Licence     string `json:"licence"`
	Attribution string `json:"attribution"`
	CRS         string `json:"crs"`
}

// Meta describes an embedded dataset: vintages, sources, how values were made and counts.
type Meta struct {
	Name       string                    `json:"name"`
	Vintages   map[string]string         `json:"vintages"` // e.g. "codes": "2023-06-30"
	Sources    []Source                  `json:"sources"`
	Methods    map[string]string         `json:"methods"`    // how derived/estimated/generated values were made
	Counts     map[string]int            `json:"counts"`     // units per level, facilities per kind, …
	Provenance map[string]map[string]int `json:"provenance"` // value group → provenance → count
	Notes      []string                  `json:"notes"`      // dropped seeds, documented exceptions
}

// Dataset is a complete, self-contained dataset: the division tree and the facility registry.
type Dataset struct {
	Meta       Meta                  `json:"meta"`
	Divisions  []divisions.Division  `json:"divisions"`
	Facilities []facilities.Facility `json:"facilities"`
}

//go:embed embedded/hubei.json.gz
var embeddedHubei []byte

// EmbeddedHubei decodes the dataset compiled into the binary (built by cmd/build-dataset).
func EmbeddedHubei() (*Dataset, error) {
	ds, err := ReadDataset(bytes.NewReader(embeddedHubei))
	if err != nil {
		return nil, fmt.Errorf("embedded Hubei dataset: %w", err)
	}
	return ds, nil
}

// ReadDataset decodes a gzipped JSON dataset.
func ReadDataset(r io.Reader) (*Dataset, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	var ds Dataset
	if err := json.NewDecoder(zr).Decode(&ds); err != nil {
		return nil, err
	}
	return &ds, nil
}

// WriteDataset encodes ds as gzipped JSON; the same dataset always gives the same bytes
// (no timestamps in the gzip header, map keys sorted by encoding/json).
func WriteDataset(w io.Writer, ds *Dataset) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(zw)
	if err := enc.Encode(ds); err != nil {
		return err
	}
	return zw.Close()
}
