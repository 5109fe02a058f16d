package store

import (
	"context"
	"database/sql"
	"io"
	"time"

	"github.com/civplan/civplan/data/dataset"
	"github.com/civplan/civplan/data/formats"
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
	ChangeLog
	Facilities
	Plans
	Scenarios
	Tokens
	Audit
	Idempotency
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
	// LoadFacilityState reads every live facility (Version = the change-log version of its
	// last change) and the log version they are at, as one consistent read.
	LoadFacilityState(ctx context.Context) (FacilityState, error)
	// ChangesSince reads what changed after log version from (entries, facility rows changed,
	// facilities deleted) as one consistent read; To == from means nothing did.
	ChangesSince(ctx context.Context, from int64) (ChangeSet, error)
	// Path names where the store lives (a file for SQLite), for logs and metrics.
	Path() string
}

// Writer runs audited writes. Every committed write transaction is one change-log entry: its
// version is taken from a one-row counter updated inside the transaction (so versions follow
// commit order without gaps), and every row it writes carries that version.
type Writer interface {
	// Write runs fn in one write transaction and records one audit entry (actor, action,
	// target, fn's before/after) and the change-log entry in it; nothing is written when fn fails.
	Write(ctx context.Context, a Actor, action, target string, fn func(tx *sql.Tx) (before, after any, err error)) error
	// ImportFacilities validates every row of a CSV or GeoJSON file and writes them as one
	// batch (one transaction, one audit entry, one log version) or nothing.
	ImportFacilities(ctx context.Context, r io.Reader, name string, o ImportOptions, a Actor) (formats.ImportReport, error)
}

// Notifier is implemented by stores that can push word of commits made by any process
// (PostgreSQL LISTEN/NOTIFY). The server still reads the log on a timer as a fallback, so a
// missed or coalesced signal only delays a catch-up; it never loses a change.
type Notifier interface {
	// Changed returns a channel that receives (coalesced, non-blocking) after another commit
	// may have happened; it is closed when ctx ends. Reconnecting is the store's business:
	// each time it starts listening (the first time and after every reconnect) it sends once,
	// since commits may have happened before the listening took effect.
	Changed(ctx context.Context) <-chan struct{}
}

// ChangeLog reads the change log.
type ChangeLog interface {
	// Changes returns the entries after version from, oldest first, at most limit (≤ 0: all).
	Changes(ctx context.Context, from int64, limit int) ([]Change, error)
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

// Idempotency reads Idempotency-Key records; keyed writes store them (WithIdempotency).
type Idempotency interface {
	// IdempotencyRecord reads the committed, unexpired key of token; false when there is none.
	IdempotencyRecord(ctx context.Context, tokenID int64, key string) (IdemRecord, bool, error)
}

// Audit reads the audit log.
type Audit interface {
	AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// Admin is what the command line and the tests do beside serving: seeding, division imports,
// token management, facility history, scenarios in one audited write. Both stores implement it
// (through Core).
type Admin interface {
	// Empty reports whether the store holds no divisions yet.
	Empty() (bool, error)
	Seed(ctx context.Context, ds *dataset.Dataset, progress func(done, total int)) error
	ImportDivisions(ctx context.Context, r io.Reader, name string, o ImportOptions, a Actor) (formats.ImportReport, error)
	LoadDivisions() ([]divisions.Division, error)
	LoadAnalyzer() (*facilities.Analyzer, error)
	FacilityHistory(ctx context.Context, id int64) ([]FacilityRecord, error)
	CreateToken(ctx context.Context, name string, role Role) (string, Token, error)
	ListTokens(ctx context.Context) ([]Token, error)
	RevokeToken(ctx context.Context, id int64) error
	TokenCount(ctx context.Context) (int, error)
	CreateScenario(ctx context.Context, a Actor, sc divisions.Scenario) (divisions.Scenario, error)
	ReplaceScenario(ctx context.Context, a Actor, sc divisions.Scenario) (divisions.Scenario, error)
	RemoveScenario(ctx context.Context, a Actor, id int64) error
	// DumpTables renders every row of every table as sorted lines (tests compare dumps).
	DumpTables(ctx context.Context) (map[string][]string, error)
	// SetClock replaces the store's UTC clock (tests).
	SetClock(now func() time.Time)
	// DB is the store's read pool (or its only pool), for queries the interfaces do not cover.
	DB() *sql.DB
	Close() error
}

// Handle is an open store of either kind: everything the server, the CLI and the tests use.
type Handle interface {
	Store
	Admin
}

var _ Handle = (*SQLite)(nil)

// Facility reads live facility id from the read pool; ErrNotFound when it does not exist or
// is deleted.
func (s *Core) Facility(ctx context.Context, id int64) (FacilityRecord, error) {
	return GetFacility(ctx, s.rdb, id)
}

// FacilityTx reads live facility id inside tx (use it from Write).
func (s *Core) FacilityTx(ctx context.Context, tx *sql.Tx, id int64) (FacilityRecord, error) {
	return GetFacility(ctx, tx, id)
}

// Plan reads live plan id from the read pool; ErrNotFound when it does not exist or is deleted.
func (s *Core) Plan(ctx context.Context, id int64) (Plan, error) {
	return GetPlan(ctx, s.rdb, id)
}
