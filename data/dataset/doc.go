// Package dataset holds civplan's self-contained dataset: the Dataset type (division tree,
// facility registry and Meta describing vintages, sources and provenance), its file format
// (gzipped JSON, byte-for-byte deterministic) and the Hubei dataset embedded in the binary.
// The offline program that builds it lives beneath (hubeibuild). This package tree links
// neither SQLite nor excelize: the builder runs with a plain Go toolchain.
package dataset
