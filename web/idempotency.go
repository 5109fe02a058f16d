package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/civplan/civplan/data/store"
	"github.com/gin-gonic/gin"
)

// Idempotent writes (the Idempotency-Key request header, IETF draft-ietf-httpapi-idempotency-
// key-header). A write that carries a key has its answer (status, body, ETag, Location,
// Content-Type) rendered inside its transaction and stored with the key there
// (data/store/idempotency.go), so a client — or haproxy — that never saw the answer can send the
// request again with the same key, to any replica: it gets the stored answer with
// Idempotency-Replayed: true, and nothing is written twice. Keys are scoped per token and kept
// 24 h. The same key with another method, path or body: 422; while the first request with it is
// still being processed on this server: 409; a malformed key: 400.

const (
	headerIdemKey      = "Idempotency-Key"
	headerIdemReplayed = "Idempotency-Replayed"
	maxIdemKeyLen      = 255
	ctxIdem            = "civplan.idem"                    // the request's *store.IdemRequest (gin context)
	jsonUTF8           = "application/json; charset=utf-8" // what c.JSON sends
)

// idemSlot is a key in its token's scope.
type idemSlot struct {
	token int64
	key   string
}

// idemInFlight holds the keys whose first request this server is processing.
type idemInFlight struct {
	mu   sync.Mutex
	keys map[idemSlot]struct{}
}

// claim marks slot in flight; false when it already is.
func (f *idemInFlight) claim(slot idemSlot) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, busy := f.keys[slot]; busy {
		return false
	}
	if f.keys == nil {
		f.keys = map[idemSlot]struct{}{}
	}
	f.keys[slot] = struct{}{}
	return true
}

func (f *idemInFlight) release(slot idemSlot) {
	f.mu.Lock()
	delete(f.keys, slot)
	f.mu.Unlock()
}

// parseIdemKey reads the Idempotency-Key header's values: one value, an sf-string ("…", RFC
// 8941 §3.3.3, as the draft defines it) or the bare key, 1–255 printable ASCII characters.
func parseIdemKey(vals []string) (string, error) {
	if len(vals) != 1 {
		return "", badParam(headerIdemKey, fmt.Errorf("sent %d times: send one key", len(vals)))
	}
	v := strings.TrimSpace(vals[0])
	if strings.HasPrefix(v, `"`) {
		var b strings.Builder
		esc, closed := false, false
		for i := 1; i < len(v); i++ {
			switch ch := v[i]; {
			case closed:
				return "", badParam(headerIdemKey, fmt.Errorf("data after the closing quote at offset %d", i))
			case esc:
				if ch != '"' && ch != '\\' {
					return "", badParam(headerIdemKey, fmt.Errorf("\\%c at offset %d: only \\\" and \\\\ may be escaped", ch, i))
				}
				b.WriteByte(ch)
				esc = false
			case ch == '\\':
				esc = true
			case ch == '"':
				closed = true
			default:
				b.WriteByte(ch)
			}
		}
		if !closed {
			return "", badParam(headerIdemKey, errors.New("the quoted string is not closed"))
		}
		v = b.String()
	}
	switch {
	case v == "":
		return "", badParam(headerIdemKey, errors.New("empty: send a unique key per logical write, e.g. a UUID"))
	case len(v) > maxIdemKeyLen:
		return "", badParam(headerIdemKey, fmt.Errorf("%d characters: at most %d", len(v), maxIdemKeyLen))
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return "", badParam(headerIdemKey, fmt.Errorf("byte 0x%02x at offset %d is not printable ASCII", v[i], i))
		}
	}
	return v, nil
}

// idempotencyKey is the middleware of the write routes (after authorize): a request with an
// Idempotency-Key has its body read and hashed (and handed on unchanged), and then, when its
// token already used the key, gets the stored answer (or 422 if the request differs) without
// reaching the handler; while the key's first request is still being processed here, 409.
// Otherwise the handler runs with the key in the context (keyed, sendKeyed).
func (s *Server) idempotencyKey(c *gin.Context) {
	vals := c.Request.Header.Values(headerIdemKey)
	if len(vals) == 0 {
		c.Next()
		return
	}
	key, err := parseIdemKey(vals)
	if err != nil {
		writeProblem(c, err)
		return
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeProblem(c, problemOf(http.StatusRequestEntityTooLarge, "request body exceeds the limit of %d bytes", mbe.Limit))
		} else {
			writeProblem(c, problemOf(http.StatusBadRequest, "reading the body: %v", err))
		}
		return
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256(body)
	req := &store.IdemRequest{TokenID: actor(c).TokenID, Key: key, Method: c.Request.Method,
		Path: c.Request.URL.RequestURI(), BodySHA256: hex.EncodeToString(sum[:])}
	slot := idemSlot{req.TokenID, key}
	if !s.idem.claim(slot) {
		c.Header("Retry-After", "1")
		writeProblem(c, idemProblem(http.StatusConflict, "a request with this key is still being processed: wait for its answer, or send the request again in a moment"))
		return
	}
	defer s.idem.release(slot)
	rec, found, err := s.store.IdempotencyRecord(c.Request.Context(), req.TokenID, key)
	if err != nil {
		writeProblem(c, err)
		return
	}
	if found {
		if err := s.replay(c, req, rec); err != nil {
			writeProblem(c, err)
		}
		c.Abort()
		return
	}
	c.Set(ctxIdem, req)
	c.Next()
}

// idemProblem is a problem about the Idempotency-Key header, naming it.
func idemProblem(status int, format string, args ...any) *Problem {
	p := problemOf(status, format, args...)
	p.Detail = headerIdemKey + ": " + p.Detail
	p.InvalidParams = []InvalidParam{{Name: headerIdemKey, Reason: fmt.Sprintf(format, args...)}}
	return p
}

// replay answers req with the stored answer of its key (Idempotency-Replayed: true), after
// bringing the snapshot up to the stored write so that a read after it sees the write; 422
// when req is not the request the key was first used with.
func (s *Server) replay(c *gin.Context, req *store.IdemRequest, rec store.IdemRecord) error {
	if !req.Matches(rec.IdemRequest) {
		what := "body"
		switch {
		case req.Method != rec.Method:
			what = "method (" + rec.Method + ")"
		case req.Path != rec.Path:
			what = "path (" + rec.Path + ")"
		}
		return idemProblem(http.StatusUnprocessableEntity, "key %q was used for a request with another %s; use a new key for a new request", req.Key, what)
	}
	if cur := s.current(); cur == nil || cur.version < rec.Version {
		if err := s.catchUp(c.Request.Context()); err != nil {
			return err
		}
	}
	c.Header(headerIdemReplayed, "true")
	sendStored(c, rec.IdemResponse)
	return nil
}

// sendStored writes a stored (or just rendered) answer.
func sendStored(c *gin.Context, r store.IdemResponse) {
	for h, v := range map[string]string{"ETag": r.ETag, "Location": r.Location} {
		if v != "" {
			c.Header(h, v)
		}
	}
	if len(r.Body) == 0 {
		c.Status(r.Status)
		c.Writer.WriteHeaderNow()
		return
	}
	c.Data(r.Status, r.ContentType, r.Body)
}

// renderFunc renders a keyed write's answer inside its transaction (store.Idempotent.Render).
type renderFunc = func(tx *sql.Tx, version int64, result any) (store.IdemResponse, error)

// keyed returns the context a handler's store write runs with: with the request's
// Idempotency-Key and render when it has one (the write then stores the rendered answer with
// the key, or fails with *store.ReplayError), the request's context otherwise.
func (s *Server) keyed(c *gin.Context, render renderFunc) context.Context {
	ctx := c.Request.Context()
	v, _ := c.Get(ctxIdem)
	req, ok := v.(*store.IdemRequest)
	if !ok {
		return ctx
	}
	i := &store.Idempotent{Request: *req}
	i.Render = func(tx *sql.Tx, version int64, result any) (store.IdemResponse, error) {
		r, err := render(tx, version, result)
		c.Set(ctxIdemAnswer, r)
		return r, err
	}
	return store.WithIdempotency(ctx, i)
}

const ctxIdemAnswer = "civplan.idem.answer" // the rendered answer of a keyed write (gin context)

// sendKeyed finishes a keyed write: after err == nil it runs after (the handler's snapshot
// step) and sends the answer rendered in the transaction; a *store.ReplayError (another
// replica committed the key meanwhile) is answered by replay. sent is false for a request
// without a key, or when err is another error: the handler answers as without a key.
func (s *Server) sendKeyed(c *gin.Context, err error, after func(ctx context.Context) error) (sent bool, _ error) {
	v, _ := c.Get(ctxIdem)
	req, ok := v.(*store.IdemRequest)
	if !ok {
		return false, err
	}
	var re *store.ReplayError
	if errors.As(err, &re) {
		return true, s.replay(c, req, re.Record)
	}
	if err != nil {
		return false, err
	}
	if after != nil {
		if err := after(c.Request.Context()); err != nil {
			return true, err
		}
	}
	a, _ := c.Get(ctxIdemAnswer)
	r, _ := a.(store.IdemResponse)
	sendStored(c, r)
	return true, nil
}

// jsonAnswer renders v as a stored JSON answer (what c.JSON would send).
func jsonAnswer(status int, contentType string, v any) (store.IdemResponse, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return store.IdemResponse{}, err
	}
	return store.IdemResponse{Status: status, ContentType: contentType, Body: b}, nil
}

// noContent is the stored answer of a delete.
func noContent(*sql.Tx, int64, any) (store.IdemResponse, error) {
	return store.IdemResponse{Status: http.StatusNoContent}, nil
}
