package web

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/civplan/civplan/data/store"
	"github.com/gin-gonic/gin"
)

// FollowInterval is how often Watch reads the change log for writes made by other processes
// (the CLI, other replicas): one indexed read when nothing changed. With a store.Notifier it is
// the fallback for missed signals.
const FollowInterval = 50 * time.Millisecond

// DefaultMaxLag is Config.MaxLag's default: how long a following server may go without a
// catch-up that reached the store before it reports itself not ready.
const DefaultMaxLag = 2 * time.Second

// catchUpTimeout bounds one catch-up started by Watch, so a store that hangs (a network black
// hole) shows up as a failure rather than a catch-up that never ends.
const catchUpTimeout = 5 * time.Second

// staleHeader carries, on every answer while the replica is not ready, how many seconds the
// snapshot has gone without being confirmed current (decimal, millisecond precision).
const staleHeader = "Civplan-Stale"

// followState is the outcome of the catch-ups so far; replaced whole, never mutated.
type followState struct {
	okAt      time.Time // start of the last catch-up that read the store: the snapshot is current as of then
	failSince time.Time // start of the first failed catch-up after okAt; zero while the store answers
	failures  int       // failed catch-ups since okAt
	cause     string    // why the last one failed, when the store said (store.UnavailableError.Cause)
}

// noteCatchUp records the outcome of a catch-up that started at start (the caller holds
// s.reload). A catch-up whose caller went away (context.Canceled) says nothing about the
// store and is not counted; a deadline is (the store was too slow).
func (s *Server) noteCatchUp(ctx context.Context, start time.Time, err error) {
	prev := s.follow.Load()
	if err == nil {
		if prev != nil && prev.failures > 0 {
			s.log.Info("store reachable again", "failed_catch_ups", prev.failures,
				"unreachable_s", start.Sub(prev.failSince).Seconds(), "version", s.current().version)
		}
		s.follow.Store(&followState{okAt: start})
		return
	}
	if errors.Is(ctx.Err(), context.Canceled) || prev == nil {
		return
	}
	next := *prev
	if next.failures == 0 {
		next.failSince = start
	}
	next.failures++
	next.cause = ""
	var u *store.UnavailableError
	if errors.As(err, &u) {
		next.cause = u.Store + ": " + u.Cause
	}
	s.failures.Add(1)
	s.follow.Store(&next)
	if next.failures == 1 || next.failures%100 == 0 {
		s.log.Error("store unreachable: serving the last snapshot", "error", err.Error(),
			"failed_catch_ups", next.failures, "since", next.failSince.UTC().Format(time.RFC3339Nano),
			"version", s.current().version)
	}
}

// staleness says how long the serving snapshot has gone without being confirmed current, and
// why the replica is not ready ("" when it is): the last catch-up failed (store unreachable),
// or none has reached the store for more than Config.MaxLag (catch-ups stalled or too slow).
// A server that does not Watch applies only its own writes and is never stale.
func (s *Server) staleness() (lag time.Duration, why string) {
	st := s.follow.Load()
	if !s.following.Load() || st == nil {
		return 0, ""
	}
	lag = s.now().Sub(st.okAt)
	if lag < 0 {
		lag = 0
	}
	version := int64(0)
	if snap := s.current(); snap != nil {
		version = snap.version
	}
	switch {
	case st.failures > 0:
		cause := ""
		if st.cause != "" {
			cause = ", the last because " + st.cause
		}
		why = fmt.Sprintf("store unreachable since %s (%d catch-ups failed%s; the errors are in the server log); serving the snapshot at version %d, last confirmed current %.1f s ago",
			st.failSince.UTC().Format(time.RFC3339), st.failures, cause, version, lag.Seconds())
	case lag > s.cfg.MaxLag:
		why = fmt.Sprintf("snapshot %.1f s behind the store: no catch-up has completed since (max lag %s); serving the snapshot at version %d",
			lag.Seconds(), s.cfg.MaxLag, version)
	}
	return lag, why
}

// markStale sets Civplan-Stale on every answer while the replica is not ready.
func (s *Server) markStale(c *gin.Context) {
	if lag, why := s.staleness(); why != "" {
		c.Header(staleHeader, strconv.FormatFloat(lag.Seconds(), 'f', 3, 64))
	}
	c.Next()
}

// Watch follows the store until ctx ends: it catches up at once, then on every signal of a
// store.Notifier (PostgreSQL LISTEN/NOTIFY) and every interval (≤ 0: FollowInterval) as the
// fallback for missed signals. While it runs, /readyz and Civplan-Stale report staleness.
// A failed catch-up is logged (first and every 100th) and retried on the next tick.
func (s *Server) Watch(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = FollowInterval
	}
	var signals <-chan struct{}
	if n, ok := s.store.(store.Notifier); ok {
		signals = n.Changed(ctx)
	}
	s.following.Store(true)
	defer s.following.Store(false)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.followOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case _, ok := <-signals:
			if !ok {
				signals = nil
			}
		}
	}
}

// followOnce is one catch-up of Watch, bounded by catchUpTimeout; noteCatchUp logs failures.
func (s *Server) followOnce(ctx context.Context) {
	actx, cancel := context.WithTimeout(ctx, catchUpTimeout)
	defer cancel()
	_ = s.catchUp(actx)
}
