package web

// sitingRoutes are the endpoints for siting and saved plans.
func (s *Server) sitingRoutes() []route {
	return []route{
		{"POST", "/api/v1/siting", viewer, s.heavy(s.handleSiting)},
		{"POST", "/api/v1/plans", planner, s.heavy(s.handlePlanCreate)},
		{"GET", "/api/v1/plans", planner, s.handlePlans},
		{"GET", "/api/v1/plans/:id", planner, s.handlePlan},
		{"DELETE", "/api/v1/plans/:id", planner, s.handlePlanDelete},
	}
}
