package web

import (
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"
)

// uiFiles is the built planner web map (web/ui/dist, made by `npm run build` in web/ui and
// committed, so the binary serves it with no internet access and no Node at run time).
//
//go:embed ui/dist
var uiFiles embed.FS

// uiTypes maps the extensions in ui/dist to their content types.
var uiTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".json": "application/json",
	".txt":  "text/plain; charset=utf-8",
}

// handleUIFile answers with one file of ui/dist.
func (s *Server) handleUIFile(name string) handler {
	return func(c *gin.Context) error { return serveUIFile(c, name) }
}

// handleUIAsset answers GET /ui/{file} from ui/dist; unknown files are 404.
func (s *Server) handleUIAsset(c *gin.Context) error {
	name := strings.TrimPrefix(c.Param("file"), "/")
	if name == "" || strings.Contains(name, "..") {
		return notFound("no UI file %q", name)
	}
	return serveUIFile(c, name)
}

// serveUIFile writes ui/dist/name with its content type and an ETag; 304 when it matches.
func serveUIFile(c *gin.Context, name string) error {
	b, err := fs.ReadFile(uiFiles, path.Join("ui/dist", name))
	if err != nil {
		return notFound("no UI file %q", name)
	}
	ct, ok := uiTypes[path.Ext(name)]
	if !ok {
		ct = "application/octet-stream"
	}
	h := fnv.New64a()
	h.Write(b)
	etag := fmt.Sprintf(`"%x"`, h.Sum64())
	c.Header("ETag", etag)
	c.Header("Cache-Control", "no-cache")
	c.Header("X-Content-Type-Options", "nosniff")
	if inm := c.GetHeader("If-None-Match"); inm != "" && strings.Contains(inm, etag) {
		c.Status(http.StatusNotModified)
		return nil
	}
	c.Data(http.StatusOK, ct, b)
	return nil
}
