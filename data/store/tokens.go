package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Role is what a token may do: RoleViewer < RolePlanner < RoleAdmin.
type Role int

// Roles in increasing power; the zero Role is no role.
const (
	RoleViewer Role = iota + 1
	RolePlanner
	RoleAdmin
)

// String returns "viewer", "planner", "admin" or "" for no role.
func (r Role) String() string {
	switch r {
	case RoleViewer:
		return "viewer"
	case RolePlanner:
		return "planner"
	case RoleAdmin:
		return "admin"
	}
	return ""
}

// ParseRole parses "viewer", "planner" or "admin".
func ParseRole(s string) (Role, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "viewer":
		return RoleViewer, nil
	case "planner":
		return RolePlanner, nil
	case "admin":
		return RoleAdmin, nil
	}
	return 0, fmt.Errorf("unknown role %q (want viewer, planner or admin)", s)
}

// MarshalText writes the role word.
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads the role word.
func (r *Role) UnmarshalText(b []byte) error {
	v, err := ParseRole(string(b))
	*r = v
	return err
}

// Allows reports whether r is at least need.
func (r Role) Allows(need Role) bool { return r >= need }

// Token is an API token as listed; its secret is never stored. Prefix is the secret's first
// characters ("cvp_" and 6 more) so a holder can tell tokens apart.
type Token struct {
	ID      int64      `json:"id"`
	Name    string     `json:"name"`
	Role    Role       `json:"role"`
	Created time.Time  `json:"created"`
	Revoked *time.Time `json:"revoked,omitempty"`
	Prefix  string     `json:"prefix"`
}

// tokenPrefix starts every secret, so leaked secrets are recognisable by scanners.
const tokenPrefix = "cvp_"

// ErrBadToken is returned by Authenticate for an unknown, malformed or revoked secret; the
// error does not say which, to give a guesser nothing.
var ErrBadToken = errors.New("invalid or revoked token")

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// CreateToken makes a token with a fresh secret ("cvp_" + 32 random bytes in base64url); only
// its SHA-256 hash is stored, so the secret is returned here once and never again. The audit
// entry's actor comes from ctx (WithActor), "cli" by default.
func (s *Core) CreateToken(ctx context.Context, name string, role Role) (string, Token, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", Token{}, errors.New("create token: empty name")
	}
	if role.String() == "" {
		return "", Token{}, fmt.Errorf("create token %q: invalid role %d", name, role)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", Token{}, fmt.Errorf("create token %q: random: %w", name, err)
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	tok := Token{Name: name, Role: role, Created: s.now().Truncate(time.Microsecond), Prefix: secret[:len(tokenPrefix)+6]}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "INSERT INTO tokens (name, role, hash, prefix, created) VALUES (?, ?, ?, ?, ?) RETURNING id",
			tok.Name, tok.Role.String(), hashSecret(secret), tok.Prefix, formatTime(tok.Created)).Scan(&tok.ID)
		if err != nil {
			return err
		}
		_, err = s.insertAudit(ctx, tx, ActorFrom(ctx), "token.create", fmt.Sprintf("token/%d", tok.ID), nil, tok)
		return err
	})
	if err != nil {
		return "", Token{}, fmt.Errorf("create token %q: %w", name, err)
	}
	return secret, tok, nil
}

// ListTokens returns every token, revoked ones included, by id.
func (s *Core) ListTokens(ctx context.Context) ([]Token, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT id, name, role, created, revoked_at, prefix FROM tokens ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(...any) error }

func scanToken(r scanner) (Token, error) {
	var t Token
	var role string
	var created, revoked dbTime
	if err := r.Scan(&t.ID, &t.Name, &role, &created, &revoked, &t.Prefix); err != nil {
		return Token{}, err
	}
	var err error
	if t.Role, err = ParseRole(role); err != nil {
		return Token{}, fmt.Errorf("token %d: %w", t.ID, err)
	}
	t.Created = created.T
	if revoked.Valid {
		t.Revoked = &revoked.T
	}
	return t, nil
}

// RevokeToken revokes token id; revoking an already revoked token is an error, as is an
// unknown id. The audit entry's actor comes from ctx (WithActor), "cli" by default.
func (s *Core) RevokeToken(ctx context.Context, id int64) error {
	err := s.Write(ctx, ActorFrom(ctx), "token.revoke", fmt.Sprintf("token/%d", id), func(tx *sql.Tx) (any, any, error) {
		t, err := scanToken(tx.QueryRowContext(ctx, "SELECT id, name, role, created, revoked_at, prefix FROM tokens WHERE id = ?", id))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil, errors.New("no such token")
		}
		if err != nil {
			return nil, nil, err
		}
		if t.Revoked != nil {
			return nil, nil, fmt.Errorf("already revoked at %s", t.Revoked.Format(time.RFC3339))
		}
		now := s.now().Truncate(time.Microsecond)
		if _, err := tx.ExecContext(ctx, "UPDATE tokens SET revoked_at = ? WHERE id = ?", formatTime(now), id); err != nil {
			return nil, nil, err
		}
		after := t
		after.Revoked = &now
		return t, after, nil
	})
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	return nil
}

// Authenticate finds the live token whose secret this is. The stored hash is compared in
// constant time; any failure gives ErrBadToken.
func (s *Core) Authenticate(ctx context.Context, secret string) (Token, error) {
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 200 {
		return Token{}, ErrBadToken
	}
	h := hashSecret(secret)
	var stored []byte
	row := s.rdb.QueryRowContext(ctx, "SELECT hash, id, name, role, created, revoked_at, prefix FROM tokens WHERE hash = ?", h)
	var t Token
	var role string
	var created, revoked dbTime
	err := row.Scan(&stored, &t.ID, &t.Name, &role, &created, &revoked, &t.Prefix)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, ErrBadToken
	}
	if err != nil {
		return Token{}, fmt.Errorf("authenticate: %w", s.markUnavailable(ctx, err))
	}
	if subtle.ConstantTimeCompare(stored, h) != 1 || revoked.Valid {
		return Token{}, ErrBadToken
	}
	if t.Role, err = ParseRole(role); err != nil {
		return Token{}, fmt.Errorf("authenticate: token %d: %w", t.ID, err)
	}
	t.Created = created.T
	return t, nil
}

// TokenCount is the number of live (unrevoked) tokens.
func (s *Core) TokenCount(ctx context.Context) (int, error) {
	var n int
	if err := s.rdb.QueryRowContext(ctx, "SELECT count(*) FROM tokens WHERE revoked_at IS NULL").Scan(&n); err != nil {
		return 0, fmt.Errorf("count tokens: %w", err)
	}
	return n, nil
}
