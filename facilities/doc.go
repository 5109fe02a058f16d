// Package facilities holds facility kinds and the registry of facility points, and the
// analyses over them: coverage, gaps, accessibility (2SFCA), siting and the impact of a
// division scenario on service reach. It imports neither gin nor database/sql.
package facilities
