package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// handleHealthz answers 200 while the process serves.
func (s *Server) handleHealthz(c *gin.Context) error {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
	return nil
}

// handleReadyz answers 200 once a snapshot is loaded, with its version and age; 503 (problem,
// saying why) while a following replica cannot reach the store or is more than Config.MaxLag
// behind it (follow.go). Reads keep answering from the last snapshot meanwhile.
func (s *Server) handleReadyz(c *gin.Context) error {
	snap := s.current()
	if snap == nil {
		return problemOf(http.StatusServiceUnavailable, "no snapshot loaded yet")
	}
	lag, why := s.staleness()
	if why != "" {
		c.Header("Retry-After", "1")
		return problemOf(http.StatusServiceUnavailable, "%s", why)
	}
	c.JSON(http.StatusOK, gin.H{
		"status": "ready", "snapshot_version": snap.version,
		"snapshot_age_s": time.Since(snap.builtAt).Seconds(),
		"following":      s.following.Load(), "lag_s": lag.Seconds(), "max_lag_s": s.cfg.MaxLag.Seconds(),
		"divisions": snap.tree.Len(), "facilities": snap.registry.Len(),
		"vintages": snap.vintages(),
	})
	return nil
}
