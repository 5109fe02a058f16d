package web

// scenarioRoutes are the endpoints for division-adjustment scenarios (planner: drafts are sensitive).
func (s *Server) scenarioRoutes() []route {
	return []route{
		{"POST", "/api/v1/scenarios", planner, s.heavy(s.handleScenarioCreate)},
		{"GET", "/api/v1/scenarios", planner, s.handleScenarios},
		{"GET", "/api/v1/scenarios/compare", planner, s.heavy(s.handleScenarioCompare)},
		{"GET", "/api/v1/scenarios/:id", planner, s.handleScenario},
		{"PUT", "/api/v1/scenarios/:id", planner, s.heavy(s.handleScenarioUpdate)},
		{"DELETE", "/api/v1/scenarios/:id", planner, s.handleScenarioDelete},
		{"GET", "/api/v1/scenarios/:id/impact", planner, s.heavy(s.handleScenarioImpact)},
		{"GET", "/api/v1/scenarios/:id/report.html", planner, s.heavy(s.handleScenarioReport)},
		{"GET", "/api/v1/scenarios/:id/codes", planner, s.heavy(s.handleScenarioCodes(""))},
		{"GET", "/api/v1/scenarios/:id/codes.csv", planner, s.heavy(s.handleScenarioCodes("csv"))},
		{"GET", "/api/v1/scenarios/:id/codes.xlsx", planner, s.heavy(s.handleScenarioCodes("xlsx"))},
	}
}
