package web

import "sync"

// maxCachedAnswers bounds the answers one snapshot memoises (a scorecard is ≈ 10 KB, a
// province coverage without villages ≈ 5 KB); past it answers are computed every time.
const maxCachedAnswers = 2048

// answerCache memoises the deterministic analysis answers of one snapshot: the snapshot never
// changes, so neither do they, and a write builds a new snapshot with an empty cache.
type answerCache struct {
	mu sync.Mutex
	m  map[string]any
}

// get returns the answer stored under key, or computes, stores and returns it. Errors are not
// stored. Two concurrent first calls may both compute; they store equal answers.
func (c *answerCache) get(key string, compute func() (any, error)) (any, error) {
	c.mu.Lock()
	v, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := compute()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]any{}
	}
	if len(c.m) < maxCachedAnswers {
		c.m[key] = v
	}
	c.mu.Unlock()
	return v, nil
}
