package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/civplan/civplan/data/store"
	"github.com/jackc/pgx/v5/pgconn"
)

// retryable stands for pgconn's own (unexported) errors, which say whether they are safe to retry.
type retryable struct{ err error }

func (r retryable) Error() string     { return "failed to receive message: " + r.err.Error() }
func (r retryable) Unwrap() error     { return r.err }
func (r retryable) SafeToRetry() bool { return false }

// Connection-level failures become store.ErrUnavailable with a cause that names no host; what
// the server refused for the data's sake stays as it was.
func TestUnavailableClassifies(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 5432},
		Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	for _, c := range []struct {
		name  string
		err   error
		cause string // "" = not unavailable
	}{
		{"refused", fmt.Errorf("begin write: %w", refused), "connection refused"},
		{"reset", fmt.Errorf("update: %w", reset), "connection reset by peer"},
		{"shutting down", &pgconn.PgError{Code: "57P03", Message: "the database system is shutting down"}, "the database system is shutting down (SQLSTATE 57P03)"},
		{"terminated", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, "terminating connection due to administrator command"},
		{"connection exception", &pgconn.PgError{Code: "08006", Message: "connection failure"}, "connection failure"},
		{"too many connections", &pgconn.PgError{Code: "53300", Message: "sorry, too many clients already"}, "too many clients"},
		{"conn closed", fmt.Errorf("commit: %w", pgconn.ErrConnClosed), "the connection to the server was closed"},
		{"bad conn", driver.ErrBadConn, "the connection to the server was closed"},
		{"eof from pgconn", retryable{io.ErrUnexpectedEOF}, "the server closed the connection"},
		{"network timeout", retryable{&net.OpError{Op: "read", Err: timeoutErr{}}}, "did not answer in time"},
		{"unique violation", &pgconn.PgError{Code: "23505", Message: "duplicate key value"}, ""},
		{"serialization", &pgconn.PgError{Code: "40001", Message: "could not serialize access"}, ""},
		{"not found", store.ErrNotFound, ""},
		{"version conflict", fmt.Errorf("facility 3: %w", store.ErrVersionConflict), ""},
		{"bare EOF (a body, not the server)", io.ErrUnexpectedEOF, ""},
		{"cancelled", context.Canceled, ""},
		{"a caller's deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), ""},
		{"a deadline while connecting", &pgconn.ConnectError{Config: &pgconn.Config{}}, "cannot connect"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := unavailable(c.err)
			var u *store.UnavailableError
			isU := errors.As(got, &u)
			if isU != errors.Is(got, store.ErrUnavailable) {
				t.Fatalf("errors.As and errors.Is disagree on %v", got)
			}
			if c.cause == "" {
				if isU || got != c.err {
					t.Fatalf("%v classified as unavailable: %v", c.err, got)
				}
				return
			}
			if !isU {
				t.Fatalf("%v not classified as unavailable", c.err)
			}
			if !strings.Contains(u.Cause, c.cause) || strings.Contains(u.Cause, "10.1.2.3") || u.Store != "PostgreSQL" {
				t.Errorf("cause %q (store %q), want it to contain %q and no address", u.Cause, u.Store, c.cause)
			}
			if !errors.Is(got, c.err) {
				t.Errorf("the driver's error is not kept: %v", got)
			}
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }
