package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Group commit. With synchronous=FULL every commit waits for the WAL to reach the disk (one
// fsync, ≈ 7 ms on the benchmark machine's virtual disk), so writes committed one by one top
// out at about 140/s whatever their size. Writes that arrive while a commit is in flight are
// therefore gathered and committed together: each still runs inside its own savepoint, takes
// its own change-log version and audit entry, and fails alone (its savepoint rolled back); the
// group shares one COMMIT and one fsync, and no write is acknowledged before that commit
// returns. A lone write is committed at once (no waiting for company).

// writeReq is one write waiting for its group's commit.
type writeReq struct {
	ctx      context.Context
	fn       func(tx *sql.Tx) error
	err      error
	panicked any           // a panic of fn, re-raised in the writer's goroutine
	lead     chan struct{} // receives when this writer is to commit the next group
	done     chan struct{} // closed when its group committed or failed
}

// groupCommit runs fn in its own savepoint of a write transaction (the Core's runTx: fn is one
// whole change) and returns once that transaction committed (possibly together with concurrent
// writes: group commit) or failed. A panic of fn is re-raised in the caller's goroutine.
func (s *SQLite) groupCommit(ctx context.Context, fn func(tx *sql.Tx) error) error {
	r := &writeReq{ctx: ctx, fn: fn, lead: make(chan struct{}, 1), done: make(chan struct{})}
	s.gmu.Lock()
	s.pending = append(s.pending, r)
	if !s.leading {
		s.leading = true
		r.lead <- struct{}{}
	}
	s.gmu.Unlock()
	select {
	case <-r.lead:
		s.commitNextGroup()
	case <-r.done:
	}
	<-r.done
	if r.panicked != nil {
		panic(r.panicked)
	}
	return r.err
}

// Committed is the last change-log version this store (this process) committed, 0 before its
// first write: once Write returns nil, Committed is at least that write's version, so a reader
// whose snapshot is at Committed or later already holds it.
func (s *SQLite) Committed() int64 { return s.committed.Load() }

// commitNextGroup commits every pending write as one group, then hands the lead to the first
// write that arrived meanwhile (or gives it up).
func (s *SQLite) commitNextGroup() {
	s.gmu.Lock()
	group := s.pending
	s.pending = nil
	s.gmu.Unlock()
	s.commitGroup(group)
	s.gmu.Lock()
	if len(s.pending) > 0 {
		s.pending[0].lead <- struct{}{}
	} else {
		s.leading = false
	}
	s.gmu.Unlock()
}

// commitGroup runs the writes of group in one transaction, each in its own savepoint, and
// commits once; it closes every write's done.
func (s *SQLite) commitGroup(group []*writeReq) {
	defer func() {
		for _, r := range group {
			close(r.done)
		}
	}()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	// The transaction outlives any one writer's context: a writer that gives up only loses
	// its own savepoint (its statements use its context).
	tx, err := s.wdb.BeginTx(context.Background(), nil)
	if err != nil {
		for _, r := range group {
			r.err = fmt.Errorf("begin write: %w", err)
		}
		return
	}
	var ok []*writeReq
	broken := error(nil)
	for _, r := range group {
		if broken != nil {
			r.err = broken
			continue
		}
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		if _, err := tx.Exec("SAVEPOINT write"); err != nil {
			broken = fmt.Errorf("begin write: %w", err)
			r.err = broken
			continue
		}
		r.panicked, r.err = s.runWrite(tx, r)
		if r.err == nil && r.panicked == nil {
			if _, err := tx.Exec("RELEASE write"); err != nil {
				broken = fmt.Errorf("write: %w", err)
				r.err = broken
				continue
			}
			ok = append(ok, r)
			continue
		}
		if _, err := tx.Exec("ROLLBACK TO write"); err != nil {
			broken = fmt.Errorf("write rolled back the whole transaction: %w", err)
		} else if _, err := tx.Exec("RELEASE write"); err != nil {
			broken = fmt.Errorf("write: %w", err)
		}
	}
	var last int64 // the group's last change-log version (the ok writes' are the ones kept)
	if broken == nil && len(ok) > 0 {
		if err := tx.QueryRow("SELECT n FROM write_version").Scan(&last); err != nil {
			broken = fmt.Errorf("read write version: %w", err)
		}
	}
	if broken != nil || len(ok) == 0 {
		tx.Rollback()
		for _, r := range ok {
			r.err = broken
		}
		return
	}
	if err := tx.Commit(); err != nil {
		for _, r := range ok {
			r.err = fmt.Errorf("commit: %w", err)
		}
		return
	}
	s.committed.Store(last) // only the leader commits: no concurrent store
	if s.ckpt != nil {
		s.ckpt.committed()
	}
}

// runWrite runs one write (a whole change: its log version, fn, its log entry) inside the open
// savepoint.
func (s *SQLite) runWrite(tx *sql.Tx, r *writeReq) (panicked any, err error) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	return nil, r.fn(tx)
}
