package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// ErrNotFound is returned for an unknown or deleted facility.
var ErrNotFound = errors.New("not found")

// ErrVersionConflict is returned when a facility changed since the version the caller read
// (an If-Match that no longer matches).
var ErrVersionConflict = errors.New("version conflict")

// FacilityRecord is a stored facility with its bookkeeping: Version is the change-log version
// of its last change (use it as the ETag).
type FacilityRecord struct {
	facilities.Facility
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	Version int64     `json:"version"`
}

const facilityCols = `id, kind, name, division_code, lon, lat, status, beds, floor_area_m2,
	fire_safety, accessibility, special_care, opened, plan_id, provenance`

// insertFacilitySQL gives the row the version of the write transaction (changelog.go).
func (s *Core) insertFacilitySQL() string {
	return `INSERT INTO facilities (` + facilityCols + `, created, updated, version)
	VALUES (` + s.d.FacilityID + `,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?, (SELECT n FROM write_version))`
}

// triArg is a renovation flag as stored: true, false or NULL (unknown); SQLite keeps 1/0.
func triArg(t facilities.Tri) any {
	switch t {
	case facilities.Yes:
		return true
	case facilities.No:
		return false
	}
	return nil
}

func triScan(v sql.NullBool) facilities.Tri {
	switch {
	case !v.Valid:
		return facilities.Unknown
	case v.Bool:
		return facilities.Yes
	}
	return facilities.No
}

func facilityArgs(f *facilities.Facility, now string) []any {
	var id, plan any
	if f.ID != 0 {
		id = f.ID
	}
	if f.PlanID != 0 {
		plan = f.PlanID
	}
	return []any{id, string(f.Kind), f.Name, string(f.DivisionCode), f.Point[0], f.Point[1], string(f.Status), f.Beds,
		f.FloorAreaM2, triArg(f.Renovated.FireSafety), triArg(f.Renovated.Accessibility), triArg(f.Renovated.SpecialCare),
		f.Opened, plan, string(f.Provenance), now, now}
}

func scanFacility(r scanner) (facilities.Facility, error) { return newFacilityScan().scan(r) }

// facilityScan reads facility rows (facilityCols, then any extra columns) into reused
// destinations, so a row costs no allocation beyond the strings the driver makes; the
// repeated strings (kind, status, provenance, opening date and the division code shared by
// consecutive rows) are kept once, so the values the driver made for them are garbage.
type facilityScan struct {
	f                        facilities.Facility
	kind, code, status, prov string
	fire, access, special    sql.NullBool
	plan                     sql.NullInt64
	dest                     []any
	strs                     interner
	lastCode                 divisions.Code
}

// newFacilityScan scans facilityCols followed by the columns of extra.
func newFacilityScan(extra ...any) *facilityScan {
	s := &facilityScan{strs: interner{}}
	s.dest = append([]any{&s.f.ID, &s.kind, &s.f.Name, &s.code, &s.f.Point[0], &s.f.Point[1], &s.status, &s.f.Beds,
		&s.f.FloorAreaM2, &s.fire, &s.access, &s.special, &s.f.Opened, &s.plan, &s.prov}, extra...)
	return s
}

// scan reads one row.
func (s *facilityScan) scan(r scanner) (facilities.Facility, error) {
	s.f = facilities.Facility{}
	if err := r.Scan(s.dest...); err != nil {
		return facilities.Facility{}, err
	}
	f := s.f
	if s.code != string(s.lastCode) {
		s.lastCode = divisions.Code(s.code)
	}
	f.Kind, f.DivisionCode = facilities.Kind(s.strs.of(s.kind)), s.lastCode
	f.Status, f.Provenance = facilities.Status(s.strs.of(s.status)), divisions.Provenance(s.strs.of(s.prov))
	f.Opened = s.strs.of(f.Opened)
	f.Renovated = facilities.Renovation{FireSafety: triScan(s.fire), Accessibility: triScan(s.access), SpecialCare: triScan(s.special)}
	f.PlanID = s.plan.Int64
	return f, nil
}

// interner keeps one copy of each distinct string it is given: words and codes that repeat
// over hundreds of thousands of rows are then stored once.
type interner map[string]string

// of returns the kept copy of v (v itself the first time).
func (in interner) of(v string) string {
	if k, ok := in[v]; ok {
		return k
	}
	in[v] = v
	return v
}

// checkFacility validates the values the schema cannot: kind and status words, finite numbers.
func checkFacility(f *facilities.Facility) error {
	if _, err := facilities.ParseKind(string(f.Kind)); err != nil {
		return err
	}
	if _, err := facilities.ParseStatus(string(f.Status)); err != nil {
		return err
	}
	if f.Name == "" {
		return errors.New("empty name")
	}
	if _, err := divisions.ParseCode(string(f.DivisionCode)); err != nil || len(f.DivisionCode) != 12 {
		return fmt.Errorf("division code %q is not a 12-digit code", f.DivisionCode)
	}
	for _, v := range []float64{f.Point[0], f.Point[1], f.FloorAreaM2} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errors.New("non-finite number")
		}
	}
	if f.Beds < 0 || f.FloorAreaM2 < 0 {
		return errors.New("negative beds or floor area")
	}
	return nil
}

// Querier is what GetFacility reads through: *sql.DB, *sql.Tx or *sql.Conn.
type Querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// GetFacility reads live facility id through q (SQLite.DB() or a write transaction);
// ErrNotFound when it does not exist or is deleted.
func GetFacility(ctx context.Context, q Querier, id int64) (FacilityRecord, error) {
	row := q.QueryRowContext(ctx, "SELECT "+facilityCols+", created, updated, version FROM facilities WHERE id = ? AND deleted_at IS NULL", id)
	var rec FacilityRecord
	var created, updated dbTime
	f, err := scanFacility(scanFunc(func(dest ...any) error {
		return row.Scan(append(dest, &created, &updated, &rec.Version)...)
	}))
	if errors.Is(err, sql.ErrNoRows) {
		return rec, fmt.Errorf("facility %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return rec, fmt.Errorf("facility %d: %w", id, err)
	}
	rec.Facility, rec.Created, rec.Updated = f, created.T, updated.T
	return rec, nil
}

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// InsertFacility adds f inside tx (use it from Write) and returns its id; f.ID, when
// non-zero, is kept. The division code must exist.
func (s *Core) InsertFacility(ctx context.Context, tx *sql.Tx, f facilities.Facility) (int64, error) {
	if err := checkFacility(&f); err != nil {
		return 0, fmt.Errorf("insert facility %q: %w", f.Name, err)
	}
	id, err := s.insertID(ctx, tx, s.insertFacilitySQL(), facilityArgs(&f, formatTime(s.now()))...)
	if err != nil {
		return 0, fmt.Errorf("insert facility %q (division %s): %w", f.Name, f.DivisionCode, err)
	}
	return id, nil
}

// archive copies the current row of facility id into facility_history.
func (s *Core) archive(ctx context.Context, tx *sql.Tx, old FacilityRecord) error {
	b, err := json.Marshal(old)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO facility_history (facility_id, version, at, old_row) VALUES (?, ?, ?, ?)",
		old.ID, old.Version, formatTime(s.now()), string(b))
	return err
}

// UpdateFacility replaces live facility f.ID inside tx when its stored version equals
// version (0: any version), keeping the old row in facility_history; it returns the old
// record. ErrNotFound, ErrVersionConflict as their names say.
func (s *Core) UpdateFacility(ctx context.Context, tx *sql.Tx, f facilities.Facility, version int64) (FacilityRecord, error) {
	if err := checkFacility(&f); err != nil {
		return FacilityRecord{}, fmt.Errorf("update facility %d: %w", f.ID, err)
	}
	old, err := GetFacility(ctx, tx, f.ID)
	if err != nil {
		return old, err
	}
	if version != 0 && old.Version != version {
		return old, fmt.Errorf("facility %d is at version %d, not %d: %w", f.ID, old.Version, version, ErrVersionConflict)
	}
	if err := s.archive(ctx, tx, old); err != nil {
		return old, fmt.Errorf("update facility %d: history: %w", f.ID, err)
	}
	var plan any
	if f.PlanID != 0 {
		plan = f.PlanID
	}
	_, err = tx.ExecContext(ctx, `UPDATE facilities SET kind=?, name=?, division_code=?, lon=?, lat=?, status=?, beds=?,
		floor_area_m2=?, fire_safety=?, accessibility=?, special_care=?, opened=?, plan_id=?, provenance=?, updated=?,
		version=(SELECT n FROM write_version) WHERE id=?`,
		string(f.Kind), f.Name, string(f.DivisionCode), f.Point[0], f.Point[1], string(f.Status), f.Beds, f.FloorAreaM2,
		triArg(f.Renovated.FireSafety), triArg(f.Renovated.Accessibility), triArg(f.Renovated.SpecialCare), f.Opened, plan,
		string(f.Provenance), formatTime(s.now()), f.ID)
	if err != nil {
		return old, fmt.Errorf("update facility %d: %w", f.ID, err)
	}
	return old, nil
}

// DeleteFacility soft-deletes live facility id inside tx when its version equals version
// (0: any), keeping the old row in facility_history; it returns the old record.
func (s *Core) DeleteFacility(ctx context.Context, tx *sql.Tx, id, version int64) (FacilityRecord, error) {
	old, err := GetFacility(ctx, tx, id)
	if err != nil {
		return old, err
	}
	if version != 0 && old.Version != version {
		return old, fmt.Errorf("facility %d is at version %d, not %d: %w", id, old.Version, version, ErrVersionConflict)
	}
	if err := s.archive(ctx, tx, old); err != nil {
		return old, fmt.Errorf("delete facility %d: history: %w", id, err)
	}
	now := formatTime(s.now())
	if _, err := tx.ExecContext(ctx, "UPDATE facilities SET deleted_at=?, updated=?, version=(SELECT n FROM write_version) WHERE id=?", now, now, id); err != nil {
		return old, fmt.Errorf("delete facility %d: %w", id, err)
	}
	return old, nil
}

// FacilityHistory returns the earlier versions of facility id (deleted ones included),
// oldest first, as they were before each change; empty for a facility never changed.
func (s *Core) FacilityHistory(ctx context.Context, id int64) ([]FacilityRecord, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT old_row FROM facility_history WHERE facility_id = ? ORDER BY id", id)
	if err != nil {
		return nil, fmt.Errorf("facility %d history: %w", id, err)
	}
	defer rows.Close()
	var out []FacilityRecord
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, fmt.Errorf("facility %d history: %w", id, err)
		}
		var rec FacilityRecord
		if err := json.Unmarshal([]byte(raw), &rec); err != nil {
			return nil, fmt.Errorf("facility %d history: decode: %w", id, err)
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}
