// Package web is civplan's HTTP layer (gin): the route table with the role each route needs,
// one handle_*.go file per resource, middleware (auth, request ids, logging, limits), RFC 7807
// problem answers, and the embedded planner UI. It computes no geometry itself: it reads the
// current snapshot and calls the domain packages.
package web
