package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sync"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// WAL checkpoints off the commit path. SQLite's automatic checkpoint runs inside the commit
// that pushes the WAL past 1,000 pages: that commit (and with group commit every write queued
// behind it) waits while ~4 MB are copied into the database file and synced. The write
// connection therefore has wal_autocheckpoint off, and a checkpointer with its own connection
// runs PASSIVE checkpoints (which never block writers or readers) shortly after commits. Under
// sustained writes a PASSIVE checkpoint never catches up with the end of the WAL, so the WAL
// would never restart; once it holds more than walRestartFrames frames, the checkpointer runs
// one more (short) checkpoint holding the write mutex, after which the next write starts the
// WAL from the beginning again. Durability is unchanged: a commit is durable once its WAL
// frames are synced (synchronous=FULL); a checkpoint only copies committed pages, and SQLite
// recovers an interrupted one from the WAL.

const (
	// checkpointEvery is the least time between two background checkpoints.
	checkpointEvery = 100 * time.Millisecond
	// walRestartFrames is the WAL length (frames of 4 KiB pages) above which the checkpointer
	// briefly holds the writers back so the WAL can restart (16 MiB).
	walRestartFrames = 4000
)

// noAutoCheckpoint opens connections with SQLite's automatic checkpoint off (the write
// connection: the checkpointer does it).
type noAutoCheckpoint struct{ dsn string }

func (c noAutoCheckpoint) Connect(context.Context) (driver.Conn, error) {
	return c.Driver().Open(c.dsn)
}

func (c noAutoCheckpoint) Driver() driver.Driver {
	return &sqlite3.SQLiteDriver{ConnectHook: func(conn *sqlite3.SQLiteConn) error {
		_, err := conn.Exec("PRAGMA wal_autocheckpoint = 0", nil)
		return err
	}}
}

// checkpointer runs the background checkpoints of one store.
type checkpointer struct {
	db            *sql.DB       // its own connection (not query_only: a checkpoint writes the database file)
	wmu           *sync.Mutex   // the store's write mutex, held for the restart checkpoint
	kick          chan struct{} // a commit happened (buffered 1; a full buffer means one is pending)
	stop          context.CancelFunc
	done          chan struct{}
	every         time.Duration
	restartFrames int64
}

// startCheckpointer starts the checkpointer of the database at path: a checkpoint at most every
// interval after a commit, holding wmu for one when the WAL is longer than restartFrames.
func startCheckpointer(path string, wmu *sync.Mutex, every time.Duration, restartFrames int64) (*checkpointer, error) {
	db, err := sql.Open("sqlite3", dsn(path, true))
	if err != nil {
		return nil, fmt.Errorf("checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{db: db, wmu: wmu, kick: make(chan struct{}, 1), stop: cancel, done: make(chan struct{}),
		every: every, restartFrames: restartFrames}
	go c.run(ctx)
	return c, nil
}

// committed tells the checkpointer that a commit added to the WAL; it never blocks.
func (c *checkpointer) committed() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run(ctx context.Context) {
	defer close(c.done)
	t := time.NewTimer(0)
	<-t.C
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.kick:
		}
		// A failed checkpoint (SQLITE_BUSY from another process's checkpoint, a full disk) is
		// only retried after the next commit: the commits are safe in the WAL meanwhile.
		if log, err := c.checkpoint(ctx); err == nil && log > c.restartFrames {
			c.wmu.Lock()
			c.checkpoint(ctx)
			c.wmu.Unlock()
		}
		t.Reset(c.every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// checkpoint runs one PASSIVE checkpoint and returns the WAL's length in frames.
func (c *checkpointer) checkpoint(ctx context.Context) (log int64, err error) {
	var busy, done int64
	if err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &done); err != nil {
		return 0, fmt.Errorf("wal checkpoint: %w", err)
	}
	return log, nil
}

// close stops the checkpointer and closes its connection (SQLite checkpoints the rest when the
// store's last connection closes).
func (c *checkpointer) close() error {
	c.stop()
	<-c.done
	return c.db.Close()
}
