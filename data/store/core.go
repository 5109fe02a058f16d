package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Core is the store logic both SQL stores share: every query over civplan's tables (facilities,
// divisions, plans, scenarios, tokens, audit log, change log), the validation and the JSON
// archiving, written once with ? placeholders (the PostgreSQL store's connections rewrite them to
// $1, $2, …). What differs between SQLite and PostgreSQL SQL is in Dialect; how a write
// transaction is run (SQLite: group commit; PostgreSQL: one transaction each) is the runTx the
// store gives NewCore. *SQLite embeds a Core, as does the PostgreSQL store (data/store/postgres).
type Core struct {
	d     Dialect
	name  string           // where the store lives, for Path, logs and errors
	rdb   *sql.DB          // reads
	now   func() time.Time // UTC clock; replaced in tests
	runTx func(ctx context.Context, fn func(tx *sql.Tx) error) error
}

// Dialect is what the shared SQL needs to know about the database it runs on. Every field is an
// SQL fragment or option; the zero value is not valid (see SQLiteDialect).
type Dialect struct {
	// BoundaryIn is the value written to divisions.boundary from one parameter holding WKB
	// (or NULL); BoundaryOut reads the column back as WKB.
	BoundaryIn, BoundaryOut string
	// FacilityID is the value of an inserted facility's id from one parameter: the id to keep,
	// or NULL for one above every id ever used (as SQLite's AUTOINCREMENT).
	FacilityID string
	// DivisionsChanged is an expression counting changes to division rows so far: read at the
	// start and at the end of each change, their difference is the rows the change touched.
	DivisionsChanged string
	// FoldDivisions, when not empty, runs at the end of a change that touched n division rows
	// (one parameter, n), making DivisionsChanged's count durable in divisions_version.
	FoldDivisions string
	// Notify, when not empty, runs at the end of each change with its version (as text), e.g.
	// a NOTIFY that other processes receive when the transaction commits.
	Notify string
	// ListTables lists the names of civplan's tables (for DumpTables).
	ListTables string
	// ReadTx are the options of a read transaction: it must see one committed state throughout.
	ReadTx sql.TxOptions
	// LastInsertID says the driver reports an inserted row's id (sql.Result.LastInsertId), so
	// inserts need no RETURNING: with go-sqlite3 an INSERT … RETURNING run as a query costs
	// 5–10× a plain one (15,000 facilities of a batch import: 2.6 s instead of 0.3 s).
	LastInsertID bool
	// Unavailable, when not nil, turns a connection-level failure into an *UnavailableError
	// (ErrUnavailable) and returns any other error unchanged; writes and read transactions pass
	// their errors through it (unavailable.go).
	Unavailable func(err error) error
}

// SQLiteDialect is the SQLite store's dialect: triggers keep divisions_version, AUTOINCREMENT
// takes any given id, WAL read transactions are snapshots.
func SQLiteDialect() Dialect {
	return Dialect{
		BoundaryIn:       "?",
		BoundaryOut:      "boundary",
		FacilityID:       "?",
		DivisionsChanged: "(SELECT n FROM divisions_version)",
		ListTables:       "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
		ReadTx:           sql.TxOptions{ReadOnly: true},
		LastInsertID:     true,
		Unavailable:      SQLiteUnavailable,
	}
}

// NewCore returns the shared logic over the tables reachable through read (a pool that may be
// read-only) and written in transactions run by runTx, which must begin a transaction, call fn
// and commit only when fn succeeded. name says where the store lives (Path). The clock is UTC
// wall time.
func NewCore(d Dialect, name string, read *sql.DB, runTx func(ctx context.Context, fn func(tx *sql.Tx) error) error) *Core {
	return &Core{d: d, name: name, rdb: read, now: func() time.Time { return time.Now().UTC() }, runTx: runTx}
}

// SetClock replaces the store's clock (tests: fixed times in the audit and change logs).
func (s *Core) SetClock(now func() time.Time) { s.now = now }

// Path names where the store lives: the SQLite file, or the PostgreSQL URL without password.
func (s *Core) Path() string { return s.name }

// writeTx runs fn in a write transaction numbered by the change log (changelog.go): the write
// version is bumped before fn runs, so rows fn writes can carry it, and the log entry is
// written after. Every write of the store goes through here; a connection-level failure comes
// back as ErrUnavailable (Dialect.Unavailable).
func (s *Core) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.writeTxResult(ctx, func(tx *sql.Tx) (any, error) { return nil, fn(tx) })
}

// writeTxResult is writeTx for a write whose result (fn's first value) a keyed write's answer
// is rendered from: when ctx carries an Idempotency-Key (WithIdempotency), the key is looked up
// after the counter bump (a stored key: *ReplayError, nothing written) and stored with the
// rendered answer after fn, in the same transaction (idempotency.go).
func (s *Core) writeTxResult(ctx context.Context, fn func(tx *sql.Tx) (any, error)) error {
	idem := idempotencyFrom(ctx)
	return s.markUnavailable(ctx, s.runTx(ctx, func(tx *sql.Tx) error {
		start, err := s.beginChange(ctx, tx)
		if err != nil {
			return err
		}
		if idem != nil {
			if err := s.idemBegin(ctx, tx, idem); err != nil {
				return err
			}
		}
		result, err := fn(tx)
		if err != nil {
			return err
		}
		if idem != nil {
			if err := s.idemFinish(ctx, tx, idem, start.version, result); err != nil {
				return err
			}
		}
		_, err = s.finishChange(ctx, tx, start)
		return err
	}))
}

// insertID runs the INSERT q (of one row into a table with an id column) and returns the new
// row's id: from the driver when the dialect has LastInsertID, else by RETURNING id.
func (s *Core) insertID(ctx context.Context, tx *sql.Tx, q string, args ...any) (int64, error) {
	if s.d.LastInsertID {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return 0, err
		}
		return res.LastInsertId()
	}
	var id int64
	err := tx.QueryRowContext(ctx, q+" RETURNING id", args...).Scan(&id)
	return id, err
}

// dbTime scans a stored time: text in timeFormat (SQLite) or a timestamp (PostgreSQL), in UTC;
// NULL leaves Valid false.
type dbTime struct {
	T     time.Time
	Valid bool
}

// Scan implements sql.Scanner.
func (d *dbTime) Scan(v any) error {
	var err error
	switch x := v.(type) {
	case nil:
		*d = dbTime{}
		return nil
	case time.Time:
		d.T = x.UTC()
	case string:
		d.T, err = parseTime(x)
	case []byte:
		d.T, err = parseTime(string(x))
	default:
		return fmt.Errorf("stored time: unexpected %T", v)
	}
	d.Valid = err == nil
	return err
}
