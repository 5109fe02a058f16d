package web

import (
	"math"
	"net/http"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// Default request rate per client (token, or address without one): generous enough for a
// map loading dozens of tiles at once.
const (
	defaultRatePerSec = 100
	defaultBurst      = 200
	maxLimiters       = 10000 // clients remembered before the table is reset
)

// limiter is a token bucket per client key.
type limiter struct {
	mu    sync.Mutex
	per   rate.Limit
	burst int
	by    map[string]*rate.Limiter
}

func newLimiter(perSec float64, burst int) *limiter {
	if perSec == 0 {
		perSec = defaultRatePerSec
	}
	if burst <= 0 {
		burst = defaultBurst
	}
	l := &limiter{per: rate.Limit(perSec), burst: burst, by: map[string]*rate.Limiter{}}
	if perSec < 0 {
		l.per = rate.Inf
	}
	return l
}

// allow takes one request from key's bucket; when empty it returns the seconds to wait.
func (l *limiter) allow(key string) (bool, int) {
	if l.per == rate.Inf {
		return true, 0
	}
	l.mu.Lock()
	lim := l.by[key]
	if lim == nil {
		if len(l.by) >= maxLimiters {
			l.by = map[string]*rate.Limiter{}
		}
		lim = rate.NewLimiter(l.per, l.burst)
		l.by[key] = lim
	}
	l.mu.Unlock()
	if lim.Allow() {
		return true, 0
	}
	return false, int(math.Ceil(1 / float64(l.per)))
}

// rateLimit answers 429 with Retry-After when the client (its token when it sent one, else its
// address) exceeds Config.RatePerSec.
func (s *Server) rateLimit(c *gin.Context) {
	key := "ip:" + c.ClientIP()
	if secret, ok := bearer(c); ok && len(secret) >= 12 {
		key = "tok:" + secret[:12] // the public prefix; a forged token still costs its sender
	}
	if ok, wait := s.limiter.allow(key); !ok {
		c.Header("Retry-After", strconv.Itoa(wait))
		writeProblem(c, problemOf(http.StatusTooManyRequests, "more than %g requests a second from this client; retry after %d s", float64(s.limiter.per), wait))
		return
	}
	c.Next()
}
