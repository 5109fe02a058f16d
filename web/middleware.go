package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/civplan/civplan/data/store"
	"github.com/gin-gonic/gin"
)

const ctxToken = "civplan.token"

// requestID gives every request an id (from X-Request-ID when sane) echoed in the answer.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if len(id) == 0 || len(id) > 64 || strings.ContainsAny(id, " \t\r\n") {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set("civplan.rid", id)
	c.Header("X-Request-ID", id)
	c.Next()
}

func requestID(c *gin.Context) string { return c.GetString("civplan.rid") }

// accessLog writes one structured line per request.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	attrs := []any{"rid", requestID(c), "method", c.Request.Method, "route", route,
		"path", c.Request.URL.Path, "status", c.Writer.Status(), "ms", float64(time.Since(start).Microseconds()) / 1000}
	if len(c.Errors) > 0 {
		attrs = append(attrs, "error", c.Errors.String())
		s.log.Error("request", attrs...)
		return
	}
	s.log.Info("request", attrs...)
}

// recoverProblem turns a panic in a handler into a logged 500 problem; the process goes on.
func (s *Server) recoverProblem(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if err, ok := r.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(r)
			}
			s.log.Error("panic", "rid", requestID(c), "panic", fmt.Sprint(r))
			writeProblem(c, problemOf(http.StatusInternalServerError, "internal error; see the server log for request %s", requestID(c)))
		}
	}()
	c.Next()
}

// cors answers browser cross-origin calls for the configured origins.
func (s *Server) cors(c *gin.Context) {
	origin := c.GetHeader("Origin")
	if origin == "" || len(s.cfg.CORSOrigins) == 0 {
		c.Next()
		return
	}
	allowed := false
	for _, o := range s.cfg.CORSOrigins {
		if o == "*" || o == origin {
			allowed = true
		}
	}
	if allowed {
		c.Header("Access-Control-Allow-Origin", origin)
		c.Header("Vary", "Origin")
		c.Header("Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match, Idempotency-Key")
		c.Header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
		c.Header("Access-Control-Expose-Headers", "ETag, Content-Crs, X-Request-ID, Location, Idempotency-Replayed")
	}
	if c.Request.Method == http.MethodOptions {
		c.AbortWithStatus(http.StatusNoContent)
		return
	}
	c.Next()
}

// limitBody caps request bodies at Config.MaxBodyBytes (413 once exceeded while reading).
func (s *Server) limitBody(c *gin.Context) {
	if c.Request.ContentLength > s.cfg.MaxBodyBytes {
		writeProblem(c, problemOf(http.StatusRequestEntityTooLarge, "request body of %d bytes exceeds the limit of %d", c.Request.ContentLength, s.cfg.MaxBodyBytes))
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes)
	c.Next()
}

// authorize enforces a route's access: 401 without a valid token, 403 with too weak a role.
func (s *Server) authorize(a access) gin.HandlerFunc {
	return func(c *gin.Context) {
		if a == public {
			c.Next()
			return
		}
		secret, hasToken := bearer(c)
		if !hasToken {
			if a == viewer && s.cfg.OpenReads {
				c.Next()
				return
			}
			c.Header("WWW-Authenticate", `Bearer realm="civplan"`)
			writeProblem(c, problemOf(http.StatusUnauthorized, "this endpoint needs a %s token: send Authorization: Bearer <token>", a.role()))
			return
		}
		tok, err := s.authenticate(c.Request.Context(), secret, a)
		if p := (*Problem)(nil); errors.As(err, &p) { // the store could not be asked
			writeProblem(c, p)
			return
		}
		if err != nil {
			c.Header("WWW-Authenticate", `Bearer realm="civplan", error="invalid_token"`)
			writeProblem(c, problemOf(http.StatusUnauthorized, "the token is not valid (unknown or revoked)"))
			return
		}
		if tok.Role < a.role() {
			writeProblem(c, problemOf(http.StatusForbidden, "this endpoint needs the %s role; token %q has %s", a.role(), tok.Name, tok.Role))
			return
		}
		c.Set(ctxToken, tok)
		c.Next()
	}
}

func bearer(c *gin.Context) (string, bool) {
	h := c.GetHeader("Authorization")
	if h == "" {
		return "", false
	}
	const p = "Bearer "
	if len(h) > len(p) && strings.EqualFold(h[:len(p)], p) {
		return strings.TrimSpace(h[len(p):]), true
	}
	return h, true // malformed: Authenticate rejects it with 401
}

// actor names who makes a write, for the audit log.
func actor(c *gin.Context) store.Actor {
	a := store.Actor{RequestID: requestID(c)}
	if v, ok := c.Get(ctxToken); ok {
		t := v.(store.Token)
		a.TokenID, a.Name, a.Role = t.ID, t.Name, t.Role
	}
	return a
}
