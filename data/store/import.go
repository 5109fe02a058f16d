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
	"strings"

	"github.com/civplan/civplan/data/formats"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// ImportOptions controls ImportFacilities and ImportDivisions.
type ImportOptions struct {
	Format   string          // "csv" | "geojson"; "" = from the file name's extension (.csv, .geojson/.json)
	CRS      string          // coordinates of the input: "wgs84" (default) | "gcj02" | "bd09"; stored as WGS84
	Replace  bool            // facilities: soft-delete the live facilities of the kinds in the file, then insert every row
	Tree     *divisions.Tree // validates codes and places rows given only a village; nil = the store's divisions
	Progress func(done, total int)
}

// parseOptions resolves o.Tree (nil = the stored divisions) for the formats parsers.
func (s *SQLite) parseOptions(o ImportOptions, name string) (formats.ParseOptions, error) {
	po := formats.ParseOptions{Format: o.Format, CRS: o.CRS, Tree: o.Tree}
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
func (s *SQLite) ImportDivisions(ctx context.Context, r io.Reader, name string, o ImportOptions, a Actor) (formats.ImportReport, error) {
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
		ins, err := tx.PrepareContext(ctx, insertDivisionSQL)
		if err != nil {
			return err
		}
		defer ins.Close()
		upd, err := tx.PrepareContext(ctx, updateDivisionSQL())
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

func updateDivisionSQL() string {
	cols := strings.Split(divisionCols, ",")
	var set []string
	for _, c := range cols[1:] {
		set = append(set, strings.TrimSpace(c)+" = ?")
	}
	return "UPDATE divisions SET " + strings.Join(set, ", ") + " WHERE code = ?"
}

// ImportFacilities reads facilities from CSV or GeoJSON (parsed and validated by
// formats.ParseFacilities) and writes them in one transaction with one audit entry (action
// "import"): any bad row means nothing is written (the error names the rows and fields, see
// formats.RowError). With o.Replace the live facilities of the kinds present (except planned
// facilities of saved plans) are soft-deleted and every row inserted; otherwise rows are
// merged: matched by id when given, else by kind + division_code + name, and updated, or
// inserted.
func (s *SQLite) ImportFacilities(ctx context.Context, r io.Reader, name string, o ImportOptions, a Actor) (formats.ImportReport, error) {
	po, err := s.parseOptions(o, name)
	if err != nil {
		return formats.ImportReport{}, err
	}
	file, err := formats.ParseFacilities(r, name, po)
	if err != nil {
		return formats.ImportReport{}, err
	}
	rep, rows := file.Report, file.Rows
	if o.Replace {
		for _, fr := range rows {
			if fr.ID != 0 {
				rep.Warn("ids are ignored when replacing (row %d has id %d)", fr.Row, fr.ID)
				break
			}
		}
	}

	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		if o.Replace {
			if err := s.replaceKinds(ctx, tx, rows, &rep); err != nil {
				return err
			}
		}
		live, err := liveFacilityKeys(ctx, tx)
		if err != nil {
			return err
		}
		seen := map[string]int{}
		for i, fr := range rows {
			if err := ctx.Err(); err != nil {
				return err
			}
			if o.Progress != nil && (i%500 == 0 || i == len(rows)-1) {
				o.Progress(i+1, len(rows))
			}
			key := facilityKey(fr.Facility)
			if prev, dup := seen[key]; dup {
				rep.Warn("row %d repeats row %d (same kind, division and name): it updates that facility", fr.Row, prev)
			}
			seen[key] = fr.Row
			id := int64(0)
			if !o.Replace {
				id = live[key]
				if fr.ID != 0 {
					id = fr.ID
				}
			}
			if id == 0 {
				nid, err := s.InsertFacility(ctx, tx, fr.Facility)
				if err != nil {
					return &formats.RowError{Row: fr.Row, Err: err}
				}
				live[key] = nid
				rep.Inserted++
				continue
			}
			old, err := GetFacility(ctx, tx, id)
			if errors.Is(err, ErrNotFound) {
				return &formats.RowError{Row: fr.Row, Field: "id", Value: strconv.FormatInt(id, 10), Err: errors.New("no live facility has this id")}
			}
			if err != nil {
				return err
			}
			f := fr.Facility
			f.ID, f.PlanID = id, old.PlanID
			if reflect.DeepEqual(f, old.Facility) {
				rep.Unchanged++
				continue
			}
			if _, err := s.UpdateFacility(ctx, tx, f, old.Version); err != nil {
				return &formats.RowError{Row: fr.Row, Err: err}
			}
			delete(live, facilityKey(old.Facility))
			live[key] = id
			rep.Updated++
		}
		_, err = s.insertAudit(ctx, tx, a, "import", "facilities/"+name, nil, map[string]any{
			"file": name, "format": file.Format, "crs": file.CRS, "replace": o.Replace,
			"read": rep.Read, "inserted": rep.Inserted, "updated": rep.Updated, "unchanged": rep.Unchanged,
			"deleted": rep.Deleted, "derived": rep.Derived, "warnings": len(rep.Warnings)})
		return err
	})
	if err != nil {
		return formats.ImportReport{Read: rep.Read}, fmt.Errorf("import %s: nothing imported: %w", name, err)
	}
	return rep, nil
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

// replaceKinds soft-deletes the live facilities (not belonging to a saved plan) of every
// kind present in rows.
func (s *SQLite) replaceKinds(ctx context.Context, tx *sql.Tx, rows []formats.FacilityRow, rep *formats.ImportReport) error {
	kinds := map[facilities.Kind]bool{}
	for _, fr := range rows {
		kinds[fr.Facility.Kind] = true
	}
	var ks []string
	for k := range kinds {
		ks = append(ks, string(k))
	}
	sort.Strings(ks)
	for _, k := range ks {
		ids, err := queryIDs(ctx, tx, "SELECT id FROM facilities WHERE deleted_at IS NULL AND plan_id IS NULL AND kind = ? ORDER BY id", k)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := s.DeleteFacility(ctx, tx, id, 0); err != nil {
				return err
			}
			rep.Deleted++
		}
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
