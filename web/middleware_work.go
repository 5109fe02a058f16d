package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// Limits on the work one request may ask for (siting and scenarios run for up to seconds).
const (
	maxSitingP          = 5000   // new sites in one siting request
	maxSitingCandidates = 100000 // supplied candidate sites, or excluded units/facilities
	maxScenarioOps      = 1000   // operations in one scenario
	retryAfterBusy      = 5      // seconds a client is asked to wait when every slot is taken
	retryAfterDeadline  = 30     // seconds a client is asked to wait after its computation hit the deadline
)

const ctxDeadline = "civplan.deadline"

// deadline bounds every request's context by Config.WorkDeadline from its arrival, so the
// long loops that watch the context (siting, scenario evaluation, CQL2 over items) stop before
// the server's write timeout would cut the connection without an answer.
func (s *Server) deadline(c *gin.Context) {
	if s.cfg.WorkDeadline <= 0 {
		c.Next()
		return
	}
	c.Set(ctxDeadline, s.cfg.WorkDeadline)
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.WorkDeadline)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

// heavy runs h only while fewer than Config.MaxHeavy heavy computations (siting, scenario
// evaluation, filtered OGC items) are running; a request that cannot start within
// Config.HeavyWait gets 503 with Retry-After, so a burst of them cannot starve every other
// request of the CPUs. The body is read before h runs, so net/http notices at once when the
// client goes; h's computation then sees its context cancelled and the slot is freed.
func (s *Server) heavy(h handler) handler {
	return func(c *gin.Context) error {
		ctx := c.Request.Context()
		t := time.NewTimer(s.cfg.HeavyWait)
		defer t.Stop()
		select {
		case s.work <- struct{}{}:
		case <-t.C:
			c.Header("Retry-After", strconv.Itoa(retryAfterBusy))
			return problemOf(http.StatusServiceUnavailable, "%d siting, scenario or filter computations are already running; retry in a few seconds", cap(s.work))
		case <-ctx.Done():
			s.metrics.abandoned.WithLabelValues("waiting", abandonReason(ctx.Err())).Inc()
			return ctx.Err()
		}
		defer func() { <-s.work }()
		if c.Request.Body != nil && c.Request.Body != http.NoBody {
			body, err := io.ReadAll(c.Request.Body)
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return problemOf(http.StatusRequestEntityTooLarge, "request body exceeds the limit of %d bytes", mbe.Limit)
				}
				return problemOf(http.StatusBadRequest, "reading the request body: %v", err)
			}
			c.Request.Body = io.NopCloser(bytes.NewReader(body))
		}
		if hook := s.testHookHeavy.Load(); hook != nil {
			(*hook)(ctx)
		}
		err := h(c)
		if ctx.Err() != nil && isContextErr(err) {
			s.metrics.abandoned.WithLabelValues("computing", abandonReason(ctx.Err())).Inc()
		}
		return err
	}
}

// heavyWhen sends a request through the heavy gate only when heavy(c) says it is heavy (a CQL2
// filter on items), leaving plain reads ungated.
func (s *Server) heavyWhen(isHeavy func(c *gin.Context) bool, h handler) handler {
	gated := s.heavy(h)
	return func(c *gin.Context) error {
		if isHeavy(c) {
			return gated(c)
		}
		return h(c)
	}
}

// hasFilter reports whether an items request carries a CQL2 filter.
func hasFilter(c *gin.Context) bool {
	_, ok := c.GetQuery("filter")
	return ok
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func abandonReason(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "deadline"
	}
	return "client_gone"
}

// contextProblem is the answer for work stopped by its context: 503 with Retry-After (past the
// deadline; also when the client went, though nobody reads that answer); nil for other errors.
func contextProblem(c *gin.Context, err error) *Problem {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		c.Header("Retry-After", strconv.Itoa(retryAfterDeadline))
		return problemOf(http.StatusServiceUnavailable, "the computation did not finish within the work deadline of %s and was stopped; ask for less (a smaller division, fewer sites or operations, a narrower filter) or retry later", c.GetDuration(ctxDeadline))
	case errors.Is(err, context.Canceled):
		c.Header("Retry-After", strconv.Itoa(retryAfterBusy))
		return problemOf(http.StatusServiceUnavailable, "the request was cancelled (the client went away) before the computation finished")
	}
	return nil
}
