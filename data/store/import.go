package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"

	"github.com/civplan/civplan/data/formats"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// ImportOptions controls ImportFacilities and ImportDivisions.
type ImportOptions struct {
	Format  string             // "csv" | "geojson"; "" = from the file name's extension (.csv, .geojson/.json)
	CRS     string             // coordinates of the input: "wgs84" (default) | "gcj02" | "bd09"; stored as WGS84
	Replace bool               // facilities: the file is the whole registry of its scope: live facilities in scope that no row matches are removed
	Scope   divisions.Code     // with Replace: the division whose facilities (of the kinds in the file) the file replaces; "" = each (kind × county) cell present in the file
	DryRun  bool               // facilities: work out the report, write nothing
	Tree    *divisions.Tree    // validates codes and places rows given only a village; nil = the store's divisions
	Locator *divisions.Locator // divisions.NewLocator(Tree), when the caller has one (with Tree only)
	// Properties rewrites each GeoJSON feature's properties before they are read (formats.ParseOptions).
	Properties func(props map[string]any) error
	Progress   func(done, total int)
	// Plan, when set, sees the report of what the import will do (removed, inserted, updated)
	// after every row is checked and before the transaction commits.
	Plan func(formats.ImportReport)
}

// errDryRun rolls a dry-run import back.
var errDryRun = errors.New("dry run")

// parseOptions resolves o.Tree (nil = the stored divisions) for the formats parsers.
func (s *Core) parseOptions(o ImportOptions, name string) (formats.ParseOptions, error) {
	po := formats.ParseOptions{Format: o.Format, CRS: o.CRS, Tree: o.Tree, Properties: o.Properties}
	if o.Tree != nil {
		po.Locator = o.Locator
	}
	if po.Tree == nil {
		t, err := s.LoadTree()
		if err != nil {
			return po, fmt.Errorf("import %s: %w", name, err)
		}
		po.Tree = t
	}
	return po, nil
}

// ImportDivisions updates or inserts divisions from CSV or GeoJSON (parsed and validated by
// formats.ParseDivisions) in one transaction with one audit entry. Any bad row means nothing
// is written. Replace is not supported (divisions are never deleted by an import).
func (s *Core) ImportDivisions(ctx context.Context, r io.Reader, name string, o ImportOptions, a Actor) (formats.ImportReport, error) {
	if o.Replace {
		return formats.ImportReport{}, errors.New("import divisions: replace is not supported (divisions are updated or added, never deleted)")
	}
	po, err := s.parseOptions(o, name)
	if err != nil {
		return formats.ImportReport{}, err
	}
	file, err := formats.ParseDivisions(r, name, po)
	if err != nil {
		return formats.ImportReport{}, err
	}
	rep, rows := file.Report, file.Rows
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, s.insertDivisionSQL())
		if err != nil {
			return err
		}
		defer ins.Close()
		upd, err := tx.PrepareContext(ctx, s.updateDivisionSQL())
		if err != nil {
			return err
		}
		defer upd.Close()
		for i, dr := range rows {
			if o.Progress != nil && (i%500 == 0 || i == len(rows)-1) {
				o.Progress(i+1, len(rows))
			}
			args, err := divisionArgs(&dr.Division)
			if err != nil {
				return &formats.RowError{Row: dr.Row, Err: err}
			}
			if dr.New {
				if _, err := ins.ExecContext(ctx, args...); err != nil {
					return &formats.RowError{Row: dr.Row, Field: "code", Value: string(dr.Division.Code), Err: err}
				}
				rep.Inserted++
				continue
			}
			res, err := upd.ExecContext(ctx, append(args[1:], args[0])...)
			if err != nil {
				return &formats.RowError{Row: dr.Row, Field: "code", Value: string(dr.Division.Code), Err: err}
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return &formats.RowError{Row: dr.Row, Field: "code", Value: string(dr.Division.Code), Err: errors.New("division vanished during the import")}
			}
			rep.Updated++
		}
		_, err = s.insertAudit(ctx, tx, a, "import", "divisions/"+name, nil, map[string]any{
			"file": name, "format": file.Format, "crs": file.CRS,
			"read": rep.Read, "inserted": rep.Inserted, "updated": rep.Updated, "warnings": len(rep.Warnings)})
		return err
	})
	if err != nil {
		return formats.ImportReport{Read: rep.Read}, fmt.Errorf("import %s: nothing imported: %w", name, err)
	}
	return rep, nil
}

// ImportFacilities reads facilities from CSV or GeoJSON (parsed and validated by
// formats.ParseFacilities) and writes them in one transaction with one audit entry (action
// "import"): any bad row means nothing is written (the error names the rows and fields, see
// formats.RowError). Rows are merged: matched by id when given, else by kind + division_code +
// name, and updated, or inserted; a row repeating an earlier one updates the same facility. With
// o.Replace the file is also the whole registry of its scope — the (kind × county) cells present
// in the file, or the kinds of the file within o.Scope — and live facilities there (except
// planned facilities of saved plans) that no row matched are removed. o.Plan sees the report
// before the commit; o.DryRun rolls back and returns it with nothing written.
func (s *Core) ImportFacilities(ctx context.Context, r io.Reader, name string, o ImportOptions, a Actor) (formats.ImportReport, error) {
	po, err := s.parseOptions(o, name)
	if err != nil {
		return formats.ImportReport{}, err
	}
	if o.Scope != "" && !o.Replace {
		return formats.ImportReport{}, fmt.Errorf("import %s: a scope (%s) only applies with replace", name, o.Scope)
	}
	if o.Scope != "" && po.Tree.Get(o.Scope) == nil {
		return formats.ImportReport{}, fmt.Errorf("import %s: scope %s is not in the division tree", name, o.Scope)
	}
	file, err := formats.ParseFacilities(r, name, po)
	if err != nil {
		return formats.ImportReport{}, err
	}
	rep, rows := file.Report, file.Rows
	var cells []replaceCell
	if o.Replace {
		if cells, err = replaceCells(po.Tree, rows, o.Scope); err != nil {
			return formats.ImportReport{Read: rep.Read}, fmt.Errorf("import %s: nothing imported: %w", name, err)
		}
		for _, c := range cells {
			rep.ReplaceScope = append(rep.ReplaceScope, c.String(po.Tree))
		}
	}
	err = s.writeTxResult(ctx, func(tx *sql.Tx) (any, error) {
		touched, err := s.mergeFacilityRows(ctx, tx, rows, o.Progress, &rep)
		if err != nil {
			return nil, err
		}
		for _, c := range cells {
			if err := s.removeUnmatched(ctx, tx, c, touched, &rep); err != nil {
				return nil, err
			}
		}
		if o.Plan != nil {
			o.Plan(rep)
		}
		if o.DryRun {
			return nil, errDryRun
		}
		_, err = s.insertAudit(ctx, tx, a, "import", "facilities/"+name, nil, map[string]any{
			"file": name, "format": file.Format, "crs": file.CRS, "replace": o.Replace, "scope": rep.ReplaceScope,
			"read": rep.Read, "inserted": rep.Inserted, "updated": rep.Updated, "unchanged": rep.Unchanged,
			"deleted": rep.Deleted, "derived": rep.Derived, "located": rep.Located, "warnings": len(rep.Warnings)})
		return &rep, err
	})
	if errors.Is(err, errDryRun) {
		rep.DryRun = true
		return rep, nil
	}
	if err != nil {
		return formats.ImportReport{Read: rep.Read}, fmt.Errorf("import %s: nothing imported: %w", name, err)
	}
	return rep, nil
}

// mergeFacilityRows inserts or updates each row (matched by id, else by kind + division +
// name) and returns the ids of the facilities the rows inserted or matched.
func (s *Core) mergeFacilityRows(ctx context.Context, tx *sql.Tx, rows []formats.FacilityRow, progress func(int, int), rep *formats.ImportReport) (map[int64]bool, error) {
	live, err := liveFacilityKeys(ctx, tx)
	if err != nil {
		return nil, err
	}
	touched := map[int64]bool{}
	seen := map[string]int{}
	for i, fr := range rows {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if progress != nil && (i%500 == 0 || i == len(rows)-1) {
			progress(i+1, len(rows))
		}
		key := facilityKey(fr.Facility)
		if prev, dup := seen[key]; dup {
			rep.Warn("row %d repeats row %d (same kind, division and name): it updates that facility", fr.Row, prev)
		}
		seen[key] = fr.Row
		id := live[key]
		if fr.ID != 0 {
			id = fr.ID
		}
		if id == 0 {
			nid, err := s.InsertFacility(ctx, tx, fr.Facility)
			if err != nil {
				return nil, &formats.RowError{Row: fr.Row, Err: err}
			}
			live[key], touched[nid] = nid, true
			rep.Inserted++
			continue
		}
		old, err := GetFacility(ctx, tx, id)
		if errors.Is(err, ErrNotFound) {
			return nil, &formats.RowError{Row: fr.Row, Field: "id", Value: strconv.FormatInt(id, 10), Err: errors.New("no live facility has this id")}
		}
		if err != nil {
			return nil, err
		}
		touched[id] = true
		f := fr.Facility
		f.ID, f.PlanID = id, old.PlanID
		if reflect.DeepEqual(f, old.Facility) {
			rep.Unchanged++
			continue
		}
		if _, err := s.UpdateFacility(ctx, tx, f, old.Version); err != nil {
			return nil, &formats.RowError{Row: fr.Row, Err: err}
		}
		delete(live, facilityKey(old.Facility))
		live[key] = id
		rep.Updated++
	}
	return touched, nil
}

func facilityKey(f facilities.Facility) string {
	return string(f.Kind) + "\x00" + string(f.DivisionCode) + "\x00" + f.Name
}

// liveFacilityKeys maps kind+division+name to the id of each live facility (the lowest id
// when several share a key).
func liveFacilityKeys(ctx context.Context, tx *sql.Tx) (map[string]int64, error) {
	rows, err := tx.QueryContext(ctx, "SELECT id, kind, division_code, name FROM facilities WHERE deleted_at IS NULL ORDER BY id DESC")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var f facilities.Facility
		var kind, code string
		if err := rows.Scan(&f.ID, &kind, &code, &f.Name); err != nil {
			return nil, err
		}
		f.Kind, f.DivisionCode = facilities.Kind(kind), divisions.Code(code)
		m[facilityKey(f)] = f.ID
	}
	return m, rows.Err()
}

// replaceCell is one part of what a replacing import is about: the live facilities of Kind
// registered within Within (a county, or the explicit scope).
type replaceCell struct {
	Kind   facilities.Kind
	Within divisions.Code
}

// String names the cell for reports: "mutual_aid_elderly in 420526 兴山县".
func (c replaceCell) String(t *divisions.Tree) string {
	name := ""
	if d := t.Get(c.Within); d != nil {
		name = " " + d.Name
	}
	return fmt.Sprintf("%s in %s%s", c.Kind, c.Within, name)
}

// replaceCells is the scope of a replacing import: each (kind × county) cell of the rows, or
// with scope the kinds of the rows within scope — then a row outside scope is an error.
func replaceCells(t *divisions.Tree, rows []formats.FacilityRow, scope divisions.Code) ([]replaceCell, error) {
	set := map[replaceCell]bool{}
	for _, fr := range rows {
		c := replaceCell{Kind: fr.Facility.Kind, Within: scope}
		if scope == "" {
			for code := fr.Facility.DivisionCode; code != ""; code = code.Parent() {
				if code.Level() == divisions.County {
					c.Within = code
				}
			}
			if c.Within == "" {
				return nil, &formats.RowError{Row: fr.Row, Field: "division_code", Value: string(fr.Facility.DivisionCode), Err: errors.New("a replacing import needs every row within a county")}
			}
		} else if !fr.Facility.DivisionCode.Within(scope) {
			return nil, &formats.RowError{Row: fr.Row, Field: "division_code", Value: string(fr.Facility.DivisionCode), Err: fmt.Errorf("outside the replace scope %s", scope)}
		}
		set[c] = true
	}
	out := make([]replaceCell, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Within < out[j].Within
	})
	return out, nil
}

// removeUnmatched soft-deletes the live facilities of cell (not planned facilities of saved
// plans) that no row of the import touched.
func (s *Core) removeUnmatched(ctx context.Context, tx *sql.Tx, c replaceCell, touched map[int64]bool, rep *formats.ImportReport) error {
	ids, err := queryIDs(ctx, tx, "SELECT id FROM facilities WHERE deleted_at IS NULL AND plan_id IS NULL AND kind = ? AND division_code LIKE ? ORDER BY id",
		string(c.Kind), c.Within.Short()+"%")
	if err != nil {
		return err
	}
	for _, id := range ids {
		if touched[id] {
			continue
		}
		if _, err := s.DeleteFacility(ctx, tx, id, 0); err != nil {
			return err
		}
		rep.Deleted++
	}
	return nil
}

func queryIDs(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
