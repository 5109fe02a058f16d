package web

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/civplan/civplan/data/store"
	"github.com/gin-gonic/gin"
)

// Config is the HTTP layer's configuration.
type Config struct {
	// OpenReads lets viewer routes answer without a token. The CLI sets it for loopback
	// addresses and leaves it off otherwise (ARCHITECTURE.md "Roles").
	OpenReads bool
	// CORSOrigins lists origins allowed to call the API from a browser ("*" for any).
	CORSOrigins []string
	// MaxBodyBytes caps request bodies (default 8 MiB).
	MaxBodyBytes int64
	// RatePerSec is the request rate allowed per client (token or address): 0 = 100, < 0 = no limit.
	RatePerSec float64
	// Burst is how many requests a client may send at once above the rate (0 = 200).
	Burst int
	// MaxHeavy is how many siting or scenario computations may run at once (0 = the number of CPUs).
	MaxHeavy int
	// HeavyWait is how long such a computation may wait for its turn before a 503 (0 = 10 s).
	HeavyWait time.Duration
	// TrustedProxies lists the proxy addresses or CIDRs whose X-Forwarded-For / X-Real-IP name
	// the client (for rate limiting and logs); empty = none: the connection's address is the client.
	TrustedProxies []string
	// WorkDeadline bounds how long a request may compute, counted from its arrival; past it the
	// computation is cancelled and the answer is 503 with Retry-After. Keep it a little shorter than
	// the http.Server's WriteTimeout so the 503 is still delivered (0 = no deadline).
	WorkDeadline time.Duration
	// MaxLag is how long the snapshot may go without a catch-up that reached the store before
	// /readyz answers 503 and answers carry Civplan-Stale, while Watch follows the store (0 = 2 s).
	MaxLag time.Duration
	// AnswerCacheBytes bounds the encoded answers of the heavy read endpoints (one division,
	// children, facility pages) kept across snapshots (0 = 64 MiB, < 0 = none: encode every time).
	AnswerCacheBytes int
}

// Server serves civplan's HTTP API from the current snapshot of a store.
type Server struct {
	cfg    Config
	store  store.Store
	log    *slog.Logger
	snap   atomic.Pointer[snapshot]
	reload sync.Mutex // serialises snapshot steps (catchUp)
	engine *gin.Engine
	ogc    ogcState // OGC API and tile caches per snapshot (ogc_data.go)
	// encoded holds encoded answers valid while their stamp holds (answer_encoded.go); nil = off.
	encoded *encodedCache
	// memoFlight lets concurrent misses of one encoded answer wait for one computation.
	memoFlight flight[*encodedAnswer]
	// gzipWriters are reused gzip compressors of the gzip middleware (middleware_gzip.go)
	gzipWriters sync.Pool

	metrics *metrics      // Prometheus series (metrics.go)
	limiter *limiter      // per-client request rate (middleware_ratelimit.go)
	work    chan struct{} // one token per running heavy computation (middleware_work.go)
	tokens  tokenCache    // recent token checks (auth_cache.go)
	idem    idemInFlight  // Idempotency-Keys being processed here (idempotency.go)

	following atomic.Bool                 // Watch is running: staleness counts (follow.go)
	follow    atomic.Pointer[followState] // the last catch-up's outcome (follow.go)
	failures  atomic.Int64                // failed catch-ups since start (metric)
	now       func() time.Time            // the clock for staleness (tests set it before Watch starts)

	testHookHeavy   atomic.Pointer[func(ctx context.Context)] // tests: called once a heavy request holds its slot
	testHookCatchUp atomic.Pointer[func(err error)]           // tests: called after each catch-up is recorded
}

// New loads the first snapshot from st and builds the router.
func New(st store.Store, cfg Config, log *slog.Logger) (*Server, error) {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 8 << 20
	}
	if cfg.HeavyWait <= 0 {
		cfg.HeavyWait = 10 * time.Second
	}
	if cfg.MaxHeavy <= 0 {
		cfg.MaxHeavy = runtime.NumCPU()
	}
	if cfg.MaxLag <= 0 {
		cfg.MaxLag = DefaultMaxLag
	}
	s := &Server{cfg: cfg, store: st, log: log, limiter: newLimiter(cfg.RatePerSec, cfg.Burst), now: time.Now}
	if cfg.AnswerCacheBytes == 0 {
		cfg.AnswerCacheBytes = defaultEncodedCacheBytes
	}
	s.cfg = cfg
	s.encoded = newEncodedCache(cfg.AnswerCacheBytes)
	s.metrics = newMetrics(s)
	s.work = make(chan struct{}, cfg.MaxHeavy)
	err := s.Reload()
	if err != nil {
		return nil, err
	}
	// Reading the store leaves as much garbage as the snapshot it built (scan buffers, driver
	// strings): collect it and give its pages back before the server reports ready, so the
	// resident size is the snapshot's (≈ 0.2 GB less at national scale; one GC, ≈ 0.3 s there).
	debug.FreeOSMemory()
	if s.engine, err = s.router(); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.engine }

// Reload brings the snapshot up to the store's last committed change-log version: it reads the
// log from the version it is at and applies the changes as one copy-on-write step (a full
// reload only when divisions or the dataset changed), then swaps the successor in. Readers keep
// the old snapshot meanwhile. Steps are serialised, so versions apply in order.
func (s *Server) Reload() error { return s.catchUp(context.Background()) }

// catchUp is Reload with a context; it records when the store was last read successfully (or
// since when it fails) for /readyz and the Civplan-Stale header (follow.go).
func (s *Server) catchUp(ctx context.Context) error {
	s.reload.Lock()
	defer s.reload.Unlock()
	start := s.now()
	err := s.step(ctx)
	s.noteCatchUp(ctx, start, err)
	if h := s.testHookCatchUp.Load(); h != nil {
		(*h)(err)
	}
	return err
}

// catchUpWrite is catchUp after a write of this process returned: nothing is read when the
// serving snapshot already holds every write the store committed here (a concurrent request's
// catch-up applied the group commit this write was part of). Stores without Committed always
// read.
func (s *Server) catchUpWrite(ctx context.Context) error {
	if st, ok := s.store.(interface{ Committed() int64 }); ok {
		if cur := s.current(); cur != nil && cur.version >= st.Committed() {
			return nil
		}
	}
	return s.catchUp(ctx)
}

// step reads what changed since the serving snapshot and swaps in its successor; the caller
// holds s.reload.
func (s *Server) step(ctx context.Context) error {
	cur := s.snap.Load()
	if cur == nil {
		next, err := loadSnapshot(ctx, s.store, nil)
		if err != nil {
			return err
		}
		next.epoch = 1
		s.install(next, nil)
		return nil
	}
	cs, err := s.store.ChangesSince(ctx, cur.version)
	if err != nil {
		return fmt.Errorf("catch up: %w", err)
	}
	if cs.To == cur.version {
		return nil
	}
	if cur.needsReload(&cs) {
		next, err := loadSnapshot(ctx, s.store, cur)
		if err != nil {
			return err
		}
		next.epoch = cur.epoch + 1 // answers of the old tree or meta are never served again
		s.install(next, nil)
		return nil
	}
	s.install(cur.step(&cs), &cs)
	return nil
}

func (s *Server) current() *snapshot { return s.snap.Load() }

// IsLoopback reports whether a listen address binds only the loopback interface.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Serve runs srv until ctx is cancelled, then shuts down gracefully, letting in-flight
// requests finish.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	return srv.Shutdown(sctx)
}
