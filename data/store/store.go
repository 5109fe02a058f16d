package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// SQLite is civplan's store on a SQLite file. Writes are serialised through one connection (and a
// mutex, so a waiting writer never burns its busy timeout); reads use a separate pool and,
// thanks to WAL, never wait for a writer. Safe for concurrent use.
type SQLite struct {
	*Core // the shared logic (core.go), reading through the read pool
	path  string
	wdb   *sql.DB       // exactly one connection; BEGIN IMMEDIATE
	wmu   sync.Mutex    // held by the transaction that writes (a commit group, a migration)
	lock  *fileLock     // shared flock on <path>.lock while open (lock.go)
	ckpt  *checkpointer // WAL checkpoints off the commit path (checkpoint.go)

	gmu     sync.Mutex  // guards pending and leading (groupcommit.go)
	pending []*writeReq // writes waiting for the next group commit
	leading bool        // a writer is committing a group

	committed atomic.Int64 // the last version this process committed (Committed)
}

// timeFormat is how times are stored: fixed-width UTC, so text order is time order.
const timeFormat = "2006-01-02T15:04:05.000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}

func dsn(path string, write bool) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_foreign_keys", "1")
	q.Set("_busy_timeout", "5000")
	q.Set("_stmt_cache_size", "64") // the same few statements run on every write and snapshot step
	if write {
		q.Set("_txlock", "immediate")
	} else {
		q.Set("_query_only", "1")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Open opens (creating if missing) the database at path and brings its schema up to date.
// It fails if the file was written by a newer civplan (a schema version it does not know).
func Open(path string) (*SQLite, error) { return open(path, schemaMigrations()) }

func open(path string, steps []migration) (*SQLite, error) {
	if path == "" {
		return nil, errors.New("open store: empty path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("open store %s: directory: %w", path, err)
		}
	}
	lock, err := lockFile(path, false)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	s, err := openLocked(path, steps)
	if err != nil {
		lock.unlock()
		return nil, err
	}
	s.lock = lock
	return s, nil
}

// openLocked opens the database at path, which the caller has locked, and migrates it.
func openLocked(path string, steps []migration) (*SQLite, error) {
	wdb := sql.OpenDB(noAutoCheckpoint{dsn(path, true)})
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	s := &SQLite{path: path, wdb: wdb}
	s.Core = NewCore(SQLiteDialect(), path, nil, s.groupCommit)
	// A new file is switched to WAL by its first connection: processes opening it together may
	// find it locked meanwhile.
	if err := retryBusy(context.Background(), setupBusyWait, busyPause, s.checkPragmas); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := s.migrate(context.Background(), steps); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	rdb, err := sql.Open("sqlite3", dsn(path, false))
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	rdb.SetMaxIdleConns(4)
	s.rdb = rdb
	if s.ckpt, err = startCheckpointer(path, &s.wmu, checkpointEvery, walRestartFrames); err != nil {
		rdb.Close()
		wdb.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// checkPragmas verifies that the connection settings took effect (WAL can silently fail,
// e.g. on some network file systems).
func (s *SQLite) checkPragmas() error {
	var mode string
	if err := s.wdb.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal_mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal_mode is %q, want wal", mode)
	}
	var fk int
	if err := s.wdb.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil {
		return fmt.Errorf("read foreign_keys: %w", err)
	}
	if fk != 1 {
		return errors.New("foreign_keys is off")
	}
	return nil
}

// Close closes both connection pools.
func (s *SQLite) Close() error {
	var errs []error
	if s.ckpt != nil {
		errs = append(errs, s.ckpt.close())
	}
	if s.rdb != nil {
		errs = append(errs, s.rdb.Close())
	}
	errs = append(errs, s.wdb.Close())
	errs = append(errs, s.lock.unlock())
	return errors.Join(errs...)
}

// DB is the read-only pool, for queries other packages of data add later.
func (s *SQLite) DB() *sql.DB { return s.rdb }

// Version is a counter bumped by every committed write; a reader that remembers it can tell
// whether anything changed since.
func (s *Core) Version() (int64, error) {
	var n int64
	if err := s.rdb.QueryRow("SELECT n FROM write_version").Scan(&n); err != nil {
		return 0, fmt.Errorf("read write version: %w", err)
	}
	return n, nil
}

// Empty reports whether the store holds no divisions yet (a fresh database to seed).
func (s *Core) Empty() (bool, error) {
	var n int
	if err := s.rdb.QueryRow("SELECT count(*) FROM divisions").Scan(&n); err != nil {
		return false, fmt.Errorf("count divisions: %w", err)
	}
	return n == 0, nil
}

// Backup copies the whole database to path with SQLite's online backup API; readers and
// writers may continue meanwhile (the copy is a consistent snapshot). An existing file at
// path is overwritten.
func (s *SQLite) Backup(ctx context.Context, path string) error {
	if path == "" {
		return errors.New("backup: empty destination path")
	}
	abs1, _ := filepath.Abs(path)
	abs2, _ := filepath.Abs(s.path)
	if abs1 == abs2 {
		return fmt.Errorf("backup: destination %s is the database itself", path)
	}
	ddb, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_busy_timeout=5000")
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	defer ddb.Close()
	dconn, err := ddb.Conn(ctx)
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	defer dconn.Close()
	sconn, err := s.rdb.Conn(ctx)
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	defer sconn.Close()
	err = dconn.Raw(func(dc any) error {
		return sconn.Raw(func(sc any) error {
			d, ok1 := dc.(*sqlite3.SQLiteConn)
			src, ok2 := sc.(*sqlite3.SQLiteConn)
			if !ok1 || !ok2 {
				return errors.New("not a go-sqlite3 connection")
			}
			b, err := d.Backup("main", src, "main")
			if err != nil {
				return err
			}
			for {
				if err := ctx.Err(); err != nil {
					b.Close()
					return err
				}
				done, err := b.Step(256)
				if err != nil {
					b.Close()
					return err
				}
				if done {
					break
				}
			}
			return b.Finish()
		})
	})
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// DumpTables is a logical dump: for every table, each row rendered as one line of text, the
// lines sorted, read in one read transaction. Tests compare two dumps to prove that nothing
// changed.
func (s *Core) DumpTables(ctx context.Context) (map[string][]string, error) {
	out := map[string][]string{}
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.d.ListTables)
		if err != nil {
			return fmt.Errorf("dump: list tables: %w", err)
		}
		var tables []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return err
			}
			tables = append(tables, n)
		}
		rows.Close()
		for _, t := range tables {
			lines, err := dumpTable(ctx, tx, t)
			if err != nil {
				return fmt.Errorf("dump table %s: %w", t, err)
			}
			out[t] = lines
		}
		return nil
	})
	return out, err
}

func dumpTable(ctx context.Context, tx *sql.Tx, table string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT * FROM "`+strings.ReplaceAll(table, `"`, `""`)+`"`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var lines []string
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		var b strings.Builder
		for i, v := range vals {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(cols[i])
			b.WriteByte('=')
			switch x := v.(type) {
			case nil:
				b.WriteString("NULL")
			case []byte:
				fmt.Fprintf(&b, "x'%x'", x)
			default:
				fmt.Fprintf(&b, "%v", x)
			}
		}
		lines = append(lines, b.String())
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Strings(lines)
	return lines, nil
}
