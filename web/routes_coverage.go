package web

// coverageRoutes are the endpoints for coverage, gaps, scorecard, accessibility.
func (s *Server) coverageRoutes() []route {
	return nil
}
