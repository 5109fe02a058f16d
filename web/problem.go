package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/civplan/civplan/data/store"
	"github.com/gin-gonic/gin"
)

// Problem is an RFC 7807 problem answer, sent as application/problem+json.
type Problem struct {
	Type          string         `json:"type"`
	Title         string         `json:"title"`
	Status        int            `json:"status"`
	Detail        string         `json:"detail,omitempty"`
	Instance      string         `json:"instance,omitempty"`
	InvalidParams []InvalidParam `json:"invalid_params,omitempty"`
	RequestID     string         `json:"request_id,omitempty"`
}

// InvalidParam names one request parameter that was wrong and why.
type InvalidParam struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Error makes a *Problem usable as an error returned by handlers.
func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail) }

// badParam is a 400 naming one parameter.
func badParam(name string, err error) *Problem {
	return &Problem{Type: "about:blank", Title: "Bad Request", Status: http.StatusBadRequest,
		Detail:        fmt.Sprintf("parameter %s: %v", name, err),
		InvalidParams: []InvalidParam{{Name: name, Reason: err.Error()}}}
}

// notFound is a 404 with a detail.
func notFound(format string, args ...any) *Problem {
	return &Problem{Type: "about:blank", Title: "Not Found", Status: http.StatusNotFound, Detail: fmt.Sprintf(format, args...)}
}

// problemOf builds a problem of any status.
func problemOf(status int, format string, args ...any) *Problem {
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: fmt.Sprintf(format, args...)}
}

// writeProblem renders err: a *Problem as itself, a store that cannot be reached as a 503
// (unavailableProblem), work stopped by its context as a 503, anything else as a 500 without
// internals. Every 503 carries Retry-After.
func writeProblem(c *gin.Context, err error) {
	var p *Problem
	if up := unavailableProblem(c, err); up != nil {
		p = up
	} else if cp := contextProblem(c, err); cp != nil {
		p = cp
	} else if !errors.As(err, &p) {
		c.Error(err) //nolint:errcheck // recorded for the access log
		p = problemOf(http.StatusInternalServerError, "internal error; see the server log for request %s", requestID(c))
	}
	if p.Status == http.StatusServiceUnavailable && c.Writer.Header().Get("Retry-After") == "" {
		c.Header("Retry-After", strconv.Itoa(retryAfterUnavailable))
	}
	q := *p
	q.Instance = c.Request.URL.RequestURI()
	q.RequestID = requestID(c)
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(q.Status, q)
}

// retryAfterUnavailable is the Retry-After (seconds) of a 503 for a store that cannot be
// reached: replicas reconnect by themselves, a PostgreSQL restart takes seconds.
const retryAfterUnavailable = 2

// unavailableProblem is the answer when the store cannot be reached (store.ErrUnavailable): 503
// naming the store and the cause — never its URL, address or password — and, when the connection
// broke during the commit, that the write may have been made; nil for other errors. The driver's
// error goes to the access log.
func unavailableProblem(c *gin.Context, err error) *Problem {
	if !errors.Is(err, store.ErrUnavailable) {
		return nil
	}
	c.Error(err) //nolint:errcheck // recorded for the access log
	what, cause := "the store", "unreachable"
	var u *store.UnavailableError
	if errors.As(err, &u) {
		what, cause = u.Store, u.Cause
	}
	if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
		return problemOf(http.StatusServiceUnavailable, "%s cannot be reached (%s); retry later", what, cause)
	}
	outcome := "nothing was written"
	if u != nil && u.MaybeCommitted {
		outcome = "the connection broke during the commit, so the write may have been made: read it again before retrying, or resend it with the same Idempotency-Key"
	}
	return problemOf(http.StatusServiceUnavailable, "%s cannot be reached (%s): %s; reads are still answered from the last snapshot; retry later", what, cause, outcome)
}

// handler is a gin handler that returns an error; wrap turns the error into a problem answer.
type handler func(c *gin.Context) error

func wrap(h handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			writeProblem(c, err)
		}
	}
}
