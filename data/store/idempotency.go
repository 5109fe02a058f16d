package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Idempotency keys (the Idempotency-Key request header, IETF draft-ietf-httpapi-idempotency-key-
// header). A write that carries a key (WithIdempotency) records, in its own transaction, the key,
// the request's fingerprint and the answer it gave, so the key commits atomically with the write:
// a retry on any process sharing the store finds either the whole write with its answer or
// nothing. Keys are scoped per token and kept IdempotencyTTL; every keyed write first deletes
// the keys older than that (in the same transaction, through the index on created), and
// lookups ignore them, so expiry is exact whether or not anything was purged yet.

// IdempotencyTTL is how long a key and its answer are kept (24 h).
const IdempotencyTTL = 24 * time.Hour

// schemaIdempotency is the SQLite migration of the idempotency_keys table; the PostgreSQL store
// has the same table (data/store/postgres/schema.go).
const schemaIdempotency = `
CREATE TABLE idempotency_keys (
	token_id     INTEGER NOT NULL,  -- the key's scope: the token that sent it
	key          TEXT NOT NULL,     -- the Idempotency-Key value (1–255 printable ASCII)
	method       TEXT NOT NULL,     -- the request it was first sent with
	path         TEXT NOT NULL,     -- path and query
	body_sha256  TEXT NOT NULL,     -- hex SHA-256 of the request body
	status       INTEGER NOT NULL,  -- the answer: status, body and the headers that matter
	content_type TEXT NOT NULL DEFAULT '',
	etag         TEXT NOT NULL DEFAULT '',
	location     TEXT NOT NULL DEFAULT '',
	body         BLOB,
	version      INTEGER NOT NULL,  -- the change-log version of the write
	created      TEXT NOT NULL,
	PRIMARY KEY (token_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created);
`

// IdemRequest is what identifies a keyed request: the key in its token's scope and the
// request's fingerprint (method, path with query, SHA-256 of the body as hex).
type IdemRequest struct {
	TokenID    int64
	Key        string
	Method     string
	Path       string
	BodySHA256 string
}

// Matches reports whether r is the same request as o (same method, path and body).
func (r IdemRequest) Matches(o IdemRequest) bool {
	return r.Method == o.Method && r.Path == o.Path && r.BodySHA256 == o.BodySHA256
}

// IdemResponse is the answer stored with a key: status, body and the headers a replay repeats.
type IdemResponse struct {
	Status      int
	ContentType string
	ETag        string
	Location    string
	Body        []byte
}

// IdemRecord is a stored key: the first request's fingerprint, its answer, the change-log
// version of its write and when it was stored (UTC).
type IdemRecord struct {
	IdemRequest
	IdemResponse
	Version int64
	Created time.Time
}

// Idempotent is a keyed write's request and how to render its answer. Render runs inside the
// write's transaction after the write itself, with the transaction's change-log version and
// the write's result (Write: fn's after value; ImportFacilities: the *formats.ImportReport);
// an error from it rolls the write back.
type Idempotent struct {
	Request IdemRequest
	Render  func(tx *sql.Tx, version int64, result any) (IdemResponse, error)
}

type idemKey struct{}

// WithIdempotency attaches a keyed write's request to ctx: the store's writes run with ctx
// (Write, ImportFacilities) then record the key with their answer, or return a *ReplayError
// when the key is already stored.
func WithIdempotency(ctx context.Context, i *Idempotent) context.Context {
	return context.WithValue(ctx, idemKey{}, i)
}

func idempotencyFrom(ctx context.Context) *Idempotent {
	i, _ := ctx.Value(idemKey{}).(*Idempotent)
	return i
}

// ReplayError is returned by a keyed write whose key its token already used (and that has not
// expired): nothing was written; Record holds the first request and its answer. Whether the
// request matches the first one is the caller's to check (IdemRequest.Matches).
type ReplayError struct{ Record IdemRecord }

func (e *ReplayError) Error() string {
	return fmt.Sprintf("idempotency key %q already used (write version %d)", e.Record.Key, e.Record.Version)
}

// ErrReplay matches every *ReplayError with errors.Is.
var ErrReplay = errors.New("idempotency key already used")

// Is makes errors.Is(err, ErrReplay) true for a *ReplayError.
func (e *ReplayError) Is(target error) bool { return target == ErrReplay }

const idemCols = `token_id, key, method, path, body_sha256, status, content_type, etag, location, body, version, created`

func scanIdem(row *sql.Row) (IdemRecord, bool, error) {
	var r IdemRecord
	var created dbTime
	err := row.Scan(&r.TokenID, &r.Key, &r.Method, &r.Path, &r.BodySHA256, &r.Status, &r.ContentType, &r.ETag,
		&r.Location, &r.Body, &r.Version, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("idempotency key: %w", err)
	}
	r.Created = created.T
	return r, true, nil
}

// idemLookup reads key of token through q, ignoring keys older than IdempotencyTTL.
func (s *Core) idemLookup(ctx context.Context, q Querier, tokenID int64, key string) (IdemRecord, bool, error) {
	return scanIdem(q.QueryRowContext(ctx, "SELECT "+idemCols+" FROM idempotency_keys WHERE token_id = ? AND key = ? AND created >= ?",
		tokenID, key, formatTime(s.now().Add(-IdempotencyTTL))))
}

// IdempotencyRecord reads the stored key of token (committed writes only, not expired); false
// when there is none.
func (s *Core) IdempotencyRecord(ctx context.Context, tokenID int64, key string) (IdemRecord, bool, error) {
	rec, ok, err := s.idemLookup(ctx, s.rdb, tokenID, key)
	return rec, ok, s.markUnavailable(ctx, err) // a store that cannot be reached: ErrUnavailable
}

// idemBegin runs first in a keyed write transaction, after the change-log counter was bumped
// (so, on PostgreSQL, every earlier write has committed): a *ReplayError when the key is stored.
func (s *Core) idemBegin(ctx context.Context, tx *sql.Tx, i *Idempotent) error {
	rec, ok, err := s.idemLookup(ctx, tx, i.Request.TokenID, i.Request.Key)
	if err != nil {
		return err
	}
	if ok {
		return &ReplayError{Record: rec}
	}
	return nil
}

// idemFinish renders the keyed write's answer and stores it with the key, after deleting the
// keys older than IdempotencyTTL (of every token).
func (s *Core) idemFinish(ctx context.Context, tx *sql.Tx, i *Idempotent, version int64, result any) error {
	if i.Render == nil {
		return errors.New("idempotency key: no answer to store (Render is nil)")
	}
	res, err := i.Render(tx, version, result)
	if err != nil {
		return err
	}
	now := s.now()
	if _, err := tx.ExecContext(ctx, "DELETE FROM idempotency_keys WHERE created < ?", formatTime(now.Add(-IdempotencyTTL))); err != nil {
		return fmt.Errorf("idempotency key: purge: %w", err)
	}
	body := res.Body
	if body == nil {
		body = []byte{}
	}
	r := i.Request
	_, err = tx.ExecContext(ctx, "INSERT INTO idempotency_keys ("+idemCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.TokenID, r.Key, r.Method, r.Path, r.BodySHA256, res.Status, res.ContentType, res.ETag, res.Location, body, version, formatTime(now))
	if err != nil {
		return fmt.Errorf("idempotency key %q: %w", r.Key, err)
	}
	return nil
}
