// Package divisions holds China's administrative division model: 12-digit statistical
// codes and what they imply (level, parent, kind), the division tree with populations and
// provenance, and the rules that reason about it. It imports neither gin nor database/sql.
package divisions
