package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/civplan/civplan/data/store"
	"github.com/jackc/pgx/v5/pgconn"
)

// unavailable classifies a PostgreSQL error: a connection that could not be made, broke or was
// closed (refused, reset, EOF, timeout of the network, pgx's "conn closed"), or a server that
// ends or refuses sessions (SQLSTATE class 08, 57P01–57P03 "terminating connection due to
// administrator command", "the database system is shutting down"/"is starting up", 53300 too
// many connections) becomes a *store.UnavailableError; anything else — a constraint, a
// conflict, a bad statement, a caller's context — is returned unchanged.
func unavailable(err error) error {
	if cause := unavailableCause(err); cause != "" {
		return &store.UnavailableError{Store: "PostgreSQL", Cause: cause, Err: err}
	}
	return err
}

// unavailableCause is a short reason for a connection-level failure (no host, user or URL), or
// "" when err is not one.
func unavailableCause(err error) string {
	if err == nil {
		return ""
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", pe.Code == "53300":
			return pe.Message + " (SQLSTATE " + pe.Code + ")"
		}
		return ""
	}
	var ce *pgconn.ConnectError
	isConnect := errors.As(err, &ce)
	var errno syscall.Errno
	switch {
	case errors.As(err, &errno) && (errno == syscall.ECONNREFUSED || errno == syscall.ECONNRESET ||
		errno == syscall.EPIPE || errno == syscall.ECONNABORTED || errno == syscall.EHOSTUNREACH ||
		errno == syscall.ENETUNREACH || errno == syscall.ETIMEDOUT):
		return prefix(isConnect) + errno.Error()
	case errors.Is(err, pgconn.ErrConnClosed), errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone):
		return "the connection to the server was closed"
	}
	var retry interface{ SafeToRetry() bool } // implemented by pgconn's own errors only
	fromPgconn := errors.As(err, &retry)
	if (isConnect || fromPgconn) && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
		return prefix(isConnect) + "the server closed the connection"
	}
	if !isConnect && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return "" // a caller's deadline (context errors are net.Errors too), not the network's
	}
	var ne net.Error
	if errors.As(err, &ne) {
		if ne.Timeout() {
			return prefix(isConnect) + "the server did not answer in time"
		}
		return prefix(isConnect) + "network error"
	}
	if isConnect {
		return "cannot connect to the server"
	}
	return ""
}

// classify is the store's Dialect.Unavailable: unavailable, and for a bare io.EOF or
// io.ErrUnexpectedEOF (what pgx's database/sql driver can return when the server's socket
// closes mid-query; an EOF of anything else, such as a request body, looks the same) a ping
// decides: when the server cannot be reached either, the EOF was the connection's.
func (s *Store) classify(err error) error {
	if u := unavailable(err); u != err || !(errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
		return u
	}
	ctx, cancel := context.WithTimeout(context.Background(), pingTimeout)
	defer cancel()
	var u *store.UnavailableError
	if perr := s.db.PingContext(ctx); perr != nil && errors.As(unavailable(perr), &u) {
		return &store.UnavailableError{Store: "PostgreSQL", Cause: "the server closed the connection (" + u.Cause + " since)", Err: err}
	}
	return err
}

// pingTimeout bounds classify's ping.
const pingTimeout = time.Second

func prefix(connect bool) string {
	if connect {
		return "cannot connect: "
	}
	return ""
}
