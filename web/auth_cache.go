package web

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/civplan/civplan/data/store"
)

// tokenTTL is how long a token check is reused before the store is asked again: the longest a
// revoked token (civplan token revoke, on any replica) keeps working on a replica.
const tokenTTL = 5 * time.Second

// tokenCacheMax bounds the remembered tokens; past it the cache starts over.
const tokenCacheMax = 10000

// tokenCache remembers recent successful token checks by the secret's SHA-256, so reads with a
// token need no store round trip each (on PostgreSQL: a network round trip) and go on being
// answered from the snapshot while the store is unreachable.
type tokenCache struct {
	mu sync.Mutex
	m  map[[32]byte]tokenCheck
}

type tokenCheck struct {
	tok store.Token
	at  time.Time
}

// authenticate checks secret against the store, reusing a check younger than tokenTTL. When the
// store cannot answer, a token seen before (however long ago) still opens viewer routes —
// they answer from the snapshot — and anything else is a 503; a secret the store rejects is
// store.ErrBadToken and forgotten.
func (s *Server) authenticate(ctx context.Context, secret string, a access) (store.Token, error) {
	key := sha256.Sum256([]byte(secret))
	now := s.now()
	c := &s.tokens
	c.mu.Lock()
	seen, ok := c.m[key]
	c.mu.Unlock()
	if ok && now.Sub(seen.at) < tokenTTL {
		return seen.tok, nil
	}
	tok, err := s.store.Authenticate(ctx, secret)
	switch {
	case err == nil:
		c.mu.Lock()
		if c.m == nil || len(c.m) >= tokenCacheMax {
			c.m = make(map[[32]byte]tokenCheck)
		}
		c.m[key] = tokenCheck{tok: tok, at: now}
		c.mu.Unlock()
		return tok, nil
	case errors.Is(err, store.ErrBadToken):
		if ok {
			c.mu.Lock()
			delete(c.m, key)
			c.mu.Unlock()
		}
		return store.Token{}, err
	case ok && a == viewer && ctx.Err() == nil:
		return seen.tok, nil
	}
	s.log.Error("token check", "error", err.Error())
	return store.Token{}, problemOf(http.StatusServiceUnavailable, "cannot check the token now: the store is unreachable; try again shortly")
}
