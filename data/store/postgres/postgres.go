package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// Store is civplan's store on PostgreSQL/PostGIS. Reads and writes share one connection pool;
// write transactions run concurrently until each bumps the change-log counter, whose row lock
// then orders them (so If-Match checks, made after the bump, see every earlier commit). Safe
// for concurrent use, and by several processes on one database.
type Store struct {
	*store.Core
	db       *sql.DB
	cfg      *pgx.ConnConfig
	maxConns int // pool_max_conns: the pool holds one less, LISTEN the last
}

var (
	_ store.Handle   = (*Store)(nil)
	_ store.Notifier = (*Store)(nil)
)

// lockKey is the pg_advisory_lock key under which migrations and the first seeding run.
const lockKey = 0x63697670_6c616e // "civplan"

// Channel is the LISTEN/NOTIFY channel: every write transaction notifies it with its version.
const Channel = "civplan_changes"

// IsURL reports whether db names a PostgreSQL database (postgres:// or postgresql://) rather
// than a SQLite file.
func IsURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// Options controls Open.
type Options struct {
	// Seed, when not nil, is called while the advisory lock is held if the database holds no
	// divisions yet; its dataset is seeded before Open returns. Replicas opening an empty
	// database together therefore seed it once.
	Seed func() (*dataset.Dataset, error)
	// Progress sees the seeding's rows written and total (may be nil).
	Progress func(done, total int)
	// ConnectTimeout bounds reaching the server (0: 10 s).
	ConnectTimeout time.Duration
}

// dialect is store.Core's SQL on PostgreSQL (see schema.go).
func dialect() store.Dialect {
	return store.Dialect{
		BoundaryIn:  "ST_Multi(ST_GeomFromWKB(?::bytea, 4326))",
		BoundaryOut: "ST_AsBinary(boundary)",
		// AUTOINCREMENT: above the sequence and above every id kept from a seed or import.
		FacilityID: `coalesce(?::bigint, setval('facilities_id_seq',
			greatest(nextval('facilities_id_seq'), (SELECT coalesce(max(id), 0) + 1 FROM facilities))))`,
		DivisionsChanged: "((SELECT n FROM divisions_version) + coalesce(nullif(current_setting('civplan.divisions_changed', true), '')::bigint, 0))",
		FoldDivisions: `WITH u AS (UPDATE divisions_version SET n = n + ?::bigint RETURNING n)
			SELECT set_config('civplan.divisions_changed', '0', true), (SELECT n FROM u)`,
		Notify: "SELECT pg_notify('" + Channel + "', ?::text)",
		ListTables: `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()
			AND table_type = 'BASE TABLE' AND table_name <> 'spatial_ref_sys' ORDER BY table_name`,
		ReadTx: sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
		// Unavailable: the Store's classify (it pings), set by Open.
	}
}

// DefaultMaxConns is the default of the URL parameter pool_max_conns: the most connections one
// process (a replica, a CLI command) opens to PostgreSQL, the LISTEN connection included.
const DefaultMaxConns = 16

// MaxConnsParam is the URL query parameter (postgres://…/db?pool_max_conns=8, as pgxpool names
// it) bounding the connections of one process; Open removes it before connecting.
const MaxConnsParam = "pool_max_conns"

// Open connects to the database at rawURL (postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?…]),
// creates the PostGIS extension and the schema when missing and, with o.Seed, seeds an empty
// database, all under one advisory lock. The process opens at most pool_max_conns connections
// (URL parameter, default DefaultMaxConns, at least 3): one for LISTEN (Changed), the others the
// pool for writes, catch-ups and token checks. It fails with a one-line error when the URL is
// bad, the server cannot be reached, PostGIS is missing or the schema is newer than this build.
func Open(ctx context.Context, rawURL string, o Options) (*Store, error) {
	name := Redact(rawURL)
	rawURL, maxConns, err := splitMaxConns(rawURL)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		if u := errors.Unwrap(err); u != nil {
			err = u // the cause, without the URL (and its password) that pgx repeats
		}
		return nil, fmt.Errorf("open %s: bad PostgreSQL URL: %w", name, err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = o.ConnectTimeout
		if cfg.ConnectTimeout == 0 {
			cfg.ConnectTimeout = 10 * time.Second
		}
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "civplan" // in pg_stat_activity
	}
	db := sql.OpenDB(rebindConnector{stdlib.GetConnector(*cfg)})
	// Writes queue on the counter row anyway; reads are snapshot builds, token checks and the
	// audit log. Idle connections are kept up to the cap (closing one on return and opening
	// another in the next burst would leave the old backend exiting while the new one counts:
	// briefly more than the cap on the server), and closed after idleConnTime unused.
	db.SetMaxOpenConns(maxConns - 1)
	db.SetMaxIdleConns(maxConns - 1)
	db.SetConnMaxIdleTime(idleConnTime)
	s := &Store{db: db, cfg: cfg, maxConns: maxConns}
	d := dialect()
	d.Unavailable = s.classify
	s.Core = store.NewCore(d, name, db, s.runTx)
	if err := s.setUp(ctx, o); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	return s, nil
}

// idleConnTime is how long an unused pool connection is kept open.
const idleConnTime = 5 * time.Minute

// splitMaxConns removes MaxConnsParam from rawURL (PostgreSQL would refuse it as an unknown
// setting) and returns the URL and its value (DefaultMaxConns when absent).
func splitMaxConns(rawURL string) (string, int, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL, DefaultMaxConns, nil // pgx.ParseConfig names the problem
	}
	q := u.Query()
	if !q.Has(MaxConnsParam) {
		return rawURL, DefaultMaxConns, nil
	}
	v := q.Get(MaxConnsParam)
	n, err := strconv.Atoi(v)
	if err != nil || n < 3 || n > 10000 {
		return "", 0, fmt.Errorf("URL parameter %s=%q: want a whole number from 3 to 10000 (connections of this process: one for LISTEN, at least two for the pool, since seeding holds the advisory lock on one while writing on another)", MaxConnsParam, v)
	}
	q.Del(MaxConnsParam)
	u.RawQuery = q.Encode()
	return u.String(), n, nil
}

// LibpqURL is rawURL without civplan's own parameters (pool_max_conns), for libpq clients such
// as pg_dump, which refuse a query parameter they do not know.
func LibpqURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || !u.Query().Has(MaxConnsParam) {
		return rawURL
	}
	q := u.Query()
	q.Del(MaxConnsParam)
	u.RawQuery = q.Encode()
	return u.String()
}

// MaxConns is the most connections this process opens to the database (pool_max_conns): the
// pool's MaxConns()-1 plus one LISTEN connection.
func (s *Store) MaxConns() int { return s.maxConns }

// setUp migrates and seeds under the advisory lock, held on one connection of the pool.
func (s *Store) setUp(ctx context.Context, o Options) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("cannot connect: %w", oneLine(err))
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", int64(lockKey)); err != nil {
		return fmt.Errorf("advisory lock: %w", err)
	}
	defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", int64(lockKey))
	if err := s.migrate(ctx, migrations()); err != nil {
		return err
	}
	if o.Seed == nil {
		return nil
	}
	empty, err := s.Empty()
	if err != nil || !empty {
		return err
	}
	ds, err := o.Seed()
	if err != nil {
		return err
	}
	return s.Seed(ctx, ds, o.Progress)
}

// migrate creates PostGIS when missing and applies the pending steps in order.
func (s *Store) migrate(ctx context.Context, steps []store.Migration) error {
	var have bool
	if err := s.db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis')").Scan(&have); err != nil {
		return fmt.Errorf("check for PostGIS: %w", err)
	}
	if !have {
		if _, err := s.db.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS postgis"); err != nil {
			return fmt.Errorf("PostGIS is not installed in this database and could not be created (%v): install postgresql-15-postgis-3 (Debian) and run CREATE EXTENSION postgis as a superuser", err)
		}
	}
	return store.Migrate(ctx, s.db, steps, `CREATE TABLE IF NOT EXISTS schema_version (
		version integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL)`, time.Now, nil)
}

// runTx is store.Core's write transaction: read committed (each statement after the counter
// bump sees every earlier commit), rolled back when fn fails or panics. A connection lost during
// COMMIT is a store.UnavailableError with MaybeCommitted (unless pgx says nothing was sent).
func (s *Store) runTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		err = fmt.Errorf("commit: %w", err)
		var u *store.UnavailableError
		if ctx.Err() == nil && errors.As(s.classify(err), &u) {
			u.MaybeCommitted = !pgconn.SafeToRetry(err)
			return u
		}
		return err
	}
	return nil
}

// Close closes the connection pool.
func (s *Store) Close() error { return s.db.Close() }

// DB is the connection pool (its statements take ? placeholders as well as $n).
func (s *Store) DB() *sql.DB { return s.db }

// SchemaVersion reads the database's schema version.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, "SELECT max(version) FROM schema_version").Scan(&v)
	return int(v.Int64), err
}

// Redact returns rawURL without its password (for logs and errors); an unparsable URL gives
// "postgres://(unparsable URL)".
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// oneLine shortens a connection error to its last line: pgconn's spread over several (the
// attempt, the host, the cause), and the cause reads best alone ("dial tcp …: connection refused").
func oneLine(err error) error {
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	return errors.New(strings.TrimSpace(lines[len(lines)-1]))
}
