package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// Migration is one schema step. Steps run in order, each in its own transaction together
// with the schema_version row that records it (Migrate). To change the schema (plans,
// scenarios, …), append a step with the next version, its SQL in a const beside the code that
// uses it; never edit a released step. Each store has its own list.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// migration is the SQLite store's name for its steps.
type migration = Migration

// schemaMigrations is the ordered schema history (versions 1, 2, … without gaps).
func schemaMigrations() []migration {
	return []migration{
		{1, "initial schema", schemaV1},
		{2, "scenarios", schemaScenarios},
		{3, "plans", schemaPlans},
		{4, "scenario replay lists", schemaScenarioReplay},
		{5, "divisions version", schemaDivisionsVersion},
		{6, "change log", schemaChangeLog},
		{7, "idempotency keys", schemaIdempotency},
	}
}

const schemaV1 = `
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE write_version (n INTEGER NOT NULL);
INSERT INTO write_version (n) VALUES (0);

CREATE TABLE divisions (
	code            TEXT PRIMARY KEY CHECK (length(code) = 12),
	name            TEXT NOT NULL,
	short_name      TEXT NOT NULL,
	level           INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
	kind            TEXT NOT NULL,
	parent          TEXT REFERENCES divisions(code),
	ur_code         TEXT NOT NULL DEFAULT '',
	has_seat        INTEGER NOT NULL DEFAULT 0,
	seat_lon        REAL NOT NULL DEFAULT 0,
	seat_lat        REAL NOT NULL DEFAULT 0,
	boundary        BLOB,          -- WKB (orb/encoding/wkb), WGS84 lon/lat; NULL = unknown
	pop_total       INTEGER NOT NULL DEFAULT 0,
	pop_age60       INTEGER NOT NULL DEFAULT 0,
	pop_age65       INTEGER NOT NULL DEFAULT 0,
	has_programme   INTEGER NOT NULL DEFAULT 0,
	pilot_year      INTEGER NOT NULL DEFAULT 0,
	social_orgs     INTEGER NOT NULL DEFAULT 0,
	ledger          INTEGER NOT NULL DEFAULT 0,
	care_contact    INTEGER NOT NULL DEFAULT 0,
	activity_place  INTEGER NOT NULL DEFAULT 0,
	regular_visits  INTEGER NOT NULL DEFAULT 0,
	prov_geometry   TEXT NOT NULL DEFAULT '',
	prov_seat       TEXT NOT NULL DEFAULT '',
	prov_population TEXT NOT NULL DEFAULT '',
	prov_attributes TEXT NOT NULL DEFAULT '',
	prov_programme  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX divisions_parent ON divisions(parent);

CREATE TABLE facilities (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	kind           TEXT NOT NULL,
	name           TEXT NOT NULL,
	division_code  TEXT NOT NULL REFERENCES divisions(code),
	lon            REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
	lat            REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
	status         TEXT NOT NULL CHECK (status IN ('planned','building','operating','suspended','closed')),
	beds           INTEGER NOT NULL DEFAULT 0 CHECK (beds >= 0),
	floor_area_m2  REAL NOT NULL DEFAULT 0 CHECK (floor_area_m2 >= 0),
	fire_safety    INTEGER,        -- NULL unknown, 1 yes, 0 no
	accessibility  INTEGER,
	special_care   INTEGER,
	opened         TEXT NOT NULL DEFAULT '',
	plan_id        INTEGER,        -- set on planned facilities of a saved siting plan
	provenance     TEXT NOT NULL DEFAULT '',
	created        TEXT NOT NULL,
	updated        TEXT NOT NULL,
	deleted_at     TEXT,           -- soft delete
	version        INTEGER NOT NULL DEFAULT 1  -- optimistic concurrency (ETag)
);
CREATE INDEX facilities_kind ON facilities(kind) WHERE deleted_at IS NULL;
CREATE INDEX facilities_division ON facilities(division_code);
CREATE INDEX facilities_plan ON facilities(plan_id) WHERE plan_id IS NOT NULL;

CREATE TABLE facility_history (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	facility_id INTEGER NOT NULL,
	version     INTEGER NOT NULL,  -- the version the old row had
	at          TEXT NOT NULL,
	old_row     TEXT NOT NULL      -- JSON of the facility before the change
);
CREATE INDEX facility_history_facility ON facility_history(facility_id);

CREATE TABLE tokens (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	name       TEXT NOT NULL,
	role       TEXT NOT NULL CHECK (role IN ('viewer','planner','admin')),
	hash       BLOB NOT NULL UNIQUE CHECK (length(hash) = 32), -- SHA-256 of the secret
	prefix     TEXT NOT NULL,      -- first characters of the secret, to recognise it in lists
	created    TEXT NOT NULL,
	revoked_at TEXT
);

CREATE TABLE audit_log (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	at         TEXT NOT NULL,
	actor      TEXT NOT NULL,
	token_id   INTEGER NOT NULL DEFAULT 0,
	role       TEXT NOT NULL DEFAULT '',
	action     TEXT NOT NULL,
	target     TEXT NOT NULL DEFAULT '',
	before     TEXT,
	after      TEXT,
	request_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
`

// SchemaVersion is the newest schema version this build knows.
func SchemaVersion() int { m := schemaMigrations(); return m[len(m)-1].Version }

// migrate applies the SQLite store's pending steps, holding the write mutex during each. Each
// step re-reads the version inside its BEGIN IMMEDIATE transaction, so processes that open a new
// file together apply each step once; one that finds the file locked (SQLITE_BUSY past the busy
// timeout: another process is migrating or seeding) tries again (retryBusy).
func (s *SQLite) migrate(ctx context.Context, steps []migration) error {
	return retryBusy(ctx, setupBusyWait, busyPause, func() error {
		return Migrate(ctx, s.wdb, steps, `CREATE TABLE IF NOT EXISTS schema_version (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)`, s.now, &s.wmu)
	})
}

// Migrate brings db's schema up to steps (versions 1, 2, … without gaps): it creates the
// schema_version table with versionTable (a CREATE TABLE IF NOT EXISTS) when missing, refuses
// a database whose schema is newer than steps, and applies each pending step in its own
// transaction together with the schema_version row that records it, applied at now(). lock,
// when not nil, is held while a step runs. A failing step is rolled back and named.
func Migrate(ctx context.Context, db *sql.DB, steps []Migration, versionTable string, now func() time.Time, lock sync.Locker) error {
	for i, m := range steps {
		if m.Version != i+1 {
			return fmt.Errorf("migration list: step %d has version %d, want %d", i, m.Version, i+1)
		}
	}
	if _, err := db.ExecContext(ctx, versionTable); err != nil {
		return fmt.Errorf("create schema_version: %w", err)
	}
	cur, err := currentSchema(ctx, db)
	if err != nil {
		return err
	}
	if cur > len(steps) {
		return fmt.Errorf("database schema version %d is newer than this build knows (%d): upgrade civplan", cur, len(steps))
	}
	for _, m := range steps[cur:] {
		if err := applyMigration(ctx, db, m, now, lock); err != nil {
			return err
		}
	}
	return nil
}

func currentSchema(ctx context.Context, db *sql.DB) (int, error) {
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT max(version) FROM schema_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), nil
}

func applyMigration(ctx context.Context, db *sql.DB, m Migration, now func() time.Time, lock sync.Locker) error {
	if lock != nil {
		lock.Lock()
		defer lock.Unlock()
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %d (%s): begin: %w", m.Version, m.Name, err)
	}
	defer tx.Rollback()
	// Another process may have applied the step since the version was read: checked again under
	// the write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: the advisory lock is held).
	var cur sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT max(version) FROM schema_version").Scan(&cur); err != nil {
		return fmt.Errorf("migration %d (%s): read schema version: %w", m.Version, m.Name, err)
	}
	if int(cur.Int64) >= m.Version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_version (version, name, applied) VALUES (?, ?, ?)",
		m.Version, m.Name, formatTime(now())); err != nil {
		return fmt.Errorf("migration %d (%s): record: %w", m.Version, m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %d (%s): commit: %w", m.Version, m.Name, err)
	}
	return nil
}
