package web

// scenarioRoutes are the endpoints for division-adjustment scenarios.
func (s *Server) scenarioRoutes() []route {
	return nil
}
