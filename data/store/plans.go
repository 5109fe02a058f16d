package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// Plan is a saved siting result: its proposed sites are stored as facilities with status
// planned and PlanID set. Params is the siting request and Summary the answer's summary, both
// JSON as the caller gave them.
type Plan struct {
	ID         int64           `json:"id"`
	Name       string          `json:"name"`
	Kind       facilities.Kind `json:"kind"`
	Division   divisions.Code  `json:"division"` // "" = the whole tree
	Params     json.RawMessage `json:"params"`
	Summary    json.RawMessage `json:"summary"`
	Author     string          `json:"author"`
	Created    time.Time       `json:"created"`
	Facilities []int64         `json:"facilities"` // ids of its live facilities, ascending
}

// schemaPlans is the migration that adds the plans table (appended to schemaMigrations).
const schemaPlans = `
CREATE TABLE plans (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	name       TEXT NOT NULL CHECK (name <> ''),
	kind       TEXT NOT NULL,
	division   TEXT NOT NULL DEFAULT '',
	params     TEXT NOT NULL,  -- JSON: the siting request
	summary    TEXT NOT NULL,  -- JSON: the siting answer's summary (value, bound, gap, before/after)
	author     TEXT NOT NULL,
	created    TEXT NOT NULL,
	deleted_at TEXT            -- soft delete
);
`

// InsertPlan stores p and its planned facilities inside tx (use it from Write): every facility
// gets status planned and the new plan's id. It returns the plan with its id, created time and
// facility ids. Nothing is stored when a facility is invalid.
func (s *Core) InsertPlan(ctx context.Context, tx *sql.Tx, p Plan, fs []facilities.Facility) (Plan, error) {
	if p.Name == "" {
		return p, errors.New("insert plan: empty name")
	}
	if _, err := facilities.ParseKind(string(p.Kind)); err != nil {
		return p, fmt.Errorf("insert plan %q: %w", p.Name, err)
	}
	if !json.Valid(p.Params) || !json.Valid(p.Summary) {
		return p, fmt.Errorf("insert plan %q: params and summary must be JSON", p.Name)
	}
	now := s.now()
	err := tx.QueryRowContext(ctx, `INSERT INTO plans (name, kind, division, params, summary, author, created)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, p.Name, string(p.Kind), string(p.Division), string(p.Params), string(p.Summary), p.Author, formatTime(now)).Scan(&p.ID)
	if err != nil {
		return p, fmt.Errorf("insert plan %q: %w", p.Name, err)
	}
	p.Created, _ = parseTime(formatTime(now))
	p.Facilities = nil
	for _, f := range fs {
		f.ID, f.Status, f.PlanID = 0, facilities.StatusPlanned, p.ID
		id, err := s.InsertFacility(ctx, tx, f)
		if err != nil {
			return p, fmt.Errorf("plan %q: %w", p.Name, err)
		}
		p.Facilities = append(p.Facilities, id)
	}
	return p, nil
}

const planCols = "id, name, kind, division, params, summary, author, created"

func scanPlan(r scanner) (Plan, error) {
	var p Plan
	var kind, div, params, summary string
	var created dbTime
	if err := r.Scan(&p.ID, &p.Name, &kind, &div, &params, &summary, &p.Author, &created); err != nil {
		return p, err
	}
	p.Kind, p.Division, p.Params, p.Summary = facilities.Kind(kind), divisions.Code(div), json.RawMessage(params), json.RawMessage(summary)
	p.Created = created.T
	return p, nil
}

// QueryRower is what plan reads go through: *sql.DB or *sql.Tx.
type QueryRower interface {
	Querier
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// planFacilities lists the live facilities of plan id, ascending.
func planFacilities(ctx context.Context, q QueryRower, id int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, "SELECT id FROM facilities WHERE plan_id = ? AND deleted_at IS NULL ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var f int64
		if err := rows.Scan(&f); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// GetPlan reads live plan id through q (SQLite.DB() or a write transaction); ErrNotFound when it
// does not exist or is deleted.
func GetPlan(ctx context.Context, q QueryRower, id int64) (Plan, error) {
	p, err := scanPlan(q.QueryRowContext(ctx, "SELECT "+planCols+" FROM plans WHERE id = ? AND deleted_at IS NULL", id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("plan %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("plan %d: %w", id, err)
	}
	if p.Facilities, err = planFacilities(ctx, q, id); err != nil {
		return p, fmt.Errorf("plan %d: facilities: %w", id, err)
	}
	return p, nil
}

// ListPlans returns the live plans, newest first, with their facility ids.
func (s *Core) ListPlans(ctx context.Context) ([]Plan, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT "+planCols+" FROM plans WHERE deleted_at IS NULL ORDER BY id DESC")
	if err != nil {
		return nil, fmt.Errorf("list plans: %w", err)
	}
	out := []Plan{}
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list plans: %w", err)
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list plans: %w", err)
	}
	for i := range out {
		if out[i].Facilities, err = planFacilities(ctx, s.rdb, out[i].ID); err != nil {
			return nil, fmt.Errorf("list plans: plan %d: %w", out[i].ID, err)
		}
	}
	return out, nil
}

// DeletePlan soft-deletes live plan id inside tx together with its facilities that are still
// planned (each kept in facility_history); facilities of the plan that moved on (building,
// operating, …) stay and keep their plan_id. It returns the plan as it was.
func (s *Core) DeletePlan(ctx context.Context, tx *sql.Tx, id int64) (Plan, error) {
	p, err := GetPlan(ctx, tx, id)
	if err != nil {
		return p, err
	}
	for _, fid := range p.Facilities {
		f, err := GetFacility(ctx, tx, fid)
		if err != nil {
			return p, fmt.Errorf("delete plan %d: %w", id, err)
		}
		if f.Status != facilities.StatusPlanned {
			continue
		}
		if _, err := s.DeleteFacility(ctx, tx, fid, 0); err != nil {
			return p, fmt.Errorf("delete plan %d: %w", id, err)
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE plans SET deleted_at = ? WHERE id = ?", formatTime(s.now()), id); err != nil {
		return p, fmt.Errorf("delete plan %d: %w", id, err)
	}
	return p, nil
}
