// Package cql2 parses and evaluates OGC CQL2-text filters (OGC 21-065r2) for the OGC API –
// Features endpoints: basic CQL2 (comparisons, AND/OR/NOT, IS NULL), advanced comparison
// operators (LIKE, BETWEEN, IN) and S_INTERSECTS with WKT and BBOX literals. It is HTTP-facing
// query syntax and knows nothing of divisions or facilities.
package cql2

// Conformance lists the CQL2 conformance classes this package implements, exactly.
func Conformance() []string {
	const base = "http://www.opengis.net/spec/cql2/1.0/conf/"
	return []string{base + "cql2-text", base + "basic-cql2", base + "advanced-comparison-operators",
		base + "basic-spatial-functions", base + "basic-spatial-functions-plus"}
}
