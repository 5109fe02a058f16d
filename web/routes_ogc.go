package web

// ogcRoutes are the endpoints for OGC API – Features and vector tiles.
func (s *Server) ogcRoutes() []route {
	return []route{
		{"GET", "/ogc", viewer, s.handleOGCLanding},
		{"GET", "/ogc/conformance", viewer, s.handleOGCConformance},
		{"GET", "/ogc/api", viewer, s.handleOGCAPI},
		{"GET", "/ogc/collections", viewer, s.handleOGCCollections},
		{"GET", "/ogc/collections/:collection", viewer, s.handleOGCCollection},
		{"GET", "/ogc/collections/:collection/queryables", viewer, s.handleOGCQueryables},
		{"GET", "/ogc/collections/:collection/items", viewer, s.heavyWhen(hasFilter, s.handleOGCItems)},
		{"GET", "/ogc/collections/:collection/items/:fid", viewer, s.handleOGCItem},
		{"POST", "/ogc/collections/:collection/items", planner, s.handleOGCCreate}, // Part 4 (ogc_write.go)
		{"PUT", "/ogc/collections/:collection/items/:fid", planner, s.handleOGCReplace},
		{"PATCH", "/ogc/collections/:collection/items/:fid", planner, s.handleOGCReplace},
		{"DELETE", "/ogc/collections/:collection/items/:fid", planner, s.handleOGCDelete},
		{"GET", "/tiles/:name", viewer, s.handleTileJSON},
		{"GET", "/tiles/:name/:z/:x/:y", viewer, s.handleTile},
	}
}
