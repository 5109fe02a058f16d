package web

import (
	"sync"

	"github.com/civplan/civplan/facilities"
)

// maxCachedAnswers bounds the answers one snapshot memoises (a scorecard is ≈ 10 KB, a
// province coverage without villages ≈ 5 KB); past it answers are computed every time.
const maxCachedAnswers = 2048

// answerCache memoises the deterministic analysis answers of one snapshot. Each answer records
// the one facility kind it depends on ("" = every kind); a snapshot step keeps the answers
// whose kind no changed facility has (successor), so a write to a welfare home keeps every
// cached mutual-aid coverage.
type answerCache struct {
	mu   sync.Mutex
	m    map[string]cachedAnswer
	cost int // sum of the entries' costs (getCosted)
}

type cachedAnswer struct {
	v    any
	kind facilities.Kind // "" = depends on every kind
	cost int
}

// maxCachedCost bounds the summed cost of the answers one snapshot memoises through getCosted:
// a gap list costs one per uncovered village (≈ 300 bytes each), so ≈ 30 MB.
const maxCachedCost = 100_000

// getCosted is getFor for an answer whose compute also returns its cost (e.g. the villages it
// lists); it is kept only while the snapshot's summed cost stays within maxCachedCost.
func (c *answerCache) getCosted(key string, k facilities.Kind, compute func() (any, int, error)) (any, error) {
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return e.v, nil
	}
	v, cost, err := compute()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]cachedAnswer{}
	}
	if _, dup := c.m[key]; !dup && len(c.m) < maxCachedAnswers && c.cost+cost <= maxCachedCost {
		c.m[key] = cachedAnswer{v: v, kind: k, cost: cost}
		c.cost += cost
	}
	c.mu.Unlock()
	return v, nil
}

// get returns the answer stored under key, or computes, stores and returns it; the answer is
// taken to depend on every facility kind. Errors are not stored.
func (c *answerCache) get(key string, compute func() (any, error)) (any, error) {
	return c.getFor(key, "", compute)
}

// getFor is get for an answer that depends only on the facilities of kind k ("" = every
// kind). Two concurrent first calls may both compute; they store equal answers.
func (c *answerCache) getFor(key string, k facilities.Kind, compute func() (any, error)) (any, error) {
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return e.v, nil
	}
	v, err := compute()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]cachedAnswer{}
	}
	if len(c.m) < maxCachedAnswers {
		c.m[key] = cachedAnswer{v: v, kind: k}
	}
	c.mu.Unlock()
	return v, nil
}

// successor returns the cache of the next snapshot when the facilities of the given kinds
// changed: the answers that depend on none of them, carried over.
func (c *answerCache) successor(changed map[facilities.Kind]bool) *answerCache {
	next := &answerCache{}
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, e := range c.m {
		if e.kind != "" && !changed[e.kind] {
			if next.m == nil {
				next.m = make(map[string]cachedAnswer, len(c.m))
			}
			next.m[key] = e
			next.cost += e.cost
		}
	}
	return next
}
