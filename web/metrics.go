package web

import (
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the Prometheus series of one server (its own registry: no globals).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec   // by route, method, status
	latency  *prometheus.HistogramVec // seconds, by route, method
	// abandoned counts heavy requests stopped by their context, by stage (waiting for a slot,
	// computing) and reason (client_gone, deadline).
	abandoned *prometheus.CounterVec
	memo      *prometheus.CounterVec // encoded-answer cache lookups by result (hit, miss)
}

// countMemo counts one encoded-answer cache lookup.
func (m *metrics) countMemo(hit bool) {
	r := "miss"
	if hit {
		r = "hit"
	}
	m.memo.WithLabelValues(r).Inc()
}

// tileCounter exposes one of the tile cache's counters as a Prometheus counter with one label.
func tileCounter(name, help, label, value string, n *atomic.Int64) prometheus.CounterFunc {
	return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: prometheus.Labels{label: value}},
		func() float64 { return float64(n.Load()) })
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "civplan_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "civplan_http_request_duration_seconds", Help: "HTTP request latency by route pattern and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		abandoned: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "civplan_heavy_abandoned_total", Help: "Heavy computations stopped because the client went or the work deadline passed, by stage and reason.",
		}, []string{"stage", "reason"}),
		memo: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "civplan_answer_cache_lookups_total", Help: "Encoded-answer cache lookups (divisions, children, facility pages) by result: hit or miss.",
		}, []string{"result"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.abandoned, m.memo,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "civplan_answer_cache_bytes", Help: "Bytes held by the encoded-answer cache (bodies, gzip forms, keys)."},
			func() float64 { _, b := s.encoded.stats(); return float64(b) }),
		tileCounter("civplan_tile_cache_lookups_total", "Vector tile cache lookups by result: hit or miss.", "result", "hit", &s.ogc.stats.hits),
		tileCounter("civplan_tile_cache_lookups_total", "Vector tile cache lookups by result: hit or miss.", "result", "miss", &s.ogc.stats.misses),
		tileCounter("civplan_tile_cache_steps_total", "Cached vector tiles at snapshot steps by outcome: carried to the next snapshot, or dropped because a change lies on them.", "outcome", "carried", &s.ogc.stats.carried),
		tileCounter("civplan_tile_cache_steps_total", "Cached vector tiles at snapshot steps by outcome: carried to the next snapshot, or dropped because a change lies on them.", "outcome", "dropped", &s.ogc.stats.dropped),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "civplan_snapshot_age_seconds", Help: "Seconds since the in-memory snapshot was built."},
			func() float64 {
				if snap := s.current(); snap != nil {
					return time.Since(snap.builtAt).Seconds()
				}
				return 0
			}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "civplan_snapshot_version", Help: "Store version of the serving snapshot (grows with every write)."},
			func() float64 {
				if snap := s.current(); snap != nil {
					return float64(snap.version)
				}
				return 0
			}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "civplan_snapshot_lag_seconds", Help: "Seconds since the last catch-up that reached the store started (0 when not following the store)."},
			func() float64 { lag, _ := s.staleness(); return lag.Seconds() }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "civplan_ready", Help: "1 while /readyz answers 200, 0 while the store is unreachable or the snapshot is more than the max lag behind."},
			func() float64 {
				if _, why := s.staleness(); why != "" {
					return 0
				}
				return 1
			}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "civplan_catch_up_failures_total", Help: "Catch-ups with the store's change log that failed (store unreachable or too slow)."},
			func() float64 { return float64(s.failures.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "civplan_db_size_bytes", Help: "Size of the SQLite database file plus its WAL."},
			func() float64 {
				var n int64
				for _, suffix := range []string{"", "-wal"} {
					if fi, err := os.Stat(s.store.Path() + suffix); err == nil {
						n += fi.Size()
					}
				}
				return float64(n)
			}),
	)
	return m
}

// observe counts and times every request under its route pattern.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	s.metrics.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(c.Writer.Status())).Inc()
	s.metrics.latency.WithLabelValues(route, c.Request.Method).Observe(time.Since(start).Seconds())
}

// handleMetrics answers GET /metrics in the Prometheus text format.
func (s *Server) handleMetrics(c *gin.Context) error {
	promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}).ServeHTTP(c.Writer, c.Request)
	return nil
}
