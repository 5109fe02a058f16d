package postgres

import "github.com/civplan/civplan/data/store"

// migrations is the PostgreSQL schema history (versions 1, 2, … without gaps). It holds the
// same tables and columns as the SQLite store's schema, so store.Core's SQL runs on both; the
// differences: times are timestamptz, flags boolean, JSON columns json (kept as written), ids
// from sequences, facility points and division seats also as generated geometry(Point,4326)
// columns and boundaries as geometry(MultiPolygon,4326), each with a GiST index.
// Steps run under the advisory lock (Open); append, never edit a released one.
func migrations() []store.Migration {
	return []store.Migration{
		{Version: 1, Name: "initial schema (SQLite schema 6)", SQL: schemaV1},
		{Version: 2, Name: "idempotency keys (SQLite schema 7)", SQL: schemaIdempotency},
	}
}

// SchemaVersion is the newest schema version this build knows.
func SchemaVersion() int { m := migrations(); return m[len(m)-1].Version }

const schemaV1 = `
CREATE TABLE meta (
	key   text PRIMARY KEY,
	value text NOT NULL
);

-- The change log's counter: bumped first thing in every write transaction, so its row lock
-- orders writers and its value is the transaction's version (commit order, no gaps).
CREATE TABLE write_version (n bigint NOT NULL);
INSERT INTO write_version (n) VALUES (0);

-- Bumped by the number of division rows a change touched (counted by the trigger below in a
-- transaction-local setting and added once at the end of the change, not once a row).
CREATE TABLE divisions_version (n bigint NOT NULL);
INSERT INTO divisions_version (n) VALUES (0);

CREATE TABLE divisions (
	code            text PRIMARY KEY CHECK (length(code) = 12),
	name            text NOT NULL,
	short_name      text NOT NULL,
	level           smallint NOT NULL CHECK (level BETWEEN 1 AND 5),
	kind            text NOT NULL,
	parent          text REFERENCES divisions(code),
	ur_code         text NOT NULL DEFAULT '',
	has_seat        boolean NOT NULL DEFAULT false,
	seat_lon        double precision NOT NULL DEFAULT 0,
	seat_lat        double precision NOT NULL DEFAULT 0,
	seat            geometry(Point, 4326) GENERATED ALWAYS AS
	                  (CASE WHEN has_seat THEN ST_SetSRID(ST_MakePoint(seat_lon, seat_lat), 4326) END) STORED,
	boundary        geometry(MultiPolygon, 4326), -- NULL = unknown
	pop_total       bigint NOT NULL DEFAULT 0,
	pop_age60       bigint NOT NULL DEFAULT 0,
	pop_age65       bigint NOT NULL DEFAULT 0,
	has_programme   boolean NOT NULL DEFAULT false,
	pilot_year      integer NOT NULL DEFAULT 0,
	social_orgs     integer NOT NULL DEFAULT 0,
	ledger          boolean NOT NULL DEFAULT false,
	care_contact    boolean NOT NULL DEFAULT false,
	activity_place  boolean NOT NULL DEFAULT false,
	regular_visits  boolean NOT NULL DEFAULT false,
	prov_geometry   text NOT NULL DEFAULT '',
	prov_seat       text NOT NULL DEFAULT '',
	prov_population text NOT NULL DEFAULT '',
	prov_attributes text NOT NULL DEFAULT '',
	prov_programme  text NOT NULL DEFAULT ''
);
CREATE INDEX divisions_parent ON divisions(parent);
CREATE INDEX divisions_boundary ON divisions USING gist (boundary);
CREATE INDEX divisions_seat ON divisions USING gist (seat);

CREATE FUNCTION civplan_divisions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('civplan.divisions_changed',
		(coalesce(nullif(current_setting('civplan.divisions_changed', true), ''), '0')::bigint + 1)::text, true);
	RETURN NULL;
END $$;
CREATE TRIGGER divisions_changed AFTER INSERT OR UPDATE OR DELETE ON divisions
	FOR EACH ROW EXECUTE FUNCTION civplan_divisions_changed();

CREATE SEQUENCE facilities_id_seq;
CREATE TABLE facilities (
	id             bigint PRIMARY KEY DEFAULT nextval('facilities_id_seq'),
	kind           text NOT NULL,
	name           text NOT NULL,
	division_code  text NOT NULL REFERENCES divisions(code),
	lon            double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
	lat            double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
	geom           geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED,
	status         text NOT NULL CHECK (status IN ('planned','building','operating','suspended','closed')),
	beds           integer NOT NULL DEFAULT 0 CHECK (beds >= 0),
	floor_area_m2  double precision NOT NULL DEFAULT 0 CHECK (floor_area_m2 >= 0),
	fire_safety    boolean,        -- NULL unknown
	accessibility  boolean,
	special_care   boolean,
	opened         text NOT NULL DEFAULT '',
	plan_id        bigint,         -- set on planned facilities of a saved siting plan
	provenance     text NOT NULL DEFAULT '',
	created        timestamptz NOT NULL,
	updated        timestamptz NOT NULL,
	deleted_at     timestamptz,    -- soft delete
	version        bigint NOT NULL DEFAULT 1  -- the change-log version of its last change (ETag)
);
ALTER SEQUENCE facilities_id_seq OWNED BY facilities.id;
CREATE INDEX facilities_kind ON facilities(kind) WHERE deleted_at IS NULL;
CREATE INDEX facilities_division ON facilities(division_code);
CREATE INDEX facilities_plan ON facilities(plan_id) WHERE plan_id IS NOT NULL;
CREATE INDEX facilities_version ON facilities(version);
CREATE INDEX facilities_geom ON facilities USING gist (geom);

CREATE TABLE facility_history (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	facility_id bigint NOT NULL,
	version     bigint NOT NULL,   -- the version the old row had
	at          timestamptz NOT NULL,
	old_row     json NOT NULL      -- the facility before the change
);
CREATE INDEX facility_history_facility ON facility_history(facility_id);

CREATE TABLE tokens (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name       text NOT NULL,
	role       text NOT NULL CHECK (role IN ('viewer','planner','admin')),
	hash       bytea NOT NULL UNIQUE CHECK (length(hash) = 32), -- SHA-256 of the secret
	prefix     text NOT NULL,
	created    timestamptz NOT NULL,
	revoked_at timestamptz
);

CREATE TABLE audit_log (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at         timestamptz NOT NULL,
	actor      text NOT NULL,
	token_id   bigint NOT NULL DEFAULT 0,
	role       text NOT NULL DEFAULT '',
	action     text NOT NULL,
	target     text NOT NULL DEFAULT '',
	before     json,
	after      json,
	request_id text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);

CREATE TABLE scenarios (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name          text NOT NULL CHECK (length(name) > 0),
	status        text NOT NULL CHECK (status IN ('draft','review','submitted','approved','rejected')),
	author        text NOT NULL,
	created       timestamptz NOT NULL,
	updated       timestamptz NOT NULL,
	approval_date text NOT NULL DEFAULT '',
	notes         text NOT NULL DEFAULT '',
	inputs        json NOT NULL DEFAULT 'null',
	ops           json NOT NULL,
	deleted_at    timestamptz,
	replay_csv    text NOT NULL DEFAULT ''
);

CREATE TABLE plans (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name       text NOT NULL CHECK (name <> ''),
	kind       text NOT NULL,
	division   text NOT NULL DEFAULT '',
	params     json NOT NULL,   -- the siting request
	summary    json NOT NULL,   -- the siting answer's summary
	author     text NOT NULL,
	created    timestamptz NOT NULL,
	deleted_at timestamptz
);

CREATE TABLE change_log (
	version      bigint PRIMARY KEY,         -- write_version.n of the transaction
	at           timestamptz NOT NULL,
	kinds        text NOT NULL,              -- what changed, comma-separated
	actions      json NOT NULL,              -- the transaction's audit entries: [{"action":…,"target":…}]
	facility_ids json NOT NULL DEFAULT '[]', -- the facilities created, changed or deleted
	divisions    bigint NOT NULL DEFAULT 0   -- division rows inserted, updated or deleted
);
`

// schemaIdempotency is the table of Idempotency-Key records (data/store/idempotency.go).
const schemaIdempotency = `
CREATE TABLE idempotency_keys (
	token_id     bigint NOT NULL,   -- the key's scope: the token that sent it
	key          text NOT NULL,     -- the Idempotency-Key value (1–255 printable ASCII)
	method       text NOT NULL,     -- the request it was first sent with
	path         text NOT NULL,     -- path and query
	body_sha256  text NOT NULL,     -- hex SHA-256 of the request body
	status       integer NOT NULL,  -- the answer: status, body and the headers that matter
	content_type text NOT NULL DEFAULT '',
	etag         text NOT NULL DEFAULT '',
	location     text NOT NULL DEFAULT '',
	body         bytea,
	version      bigint NOT NULL,   -- the change-log version of the write
	created      timestamptz NOT NULL,
	PRIMARY KEY (token_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created);
`
