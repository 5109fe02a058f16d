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

// uiFiles is the planner web map: its own files (web/ui/src) and the pinned MapLibre GL JS build
// (web/ui/vendor, copied from npm by `npm run build` in web/ui and committed), so the binary
// serves it with no internet access and no Node at run time.
//
//go:embed ui/src ui/vendor
var uiFiles embed.FS

// uiDirs are searched in order for a UI file.
var uiDirs = []string{"ui/src", "ui/vendor"}

// uiTypes maps the extensions of the UI files to their content types.
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

// handleUIFile answers with one UI file.
func (s *Server) handleUIFile(name string) handler {
	return func(c *gin.Context) error { return serveUIFile(c, name) }
}

// handleUIAsset answers GET /ui/{file} from the UI files; unknown files are 404.
func (s *Server) handleUIAsset(c *gin.Context) error {
	name := strings.TrimPrefix(c.Param("file"), "/")
	if name == "" || strings.Contains(name, "..") {
		return notFound("no UI file %q", name)
	}
	return serveUIFile(c, name)
}

// readUIFile returns the bytes of UI file name from the first of uiDirs that has it.
func readUIFile(name string) ([]byte, error) {
	var err error
	for _, dir := range uiDirs {
		var b []byte
		if b, err = fs.ReadFile(uiFiles, path.Join(dir, name)); err == nil {
			return b, nil
		}
	}
	return nil, err
}

// serveUIFile writes UI file name with its content type and an ETag; 304 when it matches.
func serveUIFile(c *gin.Context, name string) error {
	b, err := readUIFile(name)
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
