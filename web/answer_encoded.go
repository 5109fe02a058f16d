package web

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/civplan/civplan/facilities"
	"github.com/gin-gonic/gin"
)

// defaultEncodedCacheBytes bounds the encoded answers the server keeps (Config.AnswerCacheBytes 0):
// a facilities page is ≈ 40 KB, the children of a county ≈ 65 KB, so ≈ 1,000–2,000 answers.
const defaultEncodedCacheBytes = 64 << 20

// kindSet is a set of facility kinds, bit i standing for facilities.Kinds()[i].
type kindSet uint32

// allKinds is the set of every facility kind: an answer that any facility write can change.
var allKinds = kindSet(1)<<len(facilities.Kinds()) - 1

// kindsOf is the set of the given kinds; unknown kinds are left out.
func kindsOf(ks map[facilities.Kind]bool) kindSet {
	var s kindSet
	for i, k := range facilities.Kinds() {
		if ks[k.Kind] {
			s |= 1 << i
		}
	}
	return s
}

// stamp is what an encoded answer was computed from: the snapshot epoch (a new one on every full
// reload, i.e. on every division or meta change) and the last change-log version that touched
// one of the facility kinds the answer depends on. The same stamp means the same answer.
type stamp struct{ epoch, facilities int64 }

// stampOf is the stamp of an answer of snapshot s depending on the kinds in deps.
func (s *snapshot) stampOf(deps kindSet) stamp {
	st := stamp{epoch: s.epoch}
	for i, v := range s.kindVer {
		if deps&(1<<i) != 0 && v > st.facilities {
			st.facilities = v
		}
	}
	return st
}

// encodedAnswer is one answer encoded once: the JSON bytes, lazily their gzip form, and ETags.
type encodedAnswer struct {
	key   string
	deps  kindSet
	stamp stamp
	ctype string
	body  []byte
	etag  string // strong ETag of body; the gzip form has its own (etag + "-gzip")
	// filter, when set, names the facilities the answer is made of: a snapshot step whose
	// changed facilities it matches neither before nor after keeps the answer (carry).
	filter facilityFilter

	gzOnce sync.Once
	gz     []byte // nil until asked for (or when the body is too small to compress)
	gzTag  string

	counted int // bytes of the gzip form counted against the cache's cap (guarded by encodedCache.mu)
}

// gzipped returns the gzip form of the answer and its ETag, compressing on first use; nil when
// the body is below gzipMinBytes (it is sent as it is).
func (a *encodedAnswer) gzipped(c *encodedCache) ([]byte, string) {
	a.gzOnce.Do(func() {
		if len(a.body) < gzipMinBytes {
			return
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(a.body); err != nil {
			return
		}
		if err := zw.Close(); err != nil {
			return
		}
		a.gz = buf.Bytes()
		a.gzTag = strings.TrimSuffix(a.etag, `"`) + `-gzip"`
		c.grow(a, len(a.gz))
	})
	return a.gz, a.gzTag
}

// encodedCache memoises encoded answers of the heavy read endpoints (one division, children,
// facility pages) across snapshots, least recently used first out past max bytes. An entry is
// served only to a snapshot with the same stamp for the entry's kinds, so a facility write
// invalidates the facility answers of its kinds, a division write (a new epoch) every answer.
type encodedCache struct {
	mu    sync.Mutex
	max   int
	bytes int
	lru   *list.List // of *encodedAnswer, most recently used in front
	m     map[string]*list.Element
}

// newEncodedCache makes a cache of at most max bytes; max ≤ 0 makes none (nil: every answer is
// encoded per request).
func newEncodedCache(max int) *encodedCache {
	if max <= 0 {
		return nil
	}
	return &encodedCache{max: max, lru: list.New(), m: map[string]*list.Element{}}
}

// entrySize is the bytes an entry holds, counted against the cap (overhead included).
func entrySize(a *encodedAnswer, extra int) int { return len(a.key) + len(a.body) + extra + 256 }

// get returns the answer under key valid for snap, or nil.
func (c *encodedCache) get(key string, snap *snapshot) *encodedAnswer {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[key]
	if !ok {
		return nil
	}
	a := el.Value.(*encodedAnswer)
	if a.stamp != snap.stampOf(a.deps) {
		return nil // computed from another state; the caller will replace it
	}
	c.lru.MoveToFront(el)
	return a
}

// put stores a (replacing what key held) and evicts the least recently used past the cap.
func (c *encodedCache) put(a *encodedAnswer) {
	if c == nil || entrySize(a, 0) > c.max/2 {
		return // an answer of half the cache would flush everything else
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[a.key]; ok {
		c.remove(el)
	}
	c.m[a.key] = c.lru.PushFront(a)
	c.bytes += entrySize(a, 0)
	for c.bytes > c.max {
		c.remove(c.lru.Back())
	}
}

// carry keeps, across the snapshot step from cur to next, every answer valid for cur whose
// filter none of the changed facilities matches before or after the step: it is re-stamped for
// next. Other answers of the changed kinds stop being served (their stamp no longer holds).
func (c *encodedCache) carry(cur, next *snapshot, changes []facilityChange) {
	if c == nil || len(changes) == 0 {
		return
	}
	changed := kindSet(0)
	for _, ch := range changes {
		for _, f := range []*facilities.Facility{ch.old, ch.new} {
			if f != nil {
				changed |= kindsOf(map[facilities.Kind]bool{f.Kind: true})
			}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for el := c.lru.Front(); el != nil; el = el.Next() {
		a := el.Value.(*encodedAnswer)
		if a.filter == nil || a.deps&changed == 0 || a.stamp != cur.stampOf(a.deps) {
			continue
		}
		touched := false
		for _, ch := range changes {
			if (ch.old != nil && a.filter(ch.old)) || (ch.new != nil && a.filter(ch.new)) {
				touched = true
				break
			}
		}
		if !touched {
			a.stamp = next.stampOf(a.deps)
		}
	}
}

// grow counts n more bytes for a (its gzip form), if a is still held.
func (c *encodedCache) grow(a *encodedAnswer, n int) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[a.key]; ok && el.Value.(*encodedAnswer) == a {
		c.bytes += n
		a.counted += n
		for c.bytes > c.max && c.lru.Len() > 1 {
			c.remove(c.lru.Back())
		}
	}
}

func (c *encodedCache) remove(el *list.Element) {
	a := el.Value.(*encodedAnswer)
	c.lru.Remove(el)
	delete(c.m, a.key)
	c.bytes -= entrySize(a, a.counted)
}

// stats are the entries and bytes held (metrics, tests).
func (c *encodedCache) stats() (entries, bytes int) {
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len(), c.bytes
}

// memoKey is the cache key of a request: scheme, host (next links carry them), path and the
// query in canonical order.
func memoKey(c *gin.Context) string {
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	q := c.Request.URL.RawQuery
	if q != "" {
		q = c.Request.URL.Query().Encode()
	}
	return scheme + "://" + c.Request.Host + c.Request.URL.Path + "?" + q
}

// serveMemo answers a GET from the encoded-answer cache when it holds this request's answer for
// the current snapshot; else build computes the value (validating the request: its error is the
// answer, and nothing is stored) and the kinds it depends on, and the value is encoded as JSON of
// type ctype, stored and sent. Either way the answer carries an ETag, and an If-None-Match that
// names it gets 304 with no body.
func (s *Server) serveMemo(c *gin.Context, ctype string, build func(snap *snapshot) (any, kindSet, error)) error {
	return s.serveMemoAt(c, s.current(), ctype, func(snap *snapshot) (any, kindSet, facilityFilter, error) {
		v, deps, err := build(snap)
		return v, deps, nil, err
	})
}

// facilityFilter reports whether a facility (in some state) is one an answer lists or counts:
// a change of a facility that matches it neither before nor after cannot change the answer.
type facilityFilter func(f *facilities.Facility) bool

// serveMemoAt is serveMemo answering from snap (a handler that already holds data of a
// snapshot), for a build that may also name the filter of the facilities its answer is made of
// (nil: any facility of its kinds may change it).
func (s *Server) serveMemoAt(c *gin.Context, snap *snapshot, ctype string, build func(snap *snapshot) (any, kindSet, facilityFilter, error)) error {
	key := memoKey(c)
	a := s.encoded.get(key, snap)
	var err error
	if a == nil {
		s.metrics.countMemo(false)
		encode := func() (*encodedAnswer, error) {
			if a := s.encoded.get(key, snap); a != nil {
				return a, nil // a request just before this one stored it
			}
			v, deps, filter, err := build(snap)
			if err != nil {
				return nil, err
			}
			body, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("encode %s: %w", c.Request.URL.Path, err)
			}
			a := newEncodedAnswer(key, deps, snap, ctype, body)
			a.filter = filter
			s.encoded.put(a)
			return a, nil
		}
		if s.encoded == nil {
			if a, err = encode(); err != nil {
				return err
			}
		} else {
			// Concurrent misses of one answer on one snapshot (right after a write, every client
			// of a popular page misses at once) wait for one computation.
			fkey := key + "@" + strconv.FormatInt(snap.epoch, 10) + "." + strconv.FormatInt(snap.version, 10)
			a, err = s.memoFlight.do(fkey, encode)
			if err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) &&
				c.Request.Context().Err() == nil {
				a, err = encode() // the computing request was cancelled, this one was not
			}
			if err != nil {
				return err
			}
		}
	} else {
		s.metrics.countMemo(true)
	}
	writeEncoded(c, s.encoded, a)
	return nil
}

// newEncodedAnswer wraps the encoded body of the answer under key, computed from snap and
// depending on the facility kinds deps, with its ETag (a hash of the bytes).
func newEncodedAnswer(key string, deps kindSet, snap *snapshot, ctype string, body []byte) *encodedAnswer {
	h := fnv.New64a()
	h.Write(body)
	return &encodedAnswer{key: key, deps: deps, stamp: snap.stampOf(deps), ctype: ctype, body: body,
		etag: `"` + strconv.FormatUint(h.Sum64(), 36) + `"`}
}

// writeEncoded sends a: gzipped (with its own ETag) when the client accepts gzip and the body is
// large enough, 304 when If-None-Match names the ETag of the form that would be sent.
func writeEncoded(c *gin.Context, cache *encodedCache, a *encodedAnswer) {
	body, tag := a.body, a.etag
	if acceptsGzip(c.GetHeader("Accept-Encoding")) {
		if gz, gzTag := a.gzipped(cache); gz != nil {
			body, tag = gz, gzTag
			c.Header("Content-Encoding", "gzip")
		}
	}
	h := c.Writer.Header()
	if !headerHas(h.Values("Vary"), "Accept-Encoding") {
		h.Add("Vary", "Accept-Encoding")
	}
	h.Set("ETag", tag)
	if etagMatches(c.GetHeader("If-None-Match"), tag) {
		h.Del("Content-Encoding")
		c.Status(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", a.ctype)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write(body)
}

// etagMatches reports whether an If-None-Match header names tag (weak comparison, RFC 9110
// 13.1.2) or is "*".
func etagMatches(inm, tag string) bool {
	if inm == "" {
		return false
	}
	for _, t := range strings.Split(inm, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == tag {
			return true
		}
	}
	return false
}
