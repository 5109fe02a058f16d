// Package formats reads and writes civplan's exchange files: CSV and GeoJSON imports of
// facilities and divisions (Chinese header aliases, GBK/GB18030 text, GCJ-02/BD-09 input,
// every bad row named; see docs/import.md), and exports as GeoPackage, GeoJSON, GeoJSONSeq, CSV and
// xlsx in WGS84, CGCS2000 or a Gauss–Krüger 3° zone. It knows no HTTP and writes no store.
package formats
