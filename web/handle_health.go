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

// handleReadyz answers 200 once a snapshot is loaded, with its version and age.
func (s *Server) handleReadyz(c *gin.Context) error {
	snap := s.current()
	if snap == nil {
		return problemOf(http.StatusServiceUnavailable, "no snapshot loaded yet")
	}
	c.JSON(http.StatusOK, gin.H{
		"status": "ready", "snapshot_version": snap.version,
		"snapshot_age_s": time.Since(snap.builtAt).Seconds(),
		"divisions":      snap.tree.Len(), "facilities": snap.registry.Len(),
		"vintages": snap.vintages(),
	})
	return nil
}
