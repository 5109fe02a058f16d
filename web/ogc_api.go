package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// handleOGCAPI answers GET /ogc/api: the OpenAPI 3.0 document of /api/v1, /ogc and /tiles,
// served as application/vnd.oai.openapi+json;version=3.0 (or f=html for a readable page).
func (s *Server) handleOGCAPI(c *gin.Context) error {
	if p := onlyParams(c, "f"); p != nil {
		return p
	}
	f, p := ogcFormat(c)
	if p != nil {
		return p
	}
	doc := s.openAPIDoc()
	if f == "html" {
		return renderHTML(c, "civplan API (OpenAPI 3.0)", doc)
	}
	return writeTyped(c, http.StatusOK, openAPIType, doc)
}
