package web

// sitingRoutes are the endpoints for siting and saved plans.
func (s *Server) sitingRoutes() []route {
	return nil
}
