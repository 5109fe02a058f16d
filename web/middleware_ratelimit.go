package web

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
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
	maxLimiters       = 50000 // clients remembered (≈ 250 bytes each); the least recently seen is forgotten first
)

// limiter is a token bucket per client key, in a table of at most max keys that forgets the
// least recently used key when full (so a flood of new keys cannot reset busy clients' buckets).
type limiter struct {
	mu    sync.Mutex
	per   rate.Limit
	burst int
	max   int
	by    map[string]*list.Element // of *bucket
	lru   list.List                // front = most recently used
}

// bucket is one client's token bucket in the LRU list.
type bucket struct {
	key string
	lim *rate.Limiter
}

func newLimiter(perSec float64, burst int) *limiter {
	if perSec == 0 {
		perSec = defaultRatePerSec
	}
	if burst <= 0 {
		burst = defaultBurst
	}
	l := &limiter{per: rate.Limit(perSec), burst: burst, max: maxLimiters, by: map[string]*list.Element{}}
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
	var lim *rate.Limiter
	if el, ok := l.by[key]; ok {
		l.lru.MoveToFront(el)
		lim = el.Value.(*bucket).lim
	} else {
		for len(l.by) >= l.max {
			old := l.lru.Back()
			l.lru.Remove(old)
			delete(l.by, old.Value.(*bucket).key)
		}
		lim = rate.NewLimiter(l.per, l.burst)
		l.by[key] = l.lru.PushFront(&bucket{key: key, lim: lim})
	}
	l.mu.Unlock()
	if lim.Allow() {
		return true, 0
	}
	return false, int(math.Ceil(1 / float64(l.per)))
}

// clientKey names the client a request counts against: the SHA-256 of its whole bearer token
// when it sent one (a forged token sharing a real one's prefix gets a bucket of its own), else
// its address — the connection's, unless it came through a configured trusted proxy
// (Config.TrustedProxies) whose X-Forwarded-For/X-Real-IP then names the client.
func clientKey(c *gin.Context) string {
	if secret, ok := bearer(c); ok && secret != "" {
		h := sha256.Sum256([]byte(secret))
		return "tok:" + hex.EncodeToString(h[:])
	}
	return "ip:" + c.ClientIP()
}

// rateLimit answers 429 with Retry-After when the client exceeds Config.RatePerSec.
func (s *Server) rateLimit(c *gin.Context) {
	if ok, wait := s.limiter.allow(clientKey(c)); !ok {
		c.Header("Retry-After", strconv.Itoa(wait))
		writeProblem(c, problemOf(http.StatusTooManyRequests, "more than %g requests a second from this client; retry after %d s", float64(s.limiter.per), wait))
		return
	}
	c.Next()
}
