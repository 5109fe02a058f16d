package web

// coverageRoutes are the endpoints for coverage, gaps, scorecard, accessibility.
func (s *Server) coverageRoutes() []route {
	return []route{
		{"GET", "/api/v1/coverage", viewer, s.handleCoverage},
		{"GET", "/api/v1/gaps", viewer, s.handleGaps},
		{"GET", "/api/v1/scorecard/:code", viewer, s.handleScorecard},
		{"GET", "/api/v1/accessibility", viewer, s.handleAccessibility},
	}
}
