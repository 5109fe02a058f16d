package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/civplan/civplan/facilities"
)

// schemaChangeLog is the migration that numbers every committed write. The one-row counter
// write_version (schema 1) is bumped first thing inside each write transaction, so its value is
// the transaction's version: versions are assigned in commit order without gaps (a rolled-back
// write rolls its bump back). Every facility row carries the version of its last change
// (facilities.version, the ETag), so the rows changed after version v are those with
// version > v, deleted ones included (soft delete). Versions before this migration have no
// log entry; existing facilities take the counter's value at migration time.
const schemaChangeLog = `
CREATE TABLE change_log (
	version      INTEGER PRIMARY KEY,        -- write_version.n of the transaction
	at           TEXT NOT NULL,
	kinds        TEXT NOT NULL,              -- what changed, comma-separated: facility, division, plan, scenario, token, meta
	actions      TEXT NOT NULL,              -- JSON array of the transaction's audit entries: [{"action":…,"target":…}]
	facility_ids TEXT NOT NULL DEFAULT '[]', -- JSON array of the facilities created, changed or deleted
	divisions    INTEGER NOT NULL DEFAULT 0  -- division rows inserted, updated or deleted
);
UPDATE facilities SET version = (SELECT n FROM write_version);
CREATE INDEX facilities_version ON facilities(version);
`

// Change is one entry of the change log: one committed write transaction.
type Change struct {
	Version     int64     `json:"version"`
	At          time.Time `json:"at"`
	Kinds       []string  `json:"kinds"`        // facility, division, plan, scenario, token, meta (sorted)
	Actions     []Action  `json:"actions"`      // the audit entries written with it
	FacilityIDs []int64   `json:"facility_ids"` // facilities created, changed or deleted (ascending)
	Divisions   int64     `json:"divisions"`    // division rows changed
}

// Action is an audit entry's action and target, as the change log records it.
type Action struct {
	Action string `json:"action"`
	Target string `json:"target"`
}

// Has reports whether the change touched kind k ("facility", "division", …).
func (c *Change) Has(k string) bool {
	for _, x := range c.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// changeStart is what a write transaction remembers from its start to record its change.
type changeStart struct {
	version, divisions, audit int64
}

// beginChange bumps the write counter inside tx (taking the transaction's version) and notes
// where the divisions counter and the audit log stand.
func (s *Core) beginChange(ctx context.Context, tx *sql.Tx) (changeStart, error) {
	var c changeStart
	if _, err := tx.ExecContext(ctx, "UPDATE write_version SET n = n + 1"); err != nil {
		return c, fmt.Errorf("bump write version: %w", err)
	}
	err := tx.QueryRowContext(ctx, `SELECT (SELECT n FROM write_version), `+s.d.DivisionsChanged+`,
		(SELECT coalesce(max(id), 0) FROM audit_log)`).Scan(&c.version, &c.divisions, &c.audit)
	if err != nil {
		return c, fmt.Errorf("read write version: %w", err)
	}
	return c, nil
}

// finishChange writes the change-log entry of the transaction begun with c: the facilities at
// its version, the division rows changed, the audit entries written since.
func (s *Core) finishChange(ctx context.Context, tx *sql.Tx, c changeStart) (Change, error) {
	ch := Change{Version: c.version, At: s.now(), FacilityIDs: []int64{}, Actions: []Action{}}
	rows, err := tx.QueryContext(ctx, "SELECT id FROM facilities WHERE version = ? ORDER BY id", c.version)
	if err != nil {
		return ch, fmt.Errorf("change log: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return ch, fmt.Errorf("change log: %w", err)
		}
		ch.FacilityIDs = append(ch.FacilityIDs, id)
	}
	rows.Close()
	if rows, err = tx.QueryContext(ctx, "SELECT action, target FROM audit_log WHERE id > ? ORDER BY id", c.audit); err != nil {
		return ch, fmt.Errorf("change log: %w", err)
	}
	for rows.Next() {
		var a Action
		if err := rows.Scan(&a.Action, &a.Target); err != nil {
			rows.Close()
			return ch, fmt.Errorf("change log: %w", err)
		}
		ch.Actions = append(ch.Actions, a)
	}
	rows.Close()
	var divs int64
	if err := tx.QueryRowContext(ctx, "SELECT "+s.d.DivisionsChanged).Scan(&divs); err != nil {
		return ch, fmt.Errorf("change log: %w", err)
	}
	ch.Divisions = divs - c.divisions
	if s.d.FoldDivisions != "" && ch.Divisions != 0 {
		if _, err := tx.ExecContext(ctx, s.d.FoldDivisions, ch.Divisions); err != nil {
			return ch, fmt.Errorf("change log: divisions version: %w", err)
		}
	}
	if s.d.Notify != "" {
		if _, err := tx.ExecContext(ctx, s.d.Notify, strconv.FormatInt(ch.Version, 10)); err != nil {
			return ch, fmt.Errorf("change log: notify: %w", err)
		}
	}
	ch.Kinds = changeKinds(&ch)
	ids, _ := json.Marshal(ch.FacilityIDs)
	acts, _ := json.Marshal(ch.Actions)
	_, err = tx.ExecContext(ctx, "INSERT INTO change_log (version, at, kinds, actions, facility_ids, divisions) VALUES (?, ?, ?, ?, ?, ?)",
		ch.Version, formatTime(ch.At), strings.Join(ch.Kinds, ","), string(acts), string(ids), ch.Divisions)
	if err != nil {
		return ch, fmt.Errorf("change log: %w", err)
	}
	return ch, nil
}

// changeKinds names what ch changed: facility and division from the rows, the others from the
// audit actions (plan.create → plan, seed → meta).
func changeKinds(ch *Change) []string {
	set := map[string]bool{}
	if len(ch.FacilityIDs) > 0 {
		set["facility"] = true
	}
	if ch.Divisions != 0 {
		set["division"] = true
	}
	for _, a := range ch.Actions {
		switch k, _, _ := strings.Cut(a.Action, "."); k {
		case "plan", "scenario", "token", "facility":
			set[k] = true
		case "seed":
			set["meta"] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Changes returns the change-log entries after version from, oldest first, at most limit
// (≤ 0: all).
func (s *Core) Changes(ctx context.Context, from int64, limit int) ([]Change, error) {
	q := "SELECT version, at, kinds, actions, facility_ids, divisions FROM change_log WHERE version > ? ORDER BY version"
	args := []any{from}
	if limit > 0 {
		q += " LIMIT ?"
		args = append(args, limit)
	}
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read change log: %w", err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var at dbTime
		var kinds, acts, ids string
		if err := rows.Scan(&c.Version, &at, &kinds, &acts, &ids, &c.Divisions); err != nil {
			return nil, fmt.Errorf("read change log: %w", err)
		}
		c.At = at.T
		if kinds != "" {
			c.Kinds = strings.Split(kinds, ",")
		}
		if err := json.Unmarshal([]byte(acts), &c.Actions); err != nil {
			return nil, fmt.Errorf("change %d: actions: %w", c.Version, err)
		}
		if err := json.Unmarshal([]byte(ids), &c.FacilityIDs); err != nil {
			return nil, fmt.Errorf("change %d: facility ids: %w", c.Version, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// FacilityState is every live facility at one version of the log, as one consistent read.
type FacilityState struct {
	Version          int64                 // the last committed log version
	DivisionsVersion int64                 // the divisions counter (changes when any division row changes)
	Facilities       []facilities.Facility // live, sorted by id, Version set
}

// LoadFacilityState reads every live facility (Version = its last change) together with the
// log version they are at, in one read transaction.
func (s *Core) LoadFacilityState(ctx context.Context) (FacilityState, error) {
	var st FacilityState
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT (SELECT n FROM write_version), "+s.d.DivisionsChanged).
			Scan(&st.Version, &st.DivisionsVersion); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM facilities WHERE deleted_at IS NULL").Scan(&n); err != nil {
			return err
		}
		fs, _, err := queryFacilitiesCap(ctx, tx, n, "WHERE deleted_at IS NULL ORDER BY id")
		st.Facilities = fs
		return err
	})
	if err != nil {
		return st, fmt.Errorf("load facilities: %w", err)
	}
	return st, nil
}

// ChangeSet is what changed after a version, as one consistent read: the log entries, the
// facility rows changed (live ones with Version set; deleted ones by id).
type ChangeSet struct {
	From, To         int64 // the changes are those with From < version ≤ To
	DivisionsVersion int64
	Changes          []Change              // the log entries (FacilityIDs and Actions left empty)
	Facilities       []facilities.Facility // live facilities changed after From, by id
	Deleted          []int64               // facilities deleted after From, ascending
}

// Has reports whether any of the changes touched kind k.
func (cs *ChangeSet) Has(k string) bool {
	for i := range cs.Changes {
		if cs.Changes[i].Has(k) {
			return true
		}
	}
	return false
}

// ChangesSince reads what changed after version from. To == from means nothing did.
func (s *Core) ChangesSince(ctx context.Context, from int64) (ChangeSet, error) {
	cs := ChangeSet{From: from}
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT (SELECT n FROM write_version), "+s.d.DivisionsChanged).
			Scan(&cs.To, &cs.DivisionsVersion); err != nil {
			return err
		}
		if cs.To <= from {
			return nil
		}
		rows, err := tx.QueryContext(ctx, "SELECT version, at, kinds, divisions FROM change_log WHERE version > ? ORDER BY version", from)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c Change
			var at dbTime
			var kinds string
			if err := rows.Scan(&c.Version, &at, &kinds, &c.Divisions); err != nil {
				rows.Close()
				return err
			}
			c.At = at.T
			if kinds != "" {
				c.Kinds = strings.Split(kinds, ",")
			}
			cs.Changes = append(cs.Changes, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		cs.Facilities, cs.Deleted, err = queryFacilities(ctx, tx, changedSince, from)
		return err
	})
	if err != nil {
		return cs, fmt.Errorf("changes since %d: %w", from, err)
	}
	return cs, nil
}

// changedSince selects the facility rows changed after a version. The unary + on id keeps
// SQLite from walking the primary key to avoid a sort (a scan of every facility, ~1 ms per 10,000
// and a re-read from disk after each write): it searches facilities_version and sorts the few
// rows found.
const changedSince = "WHERE version > ? ORDER BY +id"

// queryFacilities reads facility rows (with Version) matching where; deleted rows are
// returned by id only.
func queryFacilities(ctx context.Context, tx *sql.Tx, where string, args ...any) (live []facilities.Facility, deleted []int64, err error) {
	return queryFacilitiesCap(ctx, tx, 0, where, args...)
}

// queryFacilitiesCap is queryFacilities with room for capHint live rows reserved up front (a
// whole-table read would otherwise copy its growing slice of facilities many times over).
func queryFacilitiesCap(ctx context.Context, tx *sql.Tx, capHint int, where string, args ...any) (live []facilities.Facility, deleted []int64, err error) {
	rows, err := tx.QueryContext(ctx, "SELECT "+facilityCols+", version, deleted_at IS NOT NULL FROM facilities "+where, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	if capHint > 0 {
		live = make([]facilities.Facility, 0, capHint)
	}
	var ver int64
	var del bool
	fs := newFacilityScan(&ver, &del)
	for rows.Next() {
		f, err := fs.scan(rows)
		if err != nil {
			return nil, nil, err
		}
		if del {
			deleted = append(deleted, f.ID)
			continue
		}
		f.Version = ver
		live = append(live, f)
	}
	return live, deleted, rows.Err()
}

// readTx runs fn in one read transaction of the read pool: every query in it sees the same
// committed state (SQLite: a WAL snapshot; PostgreSQL: repeatable read).
func (s *Core) readTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	opts := s.d.ReadTx
	tx, err := s.rdb.BeginTx(ctx, &opts)
	if err != nil {
		return s.markUnavailable(ctx, err)
	}
	defer tx.Rollback()
	return s.markUnavailable(ctx, fn(tx))
}
