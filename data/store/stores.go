package store

import (
	"context"
	"database/sql"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/divisions"
	"github.com/civplan/civplan/facilities"
)

// Store is what the web server needs from a store: reading what a snapshot is built from,
// audited writes, the registry, plans, scenarios, tokens and the audit log. *SQLite implements
// it; a PostgreSQL store is the second implementation planned. Methods taking a *sql.Tx run
// inside Write's transaction.
type Store interface {
	Snapshots
	Writer
	Facilities
	Plans
	Scenarios
	Tokens
	Audit
}

// Snapshots reads what a serving snapshot is built from.
type Snapshots interface {
	// Versions returns the version of the last write and of the last write that changed divisions.
	Versions() (write, divisions int64, err error)
	// Version returns the version of the last committed write (0 for a new store).
	Version() (int64, error)
	// Meta returns the seeded dataset's meta (zero Meta before seeding).
	Meta() (dataset.Meta, error)
	// LoadTree reads every division as a tree.
	LoadTree() (*divisions.Tree, error)
	// LoadFacilities returns every live facility, sorted by id.
	LoadFacilities() ([]facilities.Facility, error)
	// Path names where the store lives (a file for SQLite), for logs and metrics.
	Path() string
}

// Writer runs audited writes.
type Writer interface {
	// Write runs fn in one write transaction and records one audit entry (actor, action,
	// target, fn's before/after) in it; nothing is written when fn fails.
	Write(ctx context.Context, a Actor, action, target string, fn func(tx *sql.Tx) (before, after any, err error)) error
}

// Facilities is the facility registry.
type Facilities interface {
	// Facility reads live facility id; ErrNotFound when it does not exist or is deleted.
	Facility(ctx context.Context, id int64) (FacilityRecord, error)
	// FacilityTx is Facility inside a Write transaction.
	FacilityTx(ctx context.Context, tx *sql.Tx, id int64) (FacilityRecord, error)
	InsertFacility(ctx context.Context, tx *sql.Tx, f facilities.Facility) (int64, error)
	UpdateFacility(ctx context.Context, tx *sql.Tx, f facilities.Facility, version int64) (FacilityRecord, error)
	DeleteFacility(ctx context.Context, tx *sql.Tx, id, version int64) (FacilityRecord, error)
}

// Plans are saved siting results.
type Plans interface {
	// Plan reads live plan id; ErrNotFound when it does not exist or is deleted.
	Plan(ctx context.Context, id int64) (Plan, error)
	ListPlans(ctx context.Context) ([]Plan, error)
	InsertPlan(ctx context.Context, tx *sql.Tx, p Plan, fs []facilities.Facility) (Plan, error)
	DeletePlan(ctx context.Context, tx *sql.Tx, id int64) (Plan, error)
}

// Scenarios are saved division-adjustment scenarios.
type Scenarios interface {
	// Scenario reads live scenario id; ErrNotFound when it does not exist or is deleted.
	Scenario(ctx context.Context, id int64) (divisions.Scenario, error)
	Scenarios(ctx context.Context) ([]divisions.Scenario, error)
	InsertScenario(ctx context.Context, tx *sql.Tx, sc divisions.Scenario) (divisions.Scenario, error)
	UpdateScenario(ctx context.Context, tx *sql.Tx, sc divisions.Scenario) (old, cur divisions.Scenario, err error)
	DeleteScenario(ctx context.Context, tx *sql.Tx, id int64) (divisions.Scenario, error)
}

// Tokens checks API tokens (managing them is the CLI's business, on the concrete store).
type Tokens interface {
	// Authenticate returns the live token with this secret; ErrBadToken otherwise.
	Authenticate(ctx context.Context, secret string) (Token, error)
}

// Audit reads the audit log.
type Audit interface {
	AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

var _ Store = (*SQLite)(nil)

// Facility reads live facility id from the read pool; ErrNotFound when it does not exist or
// is deleted.
func (s *SQLite) Facility(ctx context.Context, id int64) (FacilityRecord, error) {
	return GetFacility(ctx, s.rdb, id)
}

// FacilityTx reads live facility id inside tx (use it from Write).
func (s *SQLite) FacilityTx(ctx context.Context, tx *sql.Tx, id int64) (FacilityRecord, error) {
	return GetFacility(ctx, tx, id)
}

// Plan reads live plan id from the read pool; ErrNotFound when it does not exist or is deleted.
func (s *SQLite) Plan(ctx context.Context, id int64) (Plan, error) {
	return GetPlan(ctx, s.rdb, id)
}
