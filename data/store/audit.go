package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Actor is who performs a write: a token's holder over HTTP, or "cli" from the command line.
type Actor struct {
	TokenID   int64  // 0 when not authenticated by a token (CLI, system)
	Name      string // token name, "cli" or "system"
	Role      Role
	RequestID string // HTTP request id; "" from the CLI
}

// CLIActor is the actor of writes made from the command line (an administrator at the console).
func CLIActor() Actor { return Actor{Name: "cli", Role: RoleAdmin} }

// SystemActor is the actor of writes civplan makes by itself (seeding the embedded dataset).
func SystemActor() Actor { return Actor{Name: "system", Role: RoleAdmin} }

type actorKey struct{}

// WithActor attaches a to ctx; store methods without an Actor parameter (CreateToken,
// RevokeToken) record it in the audit log, and default to CLIActor when ctx carries none.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor attached to ctx, or CLIActor.
func ActorFrom(ctx context.Context) Actor { return actorOr(ctx, CLIActor()) }

func actorOr(ctx context.Context, def Actor) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return def
}

// AuditEntry is one row of the audit log. Before and After are JSON (null when absent).
type AuditEntry struct {
	ID        int64           `json:"id"`
	At        time.Time       `json:"at"`
	Actor     string          `json:"actor"`
	TokenID   int64           `json:"token_id"`
	Role      Role            `json:"role"` // the actor's role at the time
	Action    string          `json:"action"`
	Target    string          `json:"target"`
	Before    json.RawMessage `json:"before"`
	After     json.RawMessage `json:"after"`
	RequestID string          `json:"request_id,omitempty"`
}

// AuditFilter selects audit entries. Zero fields do not filter. Entries come newest first;
// to page, pass the smallest ID of the previous page as BeforeID.
type AuditFilter struct {
	Since    time.Time // at >= Since
	Until    time.Time // at < Until
	Actor    string    // exact actor name
	Action   string    // exact action, e.g. "import"
	Target   string    // exact target, e.g. "facility/17"
	BeforeID int64     // id < BeforeID
	Limit    int       // ≤ 0: 100; at most 1000
}

// Write runs fn and records one audit entry (action, target, fn's before and after, encoded
// as JSON) in the same transaction: either both are committed or neither. An error from fn,
// or a before/after that cannot be encoded, rolls everything back.
func (s *Core) Write(ctx context.Context, a Actor, action, target string, fn func(tx *sql.Tx) (before, after any, err error)) error {
	if action == "" {
		return errors.New("write: empty audit action")
	}
	return s.writeTxResult(ctx, func(tx *sql.Tx) (any, error) {
		before, after, err := fn(tx)
		if err != nil {
			return nil, err
		}
		_, err = s.insertAudit(ctx, tx, a, action, target, before, after)
		return after, err
	})
}

func (s *Core) insertAudit(ctx context.Context, tx *sql.Tx, a Actor, action, target string, before, after any) (int64, error) {
	b, err := auditJSON(before)
	if err != nil {
		return 0, fmt.Errorf("audit %s %s: encode before: %w", action, target, err)
	}
	af, err := auditJSON(after)
	if err != nil {
		return 0, fmt.Errorf("audit %s %s: encode after: %w", action, target, err)
	}
	name := a.Name
	if name == "" {
		name = "unknown"
	}
	id, err := s.insertID(ctx, tx, `INSERT INTO audit_log (at, actor, token_id, role, action, target, before, after, request_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		formatTime(s.now()), name, a.TokenID, a.Role.String(), action, target, b, af, a.RequestID)
	if err != nil {
		return 0, fmt.Errorf("audit %s %s: %w", action, target, err)
	}
	return id, nil
}

// auditJSON encodes v; nil (or a nil json.RawMessage) is stored as SQL NULL.
func auditJSON(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		if x == nil {
			return nil, nil
		}
		if !json.Valid(x) {
			return nil, errors.New("invalid JSON")
		}
		return string(x), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// AuditLog returns the entries matching f, newest first.
func (s *Core) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	var where []string
	var args []any
	if !f.Since.IsZero() {
		where, args = append(where, "at >= ?"), append(args, formatTime(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "at < ?"), append(args, formatTime(f.Until))
	}
	if f.Actor != "" {
		where, args = append(where, "actor = ?"), append(args, f.Actor)
	}
	if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	if f.Target != "" {
		where, args = append(where, "target = ?"), append(args, f.Target)
	}
	if f.BeforeID > 0 {
		where, args = append(where, "id < ?"), append(args, f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	if limit > 1000 {
		limit = 1000
	}
	q := "SELECT id, at, actor, token_id, role, action, target, before, after, request_id FROM audit_log"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at dbTime
		var role string
		var before, after sql.NullString
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.TokenID, &role, &e.Action, &e.Target, &before, &after, &e.RequestID); err != nil {
			return nil, fmt.Errorf("read audit log: %w", err)
		}
		e.At = at.T
		e.Role, _ = ParseRole(role) // "" (no role) stays 0
		if before.Valid {
			e.Before = json.RawMessage(before.String)
		}
		if after.Valid {
			e.After = json.RawMessage(after.String)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
