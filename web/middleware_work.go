package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// Limits on the work one request may ask for (siting and scenarios run for up to seconds).
const (
	maxSitingP          = 5000   // new sites in one siting request
	maxSitingCandidates = 100000 // supplied candidate sites, or excluded units/facilities
	maxScenarioOps      = 1000   // operations in one scenario
)

// heavy runs h only while fewer than Config.MaxHeavy heavy computations (siting, scenario
// evaluation) are running; a request that cannot start within Config.HeavyWait gets 503 with
// Retry-After, so a burst of them cannot starve every other request of the CPUs.
func (s *Server) heavy(h handler) handler {
	return func(c *gin.Context) error {
		t := time.NewTimer(s.cfg.HeavyWait)
		defer t.Stop()
		select {
		case s.work <- struct{}{}:
		case <-t.C:
			c.Header("Retry-After", "5")
			return problemOf(http.StatusServiceUnavailable, "%d siting or scenario computations are already running; retry in a few seconds", cap(s.work))
		case <-c.Request.Context().Done():
			return problemOf(http.StatusServiceUnavailable, "the request was cancelled while waiting for a computation slot")
		}
		defer func() { <-s.work }()
		return h(c)
	}
}
