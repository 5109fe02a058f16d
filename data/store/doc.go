// Package store is civplan's storage: the interfaces every store implements (stores.go), the
// logic both SQL stores share (Core: the schema's queries for divisions and facilities, seeded
// from a dataset.Dataset then edited with a change-log version per write, saved plans and
// scenarios, API tokens and roles, the audit log written in the same transaction as each change,
// file imports parsed by data/formats), and the SQLite store on a file (SQLite: migrations, group
// commit, backup/restore, the <db>.lock flock). The PostgreSQL/PostGIS store is
// data/store/postgres; data/store/storetest is the conformance suite both run.
package store
