package web

import (
	"fmt"
	"time"

	"github.com/civplan/civplan/data/store"
	"github.com/gin-gonic/gin"
)

const shutdownGrace = 20 * time.Second

// access is who may call a route.
type access int

const (
	public  access = iota // no token ever needed (health, the UI)
	viewer                // a viewer token, or none when reads are open
	planner               // a planner or admin token
	admin                 // an admin token
)

func (a access) role() store.Role {
	switch a {
	case planner:
		return store.RolePlanner
	case admin:
		return store.RoleAdmin
	}
	return store.RoleViewer
}

// route is one row of the endpoint table (ARCHITECTURE.md "HTTP contract").
type route struct {
	method, path string
	access       access
	h            handler
}

// routes is the single endpoint table; the router and the auth test both walk it. Each
// capability keeps its rows in its own routes_*.go file.
func (s *Server) routes() []route {
	var rs []route
	for _, group := range [][]route{s.baseRoutes(), s.coverageRoutes(), s.sitingRoutes(), s.scenarioRoutes(), s.ogcRoutes()} {
		rs = append(rs, group...)
	}
	return rs
}

// baseRoutes are the foundation's endpoints: health, divisions, locate, facilities.
func (s *Server) baseRoutes() []route {
	return []route{
		{"GET", "/healthz", public, s.handleHealthz},
		{"GET", "/readyz", public, s.handleReadyz},
		{"GET", "/metrics", public, s.handleMetrics},
		{"GET", "/api/v1/audit", admin, s.handleAudit},
		{"GET", "/", public, s.handleUIFile("index.html")}, // the planner web map (handle_ui.go)
		{"GET", "/favicon.ico", public, s.handleUIFile("favicon.svg")},
		{"GET", "/ui/*file", public, s.handleUIAsset},
		{"GET", "/api/v1/divisions", viewer, s.handleDivisionSearch},
		{"GET", "/api/v1/divisions/:code", viewer, s.handleDivision},
		{"GET", "/api/v1/divisions/:code/children", viewer, s.handleChildren},
		{"GET", "/api/v1/locate", viewer, s.handleLocate},
		{"GET", "/api/v1/facilities", viewer, s.handleFacilities},
		{"GET", "/api/v1/facilities/:id", viewer, s.handleFacility},
		{"POST", "/api/v1/facilities", planner, s.handleFacilityCreate},
		{"PUT", "/api/v1/facilities/:id", planner, s.handleFacilityUpdate},
		{"PATCH", "/api/v1/facilities/:id", planner, s.handleFacilityUpdate},
		{"DELETE", "/api/v1/facilities/:id", planner, s.handleFacilityDelete},
	}
}

func (s *Server) router() (*gin.Engine, error) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	// gin trusts every proxy by default, so anyone could pick their own address with
	// X-Forwarded-For; only the configured proxies are believed (none by default).
	if err := e.SetTrustedProxies(s.cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("trusted proxies: %w", err)
	}
	e.Use(s.deadline, s.requestID, s.markStale, s.accessLog, s.observe, s.recoverProblem, s.rateLimit, s.cors, s.gzipAnswers, s.limitBody)
	for _, r := range s.routes() {
		if r.method != "GET" && r.access >= planner { // writes take an Idempotency-Key (idempotency.go)
			e.Handle(r.method, r.path, s.authorize(r.access), s.idempotencyKey, wrap(r.h))
			continue
		}
		e.Handle(r.method, r.path, s.authorize(r.access), wrap(r.h))
		if r.method == "GET" { // HEAD on every GET route: the same handler; net/http drops the body
			e.Handle("HEAD", r.path, s.authorize(r.access), wrap(r.h))
		}
	}
	e.NoRoute(wrap(func(c *gin.Context) error { return notFound("no endpoint %s %s", c.Request.Method, c.Request.URL.Path) }))
	e.NoMethod(wrap(func(c *gin.Context) error {
		return problemOf(405, "method %s is not allowed on %s", c.Request.Method, c.Request.URL.Path)
	}))
	return e, nil
}
