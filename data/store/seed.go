package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// metaDatasetKey is the meta table key of the seeded dataset's Meta (JSON).
const metaDatasetKey = "dataset"

// ErrSeeded is returned by Seed for a store that already holds divisions (seeded before, or by
// another process meanwhile).
var ErrSeeded = errors.New("already seeded")

// Seed loads ds into an empty store in one transaction: all of it or nothing. It refuses a
// store that already holds divisions (ErrSeeded), checking inside the write transaction. progress (may be nil) is called with rows written so
// far and the total (divisions + facilities). Facilities keep their IDs when non-zero. The
// audit entry (action "seed") names the actor attached to ctx (WithActor), else "system".
func (s *Core) Seed(ctx context.Context, ds *dataset.Dataset, progress func(done, total int)) error {
	if ds == nil {
		return errors.New("seed: nil dataset")
	}
	total := len(ds.Divisions) + len(ds.Facilities)
	done := 0
	tick := func() {
		done++
		if progress != nil && (done%1000 == 0 || done == total) {
			progress(done, total)
		}
	}
	divs := make([]*divisions.Division, len(ds.Divisions))
	for i := range ds.Divisions {
		divs[i] = &ds.Divisions[i]
	}
	// Parents sort before their children (a parent's code is a zero-padded prefix).
	sort.SliceStable(divs, func(i, j int) bool { return divs[i].Code < divs[j].Code })
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM divisions").Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%w: store already holds %d divisions", ErrSeeded, n)
		}
		ins, err := tx.PrepareContext(ctx, s.insertDivisionSQL())
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, d := range divs {
			if err := ctx.Err(); err != nil {
				return err
			}
			args, err := divisionArgs(d)
			if err != nil {
				return err
			}
			if _, err := ins.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("division %s %s: %w", d.Code, d.Name, err)
			}
			tick()
		}
		fins, err := tx.PrepareContext(ctx, s.insertFacilitySQL())
		if err != nil {
			return err
		}
		defer fins.Close()
		now := formatTime(s.now())
		for i := range ds.Facilities {
			if err := ctx.Err(); err != nil {
				return err
			}
			f := &ds.Facilities[i]
			if err := checkFacility(f); err != nil {
				return fmt.Errorf("facility %d (%s): %w", i, f.Name, err)
			}
			if _, err := fins.ExecContext(ctx, facilityArgs(f, now)...); err != nil {
				return fmt.Errorf("facility %d (id %d, %s, division %s): %w", i, f.ID, f.Name, f.DivisionCode, err)
			}
			tick()
		}
		meta, err := json.Marshal(ds.Meta)
		if err != nil {
			return fmt.Errorf("encode meta: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", metaDatasetKey, string(meta)); err != nil {
			return err
		}
		_, err = s.insertAudit(ctx, tx, actorOr(ctx, SystemActor()), "seed", "dataset/"+ds.Meta.Name, nil,
			map[string]any{"divisions": len(ds.Divisions), "facilities": len(ds.Facilities)})
		return err
	})
	if err != nil {
		return fmt.Errorf("seed %q: %w", ds.Meta.Name, err)
	}
	return nil
}

// Meta returns the seeded dataset's meta (zero Meta before seeding).
func (s *Core) Meta() (dataset.Meta, error) {
	var m dataset.Meta
	var v string
	err := s.rdb.QueryRow("SELECT value FROM meta WHERE key = ?", metaDatasetKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return m, nil
	}
	if err != nil {
		return m, fmt.Errorf("read meta: %w", err)
	}
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return m, fmt.Errorf("decode meta: %w", err)
	}
	return m, nil
}

// divisionCols are the division columns in the order of divisionArgs and scanDivision; the
// boundary (WKB) is the 11th.
var divisionCols = strings.Split(`code, name, short_name, level, kind, parent, ur_code, has_seat, seat_lon, seat_lat, boundary,
	pop_total, pop_age60, pop_age65, has_programme, pilot_year, social_orgs, ledger, care_contact, activity_place,
	regular_visits, prov_geometry, prov_seat, prov_population, prov_attributes, prov_programme`, ",")

// divisionColumn names column c (trimmed) as written (write) or read in this dialect.
func (s *Core) divisionColumn(c string, write bool) string {
	c = strings.TrimSpace(c)
	switch {
	case c != "boundary":
		if write {
			return "?"
		}
		return c
	case write:
		return s.d.BoundaryIn
	}
	return s.d.BoundaryOut
}

// selectDivisionCols is the select list of scanDivision.
func (s *Core) selectDivisionCols() string {
	out := make([]string, len(divisionCols))
	for i, c := range divisionCols {
		out[i] = s.divisionColumn(c, false)
	}
	return strings.Join(out, ", ")
}

// insertDivisionSQL inserts one division from divisionArgs.
func (s *Core) insertDivisionSQL() string {
	names, vals := make([]string, len(divisionCols)), make([]string, len(divisionCols))
	for i, c := range divisionCols {
		names[i], vals[i] = strings.TrimSpace(c), s.divisionColumn(c, true)
	}
	return "INSERT INTO divisions (" + strings.Join(names, ", ") + ") VALUES (" + strings.Join(vals, ", ") + ")"
}

// updateDivisionSQL updates one division from divisionArgs with the code moved last.
func (s *Core) updateDivisionSQL() string {
	var set []string
	for _, c := range divisionCols[1:] {
		set = append(set, strings.TrimSpace(c)+" = "+s.divisionColumn(c, true))
	}
	return "UPDATE divisions SET " + strings.Join(set, ", ") + " WHERE code = ?"
}

func divisionArgs(d *divisions.Division) ([]any, error) {
	var parent any
	if d.Parent != "" {
		parent = string(d.Parent)
	}
	var boundary any
	if len(d.Boundary) > 0 {
		b, err := wkb.Marshal(d.Boundary)
		if err != nil {
			return nil, fmt.Errorf("division %s: encode boundary: %w", d.Code, err)
		}
		boundary = b
	}
	p := d.Programme
	hasProg := p != nil
	if p == nil {
		p = &divisions.Programme{}
	}
	return []any{string(d.Code), d.Name, d.ShortName, int(d.Level), string(d.Kind), parent, d.URCode,
		d.HasSeat, d.Seat[0], d.Seat[1], boundary,
		d.Population.Total, d.Population.Age60, d.Population.Age65,
		hasProg, p.PilotYear, p.SocialOrgs, p.Ledger, p.CareContact, p.ActivityPlace, p.RegularVisits,
		string(d.Sources.Geometry), string(d.Sources.Seat), string(d.Sources.Population), string(d.Sources.Attributes), string(d.Sources.Programme)}, nil
}

// divisionScan reads division rows (divisionCols) into reused destinations. Repeated strings
// (kinds, urban-rural codes, provenances, the codes of units that are parents) are kept once,
// and a short name that is a prefix of the name shares its bytes.
type divisionScan struct {
	d                   divisions.Division
	code, kind          string
	pg, ps, pp, pa, ppr string
	parent              sql.NullString
	level               int
	boundary            sql.RawBytes
	hasProg             bool
	p                   divisions.Programme
	dest                []any
	strs                interner
}

func newDivisionScan() *divisionScan {
	s := &divisionScan{strs: interner{}}
	d := &s.d
	s.dest = []any{&s.code, &d.Name, &d.ShortName, &s.level, &s.kind, &s.parent, &d.URCode, &d.HasSeat, &d.Seat[0], &d.Seat[1], &s.boundary,
		&d.Population.Total, &d.Population.Age60, &d.Population.Age65,
		&s.hasProg, &s.p.PilotYear, &s.p.SocialOrgs, &s.p.Ledger, &s.p.CareContact, &s.p.ActivityPlace, &s.p.RegularVisits,
		&s.pg, &s.ps, &s.pp, &s.pa, &s.ppr}
	return s
}

// scan reads one row.
func (s *divisionScan) scan(r scanner) (divisions.Division, error) {
	s.d = divisions.Division{}
	if err := r.Scan(s.dest...); err != nil {
		return divisions.Division{}, err
	}
	d, in := s.d, s.strs
	d.Code, d.Level, d.Kind = divisions.Code(s.code), divisions.Level(s.level), divisions.Kind(in.of(s.kind))
	if d.Level < divisions.Village {
		d.Code = divisions.Code(in.of(s.code)) // a possible parent: its children share the string
	}
	if s.parent.Valid {
		d.Parent = divisions.Code(in.of(s.parent.String))
	}
	d.URCode = in.of(d.URCode)
	if strings.HasPrefix(d.Name, d.ShortName) {
		d.ShortName = d.Name[:len(d.ShortName)]
	}
	d.Sources = divisions.Sources{Geometry: divisions.Provenance(in.of(s.pg)), Seat: divisions.Provenance(in.of(s.ps)),
		Population: divisions.Provenance(in.of(s.pp)), Attributes: divisions.Provenance(in.of(s.pa)), Programme: divisions.Provenance(in.of(s.ppr))}
	if s.hasProg {
		p := s.p
		d.Programme = &p
	}
	if len(s.boundary) > 0 {
		g, err := wkb.Unmarshal(s.boundary)
		if err != nil {
			return d, fmt.Errorf("division %s: decode boundary: %w", s.code, err)
		}
		switch g := g.(type) {
		case orb.MultiPolygon:
			d.Boundary = g
		case orb.Polygon:
			d.Boundary = orb.MultiPolygon{g}
		default:
			return d, fmt.Errorf("division %s: boundary is a %s, want a polygon", s.code, g.GeoJSONType())
		}
	}
	return d, nil
}

// LoadDivisions returns every division, sorted by code, with everything needed to rebuild
// the tree (divisions.NewTree).
func (s *Core) LoadDivisions() ([]divisions.Division, error) {
	tx, err := s.rdb.Begin()
	if err != nil {
		return nil, fmt.Errorf("load divisions: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRow("SELECT count(*) FROM divisions").Scan(&n); err != nil {
		return nil, fmt.Errorf("load divisions: %w", err)
	}
	rows, err := tx.Query("SELECT " + s.selectDivisionCols() + " FROM divisions ORDER BY code")
	if err != nil {
		return nil, fmt.Errorf("load divisions: %w", err)
	}
	defer rows.Close()
	out := make([]divisions.Division, 0, n)
	ds := newDivisionScan()
	for rows.Next() {
		d, err := ds.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("load divisions: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load divisions: %w", err)
	}
	return out, nil
}

// LoadFacilities returns every live facility (planned ones of saved plans included,
// soft-deleted ones excluded), sorted by id.
func (s *Core) LoadFacilities() ([]facilities.Facility, error) {
	rows, err := s.rdb.Query("SELECT " + facilityCols + " FROM facilities WHERE deleted_at IS NULL ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("load facilities: %w", err)
	}
	defer rows.Close()
	var out []facilities.Facility
	fs := newFacilityScan()
	for rows.Next() {
		f, err := fs.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("load facilities: %w", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load facilities: %w", err)
	}
	return out, nil
}
