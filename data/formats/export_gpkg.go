package formats

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/civplan/civplan/geo"
	_ "github.com/mattn/go-sqlite3" // the "sqlite3" driver GeoPackages are written with
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// GeoPackage 1.3 identification (application_id "GPKG", user_version 10300).
const (
	gpkgApplicationID = 0x47504B47
	gpkgUserVersion   = 10300
)

// GCJ-02 in a GeoPackage. GCJ-02 is WGS84 with a non-linear offset (hundreds of metres) that no
// authority publishes: not a datum, so no geographic CRS describes it truthfully. It is declared
// as an engineering CRS (WKT1 LOCAL_CS, GDAL reads it as ENGCRS) of degrees under organisation
// civplan: GIS tools show it as a local system named GCJ-02 and refuse to reproject it, instead of
// placing the offset coordinates as if they were WGS 84 (the srs used to carry EPSG:4326's WKT).
const (
	gcj02SRSID       = 990002
	wktGCJ02         = `LOCAL_CS["GCJ-02 (AMap/Tencent offset coordinates, not WGS 84)",LOCAL_DATUM["GCJ-02: WGS 84 with the unpublished Chinese web-map offset",32767],UNIT["degree",0.0174532925199433],AXIS["longitude (GCJ-02)",EAST],AXIS["latitude (GCJ-02)",NORTH]]`
	gcj02Description = "GCJ-02: longitude/latitude in degrees with the Chinese web-map offset (hundreds of metres from WGS 84), declared as a local engineering system because it is not a datum; for overlays on AMap/Tencent maps only, not for measurement or reprojection"
)

// gpkgSRSRow is how a GeoPackage declares a CRS in gpkg_spatial_ref_sys.
type gpkgSRSRow struct {
	name, org, wkt, description string
	id                          int // srs_id and organization_coordsys_id
}

// gpkgSRS declares crs: its EPSG code and definition, or for GCJ-02 civplan's own srs 990002
// as a local engineering system (above).
func gpkgSRS(crs geo.CRS) gpkgSRSRow {
	if crs == geo.GCJ02 {
		return gpkgSRSRow{name: crs.Title(), org: "civplan", wkt: wktGCJ02, description: gcj02Description, id: gcj02SRSID}
	}
	return gpkgSRSRow{name: crs.Title(), org: "EPSG", wkt: crs.WKT(), description: crs.Note(), id: crs.EPSG()}
}

var gpkgSchema = []string{
	`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY,
		organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)`,
	`CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
		description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
		min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
		CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))`,
	`CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
		srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
		CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), CONSTRAINT uk_gc_table_name UNIQUE (table_name),
		CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
		CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))`,
	`INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system')`,
	`INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system')`,
	`INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, '` + geo.WGS84.WKT() + `', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')`,
}

// gpkgGeometry encodes g as a GeoPackage geometry blob: header (GP, version 0, little-endian,
// envelope for non-points), srs id, then ISO WKB.
func gpkgGeometry(g orb.Geometry, srsID int) ([]byte, error) {
	body, err := wkb.Marshal(g, binary.LittleEndian)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString("GP")
	buf.WriteByte(0)
	_, isPoint := g.(orb.Point)
	flags := byte(1) // little endian
	if !isPoint {
		flags |= 1 << 1 // envelope [minx, maxx, miny, maxy]
	}
	buf.WriteByte(flags)
	_ = binary.Write(&buf, binary.LittleEndian, int32(srsID))
	if !isPoint {
		b := g.Bound()
		for _, v := range []float64{b.Min[0], b.Max[0], b.Min[1], b.Max[1]} {
			_ = binary.Write(&buf, binary.LittleEndian, v)
		}
	}
	buf.Write(body)
	return buf.Bytes(), nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func gpkgType(t ColumnType) string {
	switch t {
	case Integer:
		return "INTEGER"
	case Real:
		return "DOUBLE"
	case Boolean:
		return "BOOLEAN"
	}
	return "TEXT"
}

// WriteGeoPackage writes layers into a new GeoPackage 1.3 file at path, converting geometries to
// crs. The file is built under a temporary name and renamed when complete, so a failure leaves
// nothing half-written; an existing file at path is replaced only on success. attribution goes
// into every layer's description.
func WriteGeoPackage(ctx context.Context, path string, layers []Layer, crs geo.CRS, attribution string) error {
	tmp, err := CreateTemp(path)
	if err != nil {
		return fmt.Errorf("geopackage %s: %w", path, err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	ok := false
	defer func() {
		if !ok {
			os.Remove(tmpName)
		}
	}()
	if err := writeGPKG(ctx, tmpName, layers, crs, attribution); err != nil {
		return fmt.Errorf("geopackage %s: %w", path, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("geopackage %s: %w", path, err)
	}
	ok = true
	return nil
}

func writeGPKG(ctx context.Context, file string, layers []Layer, crs geo.CRS, attribution string) error {
	db, err := sql.Open("sqlite3", "file:"+file+"?_journal_mode=DELETE")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, p := range []string{fmt.Sprintf("PRAGMA application_id = %d", gpkgApplicationID), fmt.Sprintf("PRAGMA user_version = %d", gpkgUserVersion)} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			return err
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	for _, s := range gpkgSchema {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("schema: %w", err)
		}
	}
	if srs := gpkgSRS(crs); srs.id != 4326 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)`,
			srs.name, srs.id, srs.org, srs.id, srs.wkt, srs.description); err != nil {
			return fmt.Errorf("srs %d: %w", srs.id, err)
		}
	}
	for _, l := range layers {
		if err := writeGPKGLayer(ctx, tx, l, crs, attribution); err != nil {
			return fmt.Errorf("layer %s: %w", l.Name, err)
		}
	}
	return tx.Commit()
}

func writeGPKGLayer(ctx context.Context, tx *sql.Tx, l Layer, crs geo.CRS, attribution string) error {
	srsID := gpkgSRS(crs).id
	cols := []string{"fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL", "geom " + l.GeomType}
	names := []string{"fid", "geom"}
	for _, c := range l.Columns {
		if c.Name == "fid" || c.Name == "geom" {
			return fmt.Errorf("column name %q is reserved", c.Name)
		}
		cols = append(cols, quoteIdent(c.Name)+" "+gpkgType(c.Type))
		names = append(names, quoteIdent(c.Name))
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("CREATE TABLE %s (%s)", quoteIdent(l.Name), strings.Join(cols, ", "))); err != nil {
		return err
	}
	ins, err := tx.PrepareContext(ctx, fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", quoteIdent(l.Name), strings.Join(names, ", "),
		strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ")))
	if err != nil {
		return err
	}
	defer ins.Close()
	ext := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	hasExt := false
	args := make([]any, len(names))
	for _, r := range l.Rows {
		if len(r.Values) != len(l.Columns) {
			return fmt.Errorf("row %d has %d values for %d columns", r.ID, len(r.Values), len(l.Columns))
		}
		args[0] = r.ID
		args[1] = nil
		if r.Geom != nil {
			g := crs.ForwardGeometry(r.Geom)
			if mp, ok := g.(orb.Polygon); ok && l.GeomType == "MULTIPOLYGON" {
				g = orb.MultiPolygon{mp}
			}
			blob, err := gpkgGeometry(g, srsID)
			if err != nil {
				return fmt.Errorf("row %d: geometry: %w", r.ID, err)
			}
			args[1] = blob
			b := g.Bound()
			if !hasExt {
				ext, hasExt = b, true
			} else {
				ext = ext.Union(b)
			}
		}
		for i, v := range r.Values {
			args[i+2] = v
		}
		if _, err := ins.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("row %d: %w", r.ID, err)
		}
	}
	desc := l.Description
	if attribution != "" {
		desc += " Sources: " + attribution
	}
	if crs.Note() != "" {
		desc += " CRS: " + crs.Note() + "."
	}
	var minX, minY, maxX, maxY any
	if hasExt {
		minX, minY, maxX, maxY = ext.Min[0], ext.Min[1], ext.Max[0], ext.Max[1]
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id)
		VALUES (?, 'features', ?, ?, ?, ?, ?, ?, ?)`, l.Name, l.Name, desc, minX, minY, maxX, maxY, srsID); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)`, l.Name, l.GeomType, srsID)
	return err
}
