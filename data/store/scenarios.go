package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/civplan/civplan/divisions"
)

// schemaScenarios is the scenarios table (division-adjustment drafts). Ops and inputs are
// JSON; a deleted scenario keeps its row with deleted_at set.
const schemaScenarios = `
CREATE TABLE scenarios (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	name          TEXT NOT NULL CHECK (length(name) > 0),
	status        TEXT NOT NULL CHECK (status IN ('draft','review','submitted','approved','rejected')),
	author        TEXT NOT NULL,
	created       TEXT NOT NULL,
	updated       TEXT NOT NULL,
	approval_date TEXT NOT NULL DEFAULT '',
	notes         TEXT NOT NULL DEFAULT '',
	inputs        TEXT NOT NULL DEFAULT 'null',
	ops           TEXT NOT NULL,
	deleted_at    TEXT
);
`

// schemaScenarioReplay lets a scenario carry a published code change list to replay.
const schemaScenarioReplay = `ALTER TABLE scenarios ADD COLUMN replay_csv TEXT NOT NULL DEFAULT '';`

// checkScenario validates the fields the store owns (the operations are validated by
// divisions.Apply against the current tree before anything is stored).
func checkScenario(sc *divisions.Scenario) error {
	sc.Name = strings.TrimSpace(sc.Name)
	if sc.Name == "" {
		return errors.New("empty name")
	}
	st, err := divisions.ParseScenarioStatus(sc.Status)
	if err != nil {
		return err
	}
	sc.Status = st
	if sc.ApprovalDate != "" {
		if _, err := time.Parse("2006-01-02", sc.ApprovalDate); err != nil {
			return fmt.Errorf("approval_date %q: want YYYY-MM-DD", sc.ApprovalDate)
		}
	}
	if sc.Ops == nil {
		sc.Ops = []divisions.Op{}
	}
	if sc.ReplayCSV != "" && len(sc.Ops) > 0 {
		return errors.New("a scenario replaying a change list has no operations of its own")
	}
	return nil
}

func scenarioJSON(sc *divisions.Scenario) (ops, inputs string, err error) {
	o, err := json.Marshal(sc.Ops)
	if err != nil {
		return "", "", err
	}
	in, err := json.Marshal(sc.Inputs)
	if err != nil {
		return "", "", err
	}
	return string(o), string(in), nil
}

// InsertScenario stores sc inside tx (use it from Write) with created = updated = now and
// returns it with its id.
func (s *Core) InsertScenario(ctx context.Context, tx *sql.Tx, sc divisions.Scenario) (divisions.Scenario, error) {
	if err := checkScenario(&sc); err != nil {
		return sc, fmt.Errorf("insert scenario %q: %w", sc.Name, err)
	}
	ops, in, err := scenarioJSON(&sc)
	if err != nil {
		return sc, fmt.Errorf("insert scenario %q: %w", sc.Name, err)
	}
	now := s.now()
	err = tx.QueryRowContext(ctx, `INSERT INTO scenarios (name, status, author, created, updated, approval_date, notes, inputs, ops, replay_csv)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, sc.Name, sc.Status, sc.Author, formatTime(now), formatTime(now), sc.ApprovalDate, sc.Notes, in, ops, sc.ReplayCSV).Scan(&sc.ID)
	if err != nil {
		return sc, fmt.Errorf("insert scenario %q: %w", sc.Name, err)
	}
	sc.Created, sc.Updated = now.Truncate(time.Microsecond), now.Truncate(time.Microsecond)
	return sc, nil
}

// UpdateScenario replaces live scenario sc.ID inside tx (author and created are kept) and
// returns the old and the new version; ErrNotFound when it does not exist or is deleted.
func (s *Core) UpdateScenario(ctx context.Context, tx *sql.Tx, sc divisions.Scenario) (old, cur divisions.Scenario, err error) {
	if err := checkScenario(&sc); err != nil {
		return old, sc, fmt.Errorf("update scenario %d: %w", sc.ID, err)
	}
	old, err = GetScenario(ctx, tx, sc.ID)
	if err != nil {
		return old, sc, err
	}
	ops, in, err := scenarioJSON(&sc)
	if err != nil {
		return old, sc, fmt.Errorf("update scenario %d: %w", sc.ID, err)
	}
	now := s.now()
	if _, err := tx.ExecContext(ctx, `UPDATE scenarios SET name=?, status=?, updated=?, approval_date=?, notes=?, inputs=?, ops=?, replay_csv=? WHERE id=?`,
		sc.Name, sc.Status, formatTime(now), sc.ApprovalDate, sc.Notes, in, ops, sc.ReplayCSV, sc.ID); err != nil {
		return old, sc, fmt.Errorf("update scenario %d: %w", sc.ID, err)
	}
	sc.Author, sc.Created, sc.Updated = old.Author, old.Created, now.Truncate(time.Microsecond)
	return old, sc, nil
}

// DeleteScenario soft-deletes live scenario id inside tx and returns it; ErrNotFound when it
// does not exist or is already deleted.
func (s *Core) DeleteScenario(ctx context.Context, tx *sql.Tx, id int64) (divisions.Scenario, error) {
	old, err := GetScenario(ctx, tx, id)
	if err != nil {
		return old, err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE scenarios SET deleted_at=? WHERE id=?", formatTime(s.now()), id); err != nil {
		return old, fmt.Errorf("delete scenario %d: %w", id, err)
	}
	return old, nil
}

const scenarioCols = "id, name, status, author, created, updated, approval_date, notes, inputs, ops, replay_csv"

func scanScenario(sc func(dest ...any) error) (divisions.Scenario, error) {
	var x divisions.Scenario
	var created, updated dbTime
	var inputs, ops string
	if err := sc(&x.ID, &x.Name, &x.Status, &x.Author, &created, &updated, &x.ApprovalDate, &x.Notes, &inputs, &ops, &x.ReplayCSV); err != nil {
		return x, err
	}
	x.Created, x.Updated = created.T, updated.T
	if err := json.Unmarshal([]byte(ops), &x.Ops); err != nil {
		return x, fmt.Errorf("scenario %d: stored ops: %w", x.ID, err)
	}
	if err := json.Unmarshal([]byte(inputs), &x.Inputs); err != nil {
		return x, fmt.Errorf("scenario %d: stored inputs: %w", x.ID, err)
	}
	return x, nil
}

// GetScenario reads live scenario id through q (SQLite.DB() or a write transaction);
// ErrNotFound when it does not exist or is deleted.
func GetScenario(ctx context.Context, q Querier, id int64) (divisions.Scenario, error) {
	row := q.QueryRowContext(ctx, "SELECT "+scenarioCols+" FROM scenarios WHERE id = ? AND deleted_at IS NULL", id)
	x, err := scanScenario(row.Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return x, fmt.Errorf("scenario %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return x, fmt.Errorf("scenario %d: %w", id, err)
	}
	return x, nil
}

// Scenario reads live scenario id; ErrNotFound when it does not exist or is deleted.
func (s *Core) Scenario(ctx context.Context, id int64) (divisions.Scenario, error) {
	return GetScenario(ctx, s.rdb, id)
}

// Scenarios lists the live scenarios by id.
func (s *Core) Scenarios(ctx context.Context) ([]divisions.Scenario, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT "+scenarioCols+" FROM scenarios WHERE deleted_at IS NULL ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list scenarios: %w", err)
	}
	defer rows.Close()
	out := []divisions.Scenario{}
	for rows.Next() {
		x, err := scanScenario(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("list scenarios: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// CreateScenario stores sc in one audited write (action "scenario.create") and returns it.
func (s *Core) CreateScenario(ctx context.Context, a Actor, sc divisions.Scenario) (divisions.Scenario, error) {
	var out divisions.Scenario
	err := s.Write(ctx, a, "scenario.create", "scenario/new", func(tx *sql.Tx) (any, any, error) {
		var err error
		out, err = s.InsertScenario(ctx, tx, sc)
		return nil, out, err
	})
	return out, err
}

// ReplaceScenario replaces scenario sc.ID in one audited write (action "scenario.update").
func (s *Core) ReplaceScenario(ctx context.Context, a Actor, sc divisions.Scenario) (divisions.Scenario, error) {
	var out divisions.Scenario
	err := s.Write(ctx, a, "scenario.update", fmt.Sprintf("scenario/%d", sc.ID), func(tx *sql.Tx) (any, any, error) {
		old, cur, err := s.UpdateScenario(ctx, tx, sc)
		out = cur
		return old, cur, err
	})
	return out, err
}

// RemoveScenario deletes scenario id in one audited write (action "scenario.delete").
func (s *Core) RemoveScenario(ctx context.Context, a Actor, id int64) error {
	return s.Write(ctx, a, "scenario.delete", fmt.Sprintf("scenario/%d", id), func(tx *sql.Tx) (any, any, error) {
		old, err := s.DeleteScenario(ctx, tx, id)
		return old, nil, err
	})
}
